import Foundation
import GRDB
import RedressDomain

/// Erasure requests and crypto-shredding on SQLite.
extension SQLiteStore {
    static func erasureRequest(_ row: Row) -> ErasureRequest {
        ErasureRequest(
            id: row["id"], userId: row["user_id"], requestedAt: Codec.date(row["requested_at_ms"]), dueAt: Codec.date(row["due_at_ms"]),
            accountErasedAt: (row["account_erased_at_ms"] as Int64?).map(Codec.date), completedAt: (row["completed_at_ms"] as Int64?).map(Codec.date),
            completedBy: row["completed_by"], casesHeld: row["cases_held"])
    }

    public func createErasureRequest(_ r: ErasureRequest) async throws {
        try await write { db in
            try db.execute(
                sql: VaultSQL.insertRequest,
                arguments: [r.id, r.userId, Codec.ms(r.requestedAt), Codec.ms(r.dueAt), r.accountErasedAt.map(Codec.ms)])
        }
    }

    public func erasureRequests(pendingOnly: Bool, limit: Int) async throws -> [ErasureRequest] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: VaultSQL.requests(pendingOnly: pendingOnly), arguments: [limit]).map(Self.erasureRequest)
        }
    }

    public func erasureRequest(id: String) async throws -> ErasureRequest? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(VaultSQL.requestColumns) FROM erasure_requests WHERE id = ?", arguments: [id]).map(
                Self.erasureRequest)
        }
    }

    public func carryOutErasure(id: String, by: String, at: Date) async throws -> ErasureRequest {
        let (request, held, keyIds) = try await write { [vault] db -> (ErasureRequest, [Complaint], [String]) in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(VaultSQL.requestColumns) FROM erasure_requests WHERE id = ? AND completed_at_ms IS NULL", arguments: [id])
            else { throw StoreError.notFound }
            var request = Self.erasureRequest(row)
            let member = request.userId
            var held: [Complaint] = []
            let ids = try String.fetchAll(db, sql: "SELECT id FROM complaints WHERE member_id = ? ORDER BY id", arguments: [member])
            for caseId in ids {
                guard let c = try Self.complaint(db, vault, id: caseId) else { continue }
                try SearchIndex.sqliteRemove(db, c, events: try Self.timeline(db, vault, complaintId: caseId))
                let h = c.heldAfterErasure()
                try db.execute(sql: "UPDATE complaints SET body = ? WHERE id = ?", arguments: [Codec.string(h), caseId])
                held.append(h)
            }
            let pseudonym = VaultSQL.pseudonym(member)
            try db.execute(
                sql: "UPDATE users SET login = ?, login_sealed = ?, display_name = ?, phone = NULL, email = NULL WHERE id = ?",
                arguments: [try vault.loginIndex(pseudonym.login), pseudonym.login, pseudonym.displayName, member])
            // The addresses the member confirmed for mail in: no longer theirs to file from.
            try db.execute(sql: "DELETE FROM mail_addresses WHERE user_id = ?", arguments: [member])
            let keyIds = try String.fetchAll(db, sql: "SELECT id FROM data_keys WHERE owner_id = ? AND destroyed_at_ms IS NULL", arguments: [member])
            try db.execute(
                sql: "UPDATE data_keys SET wrapped = NULL, destroyed_at_ms = ? WHERE owner_id = ? AND destroyed_at_ms IS NULL",
                arguments: [Codec.ms(at), member])
            request.completedAt = at
            request.completedBy = by
            request.casesHeld = held.count
            try db.execute(
                sql: "UPDATE erasure_requests SET completed_at_ms = ?, completed_by = ?, cases_held = ? WHERE id = ?",
                arguments: [Codec.ms(at), by, held.count, id])
            return (request, held, keyIds)
        }
        vault.forget(owner: request.userId, keyIds: keyIds)
        for c in held { recent.put(c) }
        // The pages that held the key and the words are copied out of the write-ahead log and the log emptied, so the
        // folder keeps no copy of them (freed pages are zeroed: `secure_delete`).
        // The erasure is committed by now: a reader that holds the log a moment (SQLITE_BUSY) only delays the truncation,
        // which is tried again and, failing that, left to the next automatic checkpoint.
        for attempt in 1...20 {
            do {
                try await pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
                break
            } catch let e as DatabaseError where e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                if attempt == 20 { logger.warning("the write-ahead log was not truncated after an erasure; the next checkpoint will") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return request
    }
}
