import Foundation
import GRDB
import RedressDomain

/// Users on SQLite (`DirectoryStore`; merchants and the log-in throttle are in their own files).
extension SQLiteStore {
    // MARK: Users

    public func createUser(_ u: StoredUser) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO users(id, role, login, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        u.user.id, u.user.role.rawValue, u.user.login, u.user.displayName, u.user.phone, u.passwordHash, Codec.ms(u.user.createdAt),
                        u.user.disabled, u.user.merchantId, u.user.email,
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
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.storedUser) }
    }

    public func user(login: String) async throws -> StoredUser? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE login = ?", arguments: [login]).map(Self.storedUser) }
    }

    public func users(role: Role?) async throws -> [User] {
        try await pool.read { db in
            let rows =
                if let role {
                    try Row.fetchAll(db, sql: "SELECT * FROM users WHERE role = ? ORDER BY created_at_ms, id", arguments: [role.rawValue])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY created_at_ms, id")
                }
            return try rows.map { try Self.storedUser($0).user }
        }
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func saveProfile(id: String, login: String, displayName: String, phone: String?, email: String?) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: "UPDATE users SET login = ?, display_name = ?, phone = ?, email = ? WHERE id = ?",
                    arguments: [login, displayName, phone, email, id])
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

    static func storedUser(_ row: Row) throws -> StoredUser {
        guard let role = Role(rawValue: row["role"]) else { throw StoreError.unavailable("unknown role in users table") }
        let user = User(
            id: row["id"], role: role, login: row["login"], displayName: row["display_name"], phone: row["phone"],
            createdAt: Codec.date(row["created_at_ms"]), disabled: row["disabled"], merchantId: row["merchant_id"], email: row["email"])
        return StoredUser(user: user, passwordHash: row["password_hash"])
    }
}
