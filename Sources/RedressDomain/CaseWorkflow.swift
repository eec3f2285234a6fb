import Foundation

/// A change to a case: its new state and the events that record it, in order.
public struct CaseChange: Sendable {
    public var complaint: Complaint
    public var events: [EventDraft]

    public init(complaint: Complaint, events: [EventDraft]) {
        self.complaint = complaint
        self.events = events
    }
}

/// Extra input an action may need.
public struct ActionInput: Sendable, Equatable {
    public var note: String?
    public var rejectionReason: RejectionReason?
    public init(note: String? = nil, rejectionReason: RejectionReason? = nil) {
        self.note = note
        self.rejectionReason = rejectionReason
    }
}

/// The rules of a case, as pure functions of the case, the actor, the policy and the time.
public struct CaseWorkflow: Sendable {
    public let policy: Policy
    public let calendar: WorkingDayCalendar
    public let taxonomy: Taxonomy
    public let clock: DeadlineClock

    public static let maximumMessage = 10_000

    public init(policy: Policy, calendar: WorkingDayCalendar, taxonomy: Taxonomy = .standard) {
        self.policy = policy
        self.calendar = calendar
        self.taxonomy = taxonomy
        self.clock = DeadlineClock(policy: policy.deadlines, calendar: calendar)
    }

    // MARK: Filing

    /// Files a complaint: validates it, routes it and starts its clocks.
    public func file(_ input: ComplaintDraft, id: String, caseNumber: String, memberId: String, now: Date) throws(DomainError) -> CaseChange {
        let (draft, category) = try input.validated(taxonomy: taxonomy, now: now)
        let emergency = draft.emergency ?? false
        let amount = max(draft.order.amountPaidFen, draft.amountClaimedFen)
        let route = policy.routing.route(dimension: category.dimension, amountFen: amount, emergency: emergency)
        let firstHours = route.queue == .emergency ? policy.deadlines.emergencyFirstResponseHours : policy.deadlines.firstResponseHours
        let urgent = route.queue == .emergency
        let remind = policy.member.reminderHours
        let deadlines = [
            clock.start(.firstResponse, tier: route.tier, hours: firstHours, at: now, emergency: urgent, reminderHours: remind),
            clock.start(.resolution, tier: route.tier, hours: policy.deadlines.resolutionHours, at: now, emergency: urgent, reminderHours: remind),
        ]
        let complaint = Complaint(
            id: id, caseNumber: caseNumber, memberId: memberId, categoryCode: category.code, dimension: category.dimension, order: draft.order,
            occurredAt: draft.occurredAt, narrative: draft.narrative, remedy: draft.remedy, amountClaimedFen: draft.amountClaimedFen,
            channel: draft.channel ?? .api, emergency: emergency, status: .submitted, tier: route.tier, queue: route.queue, assigneeId: nil,
            deadlines: deadlines, rejectionReason: nil, memberDisputedAt: nil, firstRespondedAt: nil, resolvedAt: nil, closedAt: nil,
            createdAt: now, updatedAt: now, eventCount: 0, headHash: TimelineEvent.genesisHash,
            respondent: CaseRespondent(kind: draft.order.respondent, merchantId: draft.order.merchantId))
        let member = CaseActor(id: memberId, role: .member)
        var order: [String: CanonicalValue] = [
            "orderNumber": .string(draft.order.orderNumber), "amountPaidFen": .int(draft.order.amountPaidFen),
            "productKind": .string(draft.order.productKind.rawValue), "respondent": .string(draft.order.respondent.rawValue),
        ]
        if let m = draft.order.merchantId { order["merchantId"] = .string(m) }
        if let m = draft.order.merchantName { order["merchantName"] = .string(m) }
        if let p = draft.order.paidAt { order["paidAtMs"] = .int(Self.ms(p)) }
        if let p = draft.order.paymentReference { order["paymentReference"] = .string(p) }
        var remedy: [String: CanonicalValue] = ["kind": .string(draft.remedy.kind.rawValue)]
        if let t = draft.remedy.text { remedy["text"] = .string(t) }
        let submitted = EventDraft(
            kind: .submitted, actor: member, occurredAt: now,
            payload: [
                "caseNumber": .string(caseNumber), "category": .string(category.code), "order": .object(order),
                "occurredAtMs": .int(Self.ms(draft.occurredAt)), "narrative": .string(draft.narrative), "remedy": .object(remedy),
                "amountClaimedFen": .int(draft.amountClaimedFen), "channel": .string(complaint.channel.rawValue), "emergency": .bool(emergency),
            ])
        let routed = EventDraft(
            kind: .routed, actor: .system, occurredAt: now,
            payload: [
                "tier": .string(route.tier.rawValue), "queue": .string(route.queue.rawValue),
                "reasons": .array(route.reasons.map(CanonicalValue.string)),
                "deadlines": Self.deadlinePayload(deadlines),
            ])
        return CaseChange(complaint: complaint, events: [submitted, routed])
    }

    // MARK: Actions

    /// Whether `actor` may take `action` on the case now: the life cycle allows it from the case's status, the actor's
    /// role may take it, and for a reopen the window after closing has not passed. Inputs an action also needs (a note,
    /// a reason) are not asked about: a form asks for them.
    public func mayTake(_ action: CaseAction, on c: Complaint, by actor: CaseActor, now: Date) -> Bool {
        guard (try? Lifecycle.apply(action, to: c.status, by: actor.role)) != nil else { return false }
        if action == .reopen { return withinReopenWindow(c, now: now) }
        return true
    }

    /// The actions `actor` may take on the case now, in the life cycle's order.
    public func availableActions(on c: Complaint, by actor: CaseActor, now: Date) -> [CaseAction] {
        CaseAction.allCases.filter { mayTake($0, on: c, by: actor, now: now) }
    }

    /// Within the reopen window after the case was closed, resolved or rejected (30 days by default).
    func withinReopenWindow(_ c: Complaint, now: Date) -> Bool {
        let since = c.closedAt ?? c.resolvedAt ?? c.updatedAt
        return now.timeIntervalSince(since) <= Double(policy.deadlines.reopenWindowDays) * 86_400
    }

    /// Applies a lifecycle action.
    public func act(_ action: CaseAction, on c: Complaint, by actor: CaseActor, input: ActionInput = .init(), now: Date) throws(DomainError)
        -> CaseChange
    {
        let next = try Lifecycle.apply(action, to: c.status, by: actor.role)
        if let note = input.note { try ComplaintDraft.text(note, "note", max: Self.maximumMessage, required: false) }
        var x = c
        var payload: [String: CanonicalValue] = [
            "from": .string(c.status.rawValue), "to": .string(next.rawValue), "action": .string(action.rawValue),
        ]
        if let note = input.note, !note.isEmpty { payload["note"] = .string(note) }
        switch action {
        case .proposeResolution:
            guard let note = input.note, !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw .invalidField(field: "note", code: "required", zh: "请写明解决方案", en: "Describe the proposed resolution in note")
            }
        case .reject:
            guard let reason = input.rejectionReason else {
                throw .invalidField(field: "reason", code: "required", zh: "请选择不予受理的理由", en: "A rejection reason is required")
            }
            x.rejectionReason = reason
            payload["reason"] = .string(reason.rawValue)
        case .reopen:
            guard withinReopenWindow(c, now: now) else { throw .reopenWindowExpired }
            x.reopenedAt = now
            x.memberAcceptedAt = nil
            x.closedAt = nil
            x.resolvedAt = nil
            x.rejectionReason = nil
            let urgent = c.queue == .emergency
            let hours = urgent ? policy.deadlines.emergencyFirstResponseHours : policy.deadlines.firstResponseHours
            let remind = policy.member.reminderHours
            x.deadlines.append(clock.start(.firstResponse, tier: c.tier, hours: hours, at: now, emergency: urgent, reminderHours: remind))
            x.deadlines.append(
                clock.start(.resolution, tier: c.tier, hours: policy.deadlines.resolutionHours, at: now, emergency: urgent, reminderHours: remind))
        case .dispute:
            x.memberDisputedAt = now
            // The platform owes an answer again: a new resolution clock at the case's tier, whose breach escalates the
            // case as any missed response does (otherwise a disputed case would wait with no promise running).
            let urgent = c.queue == .emergency
            let d = clock.start(
                .resolution, tier: c.tier, hours: policy.deadlines.resolutionHours, at: now, emergency: urgent,
                reminderHours: policy.member.reminderHours)
            x.deadlines.append(d)
            payload["deadlines"] = Self.deadlinePayload([d])
        case .resolve:
            x.resolvedAt = now
        case .accept:
            x.resolvedAt = now
            x.memberAcceptedAt = now
        case .close:
            x.closedAt = now
        default: break
        }
        if Lifecycle.responding.contains(action) { meetResponses(&x, now: now) }
        if action == .proposeResolution || action == .resolve || action == .reject { meet(&x, kinds: [.resolution], now: now) }
        // The member's answer meets their clock; any other way out of a proposal retires it.
        if action == .accept || action == .dispute { meet(&x, kinds: [.memberConfirmation], now: now) }
        x = moveClocks(x, from: c.status, to: next, now: now)
        if c.status == .resolutionProposed && next != .resolutionProposed {
            for i in x.deadlines.indices where x.deadlines[i].isOpen && x.deadlines[i].kind == .memberConfirmation {
                x.deadlines[i].supersededAt = now
            }
        }
        if next == .resolutionProposed { x.deadlines.append(memberConfirmationClock(c, now: now)) }
        x.status = next
        x.updatedAt = now
        return CaseChange(complaint: x, events: [EventDraft(kind: .statusChanged, actor: actor, occurredAt: now, payload: payload)])
    }

    /// A message on the case: a public reply or (staff only) an internal note.
    public func message(on c: Complaint, by actor: CaseActor, body: String, visibility: Visibility, now: Date) throws(DomainError) -> CaseChange {
        // An external reviewer reads and decides; they do not take part in the conversation.
        guard actor.role != .arbitrator else { throw .actionNotPermitted(action: "message", role: actor.role) }
        try ComplaintDraft.text(body, "body", max: Self.maximumMessage)
        // The system writes internal notes too (an online support transcript kept with the case).
        if visibility == .internal && !actor.role.isStaff && actor.role != .system {
            throw .invalidField(field: "visibility", code: "internal_not_allowed", zh: "仅工作人员可以添加内部备注", en: "Only staff can add internal notes")
        }
        if visibility == .public && [.closed, .withdrawn, .rejected].contains(c.status) {
            throw .illegalTransition(from: c.status, action: "message")
        }
        var x = c
        x.updatedAt = now
        if actor.role == .merchant && x.merchantAnsweredAt == nil { x.merchantAnsweredAt = now }
        var events = [
            EventDraft(
                kind: visibility == .public ? .publicMessage : .internalNote, actor: actor, visibility: visibility, occurredAt: now,
                payload: ["body": .string(body)])
        ]
        if visibility == .public && actor.role.isStaff {
            meetResponses(&x, now: now)
            if c.status == .submitted || c.status == .acknowledged {
                x = moveClocks(x, from: c.status, to: .inProgress, now: now)
                x.status = .inProgress
                events.append(Self.automaticStatus(from: c.status, to: .inProgress, trigger: "staff_reply", now: now))
            }
        } else if actor.role == .member && c.status == .awaitingMember {
            x = moveClocks(x, from: c.status, to: .inProgress, now: now)
            x.status = .inProgress
            events.append(Self.automaticStatus(from: c.status, to: .inProgress, trigger: "member_reply", now: now))
        }
        return CaseChange(complaint: x, events: events)
    }

    /// Moves the case one tier up. A member may do so once a response deadline has passed unmet or after disputing an answer.
    public func escalate(_ c: Complaint, by actor: CaseActor, reason: String, now: Date, automatic: Bool = false) throws(DomainError) -> CaseChange {
        try ComplaintDraft.text(reason, "reason", max: 2_000)
        guard Lifecycle.open.contains(c.status) else { throw .illegalTransition(from: c.status, action: "escalate") }
        if actor.role == .member {
            guard memberMayEscalate(c, now: now) else { throw .escalationNotYetAllowed }
        } else if !actor.role.isStaff && actor.role != .system {
            throw .actionNotPermitted(action: "escalate", role: actor.role)
        }
        guard let next = c.tier.next else { throw .alreadyTopTier }
        var x = c
        for i in x.deadlines.indices
        where x.deadlines[i].isOpen && (x.deadlines[i].kind == .firstResponse || x.deadlines[i].kind == .escalationResponse) {
            x.deadlines[i].supersededAt = now
        }
        let urgent = c.queue == .emergency
        var d = clock.start(
            .escalationResponse, tier: next, hours: policy.deadlines.escalationResponseHours, at: now, emergency: urgent,
            reminderHours: policy.member.reminderHours)
        if c.status == .awaitingMember { d = clock.pause(d, at: now) }
        x.deadlines.append(d)
        x.tier = next
        x.queue = Queue.forTier(next)
        x.assigneeId = nil
        x.memberDisputedAt = nil
        x.updatedAt = now
        let event = EventDraft(
            kind: .escalated, actor: actor, occurredAt: now,
            payload: [
                "fromTier": .string(c.tier.rawValue), "toTier": .string(next.rawValue), "queue": .string(x.queue.rawValue), "reason": .string(reason),
                "automatic": .bool(automatic), "deadlines": Self.deadlinePayload([d]),
            ])
        return CaseChange(complaint: x, events: [event])
    }

    /// Assigns the case to a staff member (an internal event).
    public func assign(_ c: Complaint, to assigneeId: String?, by actor: CaseActor, now: Date) throws(DomainError) -> CaseChange {
        guard actor.role.isStaff else { throw .actionNotPermitted(action: "assign", role: actor.role) }
        guard !c.status.isFinished else { throw .illegalTransition(from: c.status, action: "assign") }
        var x = c
        x.assigneeId = assigneeId
        x.updatedAt = now
        return CaseChange(
            complaint: x,
            events: [
                EventDraft(
                    kind: .assigned, actor: actor, visibility: .internal, occurredAt: now,
                    payload: ["assigneeId": assigneeId.map(CanonicalValue.string) ?? .null])
            ])
    }

    /// Records an evidence file on the case.
    public func addEvidence(_ c: Complaint, file: EvidenceFile, by actor: CaseActor, now: Date) throws(DomainError) -> CaseChange {
        guard actor.role != .arbitrator else { throw .actionNotPermitted(action: "add_evidence", role: actor.role) }
        guard ![.closed, .withdrawn, .rejected].contains(c.status) else { throw .illegalTransition(from: c.status, action: "add_evidence") }
        var x = c
        x.updatedAt = now
        var events = [
            EventDraft(
                kind: .evidenceAdded, actor: actor, occurredAt: now,
                payload: [
                    "sha256": .string(file.sha256), "sizeBytes": .int(Int64(file.sizeBytes)), "mediaType": .string(file.mediaType.rawValue),
                    "fileName": .string(file.fileName),
                ])
        ]
        if actor.role == .member && c.status == .awaitingMember {
            x = moveClocks(x, from: c.status, to: .inProgress, now: now)
            x.status = .inProgress
            events.append(Self.automaticStatus(from: c.status, to: .inProgress, trigger: "member_evidence", now: now))
        }
        return CaseChange(complaint: x, events: events)
    }

    // MARK: Sweeping

    /// Acts on every clock of the case that has come due: sends each reminder once, records each breach once, and
    /// applies its consequence — a missed platform response escalates the case one tier, a missed merchant evidence
    /// deadline records the default and a ruling for the member (proposed or applied, by policy), a member silent on a
    /// proposed resolution is taken to accept it. Returns nil when there is nothing to do, so a second sweep of the same
    /// instant changes nothing: the marks are written with the events, in one transaction.
    public func sweep(_ c: Complaint, now: Date) -> CaseChange? {
        var x = c
        var events: [EventDraft] = []
        var escalate = false
        var defaulted: [RecordsRequest] = []
        var memberSilent = false
        for i in x.deadlines.indices {
            let d = x.deadlines[i]
            guard d.isOpen, d.breachedAt == nil, let due = d.dueAt else { continue }
            if due <= now {
                x.deadlines[i].breachedAt = now
                var payload: [String: CanonicalValue] = [
                    "deadline": .string(d.kind.rawValue), "tier": .string(d.tier.rawValue), "dueAtMs": .int(Self.ms(due)),
                    "owner": .string(d.kind.owner.rawValue),
                ]
                if let r = d.ref { payload["ref"] = .string(r) }
                events.append(EventDraft(kind: .deadlineBreached, actor: .system, occurredAt: now, payload: payload))
                switch d.kind {
                case .firstResponse, .escalationResponse, .resolution:
                    if d.tier == c.tier { escalate = true }
                case .merchantEvidence:
                    x.deadlines[i].supersededAt = now
                    if let j = x.recordsRequests.firstIndex(where: { $0.id == d.ref && $0.isOpen }) {
                        x.recordsRequests[j].defaultedAt = now
                        defaulted.append(x.recordsRequests[j])
                    }
                case .memberConfirmation:
                    memberSilent = true
                case .externalReply, .odrNegotiation:
                    break
                }
            } else if let at = d.remindAt, at <= now {
                x.deadlines[i].remindedAt = now
                var payload: [String: CanonicalValue] = [
                    "deadline": .string(d.kind.rawValue), "tier": .string(d.tier.rawValue), "dueAtMs": .int(Self.ms(due)),
                    "owner": .string(d.kind.owner.rawValue),
                ]
                if let r = d.ref { payload["ref"] = .string(r) }
                events.append(
                    EventDraft(
                        kind: .deadlineApproaching, actor: .system, visibility: d.kind.owner == .platform ? .internal : .public, occurredAt: now,
                        payload: payload))
            }
        }
        guard !events.isEmpty else { return nil }
        x.updatedAt = now
        for r in defaulted {
            events.append(
                EventDraft(
                    kind: .recordsDefaulted, actor: .system, occurredAt: now,
                    payload: ["requestId": .string(r.id), "merchantId": .string(c.respondentMerchantId ?? ""), "rule": "电子商务法 第62条"]))
            guard Lifecycle.open.contains(x.status), x.ruling == nil else { continue }
            let ruling = defaultRuling(x, request: r, now: now)
            switch policy.merchant.defaultRuling {
            case .applyImmediately:
                if let ruled = try? rule(
                    x, outcome: ruling.outcome, remedy: ruling.remedy, amountFen: ruling.amountFen, reason: ruling.reason, by: .system, now: now,
                    basis: ruling.basis)
                {
                    x = ruled.complaint
                    events += ruled.events
                }
            case .proposeForReview:
                if x.proposedRuling == nil {
                    x.proposedRuling = ruling
                    events.append(EventDraft(kind: .rulingProposed, actor: .system, occurredAt: now, payload: ["ruling": ruling.value]))
                }
            }
        }
        if memberSilent && x.status == .resolutionProposed {
            for i in x.deadlines.indices where x.deadlines[i].isOpen && x.deadlines[i].kind == .memberConfirmation {
                x.deadlines[i].supersededAt = now
            }
            x = moveClocks(x, from: x.status, to: .resolved, now: now)
            events.append(Self.automaticStatus(from: .resolutionProposed, to: .resolved, trigger: "member_silence", now: now))
            x.status = .resolved
            x.resolvedAt = now
        }
        if escalate && Lifecycle.open.contains(x.status) && x.tier.next != nil,
            let up = try? self.escalate(
                x, by: .system, reason: "处理期限届满未响应，自动升级 / deadline missed, escalated automatically", now: now, automatic: true)
        {
            x = up.complaint
            events += up.events
        }
        return CaseChange(complaint: x, events: events)
    }

    // MARK: Helpers

    func meetResponses(_ x: inout Complaint, now: Date) {
        if x.firstRespondedAt == nil { x.firstRespondedAt = now }
        meet(&x, kinds: [.firstResponse, .escalationResponse], now: now)
    }

    func meet(_ x: inout Complaint, kinds: Set<DeadlineKind>, now: Date) {
        for i in x.deadlines.indices where x.deadlines[i].isOpen && kinds.contains(x.deadlines[i].kind) {
            x.deadlines[i].metAt = now
        }
    }

    /// Pauses the clocks when the case starts waiting for the member, restarts them when it stops,
    /// and retires every open clock when the case is finished.
    func moveClocks(_ c: Complaint, from: ComplaintStatus, to: ComplaintStatus, now: Date) -> Complaint {
        var x = c
        if to == .awaitingMember && from != .awaitingMember {
            x.deadlines = x.deadlines.map { $0.kind.pausesForMember ? clock.pause($0, at: now) : $0 }
        } else if from == .awaitingMember && to != .awaitingMember {
            x.deadlines = x.deadlines.map { $0.kind.pausesForMember ? clock.resume($0, at: now) : $0 }
        }
        // A finished case owes nothing more internally; what it owes 12315, 黑猫投诉 or an association stays owed.
        if to.isFinished {
            for i in x.deadlines.indices
            where x.deadlines[i].isOpen && x.deadlines[i].kind != .externalReply && x.deadlines[i].kind != .odrNegotiation {
                x.deadlines[i].supersededAt = now
            }
        }
        return x
    }

    static func automaticStatus(from: ComplaintStatus, to: ComplaintStatus, trigger: String, now: Date) -> EventDraft {
        EventDraft(
            kind: .statusChanged, actor: .system, occurredAt: now,
            payload: ["from": .string(from.rawValue), "to": .string(to.rawValue), "action": "resume", "trigger": .string(trigger), "automatic": true])
    }

    static func deadlinePayload(_ ds: [CaseDeadline]) -> CanonicalValue {
        .array(
            ds.map { d in
                .object([
                    "kind": .string(d.kind.rawValue), "tier": .string(d.tier.rawValue), "mode": .string(d.mode.rawValue),
                    "dueAtMs": d.dueAt.map { .int(ms($0)) } ?? .null,
                ])
            })
    }

    static func ms(_ d: Date) -> Int64 { d.millisecondsSince1970 }
}
