import Foundation

public enum DeadlineKind: String, Sendable, Codable {
    /// First response to a new (or reopened) complaint.
    case firstResponse = "first_response"
    /// Response after an escalation to a higher tier.
    case escalationResponse = "escalation_response"
    /// A resolution proposed, resolved or rejected.
    case resolution
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

    public var isOpen: Bool { metAt == nil && supersededAt == nil }
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
    public func start(_ kind: DeadlineKind, tier: Tier, hours: Int, at now: Date, emergency: Bool) -> CaseDeadline {
        let mode: HourMode = emergency ? .natural : policy.hourMode
        return CaseDeadline(kind: kind, tier: tier, mode: mode, startedAt: now, dueAt: add(seconds: hours * 3600, to: now, mode: mode))
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
