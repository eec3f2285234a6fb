import Foundation
import HTTPTypes
import Hummingbird

/// The web session's cookie: HttpOnly, SameSite=Lax, Secure over TLS, kept by the browser until the session's token
/// expires (the token itself says when; the server refuses it after that whatever the browser keeps).
package enum SessionCookie {
    /// Whether the request came over TLS (directly or through a proxy that says so).
    package static func secure(_ request: Request) -> Bool {
        request.uri.scheme?.rawValue == "https" || request.head.scheme == "https"
            || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    package static func make(_ token: String, expiresAt: Date, now: Date, request: Request) -> Cookie {
        Cookie(
            name: RedressRequestContext.sessionCookieName, value: token, maxAge: max(1, Int(expiresAt.timeIntervalSince(now))), path: "/",
            secure: secure(request), httpOnly: true, sameSite: .lax)
    }
}
