import Foundation
import Hummingbird
import Logging
import RedressAPI
import RedressApp
import RedressHTTP
import RedressWeb
import ServiceLifecycle

/// The one place that wires Redress: the use-case layer (its store, keys and background services) from the
/// configuration, the shared middleware, the JSON API and the web pages on one router.
public func buildApplication(configuration: AppConfiguration, dependencies: AppDependencies = .init()) async throws -> some ApplicationProtocol {
    let services = try await RedressServices.start(configuration: configuration, dependencies: dependencies)
    let router = Router(context: RedressRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthMiddleware(services: services))
    JSONAPI(services: services).register(on: router)
    WebPortals(services: services).register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Redress"),
        services: services.backgroundServices,
        logger: services.logger)
}
