import Foundation

/// The maintained aggregates the figures are read from (the public merchant pages, the platform's own figures): per
/// filing day (Beijing time) × dimension × tier × respondent, counters that the store adds a case's change to in the
/// same transaction as the change, so that they always equal a recomputation from the cases.
///
/// A case contributes `contribution(of:)`; a change adds `after − before`. The respondent `""` is the platform; every
/// contribution is also counted under `FigureKey.everyone`, the platform-wide total a merchant is compared with.
public enum CaseFigures {
    /// The counters, in their stored order (columns `c0`…): adding a counter appends to the end.
    public enum Counter: Int, CaseIterable, Sendable {
        /// Complaints filed.
        case filed
        /// Answered at all (a first response by the platform or a reply, offer or records from the merchant), and
        /// within the first-response promise.
        case answered, answeredOnTime
        /// Hours to that first answer, in buckets: < 1, 1–4, 4–12, 12–24, 24–48, 48–72, ≥ 72.
        case answerUnder1h, answer1to4h, answer4to12h, answer12to24h, answer24to48h, answer48to72h, answerOver72h
        /// Finished (resolved, closed, rejected, withdrawn).
        case finished
        /// Completed as 黑猫投诉 counts it: the member accepted the outcome, or a ruling closed the case.
        case completed
        /// Rated by the member, and the sum of the overall scores (1–5).
        case rated, ratingSum
        /// Reopened by the member after it was finished (the problem came back): a repeat complaint.
        case reopened
        /// The supervisor's dashboard: the platform's own deadlines (first response, escalation response, resolution)
        /// that ended, and those met, by the tier that owed them.
        case deadlinesEndedL1, deadlinesMetL1, deadlinesEndedL2, deadlinesMetL2, deadlinesEndedRiskControl, deadlinesMetRiskControl
        /// Hours to the platform's first response met, and to the resolution met, in the answer buckets.
        case respondedUnder1h, responded1to4h, responded4to12h, responded12to24h, responded24to48h, responded48to72h, respondedOver72h
        case resolvedUnder1h, resolved1to4h, resolved4to12h, resolved12to24h, resolved24to48h, resolved48to72h, resolvedOver72h
        /// A merchant's records requests that ended (fulfilled or defaulted), and those fulfilled in time.
        case recordsEnded, recordsAnsweredInTime

        /// The dashboard's deadline counters of a tier: (ended, met).
        public static func deadlines(_ tier: Tier) -> (ended: Counter, met: Counter) {
            switch tier {
            case .l1: (.deadlinesEndedL1, .deadlinesMetL1)
            case .l2: (.deadlinesEndedL2, .deadlinesMetL2)
            case .riskControl: (.deadlinesEndedRiskControl, .deadlinesMetRiskControl)
            }
        }
    }

    /// The bucket of `hours` among `answerEdges`.
    public static func bucket(hours: Double) -> Int { answerEdges.firstIndex { hours < $0 } ?? answerEdges.count }

    /// The hour edges of the answer-time buckets.
    public static let answerEdges: [Double] = [1, 4, 12, 24, 48, 72]

    public struct FigureKey: Hashable, Sendable {
        /// The filing day (Beijing time), as its day number (days since 1970-01-01).
        public var day: Int
        public var dimension: Dimension
        public var tier: Tier
        /// The merchant that answers for the case, `""` for the platform, `everyone` for the platform-wide total.
        public var respondent: String

        public static let everyone = "*"

        public init(day: Int, dimension: Dimension, tier: Tier, respondent: String) {
            self.day = day
            self.dimension = dimension
            self.tier = tier
            self.respondent = respondent
        }
    }

    /// The day number of an instant in Beijing time (UTC+8 all year).
    public static func day(of d: Date) -> Int { Int(((d.timeIntervalSince1970 + 8 * 3600) / 86_400).rounded(.down)) }

    /// What one case counts for, under its own respondent and under `everyone`.
    public static func contribution(of c: Complaint) -> [FigureKey: [Int64]] {
        var v = [Int64](repeating: 0, count: Counter.allCases.count)
        v[Counter.filed.rawValue] = 1
        if let answered = firstAnswer(c) {
            v[Counter.answered.rawValue] = 1
            let due = c.deadlines.filter { $0.kind == .firstResponse }.compactMap(\.dueAt).min()
            if let due, answered <= due { v[Counter.answeredOnTime.rawValue] = 1 }
            let hours = answered.timeIntervalSince(c.createdAt) / 3600
            v[Counter.answerUnder1h.rawValue + bucket(hours: hours)] = 1
        }
        if c.status.isFinished {
            v[Counter.finished.rawValue] = 1
            if c.memberAcceptedAt != nil || c.ruling != nil { v[Counter.completed.rawValue] = 1 }
        }
        if let r = c.rating {
            v[Counter.rated.rawValue] = 1
            v[Counter.ratingSum.rawValue] = Int64(r.overall)
        }
        if c.reopenedAt != nil { v[Counter.reopened.rawValue] = 1 }
        for dl in c.deadlines where Dashboard.platformKinds.contains(dl.kind) && dl.supersededAt == nil {
            guard dl.metAt != nil || dl.breachedAt != nil else { continue }
            let (ended, met) = Counter.deadlines(dl.tier)
            v[ended.rawValue] += 1
            if dl.breachedAt == nil { v[met.rawValue] += 1 }
        }
        if let met = c.deadlines.filter({ $0.kind == .firstResponse }).compactMap(\.metAt).min() {
            v[Counter.respondedUnder1h.rawValue + bucket(hours: met.timeIntervalSince(c.createdAt) / 3600)] = 1
        }
        if let done = c.deadlines.filter({ $0.kind == .resolution }).compactMap(\.metAt).max() {
            v[Counter.resolvedUnder1h.rawValue + bucket(hours: done.timeIntervalSince(c.createdAt) / 3600)] = 1
        }
        for req in c.recordsRequests where req.withdrawnAt == nil {
            if req.fulfilledAt != nil || req.defaultedAt != nil { v[Counter.recordsEnded.rawValue] += 1 }
            if let f = req.fulfilledAt, f <= req.dueAt { v[Counter.recordsAnsweredInTime.rawValue] += 1 }
        }
        let key = FigureKey(day: day(of: c.createdAt), dimension: c.dimension, tier: c.tier, respondent: c.respondentMerchantId ?? "")
        var everyone = key
        everyone.respondent = FigureKey.everyone
        return [key: v, everyone: v]
    }

    /// What a change adds to the aggregates: the case's contribution after it, less before it (nil for a new case);
    /// keys whose counters do not move are left out.
    public static func delta(before: Complaint?, after: Complaint) -> [FigureKey: [Int64]] {
        var out = contribution(of: after)
        if let before {
            for (k, v) in contribution(of: before) {
                var row = out[k] ?? [Int64](repeating: 0, count: v.count)
                for i in v.indices { row[i] -= v[i] }
                out[k] = row
            }
        }
        return out.filter { $0.value.contains { $0 != 0 } }
    }

    /// The first answer the member got: the platform's first response, or the merchant's first reply, offer or records.
    static func firstAnswer(_ c: Complaint) -> Date? {
        [c.firstRespondedAt, c.merchantAnsweredAt].compactMap { $0 }.min()
    }
}

/// Figures over a span of days, summed from the aggregates: what the public merchant pages and the platform-wide
/// comparison show.
public struct FigureTotals: Sendable, Equatable {
    public var counters: [Int64]

    public init(counters: [Int64] = [Int64](repeating: 0, count: CaseFigures.Counter.allCases.count)) { self.counters = counters }

    public subscript(_ c: CaseFigures.Counter) -> Int64 { c.rawValue < counters.count ? counters[c.rawValue] : 0 }

    public mutating func add(_ v: [Int64]) {
        for i in v.indices where i < counters.count { counters[i] += v[i] }
    }

    /// No figure is shown for fewer cases than this (too few to say anything, and a single member could be recognised).
    public static let minimumCases: Int64 = 5

    public var filed: Int64 { self[.filed] }
    public var shown: Bool { filed >= Self.minimumCases }
    public var answerRate: Double? { ratio(self[.answered], filed) }
    public var answeredOnTimeRate: Double? { ratio(self[.answeredOnTime], filed) }
    public var completionRate: Double? { ratio(self[.completed], filed) }
    public var satisfaction: Double? { self[.rated] == 0 ? nil : Double(self[.ratingSum]) / Double(self[.rated]) }
    public var repeatRate: Double? { ratio(self[.reopened], self[.finished]) }

    /// The bucket the median answer time falls in (its index; see `CaseFigures.answerEdges`), nil with no answers.
    public var medianAnswerBucket: Int? {
        let answered = self[.answered]
        guard answered > 0 else { return nil }
        var seen: Int64 = 0
        for b in 0...CaseFigures.answerEdges.count {
            seen += counters[CaseFigures.Counter.answerUnder1h.rawValue + b]
            if seen * 2 >= answered { return b }
        }
        return CaseFigures.answerEdges.count
    }

    func ratio(_ a: Int64, _ b: Int64) -> Double? { b == 0 ? nil : Double(a) / Double(b) }
}
