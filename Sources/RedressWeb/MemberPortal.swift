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
        my.get("cases/:id/receipts", use: receiptsPage)
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
        let model = try await site.searchableList(request, identity, in: .member, base: ComplaintQuery(limit: 100), heading: nil) { q, fragment, _ in
            .myCases(fragment: fragment, q: q)
        }
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
        /// The complaint text for 12315 / 黑猫投诉, shown when the guidance offers those routes.
        var complaintText: String?
        /// Just filed: the confirmation at the top (the case page sets it from its address, `?filed=1`).
        var filed: Bool
        var proposalTitle: String
        var proposalText: String?
        var receiptsPage: String
        var derived: [String: Any] { ["hasGuidance": !guidance.isEmpty] }
    }

    /// The guidance a member reads at this stage of the case: what they can do now (answer a proposal, escalate,
    /// reopen, rate), and the outside routes only once the platform has missed a promise, decided against them or
    /// let the case run a week (the rules `Guidance` recommends them by), or when they are already on one.
    static func shown(_ steps: [NextStep], for c: Complaint) -> [NextStep] {
        steps.filter { step in
            switch step.code {
            case .respondToProposal, .escalateInternal, .reopen, .rate: step.available
            case .external12315: step.recommended || c.externalComplaints.contains { $0.channel == .odr12315 || $0.channel == .regulator12315 }
            case .externalBlackCat: step.recommended || c.externalComplaints.contains { $0.channel == .blackCat }
            case .compensationFraud, .court: step.recommended
            }
        }
    }

    /// The proposal the member is asked to answer: the platform's (its note) or the merchant's offer (remedy, amount,
    /// note), from the latest of them in the timeline.
    static func proposal(_ events: [TimelineEvent], chinese zh: Bool) -> (title: String, text: String?) {
        for e in events.reversed() {
            if e.kind == .remedyOffered {
                var parts: [String] = []
                if case .object(let remedy)? = e.payload["remedy"], case .string(let kind)? = remedy["kind"], let k = RemedyKind(rawValue: kind) {
                    var r = k.label(chinese: zh)
                    if case .string(let text)? = remedy["text"], !text.isEmpty { r += (zh ? "：" : ": ") + text }
                    parts.append(r)
                }
                if case .int(let fen)? = e.payload["amountFen"] { parts.append(Yuan.format(fen)) }
                if case .string(let note)? = e.payload["note"], !note.isEmpty { parts.append(note) }
                return (WebText.word("merchantProposal", chinese: zh), parts.joined(separator: zh ? "；" : "; "))
            }
            if e.kind == .statusChanged, case .string("resolution_proposed")? = e.payload["to"] {
                var text: String?
                if case .string(let note)? = e.payload["note"], !note.isEmpty { text = note }
                return (WebText.word("proposal", chinese: zh), text)
            }
        }
        return (WebText.word("proposal", chinese: zh), nil)
    }

    func casePage(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let workflow = try await services.cases.workflow()
        let now = services.now()
        // The steps are computed from the case alone; the complaint text (which reads the case's events, respondent
        // and member again) only when the page offers the outside routes it is for.
        let steps = Self.shown(Guidance(workflow: workflow).steps(for: c, now: now, chinese: zh), for: c)
        let external = steps.contains { $0.code == .external12315 || $0.code == .externalBlackCat }
        let text = external ? try await services.cases.guidance(c.id, for: identity, chinese: zh).2 : nil
        let events = try await services.cases.timeline(of: c, for: identity)
        let proposal = c.status == .resolutionProposed ? Self.proposal(events, chinese: zh) : (WebText.word("proposal", chinese: zh), nil)
        return CasePage(
            record: try await site.record(c, in: .member, events: events, workflow: workflow, now: now, for: identity, chinese: zh),
            mayEscalate: workflow.memberMayEscalate(c, now: now), proposal: c.status == .resolutionProposed,
            mayRate: !Lifecycle.open.contains(c.status) && c.rating == nil, mayReopen: workflow.mayTake(.reopen, on: c, by: identity.actor, now: now),
            guidance: steps.map { CasePage.Step(title: $0.title, detail: $0.detail, rule: $0.rule, recommended: $0.recommended) },
            complaintText: text, filed: false, proposalTitle: proposal.0, proposalText: proposal.1,
            receiptsPage: SiteURL.memberReceipts(c.id).path)
    }

    /// The member's receipts as a page: each entry of the case in the evidence log with its place in the log, and the
    /// JSON (what a verifier reads) as a download.
    struct ReceiptsPage: PageModel {
        struct Row: Sendable {
            var what: String
            var leafIndex: Int
            var leafHash: String
        }
        var caseNumber: String
        var casePage: String
        var json: String
        var treeSize: Int
        var rootHash: String
        var signedAt: String
        var rows: [Row]
    }

    @Sendable func receiptsPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        guard let id = context.parameters.get("id"), try await services.cases.find(id, for: identity) != nil else {
            return site.notFound(request, context)
        }
        let (c, head, receipts) = try await services.cases.receipts(id, for: identity)
        let model = ReceiptsPage(
            caseNumber: c.caseNumber, casePage: SiteURL.memberCase(c.id).path, json: SiteURL.receipts(complaintId: c.id).path,
            treeSize: head.treeSize, rootHash: head.rootHash, signedAt: WebFormat.instant(Date(millisecondsSince1970: head.timestampMs)),
            rows: receipts.map { r in
                let what =
                    r.kind == "evidence_file"
                    ? WebText.word("receiptFile", chinese: zh)
                    : WebText.word("receiptEvent", chinese: zh).replacingOccurrences(of: "{n}", with: "\((r.sequence ?? 0) + 1)")
                return ReceiptsPage.Row(what: what, leafIndex: r.leafIndex, leafHash: r.leafHash)
            })
        return pages.page(
            "receipts", title: WebText.word("receipts", chinese: zh) + " · " + c.caseNumber, model: model, request: request, context: context)
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
