import Crypto
import Foundation
import Logging
import RedressDomain
import RedressStorage
import ServiceLifecycle

/// Signs the evidence log's tree heads with the platform's Ed25519 key.
///
/// The key is made on first start and kept in the data folder (mode 0600); its public half is recorded
/// in the store so that heads signed before a key rotation stay verifiable.
actor TreeHeadSigner {
    let store: any RedressStore
    let key: Curve25519.Signing.PrivateKey
    let publicKey: LedgerPublicKey
    let now: @Sendable () -> Date

    init(store: any RedressStore, key: Curve25519.Signing.PrivateKey, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.key = key
        self.now = now
        self.publicKey = LedgerPublicKey(raw: Array(key.publicKey.rawRepresentation), createdAtMs: Self.ms(now()))
    }

    static func ms(_ d: Date) -> Int64 { d.millisecondsSince1970 }

    /// Loads the private key from `path` (its 32 raw bytes), creating it with mode 0600 when missing.
    static func loadOrCreateKey(at path: String) throws -> Curve25519.Signing.PrivateKey {
        let fm = FileManager.default
        if let data = fm.contents(atPath: path) {
            do {
                return try Curve25519.Signing.PrivateKey(rawRepresentation: data)
            } catch {
                throw LedgerKeyError.unreadable(path)
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        // Written under a temporary name and renamed, so a crash never leaves half a key.
        let temporary = path + ".new"
        guard fm.createFile(atPath: temporary, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
            throw LedgerKeyError.unwritable(path)
        }
        guard rename(temporary, path) == 0 else { throw LedgerKeyError.unwritable(path) }
        return key
    }

    /// Records the key as the active one.
    func prepare() async throws {
        try await store.activateLedgerKey(publicKey)
    }

    /// Signs a head for the committed log unless the latest signed head already covers it; returns the latest head.
    @discardableResult
    func signIfBehind() async throws -> SignedTreeHead {
        let state = try await store.ledgerState()
        let latest = try await store.latestTreeHead()
        if let latest, latest.treeSize >= state.size { return latest }
        // Heads are timestamped in order of size even if the clock steps back.
        let timestamp = max(Self.ms(now()), latest?.timestampMs ?? 0)
        let head = try SignedTreeHead.sign(treeSize: state.size, root: state.root, timestampMs: timestamp, with: key)
        try await store.saveTreeHead(head)
        return head
    }

    /// The latest signed head if it covers the first `size` leaves; otherwise a new one.
    func head(covering size: Int) async throws -> SignedTreeHead {
        if let latest = try await store.latestTreeHead(), latest.treeSize >= size { return latest }
        return try await signIfBehind()
    }
}

enum LedgerKeyError: Error, CustomStringConvertible {
    case unreadable(String)
    case unwritable(String)

    var description: String {
        switch self {
        case .unreadable(let p): "the log signing key \(p) is not a 32-byte Ed25519 private key"
        case .unwritable(let p): "cannot write the log signing key \(p)"
        }
    }
}

/// Signs a new tree head every few seconds while entries arrive.
