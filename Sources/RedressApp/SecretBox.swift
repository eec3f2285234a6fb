import Crypto
import Foundation

/// Secrets the server must read back (webhook signing secrets) kept encrypted in the database: AES-GCM under a key in
/// the data folder (`secrets.key`, 32 random bytes, 0600, made on first start), so a copied database or a backup
/// does not hand them out. Stored as `enc1:` + base64(nonce ‖ ciphertext ‖ tag); a value without the prefix is one
/// stored before encryption and is read as it is (and sealed at the next start).
struct SecretBox: Sendable {
    static let prefix = "enc1:"
    let key: SymmetricKey

    static func path(in dataDirectory: String) -> String { (dataDirectory as NSString).appendingPathComponent("secrets.key") }

    /// The data folder's key, made on first use.
    static func load(dataDirectory: String) throws -> SecretBox {
        let path = path(in: dataDirectory)
        let fm = FileManager.default
        if let data = fm.contents(atPath: path), data.count == 32 { return SecretBox(key: SymmetricKey(data: data)) }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        // Made aside and moved into place, so two processes starting at once agree on one key.
        let temporary = path + ".\(UUID().uuidString)"
        guard fm.createFile(atPath: temporary, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        if link(temporary, path) != 0 { unlink(temporary) } else { unlink(temporary) }
        guard let data = fm.contents(atPath: path), data.count == 32 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        return SecretBox(key: SymmetricKey(data: data))
    }

    /// A keyed tag of `text` (HMAC-SHA-256 under a key derived from this one for `purpose`), 16 hex digits: unguessable
    /// without the data folder's key, the same on every server that shares it.
    func tag(_ text: String, purpose: String) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data(purpose.utf8), outputByteCount: 32)
        return HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: derived).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    func isSealed(_ stored: String) -> Bool { stored.hasPrefix(Self.prefix) }

    func seal(_ secret: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else { throw CryptoKitError.incorrectParameterSize }
        return Self.prefix + combined.base64EncodedString()
    }

    /// The secret, or nil when it was sealed under another key or damaged.
    func open(_ stored: String) -> String? {
        guard isSealed(stored) else { return stored }
        guard let data = Data(base64Encoded: String(stored.dropFirst(Self.prefix.count))), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
