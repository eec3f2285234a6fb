import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// An external reviewer's pages: the cases given to them, the public record and a ruling.
struct ReviewerPortal: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// Under `/review`, behind the reviewer portal's gate.
    func register(on review: RouterGroup<RedressRequestContext>) {
        review.get(use: reviewerCases)
        review.get("cases/:id") { request, context in try await site.casePage(request, context, .reviewer) }
        review.post(SiteURL.CaseForm.rulings.route, use: reviewerRule)
    }

    @Sendable func reviewerCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let title = WebText.word("reviewCases", chinese: zh)
        let model = try await site.searchableList(request, identity, in: .reviewer, base: ComplaintQuery(limit: 100), heading: title) { q, _, _ in
            .reviewerCases(q: q)
        }
        return pages.page("reviewer-cases", title: title, model: model, request: request, context: context)
    }

    /// The public record of a case given to an external reviewer, and the ruling form.
    struct CasePage: PageModel {
        var record: CaseRecord
        var outcomes: [Choice]
        var mayRule: Bool
        /// The merchant's records still due: the reviewer rules once they are given or their deadline has passed.
        var recordsDue: String?
    }

    func casePage(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let now = services.now()
        let due = c.recordsRequests.filter { $0.isOpen && $0.dueAt > now }.map(\.dueAt).max()
        return CasePage(
            record: try await site.record(
                c, in: .reviewer, workflow: try await services.cases.workflow(), now: services.now(), for: identity, chinese: zh),
            outcomes: RulingOutcome.allCases.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            mayRule: Lifecycle.open.contains(c.status) && due == nil,
            recordsDue: due.map { WebText.word("recordsStillDue", chinese: zh).replacingOccurrences(of: "{due}", with: WebFormat.instant($0)) })
    }

    @Sendable func reviewerRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.rule(request, context, .reviewer)
    }

}
