import Benchmark
import Foundation
import GRDB
import RedressDomain
import RedressStorage
import Synchronization

/// A store of 1,000,000 open cases filed 10 ms apart, built once and kept between runs (`.build-bench` is ignored by git).
/// Each case's first timer is its first-response reminder, 18 h after filing, so the timers fall due 10,000 to every
/// 100 s window; each iteration sweeps the next window not yet swept (after the 100 reminder windows come the breaches
/// of the first response at 24 h, each with its automatic escalation).
let sweepDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build-bench/sweep-1m").standardized
    .path
let sweepCases = 1_000_000
let sweepStart = Date(timeIntervalSince1970: 1_795_939_200)
let sweepStore = Mutex<SQLiteStore?>(nil)

func openSweepStore(_ wf: CaseWorkflow) async throws -> SQLiteStore {
    if let s = sweepStore.withLock({ $0 }) { return s }
    try FileManager.default.createDirectory(atPath: sweepDirectory, withIntermediateDirectories: true)
    let store = try SQLiteStore(path: sweepDirectory + "/redress.sqlite")
    var have = try await store.complaintCount()
    if have == 0 {
        try await store.createUser(
            StoredUser(user: User(id: "m", role: .member, login: "m@bench", displayName: "m", createdAt: sweepStart), passwordHash: "x"))
    }
    let draft = ComplaintDraft(
        category: "transaction.topup_not_credited",
        order: OrderReference(orderNumber: "KM1", amountPaidFen: 9_800, productKind: .gameTopup, respondent: .platform),
        occurredAt: sweepStart.addingTimeInterval(-86_400), narrative: "充值未到账", remedy: Remedy(kind: .refund), amountClaimedFen: 9_800)
    while have < sweepCases {
        let from = have
        let to = min(have + 20_000, sweepCases)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<64 {
                group.addTask {
                    for i in stride(from: from + lane, to: to, by: 64) {
                        let at = sweepStart.addingTimeInterval(Double(i) * 0.01)
                        _ = try await store.createComplaint(day: wf.calendar.civilDate(of: at), idempotency: nil) { n in
                            try wf.file(draft, id: String(format: "bench-%08d", i), caseNumber: n, memberId: "m", now: at)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        have = to
        if have % 100_000 == 0 { print("sweep store: \(have) cases") }
    }
    sweepStore.withLock { $0 = store }
    return store
}

/// The end of the 100 s window holding the earliest timer not yet fired.
func nextSweepWindow() throws -> Date? {
    let db = try DatabaseQueue(path: sweepDirectory + "/redress.sqlite")
    guard let due = try db.read({ try Int64.fetchOne($0, sql: "SELECT MIN(sweep_due_at_ms) FROM complaints") }) else { return nil }
    let origin = Int64(sweepStart.timeIntervalSince1970 * 1000) + 18 * 3_600_000
    let window = (due - origin) / 100_000
    return Date(timeIntervalSince1970: Double(origin + (window + 1) * 100_000 - 5) / 1000)
}

func sweepBenchmarks() {
    let wf = CaseWorkflow(policy: .default, calendar: .china(years: years))
    Benchmark(
        "sweep: 10,000 due timers among 1,000,000 open cases",
        configuration: .init(
            metrics: [.wallClock, .throughput], scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 30,
            setup: { _ = try await openSweepStore(wf) })
    ) { benchmark in
        guard let store = sweepStore.withLock({ $0 }) else { return }
        for _ in benchmark.scaledIterations {
            // Finding the window is not part of the measurement.
            guard let at = try nextSweepWindow() else { return }
            benchmark.startMeasurement()
            let changed = try await store.sweepDue(workflow: wf, at: at)
            precondition(changed.count == 10_000, "expected 10,000 timers, swept \(changed.count)")
        }
    }
}
