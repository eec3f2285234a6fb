import Foundation
import PostgresNIO
import RedressDomain

/// Personal data keys on PostgreSQL (`PersonalDataVault`), as on SQLite (`SQLiteStore+Vault.swift`).
extension PostgresStore {
    static func storedKey(_ row: PostgresRow) throws -> PersonalDataVault.StoredKey {
        let (id, owner, wrapped, master) = try row.decode((String, String, String?, String).self)
        return PersonalDataVault.StoredKey(id: id, owner: owner, wrapped: wrapped, masterKeyId: master)
    }

    /// Reads into the vault the keys these sealed values name.
    func loadKeys(for values: some Sequence<String>) async throws {
        let ids = vault.keysToLoad(values)
        guard !ids.isEmpty else { return }
        let rows = try await rows("SELECT \(unescaped: VaultSQL.keyColumns) FROM data_keys WHERE id = ANY(\(ids))")
        try vault.install(rows.map(Self.storedKey))
    }

    /// Each owner's live key in the vault: read, or minted (two servers minting at once agree on the first).
    func liveKeys(owners: [String]) async throws {
        let missing = vault.ownersToLoad(owners)
        guard !missing.isEmpty else { return }
        func read(_ owners: [String]) async throws -> Set<String> {
            let rows = try await rows(
                "SELECT \(unescaped: VaultSQL.keyColumns) FROM data_keys WHERE destroyed_at_ms IS NULL AND owner_id = ANY(\(owners))")
            let keys = try rows.map(Self.storedKey)
            try vault.install(keys)
            return Set(keys.map(\.owner))
        }
        let found = try await read(missing)
        let absent = missing.filter { !found.contains($0) }
        guard !absent.isEmpty else { return }
        for owner in absent {
            let k = try vault.mint(owner: owner)
            try await rows(
                """
                INSERT INTO data_keys(id, owner_id, wrapped, master_key_id, created_at_ms)
                VALUES (\(k.id), \(k.owner), \(k.wrapped), \(k.masterKeyId), \(Codec.ms(Date())))
                ON CONFLICT DO NOTHING
                """)
        }
        // Another server may have minted first: its key is the live one.
        vault.forget(owners: absent)
        _ = try await read(absent)
    }

    /// At opening: the blind-index key, and the accounts stored before encryption sealed.
    func prepareVault() async throws {
        try await liveKeys(owners: [PersonalDataVault.loginIndexOwner])
        let legacy = try await rows("SELECT id, login, display_name, phone, email FROM users WHERE login_sealed IS NULL")
        for row in legacy {
            let (id, login, name, phone, email) = try row.decode((String, String, String, String?, String?).self)
            try await liveKeys(owners: [id])
            try await rows(
                """
                UPDATE users SET login = \(try vault.loginIndex(login)), login_sealed = \(try vault.seal(login, owner: id)),
                  display_name = \(try vault.seal(name, owner: id)), phone = \(try vault.seal(optional: phone, owner: id)),
                  email = \(try vault.seal(optional: email, owner: id))
                WHERE id = \(id) AND login_sealed IS NULL
                """)
        }
    }

    static let userColumns = "id, role, login_sealed, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email"

    /// Account rows, their sealed fields opened.
    func storedUsers(_ rows: [PostgresRow]) async throws -> [StoredUser] {
        let decoded = try rows.map {
            try $0.decode((String, String, String?, String, String?, String, Int64, Bool, String?, String?).self)
        }
        try await loadKeys(for: decoded.flatMap { [$0.2, $0.3, $0.4, $0.9].compactMap { $0 } })
        return try decoded.map { (id, role, login, name, phone, hash, created, disabled, merchant, email) in
            guard let r = Role(rawValue: role) else { throw StoreError.unavailable("unknown role in users table") }
            let pseudonym = VaultSQL.pseudonym(id)
            return StoredUser(
                user: User(
                    id: id, role: r, login: try vault.open(optional: login) ?? pseudonym.login,
                    displayName: try vault.open(name) ?? pseudonym.displayName, phone: try vault.open(optional: phone),
                    createdAt: Codec.date(created), disabled: disabled, merchantId: merchant, email: try vault.open(optional: email)),
                passwordHash: hash)
        }
    }

    // MARK: Master key rotation

    public func rewrapDataKeys(batch: Int) async throws -> Int {
        try vault.reloadKeyring()
        let current = vault.currentMasterKeyId
        var total = 0
        while true {
            let rows = try await rows(
                """
                SELECT \(unescaped: VaultSQL.keyColumns) FROM data_keys
                WHERE destroyed_at_ms IS NULL AND (master_key_id < \(current) OR master_key_id > \(current)) LIMIT \(batch)
                """)
            for row in rows {
                guard let k = try vault.rewrap(try Self.storedKey(row)) else { continue }
                try await self.rows(
                    "UPDATE data_keys SET wrapped = \(k.wrapped), master_key_id = \(k.masterKeyId) WHERE id = \(k.id) AND destroyed_at_ms IS NULL")
            }
            total += rows.count
            if rows.count < batch { return total }
        }
    }

    public func masterKeysInUse() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try await rows("SELECT master_key_id, COUNT(*) FROM data_keys WHERE destroyed_at_ms IS NULL GROUP BY master_key_id") {
            let (id, n) = try row.decode((String, Int64).self)
            out[id] = Int(n)
        }
        return out
    }
}

/// Reading sealed rows on PostgreSQL: rows are decoded as they come (prepared statements decode synchronously) with
/// their sealed text in place, then opened once their keys are read.
extension PostgresStore {
    /// Where a decoded event keeps its sealed payload until `openEvents`.
    static let sealedPayloadKey = "\u{0}sealed"

    static func loadKeys(
        _ vault: PersonalDataVault, for values: some Sequence<String>, _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws {
        let ids = vault.keysToLoad(values)
        guard !ids.isEmpty else { return }
        try vault.install(try await run("SELECT \(unescaped: VaultSQL.keyColumns) FROM data_keys WHERE id = ANY(\(ids))").map(storedKey))
    }

    static func openComplaints(
        _ bodies: [String], _ vault: PersonalDataVault, _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> [Complaint] {
        try await loadKeys(vault, for: bodies, run)
        return try bodies.map { try Complaint.fromStorage($0, vault) }
    }

    static func openEvents(
        _ events: [TimelineEvent], _ vault: PersonalDataVault, _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> [TimelineEvent] {
        let texts = events.compactMap { $0.payload[sealedPayloadKey]?.stringValue }
        try await loadKeys(vault, for: texts, run)
        return try events.map { e in
            guard let text = e.payload[sealedPayloadKey]?.stringValue else { return e }
            var opened = e
            if let plain = try vault.open(text) {
                guard case .object(let p) = try Codec.decode(CanonicalValue.self, plain) else {
                    throw StoreError.unavailable("event payload is not an object")
                }
                opened.payload = p
            } else {
                opened.payload = TimelineEvent.erasedPayload
            }
            return opened
        }
    }

    static func openFiles(
        _ files: [EvidenceFile], _ vault: PersonalDataVault, _ run: (PostgresQuery) async throws -> [PostgresRow]
    ) async throws -> [EvidenceFile] {
        try await loadKeys(vault, for: files.map(\.fileName), run)
        return try files.map { f in
            var opened = f
            opened.fileName = try vault.open(f.fileName) ?? ""
            return opened
        }
    }

    /// This store's pool as the runner of key reads.
    var pooled: (PostgresQuery) async throws -> [PostgresRow] { { try await self.rows($0) } }

    /// Runs a write, minting a key it found missing and running it again.
    func retryingForKeys<T>(_ body: () async throws -> T) async throws -> T {
        try await PersonalDataVault.retrying(mint: { try await self.liveKeys(owners: [$0]) }, body)
    }
}

extension PostgresStore {
    public func sealStoredBeforeEncryption(after: String?, limit: Int) async throws -> (sealed: Int, last: String?) {
        let batch = try await rows("SELECT id, member_id FROM complaints WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)").map {
            try $0.decode((String, String).self)
        }
        guard let last = batch.last?.0 else { return (0, nil) }
        try await liveKeys(owners: Array(Set(batch.map(\.1))))
        let (vault, logger) = (self.vault, self.logger)
        let sealed = try await retryingForKeys {
            try await transaction { c -> Int in
                func plain(_ v: String) -> Bool { !v.hasPrefix(PersonalDataVault.prefix) }
                func bind(_ values: String...) -> PostgresBindings {
                    var b = PostgresBindings()
                    for v in values { b.append(v) }
                    return b
                }
                var n = 0
                // Events are append-only: the trigger is lifted inside this transaction only.
                try await c.query("ALTER TABLE events DISABLE TRIGGER events_append_only", logger: logger)
                for (id, member) in batch {
                    for (table, column, caseColumn) in VaultSQL.caseColumns {
                        let rows = try await c.query(
                            PostgresQuery(
                                unsafeSQL: "SELECT ctid::text, \(column) FROM \(table) WHERE \(caseColumn) = $1 FOR UPDATE", binds: bind(id)),
                            logger: logger
                        ).collect()
                        for row in rows {
                            let (ctid, value) = try row.decode((String, String).self)
                            guard plain(value) else { continue }
                            try await c.query(
                                PostgresQuery(
                                    unsafeSQL: "UPDATE \(table) SET \(column) = $1 WHERE ctid = $2::tid",
                                    binds: bind(try vault.seal(value, owner: member), ctid)), logger: logger)
                            n += 1
                        }
                    }
                }
                try await c.query("ALTER TABLE events ENABLE TRIGGER events_append_only", logger: logger)
                return n
            }
        }
        return (sealed, last)
    }
}

extension PostgresStore {
    public func figureRows(fromDay: Int) async throws -> [(key: CaseFigures.FigureKey, counters: [Int64])] {
        var b = PostgresBindings()
        b.append(fromDay)
        return try await rows(PostgresQuery(unsafeSQL: CaseFiguresSQL.selectRows, binds: b)).compactMap { row in
            let cells = row.makeRandomAccess()
            guard let dimension = Dimension(rawValue: try cells[2].decode(String.self)), let tier = Tier(rawValue: try cells[3].decode(String.self))
            else { return nil }
            let key = CaseFigures.FigureKey(
                day: Int(try cells[1].decode(Int64.self)), dimension: dimension, tier: tier, respondent: try cells[0].decode(String.self))
            return (key, try (0..<CaseFiguresSQL.width).map { try cells[4 + $0].decode(Int64.self) })
        }
    }
}
