import Foundation

/// What a supervisor looks at: where the process holds and where it fails. The server reads it from the maintained
/// aggregates (`compute(figures:)`, a few hundred rows whatever the number of cases); `compute(_:)` counts the same from
/// the cases themselves, the reference the aggregates are checked against.
public struct Dashboard: Sendable, Equatable {
    /// Complaints filed per local day, split by dimension (oldest day first).
    public var perDay: [(day: CivilDate, counts: [Dimension: Int])]
    /// Per tier: platform deadlines that ended met on time, and all that ended (met or missed).
    public var deadlines: [Tier: (met: Int, ended: Int)]
    /// Cases by hours from filing to the platform's first response met, and to the resolution met, in the buckets of
    /// `CaseFigures.answerEdges` (< 1 h, 1–4, 4–12, 12–24, 24–48, 48–72, ≥ 72).
    public var firstResponseBuckets: [Int]
    public var resolutionBuckets: [Int]
    /// Merchants with complaints against them, best first.
    public var merchants: [MerchantRecord]
    /// The same figures for the cases the platform answers for itself (its own satisfaction, completion).
    public var platform: MerchantRecord = MerchantRecord(
        merchantId: "", cases: 0, recordsAnswered: 0, recordsEnded: 0, finished: 0, satisfactionSum: 0, rated: 0)
    public var cases: Int
    /// Online support: time to the first reply over the chats opened in the window (read from the chats).
    public var chats = ChatReplyFigures([])

    public struct MerchantRecord: Sendable, Equatable {
        public var merchantId: String
        public var cases: Int
        /// Records requests answered in time, of those that ended.
        public var recordsAnswered: Int
        public var recordsEnded: Int
        /// Cases finished (resolved, closed, rejected, withdrawn), of all.
        public var finished: Int
        /// Mean overall satisfaction (1–5) of rated cases, and how many were rated.
        public var satisfactionSum: Int
        public var rated: Int

        public var responseRate: Double? { recordsEnded == 0 ? nil : Double(recordsAnswered) / Double(recordsEnded) }
        public var completionRate: Double { cases == 0 ? 0 : Double(finished) / Double(cases) }
        public var satisfaction: Double? { rated == 0 ? nil : Double(satisfactionSum) / Double(rated) }
    }

    public static func == (a: Dashboard, b: Dashboard) -> Bool {
        a.cases == b.cases && a.firstResponseBuckets == b.firstResponseBuckets && a.resolutionBuckets == b.resolutionBuckets
            && a.merchants == b.merchants
            && a.platform == b.platform
            && a.perDay.map(\.day) == b.perDay.map(\.day) && a.perDay.map(\.counts) == b.perDay.map(\.counts)
            && a.deadlines.mapValues { [$0.met, $0.ended] } == b.deadlines.mapValues { [$0.met, $0.ended] }
    }

    /// The platform's own deadlines, whose keeping the dashboard shows per tier.
    public static let platformKinds: Set<DeadlineKind> = [.firstResponse, .escalationResponse, .resolution]

    /// The `days` filing days (Beijing time) ending today, oldest first.
    static func days(_ days: Int, now: Date) -> [Int] {
        let today = CaseFigures.day(of: now)
        return Array((today - max(1, days) + 1)...today)
    }

    /// The dashboard of the cases filed in the `days` filing days ending today (Beijing time), counted from the cases.
    public static func compute(_ cases: [Complaint], days: Int, now: Date) -> Dashboard {
        let dayList = Self.days(days, now: now)
        let cases = cases.filter { CaseFigures.day(of: $0.createdAt) >= dayList[0] && CaseFigures.day(of: $0.createdAt) <= dayList.last! }
        var perDay: [Int: [Dimension: Int]] = [:]
        var deadlines: [Tier: (met: Int, ended: Int)] = [:]
        var first = [Int](repeating: 0, count: CaseFigures.answerEdges.count + 1)
        var resolution = first
        var merchants: [String: MerchantRecord] = [:]
        var platform = MerchantRecord(merchantId: "", cases: 0, recordsAnswered: 0, recordsEnded: 0, finished: 0, satisfactionSum: 0, rated: 0)
        for c in cases {
            perDay[CaseFigures.day(of: c.createdAt), default: [:]][c.dimension, default: 0] += 1
            for dl in c.deadlines where platformKinds.contains(dl.kind) && dl.supersededAt == nil {
                guard dl.metAt != nil || dl.breachedAt != nil else { continue }
                var entry = deadlines[dl.tier] ?? (0, 0)
                entry.ended += 1
                if dl.breachedAt == nil { entry.met += 1 }
                deadlines[dl.tier] = entry
            }
            if let met = c.deadlines.filter({ $0.kind == .firstResponse }).compactMap(\.metAt).min() {
                first[CaseFigures.bucket(hours: met.timeIntervalSince(c.createdAt) / 3600)] += 1
            }
            if let done = c.deadlines.filter({ $0.kind == .resolution }).compactMap(\.metAt).max() {
                resolution[CaseFigures.bucket(hours: done.timeIntervalSince(c.createdAt) / 3600)] += 1
            }
            if let m = c.respondentMerchantId {
                var r =
                    merchants[m]
                    ?? MerchantRecord(merchantId: m, cases: 0, recordsAnswered: 0, recordsEnded: 0, finished: 0, satisfactionSum: 0, rated: 0)
                r.cases += 1
                for req in c.recordsRequests where req.withdrawnAt == nil {
                    if req.fulfilledAt != nil || req.defaultedAt != nil { r.recordsEnded += 1 }
                    if let f = req.fulfilledAt, f <= req.dueAt { r.recordsAnswered += 1 }
                }
                if !Lifecycle.open.contains(c.status) { r.finished += 1 }
                if let rating = c.rating {
                    r.satisfactionSum += rating.overall
                    r.rated += 1
                }
                merchants[m] = r
            } else {
                platform.cases += 1
                if !Lifecycle.open.contains(c.status) { platform.finished += 1 }
                if let rating = c.rating {
                    platform.satisfactionSum += rating.overall
                    platform.rated += 1
                }
            }
        }
        return Dashboard(
            perDay: dayList.map { (CivilDate(dayNumber: $0), perDay[$0] ?? [:]) }, deadlines: deadlines, firstResponseBuckets: first,
            resolutionBuckets: resolution, merchants: ranked(merchants.values), platform: platform, cases: cases.count)
    }

    /// The same dashboard from the maintained aggregates' rows (`CaseFigures`, per respondent, not the `everyone`
    /// total) of the filing days from `days(_:now:)` on.
    public static func compute(figures rows: [(key: CaseFigures.FigureKey, counters: [Int64])], days: Int, now: Date) -> Dashboard {
        let dayList = Self.days(days, now: now)
        typealias C = CaseFigures.Counter
        var perDay: [Int: [Dimension: Int]] = [:]
        var total = FigureTotals()
        var byRespondent: [String: FigureTotals] = [:]
        for (key, counters) in rows where key.respondent != CaseFigures.FigureKey.everyone && key.day >= dayList[0] && key.day <= dayList.last! {
            let f = FigureTotals(counters: counters)
            if f[.filed] > 0 { perDay[key.day, default: [:]][key.dimension, default: 0] += Int(f[.filed]) }
            total.add(counters)
            byRespondent[key.respondent, default: FigureTotals()].add(counters)
        }
        var deadlines: [Tier: (met: Int, ended: Int)] = [:]
        for tier in Tier.allCases {
            let (ended, met) = C.deadlines(tier)
            if total[ended] > 0 { deadlines[tier] = (Int(total[met]), Int(total[ended])) }
        }
        func buckets(_ first: C) -> [Int] { (0...CaseFigures.answerEdges.count).map { Int(total.counters[first.rawValue + $0]) } }
        func record(_ id: String, _ f: FigureTotals) -> MerchantRecord {
            MerchantRecord(
                merchantId: id, cases: Int(f[.filed]), recordsAnswered: Int(f[.recordsAnsweredInTime]), recordsEnded: Int(f[.recordsEnded]),
                finished: Int(f[.finished]), satisfactionSum: Int(f[.ratingSum]), rated: Int(f[.rated]))
        }
        let merchants = byRespondent.filter { !$0.key.isEmpty && $0.value[.filed] > 0 }.map { record($0.key, $0.value) }
        var platform = record("", byRespondent[""] ?? FigureTotals())
        platform.recordsAnswered = 0
        platform.recordsEnded = 0
        return Dashboard(
            perDay: dayList.map { (CivilDate(dayNumber: $0), perDay[$0] ?? [:]) }, deadlines: deadlines,
            firstResponseBuckets: buckets(.respondedUnder1h), resolutionBuckets: buckets(.resolvedUnder1h), merchants: ranked(merchants),
            platform: platform, cases: Int(total[.filed]))
    }

    /// Merchants best first: answering records requests in time, then finishing cases, then satisfaction.
    static func ranked(_ merchants: some Sequence<MerchantRecord>) -> [MerchantRecord] {
        merchants.sorted { a, b in
            let (ra, rb) = (a.responseRate ?? 1, b.responseRate ?? 1)
            if ra != rb { return ra > rb }
            if a.completionRate != b.completionRate { return a.completionRate > b.completionRate }
            if (a.satisfaction ?? 0) != (b.satisfaction ?? 0) { return (a.satisfaction ?? 0) > (b.satisfaction ?? 0) }
            return a.merchantId < b.merchantId
        }
    }

    /// The bucket (an index of `CaseFigures.answerEdges`' buckets) below which `fraction` of the counted cases lie, or
    /// nil when there are none.
    public static func percentileBucket(_ buckets: [Int], _ fraction: Double) -> Int? {
        let n = buckets.reduce(0, +)
        guard n > 0 else { return nil }
        let rank = Int((fraction * Double(n)).rounded(.up))
        var seen = 0
        for (i, c) in buckets.enumerated() {
            seen += c
            if seen >= rank { return i }
        }
        return buckets.count - 1
    }
}
