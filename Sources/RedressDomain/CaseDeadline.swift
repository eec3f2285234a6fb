import Foundation

public enum DeadlineKind: String, Sendable, Codable, CaseIterable {
    /// First response to a new (or reopened) complaint.
    case firstResponse = "first_response"
    /// Response after an escalation to a higher tier.
    case escalationResponse = "escalation_response"
    /// A resolution proposed, resolved or rejected.
    case resolution
    /// The merchant's records, after a request (电子商务法 Art. 62). Owed by the merchant.
    case merchantEvidence = "merchant_evidence"
    /// The member's answer to a proposed resolution; silence counts as acceptance. Owed by the member.
    case memberConfirmation = "member_confirmation"
    /// The platform's reply to a complaint filed on 12315, 黑猫投诉 or with an association (working days).
    case externalReply = "external_reply"
    /// 12315 ODR: the negotiation window (working days).
    case odrNegotiation = "odr_negotiation"

    /// Who owes it.
    public var owner: DeadlineOwner {
        switch self {
        case .merchantEvidence: .merchant
        case .memberConfirmation: .member
        default: .platform
        }
    }

    /// The platform's own response clocks, which stop while the case waits for the member.
    public var pausesForMember: Bool { self == .firstResponse || self == .escalationResponse || self == .resolution }
}

public enum DeadlineOwner: String, Sendable, Codable, CaseIterable {
    case platform, merchant, member
}

/// One promised clock on a case.
public struct CaseDeadline: Sendable, Codable, Equatable {
    public var kind: DeadlineKind
    /// The tier that owes it.
    public var tier: Tier
    public var mode: HourMode
    public var startedAt: Date
    /// Nil while paused.
    public var dueAt: Date?
    /// While paused: the seconds (natural or business) that were left.
    public var pausedRemainingSeconds: Int?
    public var metAt: Date?
    public var breachedAt: Date?
    /// Replaced by a later deadline (e.g. an escalation supersedes the first response).
    public var supersededAt: Date?
    /// The records request or external complaint this clock belongs to.
    public var ref: String?
    /// When whoever owes it was reminded that it is near.
    public var remindedAt: Date?

    /// Seconds before `dueAt` at which whoever owes it is reminded.
    public var reminderLeadSeconds: Int?

    /// Every stored property, for the stored form's reader (`RedressStorage`).
    package init(
        kind: DeadlineKind, tier: Tier, mode: HourMode, startedAt: Date, dueAt: Date? = nil, pausedRemainingSeconds: Int? = nil, metAt: Date? = nil,
        breachedAt: Date? = nil, supersededAt: Date? = nil, ref: String? = nil, remindedAt: Date? = nil, reminderLeadSeconds: Int? = nil
    ) {
        self.kind = kind
        self.tier = tier
        self.mode = mode
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.pausedRemainingSeconds = pausedRemainingSeconds
        self.metAt = metAt
        self.breachedAt = breachedAt
        self.supersededAt = supersededAt
        self.ref = ref
        self.remindedAt = remindedAt
        self.reminderLeadSeconds = reminderLeadSeconds
    }

    public var isOpen: Bool { metAt == nil && supersededAt == nil }

    /// When the reminder is due, if it has not been sent.
    public var remindAt: Date? {
        guard isOpen, remindedAt == nil, breachedAt == nil, let due = dueAt, let lead = reminderLeadSeconds, lead > 0 else { return nil }
        return due.addingTimeInterval(-Double(lead))
    }
    public var isPaused: Bool { dueAt == nil && pausedRemainingSeconds != nil }
}

/// Computes due instants from the policy and the calendar.
public struct DeadlineClock: Sendable {
    public let policy: DeadlinePolicy
    public let calendar: WorkingDayCalendar

    public init(policy: DeadlinePolicy, calendar: WorkingDayCalendar) {
        self.policy = policy
        self.calendar = calendar
    }

    func add(seconds: Int, to start: Date, mode: HourMode) -> Date {
        switch mode {
        case .natural: start.addingTimeInterval(Double(seconds))
        case .business:
            calendar.addingBusinessTime(seconds, to: start, opensAt: policy.businessOpensAt, closesAt: policy.businessClosesAt).deadline
        }
    }

    func remaining(from now: Date, to due: Date, mode: HourMode) -> Int {
        switch mode {
        case .natural: max(0, Int(due.timeIntervalSince(now).rounded(.up)))
        case .business: calendar.businessSeconds(from: now, to: due, opensAt: policy.businessOpensAt, closesAt: policy.businessClosesAt)
        }
    }

    /// A new deadline of `hours` starting at `now`. The emergency channel always counts natural hours.
    public func start(_ kind: DeadlineKind, tier: Tier, hours: Int, at now: Date, emergency: Bool, reminderHours: Int = 0, ref: String? = nil)
        -> CaseDeadline
    {
        let mode: HourMode = emergency || !kind.pausesForMember ? .natural : policy.hourMode
        let due = add(seconds: hours * 3600, to: now, mode: mode)
        return CaseDeadline(
            kind: kind, tier: tier, mode: mode, startedAt: now, dueAt: due, ref: ref,
            reminderLeadSeconds: Self.lead(reminderHours: reminderHours, span: due.timeIntervalSince(now)))
    }

    /// A deadline due at a given instant (working-day clocks, requests with a chosen deadline).
    public func start(_ kind: DeadlineKind, tier: Tier, dueAt due: Date, at now: Date, reminderHours: Int = 0, ref: String? = nil) -> CaseDeadline {
        CaseDeadline(
            kind: kind, tier: tier, mode: .natural, startedAt: now, dueAt: due, ref: ref,
            reminderLeadSeconds: Self.lead(reminderHours: reminderHours, span: due.timeIntervalSince(now)))
    }

    /// The reminder comes `reminderHours` before the deadline, or a quarter of the time before it when the clock is shorter than that.
    static func lead(reminderHours: Int, span: TimeInterval) -> Int? {
        guard reminderHours > 0, span > 0 else { return nil }
        let lead = Double(reminderHours * 3600)
        return Int(lead < span ? lead : span / 4)
    }

    /// Stops the clock: keeps what was left.
    public func pause(_ d: CaseDeadline, at now: Date) -> CaseDeadline {
        guard d.isOpen, d.breachedAt == nil, let due = d.dueAt else { return d }
        var p = d
        p.pausedRemainingSeconds = remaining(from: now, to: due, mode: d.mode)
        p.dueAt = nil
        return p
    }

    /// Restarts a paused clock with what was left.
    public func resume(_ d: CaseDeadline, at now: Date) -> CaseDeadline {
        guard d.isPaused, let left = d.pausedRemainingSeconds else { return d }
        var r = d
        r.dueAt = add(seconds: left, to: now, mode: d.mode)
        r.pausedRemainingSeconds = nil
        return r
    }
}
