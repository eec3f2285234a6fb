import Foundation
import Hummingbird
import Logging
import RedressApp
import RedressDomain

/// The request context: the signed-in identity and the caller's language.
public struct RedressRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    /// zh-CN unless the client prefers English.
    public var chinese: Bool = true
    /// The identity came from the web session cookie (not a bearer token).
    public var viaCookie = false
    /// A session cookie was sent but has expired or is no longer valid (pages say so on the log-in page).
    public var sessionExpired = false
    /// The caller's address (the connection's peer, or the last hop of X-Forwarded-For behind a trusted proxy), for
    /// the log-in throttle; never logged.
    public var clientAddress: String

    /// The web session's cookie: the same signed token as a bearer token, HttpOnly.
    package static let sessionCookieName = "redress_session"

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// JSON bodies up to 1 MiB; evidence uploads raise this per route.
    public var maxUploadSize: Int { 1_048_576 }

    public func requireIdentity() throws -> Identity {
        guard let identity else { throw AppError.unauthenticated }
        return identity
    }
}
