import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The staff's pages: the queues of their tier and the case page with every action the case allows.
struct StaffPortal: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// Under `/work`, behind the staff portal's gate.
    func register(on work: RouterGroup<RedressRequestContext>) {
        work.get(use: queue)
        work.get("cases/:id") { request, context in try await site.casePage(request, context, .staff) }
        work.post(SiteURL.CaseForm.messages.route) { request, context in try await site.postMessage(request, context, .staff) }
        work.post(SiteURL.CaseForm.transitions.route, use: staffTransition)
        work.post(SiteURL.CaseForm.escalate.route) { request, context in try await site.escalate(request, context, .staff) }
        work.post(SiteURL.CaseForm.recordsRequests.route, use: staffRequestRecords)
        work.post(SiteURL.CaseForm.rulings.route, use: staffRule)
        work.post(SiteURL.CaseForm.freezes.route, use: staffFreeze)
        work.post(SiteURL.CaseForm.releaseFreeze.route, use: staffRelease)
        work.post(SiteURL.CaseForm.confirmRuling.route, use: staffConfirmRuling)
        work.post(SiteURL.CaseForm.external.route, use: staffExternal)
        work.post(SiteURL.CaseForm.respondent.route, use: staffRespondent)
    }

    @Sendable func staffRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.rule(request, context, .staff)
    }

    @Sendable func staffFreeze(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let target = FreezeTarget(rawValue: form["target"] ?? "") ?? .order
        let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let freezeId = services.cases.newId()
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.freeze(c, target: target, reference: reference, reason: reason, id: freezeId, by: who.actor, now: now)
        }
    }

    @Sendable func staffRelease(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let freezeId = form["freezeId"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.releaseFreeze(c, freezeId: freezeId, reason: reason, by: who.actor, now: now)
        }
    }

    /// The default ruling the merchant's silence proposed, confirmed by L2.
    @Sendable func staffConfirmRuling(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in try wf.confirmProposedRuling(c, by: who.actor, now: now)
        }
    }

    @Sendable func staffExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.recordExternal(request, context, .staff)
    }

    /// L2 and above name who answers for the case: the platform, or a registered merchant.
    @Sendable func staffRespondent(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let choice = form["respondent"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let merchantId = choice.hasPrefix("merchant:") ? String(choice.dropFirst("merchant:".count)) : nil
        let respondent = choice == "platform" ? CaseRespondent(kind: .platform) : CaseRespondent(kind: .merchant, merchantId: merchantId)
        return try await site.perform(request, context, .staff, form: form) { identity, id in
            _ = try await services.cases.changeRespondent(id, to: respondent, reason: reason, by: identity)
        }
    }

    @Sendable func staffRequestRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let needed = (form["needed"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let hours = Double(form["hours"] ?? "") ?? 72
        let requestId = services.cases.newId()
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.requestRecords(c, needed: needed, dueAt: now.addingTimeInterval(hours * 3600), id: requestId, by: who.actor, now: now)
        }
    }

    @Sendable func queue(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let visible = identity.role.visibleQueues.sorted { $0.rawValue < $1.rawValue }
        let chosen = request.uri.queryParameters.get("queue").flatMap(Queue.init(rawValue:)).flatMap { visible.contains($0) ? $0 : nil }
        let (items, total) = try await site.list(
            ComplaintQuery(queues: Set(chosen.map { [$0] } ?? visible), openOnly: true, limit: 100), in: .staff, for: identity, chinese: zh)
        let model = QueuePage(
            items: items, total: total,
            queues: visible.map {
                QueuePage.Tab(url: SiteURL.queue($0).path, name: $0.rawValue, label: $0.label(chinese: zh), current: $0 == chosen)
            },
            all: chosen == nil, fragment: SiteURL.queue(chosen, fragment: true).path)
        if request.uri.queryParameters.get("fragment") == "queue" { return pages.fragment("queue-body", model: model.fields, request: request) }
        return pages.page("queue", title: WebText.word("queue", chinese: zh), model: model, request: request, context: context)
    }

    /// The queues of the staff member's tier, nearest deadline first.
    struct QueuePage: PageModel {
        struct Tab: Sendable {
            var url: String
            var name: String
            var label: String
            var current: Bool
        }
        var items: [CaseRow]
        var total: Int
        var queues: [Tab]
        var all: Bool
        /// The list alone, of the queue shown, for live updates.
        var fragment: String
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    /// The staff's case page: the record with internal notes, the chain's check, and every action the case allows
    /// this staff member.
    struct CasePage: PageModel {
        struct FreezeRow: Sendable {
            var freezeId: String
            var target: String
            var reference: String
            var released: Bool
        }
        struct ProposedRuling: Sendable {
            var outcome: String
            var amount: String
            var reason: String
        }
        var record: CaseRecord
        var chainValid: Bool
        var queue: String
        var actions: [Choice]
        var mayEscalate: Bool
        var mayRequestRecords: Bool
        var mayRule: Bool
        var outcomes: [Choice]
        var mayFreeze: Bool
        var freezes: [FreezeRow]
        var proposedRuling: ProposedRuling?
        var mayConfirmRuling: Bool
        var respondent: String
        var mayChangeRespondent: Bool
        var respondents: [Choice]
        var derived: [String: Any] { ["hasActions": !actions.isEmpty] }
    }

    func casePage(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let events = try await services.cases.timeline(of: c, for: identity)
        let record = try await site.record(c, in: .staff, events: events, workflow: workflow, now: now, for: identity, chinese: zh)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        let open = Lifecycle.open.contains(c.status)
        let mayChangeRespondent = identity.role.decides && !c.status.isFinished
        let merchants = mayChangeRespondent ? try await services.merchants.list(by: identity) : []
        let platform = WebText.word("respondentPlatform", chinese: zh)
        let respondent =
            c.respondent.kind == .platform
            ? platform : try await services.cases.respondent(of: c).map { "\($0.shopName)（\($0.registeredName)）" } ?? (c.respondent.merchantId ?? "")
        return CasePage(
            record: record, chainValid: chain.valid, queue: c.queue.label(chinese: zh),
            actions: workflow.availableActions(on: c, by: identity.actor, now: now).map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            mayEscalate: c.tier.next != nil && open, mayRequestRecords: c.respondentMerchantId != nil && open && identity.role.decides,
            mayRule: identity.role.decides && open, outcomes: RulingOutcome.allCases.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            mayFreeze: (identity.role == .riskControl || identity.role == .admin) && open,
            freezes: c.freezes.map {
                CasePage.FreezeRow(freezeId: $0.id, target: $0.target.rawValue, reference: $0.reference, released: $0.releasedAt != nil)
            },
            proposedRuling: c.proposedRuling.map {
                CasePage.ProposedRuling(outcome: $0.outcome.label(chinese: zh), amount: $0.amountFen.map(Yuan.format) ?? "", reason: $0.reason)
            },
            mayConfirmRuling: c.proposedRuling != nil && identity.role.decides, respondent: respondent, mayChangeRespondent: mayChangeRespondent,
            respondents: [Choice(value: "platform", label: platform, selected: c.respondent.kind == .platform)]
                + merchants.map {
                    Choice(value: "merchant:" + $0.id, label: "\($0.shopName)（\($0.registeredName)）", selected: c.respondent.merchantId == $0.id)
                })
    }

    @Sendable func staffTransition(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let action = CaseAction(rawValue: form["action"] ?? "")
        let note = (form["note"] ?? "").isEmpty ? nil : form["note"]
        let reason = RejectionReason(rawValue: form["reason"] ?? "")
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            guard let action else {
                throw DomainError.invalidField(field: "action", code: "unknown_action", zh: "请选择操作", en: "Choose an action")
            }
            return try wf.act(action, on: c, by: who.actor, input: ActionInput(note: note, rejectionReason: reason), now: now)
        }
    }
}
