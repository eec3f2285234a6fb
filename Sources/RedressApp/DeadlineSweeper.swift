import Foundation
import Logging
import RedressDomain
import RedressStorage
import ServiceLifecycle

/// The durable scheduler: every case's next timer (a reminder or a deadline) is the indexed `sweep_due_at_ms` of its row.
/// Each pass fires the timers that have come due — reminders, breaches and their consequences (`CaseWorkflow.sweep`).
///
/// The breach mark is written in the same transaction as its event, so a restart never acts twice on
/// the same breach: a case already marked is skipped by `CaseWorkflow.sweep`.
public struct DeadlineSweeper: Service {
    let store: any RedressStore
    let policies: PolicyCache
    let now: @Sendable () -> Date
    let interval: Duration
    let logger: Logger
    let metrics: RedressMetrics?

    init(services: RedressServices) {
        self.store = services.store
        self.policies = services.policies
        self.now = services.now
        self.interval = services.configuration.sweepInterval
        self.logger = services.logger
        self.metrics = services.metrics
    }

    /// A sweeper over a store, for tools and tests.
    public init(store: any RedressStore, now: @escaping @Sendable () -> Date, logger: Logger = Logger(label: "redress.sweeper")) {
        self.store = store
        self.policies = PolicyCache(store: store, now: now)
        self.now = now
        self.interval = .seconds(30)
        self.logger = logger
        self.metrics = nil
    }

    public func run() async throws {
        try await PeriodicService(name: "deadline sweep", interval: interval, logger: logger) { _ = try await sweepOnce() }.run()
    }

    /// One pass; returns the number of cases changed.
    @discardableResult
    public func sweepOnce() async throws -> Int {
        // One server at a time sweeps; a timer another server fired meanwhile is not fired again (each case is
        // written only if its event count is still the one read, else swept again on what is there).
        let (store, workflow, at) = (store, try await policies.workflow(), now())
        guard let results = try await store.exclusively("deadline-sweep", { try await store.sweepDue(workflow: workflow, at: at) }) else { return 0 }
        for (c, events) in results {
            let breaches = events.filter { $0.kind == .deadlineBreached }.count
            let escalated = events.contains { $0.kind == .escalated }
            metrics?.deadlinesBreached.increment(by: Int64(breaches))
            if escalated { metrics?.automaticEscalations.increment() }
            if breaches > 0 {
                logger.info("deadline breached", metadata: ["case": "\(c.caseNumber)", "breaches": "\(breaches)", "escalated": "\(escalated)"])
            }
        }
        return results.count
    }
}
