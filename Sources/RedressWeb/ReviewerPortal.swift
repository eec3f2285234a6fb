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
        review.post("cases/:id/rulings", use: reviewerRule)
    }

    @Sendable func reviewerCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let items = try await site.list(ComplaintQuery(limit: 100), for: identity, chinese: zh).rows
        let title = WebText.word("reviewCases", chinese: zh)
        return pages.page(
            "reviewer-cases", title: title, model: ["items": items, "empty": items.isEmpty, "heading": title], request: request, context: context)
    }

    /// The public record of a case given to an external reviewer, and the ruling form.
    func reviewerCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        var m = try await MemberPortal(site: site).memberCaseModel(c, identity: identity, chinese: zh)
        for key in ["mayEscalate", "proposal", "open", "mayRate", "mayReopen", "hasGuidance"] { m[key] = false }
        m["narrative"] = c.narrative
        m["orderNumber"] = c.order.orderNumber
        m["outcomes"] = RulingOutcome.allCases.map { ["value": $0.rawValue, "label": $0.label(chinese: zh)] }
        m["mayRule"] = Lifecycle.open.contains(c.status)
        return m
    }

    @Sendable func reviewerRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.rule(request, context, .reviewer)
    }

}
