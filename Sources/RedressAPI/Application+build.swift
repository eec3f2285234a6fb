import Foundation
import Hummingbird
import Logging
import Prometheus
import RedressDomain
import RedressStorage
import ServiceLifecycle

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

/// The one place that wires Redress: storage, token key, routes, middleware and background services.
public func buildApplication(configuration: AppConfiguration, dependencies: AppDependencies = .init()) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "redress")
    logger.logLevel = configuration.logLevel
    try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
    let store: any RedressStore
    if let given = dependencies.store { store = given } else { store = try await openStore(configuration, logger: logger) }
    let signer = TokenSigner(key: try TokenSigner.loadOrCreateKey(at: configuration.tokenKeyPath))
    let treeHeads = TreeHeadSigner(store: store, key: try TreeHeadSigner.loadOrCreateKey(at: configuration.ledgerKeyPath), now: dependencies.now)
    let services = RedressServices(
        store: store, signer: signer, treeHeads: treeHeads, configuration: configuration, now: dependencies.now, logger: logger,
        registry: dependencies.registry)
    try await services.prepare()

    let router = Router(context: RedressRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(signer: signer, accounts: services.accounts, now: dependencies.now))
    SystemRoutes(services: services, registry: dependencies.registry).register(on: router)
    let api = router.group("api/v1")
    AccountRoutes(services: services).register(on: api)
    ComplaintRoutes(services: services).register(on: api)
    ReferenceRoutes(services: services).register(on: api)
    LedgerRoutes(services: services).register(on: api)
    ProcessRoutes(services: services).register(on: api)
    AdminRoutes(services: services).register(on: api)
    LiveRoutes(services: services).register(on: api)
    WebRoutes(services: services).register(on: router)

    var services_: [any Service] = []
    if dependencies.runSweeper {
        services_.append(DeadlineSweeper(services: services))
        // One server at a time signs heads; any server's signature is as good (they share the key).
        services_.append(
            PeriodicService(name: "signing a tree head", interval: configuration.headInterval, logger: logger) {
                _ = try await store.exclusively("tree-heads") { try await treeHeads.signIfBehind() }
            })
        services_.append(
            PeriodicService(name: "refreshing disabled accounts", interval: .seconds(5), logger: logger) { try await services.refreshAccounts() })
        services_.append(Outbox(store: services.store, configuration: configuration, now: dependencies.now, logger: logger))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Redress"),
        services: services_,
        logger: logger)
}
