import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The member's pages: my complaints, a case page and what a member does on it.
struct MemberPortal: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// Under `/my`, behind the member portal's gate.
    func register(on my: RouterGroup<RedressRequestContext>) {
        let wizard = FilingWizard(site: site)
        my.get(use: myCases)
        my.get("new", use: wizard.newComplaint)
        my.post("new", use: wizard.fileComplaint)
        my.get("cases/:id") { request, context in try await site.casePage(request, context, .member) }
        my.post(SiteURL.CaseForm.messages.route) { request, context in try await site.postMessage(request, context, .member) }
        my.post(SiteURL.CaseForm.evidence.route, use: memberEvidence)
        my.post(SiteURL.CaseForm.escalate.route) { request, context in try await site.escalate(request, context, .member) }
        my.post(SiteURL.CaseForm.confirm.route, use: memberConfirm)
        my.post(SiteURL.CaseForm.rating.route, use: memberRate)
        my.post(SiteURL.CaseForm.reopen.route, use: memberReopen)
        my.post(SiteURL.CaseForm.external.route, use: memberExternal)
    }

    @Sendable func myCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let model = CaseListPage(items: try await site.list(ComplaintQuery(limit: 100), in: .member, for: identity, chinese: zh).rows)
        if request.uri.queryParameters.get("fragment") == "list" { return pages.fragment("my-cases-list", model: model.fields, request: request) }
        return pages.page("my-cases", title: WebText.word("myComplaints", chinese: zh), model: model, request: request, context: context)
    }

    /// The member's case page: the record, and what the member may do next.
    struct CasePage: PageModel {
        struct Step: Sendable {
            var title: String
            var detail: String
            var rule: String
            var recommended: Bool
        }
        var record: CaseRecord
        var mayEscalate: Bool
        var proposal: Bool
        var mayRate: Bool
        var scores = [1, 2, 3, 4, 5]
        var mayReopen: Bool
        var guidance: [Step]
        var derived: [String: Any] { ["hasGuidance": !guidance.isEmpty] }
    }

    func casePage(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let steps = Guidance(workflow: workflow).steps(for: c, now: now, chinese: zh).filter(\.available)
        return CasePage(
            record: try await site.record(c, in: .member, workflow: workflow, now: now, for: identity, chinese: zh),
            mayEscalate: workflow.memberMayEscalate(c, now: now), proposal: c.status == .resolutionProposed,
            mayRate: !Lifecycle.open.contains(c.status) && c.rating == nil, mayReopen: workflow.mayTake(.reopen, on: c, by: identity.actor, now: now),
            guidance: steps.map { CasePage.Step(title: $0.title, detail: $0.detail, rule: $0.rule, recommended: $0.recommended) })
    }

    @Sendable func memberConfirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let accept = form["answer"] == "accept"
        let note = form["note"]
        return try await site.act(request, context, .member, form: form) { wf, c, now, who in
            try wf.act(accept ? .accept : .dispute, on: c, by: who.actor, input: ActionInput(note: note), now: now)
        }
    }

    @Sendable func memberEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.upload(request, context, .member) { identity, id, _, bytes, name in
            try await self.site.addEvidence(id, bytes: bytes, name: name, identity: identity)
        }
    }

    @Sendable func memberReopen(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await site.act(request, context, .member, form: form) { wf, c, now, who in
            try wf.act(.reopen, on: c, by: who.actor, input: ActionInput(note: note.isEmpty ? nil : note), now: now)
        }
    }

    @Sendable func memberRate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let score = { (k: String) in Int(form[k] ?? "") ?? 0 }
        let (attitude, speed, overall) = (score("attitude"), score("speed"), score("overall"))
        let comment = (form["comment"] ?? "").isEmpty ? nil : form["comment"]
        return try await site.act(request, context, .member, form: form) { wf, c, now, who in
            try wf.rate(c, attitude: attitude, speed: speed, overall: overall, comment: comment, by: who.actor, now: now)
        }
    }

    @Sendable func memberExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.recordExternal(request, context, .member)
    }

}
