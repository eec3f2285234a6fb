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
        work.post("cases/:id/messages") { request, context in try await site.postMessage(request, context, .staff) }
        work.post("cases/:id/transitions", use: staffTransition)
        work.post("cases/:id/escalate") { request, context in try await site.escalate(request, context, .staff) }
        work.post("cases/:id/records-requests", use: staffRequestRecords)
        work.post("cases/:id/rulings", use: staffRule)
        work.post("cases/:id/freezes", use: staffFreeze)
        work.post("cases/:id/freezes/release", use: staffRelease)
        work.post("cases/:id/rulings/confirm-proposed", use: staffConfirmRuling)
        work.post("cases/:id/external", use: staffExternal)
        work.post("cases/:id/respondent", use: staffRespondent)
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
            ComplaintQuery(queues: Set(chosen.map { [$0] } ?? visible), openOnly: true, limit: 100), for: identity, chinese: zh)
        let model: [String: Any] = [
            "items": items, "empty": items.isEmpty, "total": total,
            "queues": visible.map { q -> [String: Any] in ["name": q.rawValue, "label": q.label(chinese: zh), "current": q == chosen] },
            "all": chosen == nil,
        ]
        if request.uri.queryParameters.get("fragment") == "queue" { return pages.fragment("queue-body", model: model, request: request) }
        return pages.page("queue", title: WebText.word("queue", chinese: zh), model: model, request: request, context: context)
    }

    func staffCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let events = try await services.cases.timeline(of: c, for: identity)
        let files = try await services.cases.evidence(of: c)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        let mayChangeRespondent = identity.role.decides && !c.status.isFinished
        let merchants = mayChangeRespondent ? try await services.merchants.list(by: identity) : []
        let respondent = try await services.cases.respondent(of: c)
        let respondentLabel =
            c.respondent.kind == .platform
            ? WebText.word("respondentPlatform", chinese: zh)
            : respondent.map { "\($0.shopName)（\($0.registeredName)）" } ?? (c.respondent.merchantId ?? "")
        let actions = workflow.availableActions(on: c, by: identity.actor, now: now)
        return [
            "id": c.id, "caseNumber": c.caseNumber, "status": c.status.label(chinese: zh), "tier": c.tier.label(chinese: zh),
            "category": workflow.taxonomy.category(c.categoryCode)?.label(chinese: zh) ?? c.categoryCode,
            "narrative": c.narrative, "orderNumber": c.order.orderNumber, "amount": WebFormat.yuan(c.amountAtStakeFen),
            "deadlines": WebFormat.deadlines(c, now: now, chinese: zh), "events": events.reversed().map { WebFormat.event($0, chinese: zh) },
            "eventCount": c.eventCount, "chainValid": chain.valid, "queue": c.queue.label(chinese: zh),
            "files": files.map { f -> [String: Any] in
                [
                    "name": f.fileName, "url": "/api/v1/complaints/\(c.id)/evidence/\(f.sha256)", "image": f.mediaType.rawValue.hasPrefix("image/"),
                    "type": f.mediaType.rawValue,
                ]
            },
            "actions": actions.map { ["value": $0.rawValue, "label": $0.label(chinese: zh)] },
            "mayEscalate": c.tier.next != nil && Lifecycle.open.contains(c.status), "hasFiles": !files.isEmpty, "hasActions": !actions.isEmpty,
            "mayRequestRecords": c.respondentMerchantId != nil && Lifecycle.open.contains(c.status) && identity.role.decides,
            "mayRule": identity.role.decides && Lifecycle.open.contains(c.status),
            "outcomes": RulingOutcome.allCases.map { ["value": $0.rawValue, "label": $0.label(chinese: zh)] },
            "mayFreeze": (identity.role == .riskControl || identity.role == .admin) && Lifecycle.open.contains(c.status),
            "externalChannels": ExternalChannel.allCases.map { ["value": $0.rawValue, "label": zh ? $0.labelZh : $0.labelEn] },
            "externals": c.externalComplaints.map { e -> [String: Any] in
                ["channel": zh ? e.channel.labelZh : e.channel.labelEn, "reference": e.reference]
            },
            "freezes": c.freezes.map { f -> [String: Any] in
                ["freezeId": f.id, "target": f.target.rawValue, "reference": f.reference, "released": f.releasedAt != nil]
            },
            "proposedRuling": c.proposedRuling.map { r -> [String: Any] in
                ["outcome": r.outcome.label(chinese: zh), "amount": r.amountFen.map(WebFormat.yuan) ?? "", "reason": r.reason]
            } as Any,
            "mayConfirmRuling": c.proposedRuling != nil && identity.role.decides,
            "respondent": respondentLabel, "mayChangeRespondent": mayChangeRespondent,
            "respondents": [
                ["value": "platform", "label": WebText.word("respondentPlatform", chinese: zh), "selected": c.respondent.kind == .platform]
            ]
                + merchants.map { m -> [String: Any] in
                    ["value": "merchant:" + m.id, "label": "\(m.shopName)（\(m.registeredName)）", "selected": c.respondent.merchantId == m.id]
                },
        ]
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
