import Crypto
import Foundation
import RedressDomain

/// Bearer tokens signed with HMAC-SHA256: `base64url(claims).base64url(mac)`.
///
/// Stateless, so reads need no database look-up; the key lives in the data folder (mode 0600).
public struct TokenSigner: Sendable {
    struct Claims: Codable {
        var sub: String
        var role: Role
        /// The merchant a merchant's user answers for.
        var mid: String?
        var iat: Int64
        var exp: Int64
        /// Issued at, in milliseconds (a session floor set in the same second as a new log-in must not end it).
        var ims: Int64?
        /// When the person last gave their password (seconds): a renewed web session keeps it, so the absolute
        /// lifetime counts from the log-in.
        var ath: Int64?
    }

    /// What a valid token says.
    public struct Verified: Sendable {
        public var identity: Identity
        public var issuedAt: Date
        public var authenticatedAt: Date
        public var expiresAt: Date
    }

    public enum Failure: Error, Equatable { case malformed, badSignature, expired }

    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// Loads the key from `path`, creating it (32 random bytes, mode 0600) on first start.
    public static func loadOrCreateKey(at path: String) throws -> SymmetricKey {
        let fm = FileManager.default
        if let data = fm.contents(atPath: path), data.count >= 32 { return SymmetricKey(data: data) }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard fm.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return key
    }

    public func issue(
        userId: String, role: Role, merchantId: String? = nil, now: Date, lifetime: TimeInterval, authenticatedAt: Date? = nil
    ) -> (token: String, expiresAt: Date) {
        let exp = now.addingTimeInterval(lifetime)
        let claims = Claims(
            sub: userId, role: role, mid: merchantId, iat: Int64(now.timeIntervalSince1970), exp: Int64(exp.timeIntervalSince1970),
            ims: now.millisecondsSince1970, ath: Int64((authenticatedAt ?? now).timeIntervalSince1970))
        let body = (try? JSONEncoder().encode(claims)) ?? Data()
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return (Self.base64url(body) + "." + Self.base64url(Data(mac)), Date(timeIntervalSince1970: Double(claims.exp)))
    }

    /// The identity a token carries, when it was issued and when it expires.
    public func verify(_ token: String, now: Date) throws(Failure) -> Verified {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let body = Self.decode(parts[0]), let mac = Self.decode(parts[1]) else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) else { throw .badSignature }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: body) else { throw .malformed }
        guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .expired }
        if claims.role == .merchant && claims.mid == nil { throw .malformed }
        let issued = claims.ims.map(Date.init(millisecondsSince1970:)) ?? Date(timeIntervalSince1970: Double(claims.iat))
        return Verified(
            identity: Identity(userId: claims.sub, role: claims.role, merchantId: claims.mid), issuedAt: issued,
            authenticatedAt: Date(timeIntervalSince1970: Double(claims.ath ?? claims.iat)), expiresAt: Date(timeIntervalSince1970: Double(claims.exp))
        )
    }

    package static func base64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }

    static func decode(_ s: Substring) -> Data? {
        guard s.count <= 4096 else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }
}
