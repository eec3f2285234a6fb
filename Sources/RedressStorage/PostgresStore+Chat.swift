import Foundation
import PostgresNIO
import RedressDomain

/// Online support chats on PostgreSQL.
extension PostgresStore {
    typealias ChatRow = (String, String, String, String?, Int64, String?, Int64?, Int64?, Int64?, Int64?, String?)

    func chat(_ r: ChatRow) throws -> SupportChat {
        SupportChat(
            id: r.0, memberId: r.1, status: ChatStatus(rawValue: r.2) ?? .closed, complaintId: r.3, openedAt: Codec.date(r.4), takenBy: r.5,
            takenAt: r.6.map(Codec.date), firstReplyAt: r.7.map(Codec.date), closedAt: r.8.map(Codec.date), expectedReplyBy: r.9.map(Codec.date),
            proposal: try r.10.flatMap { try vault.open($0) }.map { try Codec.decode(ComplaintDraft.self, $0) })
    }

    /// Chats from rows, the keys of their sealed proposals read first.
    func chats(_ rows: [PostgresRow]) async throws -> [SupportChat] {
        let decoded = try rows.map { try $0.decode(ChatRow.self) }
        try await loadKeys(for: decoded.compactMap(\.10))
        return try decoded.map(chat)
    }

    static func insertMessages(_ c: PostgresConnection, _ vault: PersonalDataVault, chat: SupportChat, _ messages: [ChatMessage], logger: Logger)
        async throws -> [ChatMessage]
    {
        let last = try await c.query("SELECT messages FROM chats WHERE id = \(chat.id) FOR UPDATE", logger: logger).collect().first?.decode(
            Int64.self)
        var next = Int(last ?? 0) + 1
        var numbered: [ChatMessage] = []
        for var m in messages {
            m.sequence = next
            try await c.query(
                """
                INSERT INTO chat_messages(chat_id, sequence, author_id, author_role, body, at_ms)
                VALUES (\(chat.id), \(Int64(next)), \(m.author.id), \(m.author.role.rawValue), \(try vault.seal(m.body, owner: chat.memberId)),
                  \(Codec.ms(m.at)))
                """, logger: logger)
            numbered.append(m)
            next += 1
        }
        try await c.query("UPDATE chats SET messages = \(Int64(next - 1)) WHERE id = \(chat.id)", logger: logger)
        return numbered
    }

    public func createChat(_ chat: SupportChat, first: ChatMessage) async throws {
        try await liveKeys(owners: [chat.memberId])
        let (vault, logger) = (self.vault, self.logger)
        try await retryingForKeys {
            try await transaction { c in
                var b = PostgresBindings()
                b.append(chat.id)
                b.append(chat.memberId)
                b.append(chat.status.rawValue)
                b.append(chat.complaintId)
                b.append(Codec.ms(chat.openedAt))
                b.append(chat.expectedReplyBy.map(Codec.ms))
                try await c.query(PostgresQuery(unsafeSQL: ChatSQL.insert, binds: b), logger: logger)
                _ = try await Self.insertMessages(c, vault, chat: chat, [first], logger: logger)
            }
        }
    }

    public func chat(id: String) async throws -> SupportChat? {
        try await chats(try await rows("SELECT \(unescaped: ChatSQL.columns) FROM chats WHERE id = \(id)")).first
    }

    public func updateChat(id: String, _ change: @escaping @Sendable (SupportChat) throws -> (SupportChat, [ChatMessage])?) async throws -> (
        SupportChat, [ChatMessage]
    ) {
        guard let before = try await chat(id: id) else { throw StoreError.notFound }
        try await liveKeys(owners: [before.memberId])
        let logger = self.logger
        return try await retryingForKeys {
            try await transaction { [self] c in
                guard
                    let row = try await c.query("SELECT \(unescaped: ChatSQL.columns) FROM chats WHERE id = \(id) FOR UPDATE", logger: logger)
                        .collect()
                        .first
                else { throw StoreError.notFound }
                let current = try chat(try row.decode(ChatRow.self))
                guard let (s, added) = try change(current) else { return (current, []) }
                var b = PostgresBindings()
                b.append(s.status.rawValue)
                b.append(s.complaintId)
                b.append(s.takenBy)
                b.append(s.takenAt.map(Codec.ms))
                b.append(s.firstReplyAt.map(Codec.ms))
                b.append(s.closedAt.map(Codec.ms))
                b.append(try s.proposal.map { try vault.seal(try Codec.json($0), owner: s.memberId) })
                b.append(s.id)
                try await c.query(PostgresQuery(unsafeSQL: ChatSQL.save, binds: b), logger: logger)
                return (s, try await Self.insertMessages(c, vault, chat: s, added, logger: logger))
            }
        }
    }

    public func chatMessages(chatId: String, after: Int) async throws -> [ChatMessage] {
        let found = try await rows(
            """
            SELECT sequence, author_id, author_role, body, at_ms FROM chat_messages WHERE chat_id = \(chatId) AND sequence > \(Int64(after))
            ORDER BY sequence
            """
        ).map { try $0.decode((Int64, String?, String, String, Int64).self) }
        try await loadKeys(for: found.map(\.3))
        return try found.map { r in
            ChatMessage(
                sequence: Int(r.0), author: CaseActor(id: r.1, role: Role(rawValue: r.2) ?? .system), body: try vault.open(r.3) ?? "",
                at: Codec.date(r.4))
        }
    }

    public func chats(memberId: String, limit: Int) async throws -> [SupportChat] {
        var b = PostgresBindings()
        b.append(memberId)
        b.append(limit)
        return try await chats(try await rows(PostgresQuery(unsafeSQL: ChatSQL.list(member: true, statuses: 0), binds: b)))
    }

    public func chats(statuses: [ChatStatus], limit: Int) async throws -> [SupportChat] {
        guard !statuses.isEmpty else { return [] }
        var b = PostgresBindings()
        for s in statuses { b.append(s.rawValue) }
        b.append(limit)
        return try await chats(try await rows(PostgresQuery(unsafeSQL: ChatSQL.list(member: false, statuses: statuses.count), binds: b)))
    }

    public func chatsOpened(since: Date, limit: Int) async throws -> [SupportChat] {
        try await chats(
            try await rows(
                "SELECT \(unescaped: ChatSQL.columns) FROM chats WHERE opened_at_ms >= \(Codec.ms(since)) ORDER BY opened_at_ms LIMIT \(limit)"))
    }

    public func setOnDuty(userId: String, until: Date?) async throws {
        if let until {
            var b = PostgresBindings()
            b.append(userId)
            b.append(Codec.ms(until))
            try await rows(PostgresQuery(unsafeSQL: ChatSQL.duty, binds: b))
        } else {
            try await rows("DELETE FROM chat_duty WHERE user_id = \(userId)")
        }
    }

    public func onDuty(at: Date) async throws -> [String] {
        try await rows("SELECT user_id FROM chat_duty WHERE until_ms > \(Codec.ms(at)) ORDER BY user_id").map { try $0.decode(String.self) }
    }
}
