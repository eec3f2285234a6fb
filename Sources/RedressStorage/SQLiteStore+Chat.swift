import Foundation
import GRDB
import RedressDomain

/// Online support chats on SQLite.
extension SQLiteStore {
    static func chat(_ db: Database, _ vault: PersonalDataVault, _ row: Row) throws -> SupportChat {
        let sealed: String? = row["proposal"]
        if let sealed { try loadKeys(db, vault, for: [sealed]) }
        return SupportChat(
            id: row["id"], memberId: row["member_id"], status: ChatStatus(rawValue: row["status"]) ?? .closed, complaintId: row["complaint_id"],
            openedAt: Codec.date(row["opened_at_ms"]), takenBy: row["taken_by"], takenAt: (row["taken_at_ms"] as Int64?).map(Codec.date),
            firstReplyAt: (row["first_reply_at_ms"] as Int64?).map(Codec.date), closedAt: (row["closed_at_ms"] as Int64?).map(Codec.date),
            expectedReplyBy: (row["expected_reply_by_ms"] as Int64?).map(Codec.date),
            proposal: try sealed.flatMap { try vault.open($0) }.map { try Codec.decode(ComplaintDraft.self, $0) })
    }

    static func insertMessages(_ db: Database, _ vault: PersonalDataVault, chat: SupportChat, _ messages: [ChatMessage]) throws -> [ChatMessage] {
        var next = (try Int.fetchOne(db, sql: "SELECT messages FROM chats WHERE id = ?", arguments: [chat.id]) ?? 0) + 1
        var numbered: [ChatMessage] = []
        for var m in messages {
            m.sequence = next
            try db.execute(
                sql: "INSERT INTO chat_messages(chat_id, sequence, author_id, author_role, body, at_ms) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [chat.id, next, m.author.id, m.author.role.rawValue, try vault.seal(m.body, owner: chat.memberId), Codec.ms(m.at)])
            numbered.append(m)
            next += 1
        }
        try db.execute(sql: "UPDATE chats SET messages = ? WHERE id = ?", arguments: [next - 1, chat.id])
        return numbered
    }

    public func createChat(_ chat: SupportChat, first: ChatMessage) async throws {
        try await liveKeys(owners: [chat.memberId])
        try await retryingForKeys {
            try await write { [vault] db in
                try db.execute(
                    sql: ChatSQL.insert,
                    arguments: [
                        chat.id, chat.memberId, chat.status.rawValue, chat.complaintId, Codec.ms(chat.openedAt), chat.expectedReplyBy.map(Codec.ms),
                    ])
                _ = try Self.insertMessages(db, vault, chat: chat, [first])
            }
        }
    }

    public func chat(id: String) async throws -> SupportChat? {
        try await pool.read { [vault] db in
            try Row.fetchOne(db, sql: "SELECT \(ChatSQL.columns) FROM chats WHERE id = ?", arguments: [id]).map { try Self.chat(db, vault, $0) }
        }
    }

    public func updateChat(id: String, _ change: @escaping @Sendable (SupportChat) throws -> (SupportChat, [ChatMessage])?) async throws -> (
        SupportChat, [ChatMessage]
    ) {
        guard let memberId = try await chat(id: id)?.memberId else { throw StoreError.notFound }
        try await liveKeys(owners: [memberId])
        return try await retryingForKeys {
            try await write { [vault] db in
                guard let row = try Row.fetchOne(db, sql: "SELECT \(ChatSQL.columns) FROM chats WHERE id = ?", arguments: [id]) else {
                    throw StoreError.notFound
                }
                let current = try Self.chat(db, vault, row)
                guard let (c, added) = try change(current) else { return (current, []) }
                try db.execute(
                    sql: ChatSQL.save,
                    arguments: [
                        c.status.rawValue, c.complaintId, c.takenBy, c.takenAt.map(Codec.ms), c.firstReplyAt.map(Codec.ms), c.closedAt.map(Codec.ms),
                        try c.proposal.map { try vault.seal(try Codec.json($0), owner: c.memberId) }, c.id,
                    ])
                return (c, try Self.insertMessages(db, vault, chat: c, added))
            }
        }
    }

    public func chatMessages(chatId: String, after: Int) async throws -> [ChatMessage] {
        try await pool.read { [vault] db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT sequence, author_id, author_role, body, at_ms FROM chat_messages WHERE chat_id = ? AND sequence > ? ORDER BY sequence",
                arguments: [chatId, after])
            try Self.loadKeys(db, vault, for: rows.map { $0["body"] as String })
            return try rows.map { r in
                ChatMessage(
                    sequence: r["sequence"], author: CaseActor(id: r["author_id"], role: Role(rawValue: r["author_role"]) ?? .system),
                    body: try vault.open(r["body"] as String) ?? "", at: Codec.date(r["at_ms"]))
            }
        }
    }

    public func chats(memberId: String, limit: Int) async throws -> [SupportChat] {
        try await pool.read { [vault] db in
            try Row.fetchAll(db, sql: ChatSQL.list(member: true, statuses: 0), arguments: [memberId, limit]).map { try Self.chat(db, vault, $0) }
        }
    }

    public func chats(statuses: [ChatStatus], limit: Int) async throws -> [SupportChat] {
        guard !statuses.isEmpty else { return [] }
        return try await pool.read { [vault] db in
            try Row.fetchAll(
                db, sql: ChatSQL.list(member: false, statuses: statuses.count),
                arguments: StatementArguments(statuses.map { $0.rawValue as any DatabaseValueConvertible } + [limit])
            ).map { try Self.chat(db, vault, $0) }
        }
    }

    public func chatsOpened(since: Date, limit: Int) async throws -> [SupportChat] {
        try await pool.read { [vault] db in
            try Row.fetchAll(
                db, sql: "SELECT \(ChatSQL.columns) FROM chats WHERE opened_at_ms >= ? ORDER BY opened_at_ms LIMIT ?",
                arguments: [Codec.ms(since), limit]
            ).map { try Self.chat(db, vault, $0) }
        }
    }

    public func setOnDuty(userId: String, until: Date?) async throws {
        try await write { db in
            if let until {
                try db.execute(sql: ChatSQL.duty, arguments: [userId, Codec.ms(until)])
            } else {
                try db.execute(sql: "DELETE FROM chat_duty WHERE user_id = ?", arguments: [userId])
            }
        }
    }

    public func onDuty(at: Date) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT user_id FROM chat_duty WHERE until_ms > ? ORDER BY user_id", arguments: [Codec.ms(at)])
        }
    }
}
