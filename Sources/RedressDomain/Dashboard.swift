import Foundation

/// What a supervisor looks at: where the process holds and where it fails, computed from the cases themselves.
public struct Dashboard: Sendable, Equatable {
    /// Complaints filed per local day, split by dimension (oldest day first).
    public var perDay: [(day: CivilDate, counts: [Dimension: Int])]
    /// Per tier: platform deadlines that ended met on time, and all that ended (met or missed).
    public var deadlines: [Tier: (met: Int, ended: Int)]
    /// Hours from filing to the first response, and to resolution, of every case that got there.
    public var firstResponseHours: [Double]
    public var resolutionHours: [Double]
    /// Merchants with complaints against them, best first.
    public var merchants: [MerchantRecord]
    /// The same figures for the cases the platform answers for itself (its own satisfaction, completion).
    public var platform: MerchantRecord = MerchantRecord(
        merchantId: "", cases: 0, recordsAnswered: 0, recordsEnded: 0, finished: 0, satisfactionSum: 0, rated: 0)
    public var cases: Int

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
        a.cases == b.cases && a.firstResponseHours == b.firstResponseHours && a.resolutionHours == b.resolutionHours && a.merchants == b.merchants
            && a.platform == b.platform
            && a.perDay.map(\.day) == b.perDay.map(\.day) && a.perDay.map(\.counts) == b.perDay.map(\.counts)
            && a.deadlines.mapValues { [$0.met, $0.ended] } == b.deadlines.mapValues { [$0.met, $0.ended] }
    }

    /// The dashboard of `cases` over the `days` local days ending today (cases filed earlier count for the rates).
    public static func compute(_ cases: [Complaint], days: Int, now: Date, calendar: WorkingDayCalendar) -> Dashboard {
        let today = calendar.civilDate(of: now)
        var dayList: [CivilDate] = []
        var d = today
        for _ in 0..<max(1, days) {
            dayList.insert(d, at: 0)
            d = d.adding(days: -1)
        }
        var perDay: [CivilDate: [Dimension: Int]] = [:]
        var deadlines: [Tier: (met: Int, ended: Int)] = [:]
        var first: [Double] = []
        var resolution: [Double] = []
        var merchants: [String: MerchantRecord] = [:]
        var platform = MerchantRecord(merchantId: "", cases: 0, recordsAnswered: 0, recordsEnded: 0, finished: 0, satisfactionSum: 0, rated: 0)
        let platformKinds: Set<DeadlineKind> = [.firstResponse, .escalationResponse, .resolution]
        for c in cases {
            let day = calendar.civilDate(of: c.createdAt)
            if day >= dayList[0] { perDay[day, default: [:]][c.dimension, default: 0] += 1 }
            for dl in c.deadlines where platformKinds.contains(dl.kind) && dl.supersededAt == nil {
                guard dl.metAt != nil || dl.breachedAt != nil else { continue }
                var entry = deadlines[dl.tier] ?? (0, 0)
                entry.ended += 1
                if dl.breachedAt == nil { entry.met += 1 }
                deadlines[dl.tier] = entry
            }
            if let met = c.deadlines.filter({ $0.kind == .firstResponse }).compactMap(\.metAt).min() {
                first.append(met.timeIntervalSince(c.createdAt) / 3600)
            }
            if let done = c.deadlines.filter({ $0.kind == .resolution }).compactMap(\.metAt).max() {
                resolution.append(done.timeIntervalSince(c.createdAt) / 3600)
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
        let ranked = merchants.values.sorted { a, b in
            let (ra, rb) = (a.responseRate ?? 1, b.responseRate ?? 1)
            if ra != rb { return ra > rb }
            if a.completionRate != b.completionRate { return a.completionRate > b.completionRate }
            if (a.satisfaction ?? 0) != (b.satisfaction ?? 0) { return (a.satisfaction ?? 0) > (b.satisfaction ?? 0) }
            return a.merchantId < b.merchantId
        }
        return Dashboard(
            perDay: dayList.map { ($0, perDay[$0] ?? [:]) }, deadlines: deadlines, firstResponseHours: first.sorted(),
            resolutionHours: resolution.sorted(),
            merchants: ranked, platform: platform, cases: cases.count)
    }

    /// The value below which `fraction` of the sorted `values` lie (nearest rank), or nil when there are none.
    public static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((fraction * Double(values.count)).rounded(.up)) - 1
        return values[min(max(rank, 0), values.count - 1)]
    }

    /// How many values fall in each of the buckets bounded by `edges` (hours): < e0, e0..<e1, …, ≥ last.
    public static func histogram(_ values: [Double], edges: [Double]) -> [Int] {
        var counts = Array(repeating: 0, count: edges.count + 1)
        for v in values { counts[edges.firstIndex { v < $0 } ?? edges.count] += 1 }
        return counts
    }
}
