import Foundation

/// The failed log-ins table and its statements, the same SQL on SQLite and PostgreSQL (both have upserts with
/// RETURNING). Rows are keyed by a digest of the log-in: no phone number or e-mail address is kept here.
enum LoginFailures {
    static let createTable = """
        CREATE TABLE login_failures (
          key TEXT PRIMARY KEY,
          failures INTEGER NOT NULL,
          since_ms BIGINT NOT NULL
        )
        """
    static let createIndex = "CREATE INDEX login_failures_by_start ON login_failures(since_ms)"

    /// Parameters: key, now (ms), window (ms), window (ms). A window older than `window` starts again at one.
    static let record = """
        INSERT INTO login_failures (key, failures, since_ms) VALUES ($1, 1, $2)
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN excluded.since_ms - login_failures.since_ms > $3 THEN 1 ELSE login_failures.failures + 1 END,
          since_ms = CASE WHEN excluded.since_ms - login_failures.since_ms > $3 THEN excluded.since_ms ELSE login_failures.since_ms END
        RETURNING failures, since_ms
        """
    static let read = "SELECT failures, since_ms FROM login_failures WHERE key = $1"
    static let clear = "DELETE FROM login_failures WHERE key = $1 OR since_ms < $2"

    static func milliseconds(_ d: Date) -> Int64 { d.millisecondsSince1970 }
    static func date(_ ms: Int64) -> Date { Date(millisecondsSince1970: ms) }
}

/// Sessions and bearer tokens ended before they expire (log-out), by a digest of the token, kept until the token would
/// have expired anyway. The same SQL on both engines.
enum RevokedTokens {
    static let createTable = """
        CREATE TABLE revoked_tokens (
          digest TEXT PRIMARY KEY,
          expires_at_ms BIGINT NOT NULL
        )
        """
    static let revoke = "INSERT INTO revoked_tokens (digest, expires_at_ms) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING"
    static let forget = "DELETE FROM revoked_tokens WHERE expires_at_ms <= $1"
    static let read = "SELECT digest FROM revoked_tokens WHERE expires_at_ms > $1"
}

/// Per account, the instant before which every session and token it holds is ended (a password change, a reset, a
/// disabled account, "log out everywhere"). The same SQL on both engines.
enum SessionFloors {
    static let createTable = """
        CREATE TABLE session_floors (
          user_id TEXT PRIMARY KEY,
          not_before_ms BIGINT NOT NULL
        )
        """
    static let raise = """
        INSERT INTO session_floors (user_id, not_before_ms) VALUES ($1, $2)
        ON CONFLICT (user_id) DO UPDATE SET not_before_ms = CASE WHEN excluded.not_before_ms > session_floors.not_before_ms
          THEN excluded.not_before_ms ELSE session_floors.not_before_ms END
        """
    static let read = "SELECT user_id, not_before_ms FROM session_floors"
}
