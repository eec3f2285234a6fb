import Crypto
import Foundation
import Synchronization

/// Personal data at rest (个人信息保护法 Art. 51): envelope encryption with a data key per person.
///
/// - A **master key** lives outside the database, in a key file (`master.keys` in the data folder by default, or
///   the file `REDRESS_MASTER_KEY_FILE` names, which should be on another disk in production). The file is a keyring:
///   one `id base64` line per key, the last one current; older keys stay until every data key is wrapped again.
/// - Each account (member, merchant staff, platform staff) has its own **data key** (AES-256), stored in
///   `data_keys` wrapped by the master key (AES-GCM, the key's id as associated data). A member's contact details,
///   a case's body, every event's words and every file name of their cases are sealed under that member's key.
/// - **Crypto-shredding**: erasing a member destroys their data key (the row keeps no key material); what was sealed
///   under it can no longer be read by anyone, while the evidence log, which commits to hashes, still verifies.
///   A later write for the same person mints a new key.
/// - **Log-in lookups** go through a keyed blind index: HMAC-SHA-256 of the normalised log-in under a key of its own
///   (stored wrapped like a data key), so the `login` column is unique and searchable without holding the log-in.
///
/// A sealed value is `pd1:` + data key id + `:` + base64(nonce ‖ ciphertext ‖ tag), the key id as associated data, so
/// a value moved onto another person's row does not open. A value without the prefix was stored before encryption
/// and is read as it is.
public final class PersonalDataVault: Sendable {
    public static let prefix = "pd1:"
    /// The owner of the blind-index key's row in `data_keys`.
    static let loginIndexOwner = "#login-index"
    /// How long a data key read from the database is used before it is read again (another server may have
    /// destroyed it).
    static let keyLifetime: TimeInterval = 60

    struct MasterKey: Sendable {
        var id: String
        var key: SymmetricKey
    }

    /// A data key row as stored: its id, its owner, the wrapped key (nil once destroyed) and the master key's id.
    public struct StoredKey: Sendable {
        public var id: String
        public var owner: String
        public var wrapped: String?
        public var masterKeyId: String
        public init(id: String, owner: String, wrapped: String?, masterKeyId: String) {
            self.id = id
            self.owner = owner
            self.wrapped = wrapped
            self.masterKeyId = masterKeyId
        }
    }

    enum Entry: Sendable {
        case key(SymmetricKey, loadedAt: Date)
        case destroyed
    }

    struct Cache: Sendable {
        var byId: [String: Entry] = [:]
        /// An owner's live data key id.
        var current: [String: (id: String, loadedAt: Date)] = [:]
        var loginIndex: SymmetricKey?
    }

    let keyringPath: String
    private let keyring: Mutex<[MasterKey]>
    private let cache = Mutex(Cache())

    /// Opens the keyring at `path`, making it (one new key, 0600) when there is none.
    public init(keyringPath path: String) throws {
        keyringPath = path
        keyring = Mutex(try Self.loadOrCreate(path))
    }

    /// The keyring the environment names (`REDRESS_MASTER_KEY_FILE`), else `master.keys` in `folder`.
    public static func keyringPath(folder: String) -> String {
        if let p = ProcessInfo.processInfo.environment["REDRESS_MASTER_KEY_FILE"], !p.isEmpty { return p }
        return (folder as NSString).appendingPathComponent("master.keys")
    }

    // MARK: - Master keys

    static func keyId(_ key: SymmetricKey) -> String {
        let digest = key.withUnsafeBytes { SHA256.hash(data: Data("redress master key".utf8) + Data($0)) }
        return digest.prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    static func parse(_ text: String, path: String) throws -> [MasterKey] {
        var keys: [MasterKey] = []
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") && !line.allSatisfy(\.isWhitespace) {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let bytes = Data(base64Encoded: String(parts[1])), bytes.count == 32 else {
                throw StoreError.unavailable("the master keyring \(path) holds a line that is not `id base64-of-32-bytes`")
            }
            let key = SymmetricKey(data: bytes)
            guard keyId(key) == parts[0] else { throw StoreError.unavailable("the master keyring \(path) holds a key under a wrong id") }
            keys.append(MasterKey(id: String(parts[0]), key: key))
        }
        guard !keys.isEmpty else { throw StoreError.unavailable("the master keyring \(path) holds no key") }
        return keys
    }

    static func line(_ key: SymmetricKey) -> String {
        "\(keyId(key)) \(key.withUnsafeBytes { Data($0).base64EncodedString() })\n"
    }

    static func loadOrCreate(_ path: String) throws -> [MasterKey] {
        let fm = FileManager.default
        if let data = fm.contents(atPath: path) { return try parse(String(decoding: data, as: UTF8.self), path: path) }
        let text = "# Redress master keys: the last line is current. Keep a copy apart from the data.\n" + line(SymmetricKey(size: .bits256))
        // Made aside and linked into place, so two processes starting at once agree on one keyring.
        let temporary = path + ".\(UUID().uuidString)"
        guard fm.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.unavailable("cannot write the master keyring \(path)")
        }
        _ = link(temporary, path)
        unlink(temporary)
        guard let data = fm.contents(atPath: path) else { throw StoreError.unavailable("cannot read the master keyring \(path)") }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// The current master key's id.
    public var currentMasterKeyId: String { keyring.withLock { $0.last!.id } }

    /// Adds a new current master key to the keyring file; data keys are wrapped again by `rewrap`.
    public func addMasterKey() throws -> String {
        let key = SymmetricKey(size: .bits256)
        guard let handle = FileHandle(forWritingAtPath: keyringPath) else {
            throw StoreError.unavailable("cannot write the master keyring \(keyringPath)")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(Self.line(key).utf8))
        try handle.synchronize()
        keyring.withLock { $0.append(MasterKey(id: Self.keyId(key), key: key)) }
        return Self.keyId(key)
    }

    /// Reads the keyring file again (a key added by `redress keys add` while the server runs).
    public func reloadKeyring() throws {
        let reloaded = try Self.parse(String(decoding: FileManager.default.contents(atPath: keyringPath) ?? Data(), as: UTF8.self), path: keyringPath)
        keyring.withLock { $0 = reloaded }
    }

    /// Every master key's id, the current one last.
    public var masterKeyIds: [String] { keyring.withLock { $0.map(\.id) } }

    private func masterKey(_ id: String) throws -> SymmetricKey {
        if let k = keyring.withLock({ $0.first { $0.id == id }?.key }) { return k }
        // Another process may have rotated the keyring since it was read.
        try reloadKeyring()
        guard let k = keyring.withLock({ $0.first { $0.id == id }?.key }) else {
            throw StoreError.unavailable("data keys are wrapped by master key \(id), which the keyring \(keyringPath) does not hold")
        }
        return k
    }

    // MARK: - Data keys

    /// A new data key for `owner`, wrapped by the current master key: the row to store. The key is cached.
    public func mint(owner: String) throws -> StoredKey {
        let key = SymmetricKey(size: .bits256)
        let id = UUID().uuidString.lowercased()
        let row = try wrap(key, id: id, owner: owner)
        cache.withLock {
            $0.byId[id] = .key(key, loadedAt: Date())
            if owner == Self.loginIndexOwner { $0.loginIndex = key }
            $0.current[owner] = (id, Date())
        }
        return row
    }

    func wrap(_ key: SymmetricKey, id: String, owner: String) throws -> StoredKey {
        let master = keyring.withLock { $0.last! }
        let raw = key.withUnsafeBytes { Data($0) }
        guard let combined = try AES.GCM.seal(raw, using: master.key, authenticating: Data(id.utf8)).combined else {
            throw StoreError.unavailable("cannot wrap a data key")
        }
        return StoredKey(id: id, owner: owner, wrapped: combined.base64EncodedString(), masterKeyId: master.id)
    }

    func unwrap(_ row: StoredKey) throws -> SymmetricKey? {
        guard let wrapped = row.wrapped else { return nil }
        let master = try masterKey(row.masterKeyId)
        guard let data = Data(base64Encoded: wrapped), let box = try? AES.GCM.SealedBox(combined: data),
            let raw = try? AES.GCM.open(box, using: master, authenticating: Data(row.id.utf8))
        else { throw StoreError.unavailable("data key \(row.id) does not open under master key \(row.masterKeyId) of \(keyringPath)") }
        return SymmetricKey(data: raw)
    }

    /// The same key wrapped by the current master key (rotation), or nil when it already is or was destroyed.
    public func rewrap(_ row: StoredKey) throws -> StoredKey? {
        guard row.masterKeyId != currentMasterKeyId, let key = try unwrap(row) else { return nil }
        return try wrap(key, id: row.id, owner: row.owner)
    }

    /// Puts rows read from `data_keys` in the cache.
    public func install(_ rows: [StoredKey]) throws {
        let now = Date()
        var entries: [(StoredKey, Entry)] = []
        for row in rows { entries.append((row, try unwrap(row).map { .key($0, loadedAt: now) } ?? .destroyed)) }
        cache.withLock { c in
            for (row, entry) in entries {
                c.byId[row.id] = entry
                if case .key(let k, _) = entry {
                    if row.owner == Self.loginIndexOwner { c.loginIndex = k }
                    c.current[row.owner] = (row.id, now)
                }
            }
        }
    }

    /// Forgets a destroyed key at once in this process.
    public func forget(owner: String, keyIds: [String]) {
        cache.withLock { c in
            c.current[owner] = nil
            for id in keyIds { c.byId[id] = .destroyed }
        }
    }

    /// Forgets which keys are these owners' live ones (to be read again).
    public func forget(owners: [String]) {
        cache.withLock { c in for o in owners { c.current[o] = nil } }
    }

    /// Which of these owners have no live key in the cache (to be read, or minted).
    public func ownersToLoad(_ owners: some Sequence<String>) -> [String] {
        let now = Date()
        return cache.withLock { c in
            Set(owners).filter { o in
                guard let cur = c.current[o], now.timeIntervalSince(cur.loadedAt) < Self.keyLifetime else { return true }
                return false
            }.sorted()
        }
    }

    /// Which key ids these sealed values name that are not in the cache (or are stale).
    public func keysToLoad(_ values: some Sequence<String>) -> [String] {
        let now = Date()
        var ids = Set<String>()
        for v in values { if let id = Self.keyId(of: v) { ids.insert(String(id)) } }
        return cache.withLock { c in
            ids.filter { id in
                switch c.byId[id] {
                case .destroyed: false
                case .key(_, let at): now.timeIntervalSince(at) >= Self.keyLifetime
                case nil: true
                }
            }.sorted()
        }
    }

    // MARK: - Values

    static func keyId(of stored: String) -> Substring? {
        guard stored.hasPrefix(prefix) else { return nil }
        let rest = stored.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        return rest[..<colon]
    }

    /// A write found no live key for `owner` in its transaction: it is minted in a transaction of its own (so that no
    /// value is ever sealed under a key whose row was rolled back) and the write is run again.
    struct KeyMissing: Error {
        var owner: String
    }

    /// Runs `body`, minting (through `mint`) a key a write found missing and running it again.
    static func retrying<T>(mint: (String) async throws -> Void, _ body: () async throws -> T) async throws -> T {
        var attempts = 0
        while true {
            do {
                return try await body()
            } catch let e as KeyMissing where attempts < 3 {
                attempts += 1
                try await mint(e.owner)
            }
        }
    }

    /// Seals `text` under `owner`'s live key (which must have been loaded or minted).
    public func seal(_ text: String, owner: String) throws -> String {
        let (id, key): (String, SymmetricKey) = try cache.withLock { c in
            guard let cur = c.current[owner], case .key(let k, _) = c.byId[cur.id] else { throw KeyMissing(owner: owner) }
            return (cur.id, k)
        }
        guard let combined = try AES.GCM.seal(Data(text.utf8), using: key, authenticating: Data(id.utf8)).combined else {
            throw StoreError.unavailable("cannot seal a value")
        }
        return Self.prefix + id + ":" + combined.base64EncodedString()
    }

    public func seal(optional text: String?, owner: String) throws -> String? { try text.map { try seal($0, owner: owner) } }

    /// What a stored value says: its text, or nil when its key was destroyed (erased). A value stored before
    /// encryption is its own text.
    public func open(_ stored: String) throws -> String? {
        guard let id = Self.keyId(of: stored) else { return stored }
        let entry = cache.withLock { $0.byId[String(id)] }
        switch entry {
        case .destroyed: return nil
        case nil: throw StoreError.unavailable("data key \(id) was not loaded before reading")
        case .key(let key, _):
            let body = stored.dropFirst(Self.prefix.count + id.count + 1)
            guard let data = Data(base64Encoded: String(body)), let box = try? AES.GCM.SealedBox(combined: data),
                let plain = try? AES.GCM.open(box, using: key, authenticating: Data(id.utf8))
            else { throw StoreError.unavailable("a sealed value under data key \(id) does not open (damaged or moved)") }
            return String(decoding: plain, as: UTF8.self)
        }
    }

    public func open(optional stored: String?) throws -> String? { try stored.flatMap { try open($0) } }

    /// The blind index of a log-in: what the `login` column holds and is looked up by.
    public func loginIndex(_ login: String) throws -> String {
        guard let key = cache.withLock({ $0.loginIndex }) else { throw StoreError.unavailable("the log-in index key is not loaded") }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(login.utf8), using: key)
        return "li1:" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
