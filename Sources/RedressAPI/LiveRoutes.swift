import Foundation
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP
import ServiceLifecycle
import Synchronization

/// Live updates as server-sent events: `GET /api/v1/live` tells the caller, the moment it is committed, that a case
/// they may see has changed (an `event: case` with its id and event count), so that a page or client fetches it
/// again. With PostgreSQL the change may come from any server sharing the database (LISTEN/NOTIFY).
struct LiveRoutes {
    let services: RedressServices
    /// A stream ends after this long; EventSource clients reconnect by themselves (`retry: 3000`).
    static let streamLifetime: Duration = .seconds(600)
    static let heartbeat: Duration = .seconds(15)
    /// Streams one user may hold open on this server at once (a few tabs and devices; not a thousand).
    static let streamsPerUser = 8
    let open = OpenStreams()

    init(services: RedressServices) {
        self.services = services
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.get("live", use: live)
    }

    @Sendable func live(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        if identity.role == .arbitrator {
            throw APIError(
                .forbidden, "no_live_updates", zh: "外部评审人员没有实时更新，请刷新案件页面", en: "External reviewers do not get live updates; reload the case instead")
        }
        var only: String?
        if let id = request.uri.queryParameters.get("complaintId") {
            _ = try await services.cases.load(id, for: identity)
            only = id
        }
        guard open.acquire(identity.userId, limit: Self.streamsPerUser) else {
            throw APIError(
                .tooManyRequests, "too_many_streams", zh: "您打开的实时更新过多，请关闭其他页面后再试",
                en: "Too many live streams are open for you; close other pages and try again")
        }
        let open = self.open
        let user = identity.userId
        // Subscribed before the response starts, so nothing committed after this request arrived is missed.
        let signals = services.cases.signals()
        let wanted = only
        let (frames, sink) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let pump = Task {
            for await s in signals where CaseService.visible(s, to: identity) && (wanted == nil || s.complaintId == wanted) {
                let data = #"{"complaintId":"\#(s.complaintId)","eventCount":\#(s.eventCount)}"#
                sink.yield(ByteBuffer(string: "event: case\nid: \(s.complaintId):\(s.eventCount)\ndata: \(data)\n\n"))
            }
            sink.finish()
        }
        let beat = Task {
            // Ends the stream after its lifetime, or at the server's graceful shutdown so that an open stream never
            // holds the shutdown up.
            await withGracefulShutdownHandler {
                let end = ContinuousClock.now + Self.streamLifetime
                while ContinuousClock.now < end {
                    try? await Task.sleep(for: Self.heartbeat)
                    if Task.isCancelled { return }
                    sink.yield(ByteBuffer(string: ": keep-alive\n\n"))
                }
            } onGracefulShutdown: {
                sink.finish()
            }
            sink.finish()
        }
        return Self.eventStream(cleanup: {
            pump.cancel()
            beat.cancel()
            open.release(user)
        }) { writer in
            for await frame in frames { try await writer.write(frame) }
        }
    }

    /// A server-sent event stream: its headers, the reconnection delay (3 s), `cleanup` run however the stream ends.
    static func eventStream(
        cleanup: @escaping @Sendable () -> Void, _ body: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { cleanup() }
                try await writer.write(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
                try await body(&writer)
                try await writer.finish(nil)
            })
    }
}

/// Live streams open on this server, per user.
final class OpenStreams: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func acquire(_ user: String, limit: Int) -> Bool {
        counts.withLock { c in
            guard c[user, default: 0] < limit else { return false }
            c[user, default: 0] += 1
            return true
        }
    }

    func release(_ user: String) {
        counts.withLock { c in
            let n = c[user, default: 1] - 1
            c[user] = n > 0 ? n : nil
        }
    }
}
