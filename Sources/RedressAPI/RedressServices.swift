import Foundation
import HummingbirdBcrypt
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import RedressDomain
import RedressStorage
import Synchronization

/// The shared parts every route uses: the store, the clock, the policy in force, the token signer, metrics.
final class RedressServices: Sendable {
    let store: any RedressStore
    let signer: TokenSigner
    let accounts = AccountStatus()
    let throttle: LoginThrottle
    let policies: PolicyCache
    let configuration: AppConfiguration
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics: RedressMetrics
    let renderings = RenderedComplaints()
    /// Signs the evidence log's tree heads.
    let treeHeads: TreeHeadSigner
    /// Verified against when a log-in is unknown, so that response time does not tell which log-ins exist.
    let decoyHash: String

    init(
        store: any RedressStore, signer: TokenSigner, treeHeads: TreeHeadSigner, configuration: AppConfiguration, now: @escaping @Sendable () -> Date,
        logger: Logger, registry: PrometheusCollectorRegistry
    ) {
        self.store = store
        self.throttle = LoginThrottle(store: store)
        self.treeHeads = treeHeads
        self.signer = signer
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.policies = PolicyCache(store: store, now: now)
        self.metrics = RedressMetrics(registry: registry)
        self.decoyHash = Bcrypt.hash(UUID().uuidString, cost: configuration.bcryptCost)
    }

    /// Loads what must be in memory before the first request (disabled accounts).
    func prepare() async throws {
        try await refreshAccounts()
        try await treeHeads.prepare()
        try await treeHeads.signIfBehind()
    }

    /// Reloads the disabled accounts: an account disabled through another server sharing the database is refused
    /// here from the next refresh on.
    func refreshAccounts() async throws {
        accounts.set(try await store.disabledUserIds())
    }

    func hashPassword(_ password: String) async throws -> String {
        let cost = configuration.bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

/// The policy and calendars in force, read from the store and kept for a few seconds
/// so that a change made by an admin (on any server) applies without a restart.
final class PolicyCache: Sendable {
    private struct Entry {
        var workflow: CaseWorkflow
        var loadedAt: Date
    }
    private let store: any RedressStore
    private let now: @Sendable () -> Date
    private let entry = Mutex<Entry?>(nil)
    static let freshness: TimeInterval = 5

    init(store: any RedressStore, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.now = now
    }

    func workflow() async throws -> CaseWorkflow {
        let t = now()
        if let e = entry.withLock({ $0 }), abs(t.timeIntervalSince(e.loadedAt)) < Self.freshness { return e.workflow }
        let policy = try await store.policy()
        let years = try await store.calendarYears()
        let wf = CaseWorkflow(policy: policy, calendar: .china(years: years))
        entry.withLock { $0 = Entry(workflow: wf, loadedAt: t) }
        return wf
    }

    func invalidate() { entry.withLock { $0 = nil } }
}

/// Redress's own counters, exported at `/metrics` with the HTTP metrics.
struct RedressMetrics: Sendable {
    let complaintsCreated: Prometheus.Counter
    let idempotentReplays: Prometheus.Counter
    let deadlinesBreached: Prometheus.Counter
    let automaticEscalations: Prometheus.Counter
    let loginFailures: Prometheus.Counter

    init(registry: PrometheusCollectorRegistry) {
        complaintsCreated = registry.makeCounter(name: "redress_complaints_created_total", help: "Complaints filed")
        idempotentReplays = registry.makeCounter(name: "redress_idempotent_replays_total", help: "POST /complaints answered from an Idempotency-Key")
        deadlinesBreached = registry.makeCounter(name: "redress_deadlines_breached_total", help: "Deadlines recorded as breached by the sweeper")
        automaticEscalations = registry.makeCounter(name: "redress_automatic_escalations_total", help: "Cases escalated by the sweeper")
        loginFailures = registry.makeCounter(name: "redress_login_failures_total", help: "Failed log-in attempts")
    }
}

/// Encoded `GET /complaints/{id}` bodies, keyed by case, version (its event count), language and audience,
/// each kept until the case's next deadline falls due. Bounded; emptied when full.
final class RenderedComplaints: Sendable {
    struct Key: Hashable {
        var id: String
        var version: Int
        var chinese: Bool
        var audience: String
    }
    private let entries = Mutex<[Key: (body: ByteBuffer, validUntil: Date?)]>([:])
    static let bound = 5_000

    func get(_ key: Key, now: Date) -> ByteBuffer? {
        entries.withLock { e in
            guard let hit = e[key] else { return nil }
            if let until = hit.validUntil, until <= now {
                e[key] = nil
                return nil
            }
            return hit.body
        }
    }

    func put(_ key: Key, _ body: ByteBuffer, validUntil: Date?) {
        entries.withLock { e in
            if e.count >= Self.bound { e.removeAll(keepingCapacity: true) }
            e[key] = (body, validUntil)
        }
    }
}
