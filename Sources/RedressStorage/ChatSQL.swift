import Foundation
import RedressDomain

/// Online support chats, their messages and the agents on duty, for both engines.
enum ChatSQL {
    static func schema(integer: String) -> [String] {
        let again = integer == "BIGINT" ? "IF NOT EXISTS " : ""
        return [
            """
            CREATE TABLE \(again)chats (
              id TEXT PRIMARY KEY NOT NULL,
              member_id TEXT NOT NULL,
              status TEXT NOT NULL,
              complaint_id TEXT,
              opened_at_ms \(integer) NOT NULL,
              taken_by TEXT,
              taken_at_ms \(integer),
              first_reply_at_ms \(integer),
              closed_at_ms \(integer),
              expected_reply_by_ms \(integer),
              proposal TEXT,
              messages \(integer) NOT NULL DEFAULT 0
            )
            """,
            // The agents' list (waiting ones, longest waiting first) and the dashboard's window.
            "CREATE INDEX \(again)chats_by_status ON chats(status, opened_at_ms)",
            "CREATE INDEX \(again)chats_by_opening ON chats(opened_at_ms)",
            "CREATE INDEX \(again)chats_by_member ON chats(member_id, opened_at_ms)",
            """
            CREATE TABLE \(again)chat_messages (
              chat_id TEXT NOT NULL,
              sequence \(integer) NOT NULL,
              author_id TEXT,
              author_role TEXT NOT NULL,
              body TEXT NOT NULL,
              at_ms \(integer) NOT NULL,
              PRIMARY KEY (chat_id, sequence)
            )
            """,
            "CREATE TABLE \(again)chat_duty (user_id TEXT PRIMARY KEY NOT NULL, until_ms \(integer) NOT NULL)",
        ]
    }

    static let columns = """
        id, member_id, status, complaint_id, opened_at_ms, taken_by, taken_at_ms, first_reply_at_ms, closed_at_ms, expected_reply_by_ms, proposal
        """
    static let insert = """
        INSERT INTO chats(id, member_id, status, complaint_id, opened_at_ms, expected_reply_by_ms, messages)
        VALUES ($1, $2, $3, $4, $5, $6, 0)
        """
    static let save = """
        UPDATE chats SET status = $1, complaint_id = $2, taken_by = $3, taken_at_ms = $4, first_reply_at_ms = $5, closed_at_ms = $6,
          proposal = $7
        WHERE id = $8
        """
    static let duty = """
        INSERT INTO chat_duty(user_id, until_ms) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET until_ms = excluded.until_ms
        """

    /// The list a caller asks for: one member's chats newest first, or chats of some statuses oldest first.
    static func list(member: Bool, statuses: Int) -> String {
        if member { return "SELECT \(columns) FROM chats WHERE member_id = $1 ORDER BY opened_at_ms DESC, id DESC LIMIT $2" }
        let marks = (1...statuses).map { "$\($0)" }.joined(separator: ", ")
        return "SELECT \(columns) FROM chats WHERE status IN (\(marks)) ORDER BY opened_at_ms, id LIMIT $\(statuses + 1)"
    }
}
