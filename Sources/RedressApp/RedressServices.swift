import Crypto
import Foundation
import HummingbirdBcrypt
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import RedressDomain
import RedressStorage
import ServiceLifecycle
import Synchronization

/// What the application is built from besides its configuration. Tests pass their own store and clock.
public struct AppDependencies: Sendable {
    public var store: (any RedressStore)?
    public var now: @Sendable () -> Date
    public var registry: PrometheusCollectorRegistry
    /// Run the background services: the deadline sweeper and the tree-head signer (tests drive them themselves).
    public var runSweeper: Bool

    public init(
        store: (any RedressStore)? = nil, now: @escaping @Sendable () -> Date = { Date() }, registry: PrometheusCollectorRegistry = .init(),
        runSweeper: Bool = true
    ) {
        self.store = store
        self.now = now
        self.registry = registry
        self.runSweeper = runSweeper
    }
}

/// The use-case layer of Redress: one object per running server, holding the store, the clock, the policy in force,
/// the token and log signers and the metrics, and offering the use cases the edges call. Only this layer talks to
/// the store; every access rule is decided here, once, as an `AppError` the edges present.
public final class RedressServices: Sendable {
    let store: any RedressStore
    package let signer: TokenSigner
    package let disabledAccounts = AccountStatus()
    package let revokedTokens = RevokedTokenList()
    /// Seals the secrets the server must read back (webhook signing secrets).
    let secrets: SecretBox
    /// Where uploads are scanned, when a scanner is configured.
    package var scanner: VirusScanner? { configuration.clamd.map { VirusScanner(location: $0) } }
    /// Dossiers being built on this server (at most two at once).
    package let dossierBuilds = Slots(2)
    let throttle: LoginThrottle
    package let policies: PolicyCache
    public let configuration: AppConfiguration
    public let now: @Sendable () -> Date
    public let logger: Logger
    package let metrics: RedressMetrics
    public let registry: PrometheusCollectorRegistry
    /// Signs the evidence log's tree heads.
    let treeHeads: TreeHeadSigner
    /// Verified against when a log-in is unknown, so that response time does not tell which log-ins exist.
    let decoyHash: String
    let runBackground: Bool

    /// Cases: filing, reading, working, evidence, verification, receipts and dossiers.
    package var cases: CaseService { CaseService(app: self) }
    /// Log-in, registration and accounts.
    package var accounts: AccountService { AccountService(app: self) }
    /// Merchants and their qualification records.
    package var merchants: MerchantService { MerchantService(app: self) }
    /// What anyone may read without logging in: the merchant directory and figures.
    package var publicSide: PublicService { PublicService(app: self) }
    package let publicDirectory: PublicDirectoryCache
    /// Webhook subscriptions and the delivery log.
    package var webhooks: WebhookService { WebhookService(app: self) }
    /// The policy, its history and the holiday calendars.
    package var policy: PolicyService { PolicyService(app: self) }
    /// The evidence log: heads, keys and proofs.
    package var ledger: LedgerService { LedgerService(app: self) }
    /// Mail in through the gateway.
    package var mail: MailService { MailService(app: self) }
    /// Online support chats.
    package var chat: ChatService { ChatService(app: self) }
    /// Live streams' wake-up when a chat changes on this server.
    package let chatSignals = ChatSignals(buffer: 64)

    /// Opens the store the configuration names (unless the dependencies bring one), loads or creates the signing keys
    /// and what must be in memory before the first request.
    public static func start(configuration: AppConfiguration, dependencies: AppDependencies = .init()) async throws -> RedressServices {
        var logger = Logger(label: "redress", metadataProvider: RequestLog.provider)
        logger.logLevel = configuration.logLevel
        try DataFolder.prepare(configuration.dataDirectory)
        Self.removeStaleExports(in: configuration.dataDirectory)
        let store: any RedressStore
        if let given = dependencies.store { store = given } else { store = try await openStore(configuration, logger: logger) }
        let signer = TokenSigner(key: try TokenSigner.loadOrCreateKey(at: configuration.tokenKeyPath))
        let treeHeads = TreeHeadSigner(
            store: store, key: try TreeHeadSigner.loadOrCreateKey(at: configuration.ledgerKeyPath), now: dependencies.now)
        let app = RedressServices(
            store: store, signer: signer, treeHeads: treeHeads, secrets: try SecretBox.load(dataDirectory: configuration.dataDirectory),
            configuration: configuration, now: dependencies.now, logger: logger, registry: dependencies.registry,
            runBackground: dependencies.runSweeper)
        try await app.prepare()
        return app
    }

    init(
        store: any RedressStore, signer: TokenSigner, treeHeads: TreeHeadSigner, secrets: SecretBox, configuration: AppConfiguration,
        now: @escaping @Sendable () -> Date, logger: Logger, registry: PrometheusCollectorRegistry, runBackground: Bool
    ) {
        self.store = store
        self.secrets = secrets
        self.throttle = LoginThrottle(store: store)
        self.treeHeads = treeHeads
        self.signer = signer
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.registry = registry
        self.policies = PolicyCache(store: store, now: now)
        self.publicDirectory = PublicDirectoryCache(now: now)
        self.metrics = RedressMetrics(registry: registry)
        self.decoyHash = Bcrypt.hash(UUID().uuidString, cost: configuration.bcryptCost)
        self.runBackground = runBackground
    }

    /// The long-running parts, run beside the HTTP server: the deadline sweeper, the head signer (one server at a time),
    /// the refresh of disabled accounts and the outbox. None when the dependencies asked for none (tests drive them).
    public var backgroundServices: [any Service] {
        guard runBackground else { return [] }
        let store = store
        let treeHeads = treeHeads
        return [
            DeadlineSweeper(services: self),
            // One server at a time signs heads; any server's signature is as good (they share the key).
            PeriodicService(name: "signing a tree head", interval: configuration.headInterval, logger: logger) {
                _ = try await store.exclusively("tree-heads") { try await treeHeads.signIfBehind() }
            },
            PeriodicService(name: "refreshing disabled accounts", interval: .seconds(5), logger: logger) { [self] in try await refreshAccounts() },
            // A master key added to the keyring (`redress keys add`) is taken up without a stop: the data keys are
            // wrapped by it again a batch at a time, by one server.
            PeriodicService(name: "wrapping data keys by the current master key", interval: .seconds(60), logger: logger) { [logger] in
                let n = try await store.exclusively("rewrap-data-keys") { try await store.rewrapDataKeys(batch: 500) } ?? 0
                if n > 0 { logger.notice("data keys wrapped by the current master key", metadata: ["keys": "\(n)"]) }
            },
            // Mail held for its sender to confirm is dropped (status expired, raw bytes removed) at its expiry.
            PeriodicService(name: "expiring held mail", interval: .seconds(600), logger: logger) { [now, logger] in
                let n = try await store.expireHeldMail(at: now())
                if n > 0 { logger.notice("held mail expired", metadata: ["messages": "\(n)"]) }
            },
            Outbox(store: store, configuration: configuration, now: now, logger: logger),
        ]
    }

    /// A new file in the data folder's `exports` for one download (removed once sent; left-overs an hour old at start).
    package func exportFile(_ prefix: String) throws -> URL {
        let folder = URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("\(prefix)-\(UUID().uuidString).zip")
    }

    /// Dossiers left half-sent by a stop (an hour old: servers sharing the folder may be sending theirs).
    static func removeStaleExports(in dataDirectory: String) {
        let fm = FileManager.default
        let folder = (dataDirectory as NSString).appendingPathComponent("exports")
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = (folder as NSString).appendingPathComponent(name)
            if let modified = try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date, modified < Date().addingTimeInterval(-3600) {
                try? fm.removeItem(atPath: path)
            }
        }
    }

    /// Loads what must be in memory before the first request (disabled accounts).
    func prepare() async throws {
        if let location = configuration.clamd {
            logger.info("uploads are scanned by clamd", metadata: ["clamd": "\(location)"])
        } else {
            logger.notice("uploads are not scanned for malware: set REDRESS_CLAMD to clamd's socket or host:port")
        }
        try await refreshAccounts()
        try await sealWebhookSecrets()
        try await treeHeads.prepare()
        try await treeHeads.signIfBehind()
    }

    /// Webhook secrets stored before they were encrypted are sealed now (once; the others are left as they are).
    func sealWebhookSecrets() async throws {
        for w in try await store.webhooks() where !secrets.isSealed(w.secret) {
            try await store.setWebhookSecret(id: w.id, secret: try secrets.seal(w.secret))
            logger.info("webhook secret sealed", metadata: ["webhook": "\(w.id)"])
        }
    }

    /// Reloads the disabled accounts: an account disabled through another server sharing the database is refused
    /// here from the next refresh on.
    func refreshAccounts() async throws {
        disabledAccounts.set(try await store.disabledUserIds())
        disabledAccounts.setFloors(try await store.sessionFloors())
        revokedTokens.set(try await store.revokedTokens(now: now()))
    }

    /// Whether an account is disabled (known without a database read).
    package func isDisabled(_ userId: String) -> Bool { disabledAccounts.isDisabled(userId) }

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
package final class PolicyCache: Sendable {
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

    package func workflow() async throws -> CaseWorkflow {
        let t = now()
        if let e = entry.withLock({ $0 }), abs(t.timeIntervalSince(e.loadedAt)) < Self.freshness { return e.workflow }
        let policy = try await store.policy()
        let years = try await store.calendarYears()
        let wf = CaseWorkflow(policy: policy, calendar: .china(years: years))
        entry.withLock { $0 = Entry(workflow: wf, loadedAt: t) }
        return wf
    }

    package func invalidate() { entry.withLock { $0 = nil } }
}

/// Redress's own counters, exported at `/metrics` with the HTTP metrics.
package struct RedressMetrics: Sendable {
    package let complaintsCreated: Prometheus.Counter
    package let idempotentReplays: Prometheus.Counter
    package let deadlinesBreached: Prometheus.Counter
    package let automaticEscalations: Prometheus.Counter
    package let loginFailures: Prometheus.Counter
    package let infectedUploads: Prometheus.Counter
    package let quarantinedUploads: Prometheus.Counter

    init(registry: PrometheusCollectorRegistry) {
        complaintsCreated = registry.makeCounter(name: "redress_complaints_created_total", help: "Complaints filed")
        idempotentReplays = registry.makeCounter(name: "redress_idempotent_replays_total", help: "POST /complaints answered from an Idempotency-Key")
        deadlinesBreached = registry.makeCounter(name: "redress_deadlines_breached_total", help: "Deadlines recorded as breached by the sweeper")
        automaticEscalations = registry.makeCounter(name: "redress_automatic_escalations_total", help: "Cases escalated by the sweeper")
        loginFailures = registry.makeCounter(name: "redress_login_failures_total", help: "Failed log-in attempts")
        infectedUploads = registry.makeCounter(
            name: "redress_uploads_infected_total", help: "Uploads refused because the virus scanner found a signature")
        quarantinedUploads = registry.makeCounter(
            name: "redress_uploads_quarantined_total", help: "Uploads kept in quarantine because the virus scanner did not answer")
    }
}

/// A fixed number of slots for work that takes memory or CPU (dossier builds).
package final class Slots: Sendable {
    private let used = Mutex(0)
    let count: Int
    package init(_ count: Int) { self.count = count }
    package func acquire() -> Bool {
        used.withLock { u in
            guard u < count else { return false }
            u += 1
            return true
        }
    }
    package func release() { used.withLock { $0 = max(0, $0 - 1) } }
}
