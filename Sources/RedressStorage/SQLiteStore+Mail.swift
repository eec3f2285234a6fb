import Foundation
import GRDB
import RedressDomain

/// Mail received through the gateway, on SQLite.
extension SQLiteStore {
    static func inboundMail(_ row: Row, _ vault: PersonalDataVault) throws -> InboundMail {
        try InboundMail(
            id: row["id"], messageKey: row["message_key"], receivedAt: Codec.date(row["received_at_ms"]),
            status: InboundMailStatus(rawValue: row["status"]) ?? .keptAside, reason: row["reason"], complaintId: row["complaint_id"],
            sizeBytes: row["size_bytes"], sha256: row["sha256"], subject: try vault.open(row["subject"] as String) ?? "",
            expiresAt: (row["expires_at_ms"] as Int64?).map(Codec.date))
    }

    /// The data keys the rows' sealed values need, read before they are opened (a server that just started has none).
    static func loadMailKeys(_ db: Database, _ vault: PersonalDataVault, _ rows: [Row]) throws {
        try loadKeys(db, vault, for: rows.flatMap { [$0["subject"] as String?, $0["raw"] as String?].compactMap { $0 } })
    }

    static func rawMail(_ row: Row, _ vault: PersonalDataVault) throws -> [UInt8]? {
        guard let sealed = row["raw"] as String?, let b64 = try vault.open(sealed) else { return nil }
        return Data(base64Encoded: b64).map { [UInt8]($0) }
    }

    public func keepInboundMail(_ m: InboundMail, sender: String, raw: [UInt8], confirmDigest: String?) async throws -> (InboundMail, isNew: Bool) {
        let owner = InboundMailSQL.owner(m.id)
        try await liveKeys(owners: [owner])
        let index = try vault.loginIndex(sender)
        let sealedRaw = try vault.seal(Data(raw).base64EncodedString(), owner: owner)
        let sealedSubject = try vault.seal(m.subject, owner: owner)
        return try await write { [vault] db in
            try db.execute(
                sql: InboundMailSQL.insert,
                arguments: [
                    m.id, m.messageKey, Codec.ms(m.receivedAt), index, m.status.rawValue, m.reason, m.complaintId, m.sizeBytes, m.sha256,
                    sealedSubject, sealedRaw, confirmDigest, m.expiresAt.map(Codec.ms),
                ])
            let isNew = db.changesCount > 0
            let row = try Row.fetchOne(
                db, sql: "SELECT \(InboundMailSQL.columns) FROM inbound_mail WHERE message_key = ?", arguments: [m.messageKey])!
            return (try Self.inboundMail(row, vault), isNew)
        }
    }

    public func settleInboundMail(id: String, status: InboundMailStatus, reason: String?, complaintId: String?, keepRaw: Bool) async throws {
        try await write { db in
            try db.execute(sql: InboundMailSQL.settle, arguments: [status.rawValue, reason, complaintId, keepRaw, id])
        }
    }

    public func holdInboundMail(id: String, confirmDigest: String, expiresAt: Date) async throws {
        try await write { db in try db.execute(sql: InboundMailSQL.hold, arguments: [confirmDigest, Codec.ms(expiresAt), id]) }
    }

    public func inboundMail(id: String) async throws -> (mail: InboundMail, raw: [UInt8]?)? {
        try await pool.read { [vault] db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \(InboundMailSQL.columns), raw FROM inbound_mail WHERE id = ?", arguments: [id])
            else { return nil }
            try Self.loadMailKeys(db, vault, [row])
            return (try Self.inboundMail(row, vault), try Self.rawMail(row, vault))
        }
    }

    public func inboundMail(messageKey: String) async throws -> InboundMail? {
        try await pool.read { [vault] db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(InboundMailSQL.columns) FROM inbound_mail WHERE message_key = ?", arguments: [messageKey])
            else { return nil }
            try Self.loadMailKeys(db, vault, [row])
            return try Self.inboundMail(row, vault)
        }
    }

    public func inboundMail(confirmDigest: String) async throws -> (mail: InboundMail, raw: [UInt8]?)? {
        try await pool.read { [vault] db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(InboundMailSQL.columns), raw FROM inbound_mail WHERE confirm_digest = ?", arguments: [confirmDigest])
            else { return nil }
            try Self.loadMailKeys(db, vault, [row])
            return (try Self.inboundMail(row, vault), try Self.rawMail(row, vault))
        }
    }

    public func inboundMails(status: InboundMailStatus?, limit: Int) async throws -> [InboundMail] {
        try await pool.read { [vault] db in
            let rows =
                if let status {
                    try Row.fetchAll(
                        db, sql: "SELECT \(InboundMailSQL.columns) FROM inbound_mail WHERE status = ? ORDER BY received_at_ms DESC, id DESC LIMIT ?",
                        arguments: [status.rawValue, limit])
                } else {
                    try Row.fetchAll(
                        db, sql: "SELECT \(InboundMailSQL.columns) FROM inbound_mail ORDER BY received_at_ms DESC, id DESC LIMIT ?",
                        arguments: [limit])
                }
            try Self.loadMailKeys(db, vault, rows)
            return try rows.map { try Self.inboundMail($0, vault) }
        }
    }

    public func inboundMailCount(sender: String, since: Date) async throws -> Int {
        let index = try vault.loginIndex(sender)
        return try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM inbound_mail WHERE sender = ? AND received_at_ms >= ?", arguments: [index, Codec.ms(since)]) ?? 0
        }
    }

    public func confirmMailAddress(_ address: String, userId: String, at: Date) async throws {
        let index = try vault.loginIndex(address)
        try await write { db in try db.execute(sql: InboundMailSQL.confirm, arguments: [index, userId, Codec.ms(at)]) }
    }

    public func mailAddressOwner(_ address: String) async throws -> String? {
        let index = try vault.loginIndex(address)
        return try await pool.read { db in try String.fetchOne(db, sql: "SELECT user_id FROM mail_addresses WHERE address = ?", arguments: [index]) }
    }

    public func expireHeldMail(at: Date) async throws -> Int {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE inbound_mail SET status = 'expired', raw = NULL, confirm_digest = NULL
                    WHERE status = 'held' AND expires_at_ms <= ?
                    """, arguments: [Codec.ms(at)])
            return db.changesCount
        }
    }
}
