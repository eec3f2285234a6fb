import Foundation
import RedressDomain

/// Mail received through the gateway, and the addresses members confirmed, for both engines.
enum InboundMailSQL {
    static func schema(integer: String) -> [String] {
        let again = integer == "BIGINT" ? "IF NOT EXISTS " : ""
        return [
            """
            CREATE TABLE \(again)inbound_mail (
              id TEXT PRIMARY KEY NOT NULL,
              message_key TEXT NOT NULL UNIQUE,
              received_at_ms \(integer) NOT NULL,
              sender TEXT NOT NULL,
              status TEXT NOT NULL,
              reason TEXT,
              complaint_id TEXT,
              size_bytes \(integer) NOT NULL,
              sha256 TEXT NOT NULL,
              subject TEXT NOT NULL,
              raw TEXT,
              confirm_digest TEXT,
              expires_at_ms \(integer)
            )
            """,
            // A sender's recent mail (the rate limit, the held mail a confirmation releases).
            "CREATE INDEX \(again)inbound_mail_by_sender ON inbound_mail(sender, received_at_ms)",
            // The admins' list, newest first per status.
            "CREATE INDEX \(again)inbound_mail_by_status ON inbound_mail(status, received_at_ms)",
            "CREATE UNIQUE INDEX \(again)inbound_mail_by_confirm ON inbound_mail(confirm_digest) WHERE confirm_digest IS NOT NULL",
            """
            CREATE TABLE \(again)mail_addresses (
              address TEXT PRIMARY KEY NOT NULL,
              user_id TEXT NOT NULL,
              confirmed_at_ms \(integer) NOT NULL
            )
            """,
        ]
    }

    static let columns = "id, message_key, received_at_ms, status, reason, complaint_id, size_bytes, sha256, subject, expires_at_ms"
    static let insert = """
        INSERT INTO inbound_mail(id, message_key, received_at_ms, sender, status, reason, complaint_id, size_bytes, sha256, subject, raw,
          confirm_digest, expires_at_ms)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (message_key) DO NOTHING
        """
    static let settle = """
        UPDATE inbound_mail SET status = $1, reason = $2, complaint_id = $3, raw = CASE WHEN $4 THEN raw ELSE NULL END,
          confirm_digest = CASE WHEN $4 THEN confirm_digest ELSE NULL END
        WHERE id = $5
        """
    static let hold = """
        UPDATE inbound_mail SET status = 'held', reason = 'unknown_sender', confirm_digest = $1, expires_at_ms = $2 WHERE id = $3
        """
    static let confirm = """
        INSERT INTO mail_addresses(address, user_id, confirmed_at_ms) VALUES ($1, $2, $3)
        ON CONFLICT (address) DO UPDATE SET user_id = excluded.user_id, confirmed_at_ms = excluded.confirmed_at_ms
        """

    /// The owner a held message's raw bytes and subject are sealed for (it belongs to no account yet).
    static func owner(_ id: String) -> String { "mail:\(id)" }

}
