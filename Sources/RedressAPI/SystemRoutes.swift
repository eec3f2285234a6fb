import Foundation
import Hummingbird
import NIOCore
import Prometheus
import RedressApp
import RedressHTTP

/// `/health`, `/metrics` and the OpenAPI document.
struct SystemRoutes {
    let services: RedressServices
    var registry: PrometheusCollectorRegistry { services.registry }

    func register(on router: Router<RedressRequestContext>) {
        router.get("health", use: health)
        router.get("metrics", use: metrics)
        router.get("openapi.json", use: openAPI)
        router.get("api/v1/openapi.json", use: openAPI)
    }

    /// Whether the request carries the metrics token (compared in constant time).
    func monitored(_ request: Request) -> Bool {
        guard let token = services.configuration.metricsToken else { return false }
        return BearerSecret.matches(request.headers[.authorization], token)
    }

    /// Liveness and a store check for anyone; with the metrics token, the number of cases kept as well.
    @Sendable func health(_ request: Request, context: RedressRequestContext) async throws -> Response {
        struct Health: Encodable {
            var status: String
            var complaints: Int?
        }
        do {
            if monitored(request) { return try JSONBody.response(Health(status: "ok", complaints: try await services.cases.count())) }
            _ = try await services.cases.head("")
            return try JSONBody.response(Health(status: "ok"))
        } catch {
            throw APIError(.serviceUnavailable, "storage_unavailable", zh: "存储暂不可用", en: "Storage is unavailable")
        }
    }

    /// The Prometheus text, for the holder of the metrics token only.
    @Sendable func metrics(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard monitored(request) else {
            throw APIError(
                .unauthorized, "metrics_token_required", zh: "需要监控令牌（REDRESS_METRICS_TOKEN）",
                en: "The metrics token (REDRESS_METRICS_TOKEN) is required")
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    @Sendable func openAPI(_ request: Request, context: RedressRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes)))
    }
}

/// The OpenAPI 3.1 document, shipped as a resource beside the code that it describes.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Array(#"{"openapi":"3.1.0","info":{"title":"Redress","version":"missing"},"paths":{}}"#.utf8)
        }
        return [UInt8](data)
    }()
}
