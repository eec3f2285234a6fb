import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import RedressApp
import RedressDomain
import Synchronization

/// Turns every error into the JSON error body in the caller's language; unknown errors become a bare 500 and are logged.
package struct ErrorMiddleware: RouterMiddleware {
    package typealias Context = RedressRequestContext

    package init() {}

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.chinese = Self.prefersChinese(request.headers[.acceptLanguage])
        // A length no route would read is refused before reading (not waited for until the client gives up): a JSON or
        // form body takes at most maxUploadSize, an upload at most the largest evidence limit a policy may set.
        if let declared = request.headers[.contentLength] {
            guard let length = Int64(declared), length >= 0 else {
                return JSONBody.error(
                    APIError(.badRequest, "malformed_request", zh: "Content-Length 无效", en: "The Content-Length is not a number"),
                    chinese: context.chinese)
            }
            let type = (request.headers[.contentType] ?? "").lowercased()
            // Uploads, and whole messages from the mail gateway (refused by their own limit).
            let multipart = type.hasPrefix("multipart/") || type.hasPrefix("message/rfc822")
            if length > (multipart ? Self.largestUpload : Int64(context.maxUploadSize)) {
                return JSONBody.error(
                    APIError(.contentTooLarge, "payload_too_large", zh: "请求体过大", en: "The request body is too large"), chinese: context.chinese)
            }
        }
        do {
            return try await next(request, context)
        } catch let parser as HTTPParserError {
            // A malformed body (a bad chunk size): the server answers 400 and closes the connection.
            throw parser
        } catch {
            let apiError: APIError
            if let mapped = APIError.from(error) {
                apiError = mapped
                if mapped.status.code >= 500 {
                    context.logger.error("request failed", metadata: ["code": "\(mapped.code)", "error": "\(String(describing: error))"])
                }
            } else {
                context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                apiError = APIError(.internalServerError, "internal_error", zh: "服务器内部错误", en: "Internal server error")
            }
            return JSONBody.error(apiError, chinese: context.chinese)
        }
    }

    /// The largest evidence file a policy may allow (512 MiB) and the multipart around it.
    static let largestUpload: Int64 = 512 * 1_048_576 + 1_048_576

    package static func prefersChinese(_ header: String?) -> Bool {
        guard let header, !header.isEmpty else { return true }
        // The first listed language wins; Redress speaks zh-CN first and English second.
        let first = header.split(separator: ",").first.map { $0.split(separator: ";")[0].trimmingSpaces().lowercased() } ?? ""
        return !first.hasPrefix("en")
    }
}

/// Reads `Authorization: Bearer …` and sets the identity. A bad or expired token is an error even on open routes.
package struct AuthMiddleware: RouterMiddleware {
    package typealias Context = RedressRequestContext
    let accounts: AccountService
    let now: @Sendable () -> Date
    let verified = VerifiedTokens()
    /// Behind a reverse proxy that appends the client's address to X-Forwarded-For (REDRESS_TRUST_FORWARDED_FOR).
    let trustForwardedFor: Bool

    package init(services: RedressServices) {
        self.accounts = services.accounts
        self.now = services.now
        self.trustForwardedFor = services.configuration.trustForwardedFor
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var renewed: (token: String, expiresAt: Date)?
        if trustForwardedFor, let hop = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").last {
            context.clientAddress = hop.trimmingSpaces()
        }
        // `/metrics` and `/health` read their own bearer value (the metrics token), and the mail gateway's endpoint the
        // gateway's credential, not a user's token.
        let monitoring =
            request.uri.path == "/metrics" || request.uri.path == "/health"
            || (request.method == .post && request.uri.path == "/api/v1/mail/inbound")
        if let header = request.headers[.authorization], !monitoring {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw APIError.invalidToken }
            let checked: TokenSigner.Verified
            let token = header.dropFirst(7).trimmingSpaces()
            let t = now()
            if let known = verified.verified(for: token, at: t) {
                checked = known
            } else {
                do {
                    checked = try accounts.verify(token: token)
                    verified.remember(token, checked)
                } catch .expired {
                    throw APIError.tokenExpired
                } catch {
                    throw APIError.invalidToken
                }
            }
            guard !accounts.isDisabled(checked.identity.userId) else { throw APIError(AppError.accountDisabled) }
            // A token ended by a log-out, a password change or reset answers as an invalid one.
            guard accounts.accepts(checked, token: token) else { throw APIError.invalidToken }
            context.identity = checked.identity
            context.logger[metadataKey: "user"] = .string(checked.identity.userId)
        } else if let cookie = request.cookies[RedressRequestContext.sessionCookieName]?.value, !cookie.isEmpty {
            // The web session: pages take it for every method (their forms carry a CSRF token); the JSON API takes it
            // only for reads (live updates, downloads), so a cross-site form can never write through the API.
            let onAPI = request.uri.path.hasPrefix("/api/")
            if !onAPI || request.method == .get || request.method == .head {
                let t = now()
                if let checked = try? accounts.verify(token: cookie), accounts.accepts(checked, token: cookie),
                    t.timeIntervalSince(checked.issuedAt) <= (try await accounts.sessionIdleLimit())
                {
                    context.identity = checked.identity
                    context.viaCookie = true
                    context.logger[metadataKey: "user"] = .string(checked.identity.userId)
                    // Each use renews the idle lifetime (at most once a minute), never past the absolute one.
                    if !onAPI && t.timeIntervalSince(checked.issuedAt) >= Self.renewAfter {
                        renewed = try await accounts.issue(checked.identity, authenticatedAt: checked.authenticatedAt)
                    }
                } else {
                    context.sessionExpired = true
                }
            }
        }
        // The use cases' log lines name the request and the user (RequestLog).
        var metadata: Logger.Metadata = [:]
        if let id = context.logger[metadataKey: "hb.request.id"] { metadata["hb.request.id"] = id }
        if let user = context.identity?.userId { metadata["user"] = .string(user) }
        let ctx = context
        var response = try await RequestLog.$metadata.withValue(metadata) { try await next(request, ctx) }
        // A page that set its own session cookie (log-in, log-out) keeps it.
        if let renewed, !(response.headers[values: .setCookie].contains { $0.hasPrefix(RedressRequestContext.sessionCookieName + "=") }) {
            response.setCookie(SessionCookie.make(renewed.token, expiresAt: renewed.expiresAt, now: now(), request: request))
        }
        return response
    }

    /// How old a session's token must be before a use renews it.
    static let renewAfter: TimeInterval = 60
}

/// Tokens already verified, so a busy client does not pay for the signature check on every request.
/// Each entry keeps its expiry; the set is emptied when it grows past its bound.
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: TokenSigner.Verified]>([:])
    static let bound = 20_000

    func verified(for token: String, at now: Date) -> TokenSigner.Verified? {
        entries.withLock { e in
            guard let v = e[token] else { return nil }
            guard v.expiresAt > now else {
                e[token] = nil
                return nil
            }
            return v
        }
    }

    func remember(_ token: String, _ v: TokenSigner.Verified) {
        entries.withLock { e in
            if e.count >= Self.bound { e.removeAll(keepingCapacity: true) }
            e[token] = v
        }
    }
}
