import Foundation

/// The three-party process: respondent, records requests and default rulings, rulings, freezes,
/// external complaints, ratings and external reviewers. Pure functions of the case, the actor and the time.
extension CaseWorkflow {
    static let maximumReason = 2_000

    // MARK: Respondent

    /// L2 and above set who answers for the case, with a reason. `merchantKnown` says whether the merchant account exists.
    public func changeRespondent(
        _ c: Complaint, to respondent: CaseRespondent, reason: String, by actor: CaseActor, merchantKnown: Bool, now: Date
    ) throws(DomainError) -> CaseChange {
        guard actor.role.decides else { throw .actionNotPermitted(action: "change_respondent", role: actor.role) }
        guard !c.status.isFinished else { throw .illegalTransition(from: c.status, action: "change_respondent") }
        try ComplaintDraft.text(reason, "reason", max: Self.maximumReason)
        if respondent.kind == .merchant {
            guard respondent.merchantId != nil, merchantKnown else {
                throw .invalidField(field: "merchantId", code: "unknown_merchant", zh: "没有这个商家", en: "No merchant with this id")
            }
        }
        guard respondent != c.respondent else {
            throw .invalidField(field: "merchantId", code: "unchanged", zh: "被投诉方没有变化", en: "The respondent is already this one")
        }
        var x = c
        x.respondent = respondent
        x.updatedAt = now
        // Requests to a merchant who no longer answers for the case are withdrawn, with their clocks.
        var superseded: [String] = []
        if respondent.merchantId != c.respondent.merchantId {
            for i in x.recordsRequests.indices where x.recordsRequests[i].isOpen {
                x.recordsRequests[i].withdrawnAt = now
                superseded.append(x.recordsRequests[i].id)
            }
            for i in x.deadlines.indices where x.deadlines[i].isOpen && x.deadlines[i].ref.map(superseded.contains) == true {
                x.deadlines[i].supersededAt = now
            }
        }
        return CaseChange(
            complaint: x,
            events: [
                EventDraft(
                    kind: .respondentChanged, actor: actor, occurredAt: now,
                    payload: [
                        "from": c.respondent.value, "to": respondent.value, "reason": .string(reason),
                        "withdrawnRequests": .array(superseded.map(CanonicalValue.string)),
                    ])
            ])
    }

    // MARK: Burden of proof (电子商务法 Art. 62)

    /// Asks the merchant for its original records by a deadline (default: the policy's 72 h).
    public func requestRecords(
        _ c: Complaint, needed: String, dueAt: Date?, id: String, by actor: CaseActor, now: Date
    ) throws(DomainError) -> CaseChange {
        guard actor.role.isStaff else { throw .actionNotPermitted(action: "request_records", role: actor.role) }
        guard Lifecycle.open.contains(c.status) else { throw .illegalTransition(from: c.status, action: "request_records") }
        guard c.respondentMerchantId != nil else {
            throw .invalidField(
                field: "respondent", code: "no_merchant_respondent", zh: "被投诉方不是商家，无法要求商家举证",
                en: "The respondent is not a merchant; there is no one to ask for records")
        }
        try ComplaintDraft.text(needed, "needed", max: Self.maximumReason)
        let due = dueAt ?? now.addingTimeInterval(Double(policy.merchant.evidenceHours) * 3600)
        guard due > now else {
            throw .invalidField(field: "dueAt", code: "deadline_in_past", zh: "举证期限必须晚于当前时间", en: "The deadline must be in the future")
        }
        guard due.timeIntervalSince(now) <= 30 * 86_400 else { throw .outOfRange("dueAt", "30 天以内", "within 30 days") }
        var x = c
        x.recordsRequests.append(
            RecordsRequest(
                id: id, needed: needed, requestedBy: actor, requestedAt: now, dueAt: due, fulfilledAt: nil, files: [], defaultedAt: nil,
                withdrawnAt: nil))
        let d = clock.start(.merchantEvidence, tier: c.tier, dueAt: due, at: now, reminderHours: policy.member.reminderHours, ref: id)
        x.deadlines.append(d)
        x.updatedAt = now
        var events = [
            EventDraft(
                kind: .recordsRequested, actor: actor, occurredAt: now,
                payload: [
                    "requestId": .string(id), "merchantId": .string(c.respondentMerchantId ?? ""), "needed": .string(needed),
                    "dueAtMs": .int(Self.ms(due)), "rule": "电子商务法 第62条",
                ])
        ]
        if [.submitted, .acknowledged, .inProgress].contains(c.status) {
            x = moveClocks(x, from: c.status, to: .awaitingMerchant, now: now)
            x.status = .awaitingMerchant
            events.append(Self.automaticStatus(from: c.status, to: .awaitingMerchant, trigger: "records_requested", now: now))
        }
        return CaseChange(complaint: x, events: events)
    }

    /// The merchant answers a records request, naming evidence files already on the case.
    public func submitRecords(
        _ c: Complaint, requestId: String, note: String, files: [String], caseFiles: Set<String>, by actor: CaseActor, now: Date
    ) throws(DomainError) -> CaseChange {
        guard actor.role == .merchant else { throw .actionNotPermitted(action: "submit_records", role: actor.role) }
        guard Lifecycle.open.contains(c.status) else { throw .illegalTransition(from: c.status, action: "submit_records") }
        guard let i = c.recordsRequests.firstIndex(where: { $0.id == requestId }) else {
            throw .invalidField(field: "requestId", code: "unknown_request", zh: "没有这个举证要求", en: "No such records request on this case")
        }
        guard c.recordsRequests[i].isOpen else {
            throw .invalidField(
                field: "requestId", code: "request_closed", zh: "该举证要求已结束（已提交或已逾期）", en: "This records request is already answered or lapsed")
        }
        try ComplaintDraft.text(note, "note", max: Self.maximumMessage)
        guard !files.isEmpty else {
            throw .invalidField(
                field: "files", code: "required", zh: "请先上传记录文件，再在此列出其 SHA-256", en: "Upload the records first, then list their SHA-256 here")
        }
        for (n, f) in files.enumerated() where !caseFiles.contains(f) {
            throw .invalidField(field: "files[\(n)]", code: "unknown_file", zh: "该文件不在本投诉的证据中", en: "No evidence file \(f) on this case")
        }
        var x = c
        if x.merchantAnsweredAt == nil { x.merchantAnsweredAt = now }
        x.recordsRequests[i].fulfilledAt = now
        x.recordsRequests[i].files = files
        for j in x.deadlines.indices where x.deadlines[j].isOpen && x.deadlines[j].ref == requestId { x.deadlines[j].metAt = now }
        x.updatedAt = now
        var events = [
            EventDraft(
                kind: .recordsSubmitted, actor: actor, occurredAt: now,
                payload: ["requestId": .string(requestId), "note": .string(note), "files": .array(files.map(CanonicalValue.string))])
        ]
        if c.status == .awaitingMerchant && !x.recordsRequests.contains(where: \.isOpen) {
            x = moveClocks(x, from: c.status, to: .inProgress, now: now)
            x.status = .inProgress
            events.append(Self.automaticStatus(from: c.status, to: .inProgress, trigger: "records_submitted", now: now))
        }
        return CaseChange(complaint: x, events: events)
    }

    // MARK: Remedies and rulings

    /// The respondent merchant offers a remedy: the case waits for the member's answer (silence counts as acceptance).
    public func offerRemedy(_ c: Complaint, remedy: Remedy, amountFen: Int64?, note: String, by actor: CaseActor, now: Date) throws(DomainError)
        -> CaseChange
    {
        guard actor.role == .merchant else { throw .actionNotPermitted(action: "offer_remedy", role: actor.role) }
        guard [.submitted, .acknowledged, .inProgress, .awaitingMember, .awaitingMerchant].contains(c.status) else {
            throw .illegalTransition(from: c.status, action: "offer_remedy")
        }
        try ComplaintDraft.text(note, "note", max: Self.maximumMessage)
        try remedy.validate(field: "remedy")
        if let a = amountFen, !(0...c.amountAtStakeFen * 3 + 50_000).contains(a) {
            throw .outOfRange("amountFen", "0 至三倍涉案金额加 500 元", "0 to three times the amount at stake plus ¥500")
        }
        var x = c
        var payload: [String: CanonicalValue] = ["remedy": remedy.value, "note": .string(note)]
        if let a = amountFen { payload["amountFen"] = .int(a) }
        var events = [EventDraft(kind: .remedyOffered, actor: actor, occurredAt: now, payload: payload)]
        if x.merchantAnsweredAt == nil { x.merchantAnsweredAt = now }
        x = moveClocks(x, from: c.status, to: .resolutionProposed, now: now)
        meet(&x, kinds: [.resolution], now: now)
        x.deadlines.append(memberConfirmationClock(c, now: now))
        events.append(Self.automaticStatus(from: c.status, to: .resolutionProposed, trigger: "remedy_offered", now: now))
        x.status = .resolutionProposed
        x.updatedAt = now
        return CaseChange(complaint: x, events: events)
    }

    /// Decides the case. Specialists, risk control and admins may rule; an external reviewer only on a case assigned to them.
    public static let recordsStillDue = DomainError.invalidField(
        field: "outcome", code: "records_still_due", zh: "商家的举证期限尚未届满：请待商家提交材料或期限届满后再作出裁决",
        en: "The merchant's records are not due yet: rule once they are given or their deadline has passed")

    public func rule(
        _ c: Complaint, outcome: RulingOutcome, remedy: Remedy?, amountFen: Int64?, reason: String, by actor: CaseActor, now: Date,
        basis: String = "review"
    ) throws(DomainError) -> CaseChange {
        if actor.role == .arbitrator {
            guard let id = actor.id, c.reviewerIds.contains(id) else { throw .actionNotPermitted(action: "rule", role: actor.role) }
            // The merchant bears the burden of proof and has until its deadline to give it: a reviewer rules on the
            // records, or on their absence, not before.
            if c.recordsRequests.contains(where: { $0.isOpen && $0.dueAt > now }) { throw Self.recordsStillDue }
        } else if !actor.role.decides && actor.role != .system {
            throw .actionNotPermitted(action: "rule", role: actor.role)
        }
        guard Lifecycle.open.contains(c.status) else { throw .illegalTransition(from: c.status, action: "rule") }
        try ComplaintDraft.text(reason, "reason", max: Self.maximumReason)
        try remedy?.validate(field: "remedy")
        if let a = amountFen, a < 0 || a > 1_000_000_000_000 { throw .outOfRange("amountFen", "0 或以上", "0 or more") }
        let ruling = Ruling(outcome: outcome, remedy: remedy, amountFen: amountFen, reason: reason, decidedBy: actor, decidedAt: now, basis: basis)
        var x = c
        x.ruling = ruling
        x.proposedRuling = nil
        meetResponses(&x, now: now)
        meet(&x, kinds: [.resolution], now: now)
        x = moveClocks(x, from: c.status, to: .resolved, now: now)
        for i in x.recordsRequests.indices where x.recordsRequests[i].isOpen { x.recordsRequests[i].withdrawnAt = now }
        x.status = .resolved
        x.resolvedAt = now
        x.updatedAt = now
        return CaseChange(
            complaint: x,
            events: [
                EventDraft(kind: .ruled, actor: actor, occurredAt: now, payload: ["ruling": ruling.value, "from": .string(c.status.rawValue)])
            ])
    }

    /// L2 confirms the ruling proposed after a merchant default.
    public func confirmProposedRuling(_ c: Complaint, by actor: CaseActor, now: Date) throws(DomainError) -> CaseChange {
        guard let p = c.proposedRuling else {
            throw .invalidField(field: "proposedRuling", code: "no_proposed_ruling", zh: "该投诉没有待确认的裁决", en: "There is no proposed ruling to confirm")
        }
        return try rule(c, outcome: p.outcome, remedy: p.remedy, amountFen: p.amountFen, reason: p.reason, by: actor, now: now, basis: p.basis)
    }

    /// The ruling for the member that a missed evidence deadline leads to.
    func defaultRuling(_ c: Complaint, request: RecordsRequest, now: Date) -> Ruling {
        Ruling(
            outcome: .forMember, remedy: c.remedy, amountFen: c.amountClaimedFen,
            reason: "商家未在期限内提供原始交易记录，依《电子商务法》第六十二条由其承担不利后果，支持会员诉求 / "
                + "The merchant produced no original records by the deadline (E-Commerce Law Art. 62); the member's demand is granted",
            decidedBy: .system, decidedAt: now, basis: "merchant_default")
    }

    // MARK: Risk control

    /// Risk control freezes an order or an account, with a reason. Counts as a response on the case.
    public func freeze(_ c: Complaint, target: FreezeTarget, reference: String, reason: String, id: String, by actor: CaseActor, now: Date)
        throws(DomainError) -> CaseChange
    {
        guard actor.role == .riskControl || actor.role == .admin else { throw .actionNotPermitted(action: "freeze", role: actor.role) }
        guard Lifecycle.open.contains(c.status) else { throw .illegalTransition(from: c.status, action: "freeze") }
        try ComplaintDraft.text(reference, "reference", max: 200)
        try ComplaintDraft.text(reason, "reason", max: Self.maximumReason)
        if c.freezes.contains(where: { $0.isActive && $0.target == target && $0.reference == reference }) {
            throw .invalidField(field: "reference", code: "already_frozen", zh: "该对象已处于冻结状态", en: "This is already frozen")
        }
        var x = c
        x.freezes.append(
            Freeze(
                id: id, target: target, reference: reference, reason: reason, frozenBy: actor, frozenAt: now, releasedAt: nil, releasedBy: nil,
                releaseReason: nil))
        meetResponses(&x, now: now)
        x.updatedAt = now
        var events = [
            EventDraft(
                kind: .frozen, actor: actor, occurredAt: now,
                payload: ["freezeId": .string(id), "target": .string(target.rawValue), "reference": .string(reference), "reason": .string(reason)])
        ]
        if c.status == .submitted || c.status == .acknowledged {
            x = moveClocks(x, from: c.status, to: .inProgress, now: now)
            x.status = .inProgress
            events.append(Self.automaticStatus(from: c.status, to: .inProgress, trigger: "frozen", now: now))
        }
        return CaseChange(complaint: x, events: events)
    }

    public func releaseFreeze(_ c: Complaint, freezeId: String, reason: String, by actor: CaseActor, now: Date) throws(DomainError) -> CaseChange {
        guard actor.role == .riskControl || actor.role == .admin else { throw .actionNotPermitted(action: "release_freeze", role: actor.role) }
        guard let i = c.freezes.firstIndex(where: { $0.id == freezeId }) else {
            throw .invalidField(field: "freezeId", code: "unknown_freeze", zh: "没有这个冻结记录", en: "No such freeze on this case")
        }
        guard c.freezes[i].isActive else {
            throw .invalidField(field: "freezeId", code: "already_released", zh: "该冻结已解除", en: "This freeze is already released")
        }
        try ComplaintDraft.text(reason, "reason", max: Self.maximumReason)
        var x = c
        x.freezes[i].releasedAt = now
        x.freezes[i].releasedBy = actor
        x.freezes[i].releaseReason = reason
        x.updatedAt = now
        let f = c.freezes[i]
        return CaseChange(
            complaint: x,
            events: [
                EventDraft(
                    kind: .freezeReleased, actor: actor, occurredAt: now,
                    payload: [
                        "freezeId": .string(freezeId), "target": .string(f.target.rawValue), "reference": .string(f.reference),
                        "reason": .string(reason),
                    ])
            ])
    }

    // MARK: External routes

    /// Records a complaint about the same dispute on another channel and starts its clocks on the working-day calendar.
    public func recordExternal(
        _ c: Complaint, channel: ExternalChannel, reference: String, filedOn: CivilDate, note: String?, id: String, by actor: CaseActor, now: Date
    ) throws(DomainError) -> CaseChange {
        guard actor.role == .member || actor.role.isStaff else { throw .actionNotPermitted(action: "record_external", role: actor.role) }
        try ComplaintDraft.text(reference, "reference", max: 100)
        if let note { try ComplaintDraft.text(note, "note", max: Self.maximumReason, required: false) }
        let today = calendar.civilDate(of: now)
        guard filedOn <= today else {
            throw .invalidField(field: "filedOn", code: "date_in_future", zh: "提交日期不能晚于今天", en: "The filing date cannot be after today")
        }
        guard filedOn.dayNumber >= today.dayNumber - 3 * 366 else { throw .outOfRange("filedOn", "三年以内", "within three years") }
        if c.externalComplaints.contains(where: { $0.channel == channel && $0.reference == reference }) {
            throw .invalidField(field: "reference", code: "duplicate", zh: "该外部投诉已登记", en: "This external complaint is already recorded")
        }
        guard c.status != .withdrawn else { throw .illegalTransition(from: c.status, action: "record_external") }
        var x = c
        x.externalComplaints.append(
            ExternalComplaint(
                id: id, channel: channel, reference: reference, filedOn: filedOn, status: .filed, recordedBy: actor, recordedAt: now, updatedAt: now,
                note: note))
        let filed = calendar.instant(filedOn, secondsIntoDay: 12 * 3600)
        var clocks: [CaseDeadline] = []
        var covered = true
        if channel.platformReplies {
            let r = calendar.deadline(after: filed, workingDays: policy.external.replyWorkingDays)
            covered = covered && r.calendarCovered
            clocks.append(clock.start(.externalReply, tier: c.tier, dueAt: r.deadline, at: now, reminderHours: policy.member.reminderHours, ref: id))
        }
        if channel == .odr12315 {
            let r = calendar.deadline(after: filed, workingDays: policy.external.odrNegotiationWorkingDays)
            covered = covered && r.calendarCovered
            clocks.append(clock.start(.odrNegotiation, tier: c.tier, dueAt: r.deadline, at: now, reminderHours: policy.member.reminderHours, ref: id))
        }
        x.deadlines += clocks
        x.updatedAt = now
        var payload: [String: CanonicalValue] = [
            "externalId": .string(id), "channel": .string(channel.rawValue), "reference": .string(reference), "filedOn": .string(filedOn.description),
            "deadlines": Self.deadlinePayload(clocks), "calendarCovered": .bool(covered),
        ]
        if let note { payload["note"] = .string(note) }
        return CaseChange(complaint: x, events: [EventDraft(kind: .externalComplaintRecorded, actor: actor, occurredAt: now, payload: payload)])
    }

    /// Moves an external complaint on. The platform's reply meets the reply clock; a finished one retires its clocks.
    public func updateExternal(_ c: Complaint, id: String, status: ExternalStatus, note: String?, by actor: CaseActor, now: Date) throws(DomainError)
        -> CaseChange
    {
        guard actor.role == .member || actor.role.isStaff else { throw .actionNotPermitted(action: "update_external", role: actor.role) }
        guard let i = c.externalComplaints.firstIndex(where: { $0.id == id }) else {
            throw .invalidField(field: "externalId", code: "unknown_external", zh: "没有这个外部投诉", en: "No such external complaint on this case")
        }
        if let note { try ComplaintDraft.text(note, "note", max: Self.maximumReason, required: false) }
        if status == .platformReplied && !actor.role.isStaff {
            throw .invalidField(field: "status", code: "staff_only", zh: "只有平台工作人员可以登记平台答复", en: "Only staff record the platform's reply")
        }
        let old = c.externalComplaints[i]
        guard !old.status.isFinished else {
            throw .invalidField(field: "status", code: "external_finished", zh: "该外部投诉已结束", en: "This external complaint is already finished")
        }
        var x = c
        x.externalComplaints[i].status = status
        x.externalComplaints[i].updatedAt = now
        if let note { x.externalComplaints[i].note = note }
        for j in x.deadlines.indices where x.deadlines[j].isOpen && x.deadlines[j].ref == id {
            if status == .platformReplied && x.deadlines[j].kind == .externalReply { x.deadlines[j].metAt = now }
            if status.isFinished { x.deadlines[j].supersededAt = now }
        }
        x.updatedAt = now
        var payload: [String: CanonicalValue] = ["externalId": .string(id), "from": .string(old.status.rawValue), "to": .string(status.rawValue)]
        if let note { payload["note"] = .string(note) }
        return CaseChange(complaint: x, events: [EventDraft(kind: .externalComplaintUpdated, actor: actor, occurredAt: now, payload: payload)])
    }

    // MARK: After the case

    /// The member rates the handling once the case is resolved or closed (as 黑猫投诉 asks: attitude, speed, overall).
    public func rate(_ c: Complaint, attitude: Int, speed: Int, overall: Int, comment: String?, by actor: CaseActor, now: Date) throws(DomainError)
        -> CaseChange
    {
        guard actor.role == .member else { throw .actionNotPermitted(action: "rate", role: actor.role) }
        guard c.status == .resolved || c.status == .closed else { throw .illegalTransition(from: c.status, action: "rate") }
        guard c.rating == nil else {
            throw .invalidField(field: "rating", code: "already_rated", zh: "您已评价过该投诉", en: "You have already rated this case")
        }
        for (v, f) in [(attitude, "attitude"), (speed, "speed"), (overall, "overall")] where !(1...5).contains(v) {
            throw .outOfRange(f, "1–5", "1–5")
        }
        if let comment { try ComplaintDraft.text(comment, "comment", max: 1_000, required: false) }
        var x = c
        let r = SatisfactionRating(attitude: attitude, speed: speed, overall: overall, comment: comment, ratedAt: now)
        x.rating = r
        x.updatedAt = now
        return CaseChange(complaint: x, events: [EventDraft(kind: .rated, actor: actor, occurredAt: now, payload: ["rating": r.value])])
    }

    /// An admin gives an external reviewer read access to the case and the right to record a decision.
    public func assignReviewer(_ c: Complaint, reviewerId: String, by actor: CaseActor, now: Date) throws(DomainError) -> CaseChange {
        guard actor.role == .admin else { throw .actionNotPermitted(action: "assign_reviewer", role: actor.role) }
        guard !c.reviewerIds.contains(reviewerId) else {
            throw .invalidField(field: "reviewerId", code: "already_assigned", zh: "该审查人已被指派", en: "This reviewer is already assigned")
        }
        var x = c
        x.reviewerIds.append(reviewerId)
        x.updatedAt = now
        return CaseChange(
            complaint: x, events: [EventDraft(kind: .reviewerAssigned, actor: actor, occurredAt: now, payload: ["reviewerId": .string(reviewerId)])])
    }

    /// Whether the member may escalate now: a response deadline passed unmet, they disputed an answer, or the case has been
    /// open longer than the platform's promise.
    public func memberMayEscalate(_ c: Complaint, now: Date) -> Bool {
        guard Lifecycle.open.contains(c.status), c.tier.next != nil else { return false }
        let overdue = c.openDeadlines.contains {
            ($0.kind == .firstResponse || $0.kind == .escalationResponse) && ($0.dueAt.map { $0 <= now } ?? false)
        }
        let longOpen = now.timeIntervalSince(c.createdAt) >= Double(policy.member.escalateAfterHours) * 3600
        return overdue || c.memberDisputedAt != nil || longOpen
    }

    func memberConfirmationClock(_ c: Complaint, now: Date) -> CaseDeadline {
        clock.start(
            .memberConfirmation, tier: c.tier, hours: policy.member.silenceDays * 24, at: now, emergency: false,
            reminderHours: policy.member.reminderHours)
    }
}
