import Foundation
import GRDB
import RedressDomain

/// Users on SQLite (`DirectoryStore`; merchants and the log-in throttle are in their own files).
extension SQLiteStore {
    // MARK: Users

    public func createUser(_ u: StoredUser) async throws {
        try await liveKeys(owners: [u.user.id])
        try await write { [vault] db in
            do {
                try Self.liveKeys(db, vault, owners: [u.user.id], mint: false)
                let id = u.user.id
                try db.execute(
                    sql: """
                        INSERT INTO users(id, role, login, login_sealed, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        id, u.user.role.rawValue, try vault.loginIndex(u.user.login), try vault.seal(u.user.login, owner: id),
                        try vault.seal(u.user.displayName, owner: id), try vault.seal(optional: u.user.phone, owner: id), u.passwordHash,
                        Codec.ms(u.user.createdAt), u.user.disabled, u.user.merchantId, try vault.seal(optional: u.user.email, owner: id),
                    ])
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(field: "login")
            } catch let e as DatabaseError
                where e.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY || e.extendedResultCode == .SQLITE_CONSTRAINT_CHECK
            {
                throw StoreError.notFound
            }
        }
    }

    public func user(id: String) async throws -> StoredUser? {
        try await pool.read { [vault] db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map { try Self.storedUser($0, db, vault) }
        }
    }

    public func user(login: String) async throws -> StoredUser? {
        let index = try vault.loginIndex(login)
        return try await pool.read { [vault] db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE login = ?", arguments: [index]).map { try Self.storedUser($0, db, vault) }
        }
    }

    public func users(role: Role?) async throws -> [User] {
        try await pool.read { [vault] db in
            let rows =
                if let role {
                    try Row.fetchAll(db, sql: "SELECT * FROM users WHERE role = ? ORDER BY created_at_ms, id", arguments: [role.rawValue])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY created_at_ms, id")
                }
            return try rows.map { try Self.storedUser($0, db, vault).user }
        }
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func saveProfile(id: String, login: String, displayName: String, phone: String?, email: String?) async throws {
        try await liveKeys(owners: [id])
        try await write { [vault] db in
            do {
                try Self.liveKeys(db, vault, owners: [id], mint: false)
                try db.execute(
                    sql: "UPDATE users SET login = ?, login_sealed = ?, display_name = ?, phone = ?, email = ? WHERE id = ?",
                    arguments: [
                        try vault.loginIndex(login), try vault.seal(login, owner: id), try vault.seal(displayName, owner: id),
                        try vault.seal(optional: phone, owner: id), try vault.seal(optional: email, owner: id), id,
                    ])
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(field: "login")
            }
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func setPasswordHash(id: String, hash: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET password_hash = ? WHERE id = ?", arguments: [hash, id])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func disabledUserIds() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM users WHERE disabled = 1")) }
    }

    static func storedUser(_ row: Row, _ db: Database, _ vault: PersonalDataVault) throws -> StoredUser {
        guard let role = Role(rawValue: row["role"]) else { throw StoreError.unavailable("unknown role in users table") }
        let sealed: [String?] = [row["login_sealed"], row["display_name"], row["phone"], row["email"]]
        try loadKeys(db, vault, for: sealed.compactMap { $0 })
        let id: String = row["id"]
        let pseudonym = VaultSQL.pseudonym(id)
        let user = User(
            id: id, role: role, login: try vault.open(optional: sealed[0]) ?? pseudonym.login,
            displayName: try vault.open(optional: sealed[1]) ?? pseudonym.displayName, phone: try vault.open(optional: sealed[2]),
            createdAt: Codec.date(row["created_at_ms"]), disabled: row["disabled"], merchantId: row["merchant_id"],
            email: try vault.open(optional: sealed[3]))
        return StoredUser(user: user, passwordHash: row["password_hash"])
    }
}
