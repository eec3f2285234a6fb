import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The web's session and form plumbing: the session cookie (HttpOnly, SameSite=Lax, Secure over TLS), a CSRF token
/// on every form (double submit: a random cookie and the same value in the form), the language, form bodies, and
/// HTML responses with a Content-Security-Policy that allows no inline script.
enum WebSession {
    static let cookieName = RedressRequestContext.sessionCookieName
    static let csrfCookie = "redress_csrf"
    static let languageCookie = "redress_lang"
    static let csrfField = "_csrf"

    /// No inline script, no third-party origin; styles and scripts come from /assets.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    static func secure(_ request: Request) -> Bool { SessionCookie.secure(request) }

    static func sessionCookie(_ issued: AccountService.Issued, now: Date, request: Request) -> Cookie {
        SessionCookie.make(issued.token, expiresAt: issued.expiresAt, now: now, request: request)
    }

    static func clearedSession(_ request: Request) -> Cookie {
        Cookie(name: cookieName, value: "", maxAge: 0, path: "/", secure: secure(request), httpOnly: true, sameSite: .lax)
    }

    /// The request's CSRF value, or a new one to set (returned with `isNew`).
    static func csrf(_ request: Request) -> (value: String, isNew: Bool) {
        if let v = request.cookies[csrfCookie]?.value, v.count == 43, v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            return (v, false)
        }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return (TokenSigner.base64url(bytes), true)
    }

    static func csrfCookie(_ value: String, request: Request) -> Cookie {
        Cookie(name: csrfCookie, value: value, path: "/", secure: secure(request), httpOnly: true, sameSite: .lax)
    }

    /// Whether the form's token is the cookie's (compared in constant time).
    static func csrfValid(_ request: Request, form: [String: String]) -> Bool {
        guard let cookie = request.cookies[csrfCookie]?.value, let sent = form[csrfField], cookie.count == sent.count, !cookie.isEmpty else {
            return false
        }
        return zip(cookie.utf8, sent.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// zh-CN unless `?lang=en` or the language cookie says English.
    static func chinese(_ request: Request) -> Bool {
        if let q = request.uri.queryParameters.get("lang") { return q != "en" }
        return request.cookies[languageCookie]?.value != "en"
    }

    /// An `application/x-www-form-urlencoded` body, at most `limit` bytes.
    static func form(_ request: Request, limit: Int = 256 * 1024) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: limit)
        return parse(String(buffer: buffer))
    }

    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0])
            let value = kv.count > 1 ? decode(kv[1]) : ""
            if !key.isEmpty { out[key] = value }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
    }

    /// An HTML page with the security headers every page carries.
    static func html(_ body: String, status: HTTPResponse.Status = .ok, cookies: [Cookie] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[.cacheControl] = "no-store"
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        for c in cookies { response.setCookie(c) }
        return response
    }

    /// A redirect after a form (303, so the browser follows with GET).
    static func redirect(_ location: String, cookies: [Cookie] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for c in cookies { response.setCookie(c) }
        return response
    }

    /// Only a local path (no scheme, no other host) may be a redirect target.
    static func localPath(_ s: String?) -> String? {
        // Printable ASCII only: browsers drop tabs and new lines from an address, so "/\t/evil.example/" would be read
        // as "//evil.example/", another site; a backslash reads as a slash.
        guard let s, s.hasPrefix("/"), !s.hasPrefix("//"), s.count < 512,
            s.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
        else { return nil }
        return s
    }
}
