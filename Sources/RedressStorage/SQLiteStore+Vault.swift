import Foundation
import GRDB
import RedressDomain

/// Personal data keys on SQLite (`PersonalDataVault`): reading them into the vault before sealed values are opened,
/// minting them for new people, sealing the accounts stored before encryption, crypto-shredding at erasure.
extension SQLiteStore {
    static func storedKey(_ row: Row) -> PersonalDataVault.StoredKey {
        PersonalDataVault.StoredKey(id: row["id"], owner: row["owner_id"], wrapped: row["wrapped"], masterKeyId: row["master_key_id"])
    }

    static func insert(_ db: Database, key k: PersonalDataVault.StoredKey, at now: Date = Date()) throws {
        try db.execute(sql: VaultSQL.insertKey, arguments: [k.id, k.owner, k.wrapped, k.masterKeyId, Codec.ms(now)])
    }

    /// Reads into the vault the keys these sealed values name.
    static func loadKeys(_ db: Database, _ vault: PersonalDataVault, for values: some Sequence<String>) throws {
        let ids = vault.keysToLoad(values)
        guard !ids.isEmpty else { return }
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(VaultSQL.keyColumns) FROM data_keys WHERE id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(chunk))
            try vault.install(rows.map(storedKey))
        }
    }

    /// Opens sealed values, reading their keys first.
    static func open(_ db: Database, _ vault: PersonalDataVault, _ values: [String]) throws -> [String?] {
        try loadKeys(db, vault, for: values)
        return try values.map { try vault.open($0) }
    }

    /// Makes sure each owner's live key is in the vault: read, or minted when `mint` — only in a transaction that
    /// does nothing else, as `liveKeys(owners:)` runs it (a key cached from a rolled-back insert would seal values
    /// nobody could open). Without `mint` a missing key is `KeyMissing`, which `retrying` turns into a mint and a retry.
    static func liveKeys(_ db: Database, _ vault: PersonalDataVault, owners: some Sequence<String>, mint: Bool) throws {
        let missing = vault.ownersToLoad(owners)
        guard !missing.isEmpty else { return }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(VaultSQL.keyColumns) FROM data_keys
                WHERE destroyed_at_ms IS NULL AND owner_id IN (\(missing.map { _ in "?" }.joined(separator: ",")))
                """,
            arguments: StatementArguments(missing))
        try vault.install(rows.map(storedKey))
        let found = Set(rows.map { $0["owner_id"] as String })
        for owner in missing where !found.contains(owner) {
            guard mint else { throw PersonalDataVault.KeyMissing(owner: owner) }
            try insert(db, key: try vault.mint(owner: owner))
        }
    }

    /// The owners' live keys, read or minted, before values are sealed for them off the writer.
    func liveKeys(owners: [String]) async throws {
        let missing = vault.ownersToLoad(owners)
        guard !missing.isEmpty else { return }
        do {
            try await pool.read { [vault] db in try Self.liveKeys(db, vault, owners: missing, mint: false) }
            return
        } catch is PersonalDataVault.KeyMissing {}
        do {
            try await pool.write { [vault] db in try Self.liveKeys(db, vault, owners: missing, mint: true) }
        } catch {
            vault.forget(owners: missing)
            throw error
        }
    }

    /// Runs a write, minting a key it found missing and running it again.
    func retryingForKeys<T>(_ body: () async throws -> T) async throws -> T {
        try await PersonalDataVault.retrying(mint: { try await self.liveKeys(owners: [$0]) }, body)
    }

    /// At opening: the blind-index key, and the accounts stored before encryption sealed (their log-in replaced by
    /// its blind index).
    static func prepareVault(_ db: Database, _ vault: PersonalDataVault) throws {
        let owner = PersonalDataVault.loginIndexOwner
        try liveKeys(db, vault, owners: [owner], mint: true)
        let legacy = try Row.fetchAll(db, sql: "SELECT id, login, display_name, phone, email FROM users WHERE login_sealed IS NULL")
        for row in legacy {
            let id: String = row["id"]
            try liveKeys(db, vault, owners: [id], mint: true)
            let login: String = row["login"]
            try db.execute(
                sql: "UPDATE users SET login = ?, login_sealed = ?, display_name = ?, phone = ?, email = ? WHERE id = ?",
                arguments: [
                    try vault.loginIndex(login), try vault.seal(login, owner: id), try vault.seal(row["display_name"] as String, owner: id),
                    try vault.seal(optional: row["phone"] as String?, owner: id), try vault.seal(optional: row["email"] as String?, owner: id), id,
                ])
        }
    }

    // MARK: Master key rotation

    public func rewrapDataKeys(batch: Int) async throws -> Int {
        try vault.reloadKeyring()
        var total = 0
        while true {
            let done = try await write { [vault] db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(VaultSQL.keyColumns) FROM data_keys
                        WHERE destroyed_at_ms IS NULL AND (master_key_id < ? OR master_key_id > ?) LIMIT ?
                        """,
                    arguments: [vault.currentMasterKeyId, vault.currentMasterKeyId, batch])
                for row in rows {
                    guard let k = try vault.rewrap(Self.storedKey(row)) else { continue }
                    try db.execute(
                        sql: "UPDATE data_keys SET wrapped = ?, master_key_id = ? WHERE id = ?", arguments: [k.wrapped, k.masterKeyId, k.id])
                }
                return rows.count
            }
            total += done
            if done < batch { return total }
        }
    }

    public func masterKeysInUse() async throws -> [String: Int] {
        try await pool.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT master_key_id, COUNT(*) AS n FROM data_keys WHERE destroyed_at_ms IS NULL GROUP BY master_key_id")
            {
                out[row["master_key_id"]] = row["n"]
            }
            return out
        }
    }
}

extension SQLiteStore {
    /// The append-only trigger, put back after the payloads of a batch are sealed in the same transaction.
    static let eventsNoUpdate = "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"

    public func sealStoredBeforeEncryption(after: String?, limit: Int) async throws -> (sealed: Int, last: String?) {
        let batch = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, member_id FROM complaints WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
                .map { (id: $0["id"] as String, member: $0["member_id"] as String) }
        }
        guard let last = batch.last?.id else { return (0, nil) }
        try await liveKeys(owners: Array(Set(batch.map(\.member))))
        let sealed = try await retryingForKeys {
            try await write { [vault] db -> Int in
                func plain(_ v: String) -> Bool { !v.hasPrefix(PersonalDataVault.prefix) }
                var n = 0
                // Events are append-only: the trigger is lifted for this transaction only (DDL is transactional here).
                try db.execute(sql: "DROP TRIGGER IF EXISTS events_no_update")
                for (id, member) in batch {
                    for (table, column, caseColumn) in VaultSQL.caseColumns {
                        for row in try Row.fetchAll(db, sql: "SELECT rowid, \(column) FROM \(table) WHERE \(caseColumn) = ?", arguments: [id]) {
                            let value: String = row[1]
                            guard plain(value) else { continue }
                            try db.execute(
                                sql: "UPDATE \(table) SET \(column) = ? WHERE rowid = ?",
                                arguments: [try vault.seal(value, owner: member), row[0] as Int64])
                            n += 1
                        }
                    }
                }
                try db.execute(sql: Self.eventsNoUpdate)
                return n
            }
        }
        return (sealed, last)
    }
}

extension SQLiteStore {
    /// The maintained aggregates counted once from the cases already stored (then kept by every write).
    static func countFigures(_ db: Database, _ vault: PersonalDataVault) throws {
        var after = ""
        var total: [CaseFigures.FigureKey: [Int64]] = [:]
        while true {
            let rows = try Row.fetchAll(db, sql: "SELECT id, body FROM complaints WHERE id > ? ORDER BY id LIMIT 1000", arguments: [after])
            guard let last = rows.last else { break }
            after = last["id"]
            try loadKeys(db, vault, for: rows.map { $0["body"] as String })
            for row in rows { CaseFiguresSQL.add(CaseFigures.contribution(of: try Complaint.fromStorage(row["body"], vault)), into: &total) }
        }
        try addFigures(db, total)
    }

    public func figureRows(fromDay: Int) async throws -> [(key: CaseFigures.FigureKey, counters: [Int64])] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: CaseFiguresSQL.selectRows, arguments: [fromDay]).compactMap { row in
                guard let dimension = Dimension(rawValue: row["dimension"]), let tier = Tier(rawValue: row["tier"]) else { return nil }
                return (
                    CaseFigures.FigureKey(day: row["day"], dimension: dimension, tier: tier, respondent: row["respondent"]),
                    (0..<CaseFiguresSQL.width).map { row[4 + $0] as Int64 }
                )
            }
        }
    }
}
