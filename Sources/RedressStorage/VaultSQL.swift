import Foundation
import RedressDomain

/// The tables of personal-data keys and erasure requests, for both engines.
enum VaultSQL {
    /// PostgreSQL's statements may be run again over a database that has them (`IF NOT EXISTS`); SQLite's migrations
    /// run once by name.
    static func schema(integer: String) -> [String] {
        let again = integer == "BIGINT" ? "IF NOT EXISTS " : ""
        return [
            """
            CREATE TABLE \(again)data_keys (
              id TEXT PRIMARY KEY NOT NULL,
              owner_id TEXT NOT NULL,
              wrapped TEXT,
              master_key_id TEXT NOT NULL,
              created_at_ms \(integer) NOT NULL,
              destroyed_at_ms \(integer)
            )
            """,
            // One live key per person; destroyed keys stay as rows without key material.
            "CREATE UNIQUE INDEX \(again)data_keys_live ON data_keys(owner_id) WHERE destroyed_at_ms IS NULL",
            "CREATE INDEX \(again)data_keys_by_master ON data_keys(master_key_id) WHERE destroyed_at_ms IS NULL",
            // The log-in itself, sealed; `login` then holds its blind index.
            "ALTER TABLE users ADD COLUMN \(again)login_sealed TEXT",
            // The accounts still to be sealed, read at every start: found without reading every account.
            "CREATE INDEX \(again)users_unsealed ON users(id) WHERE login_sealed IS NULL",
            """
            CREATE TABLE \(again)erasure_requests (
              id TEXT PRIMARY KEY NOT NULL,
              user_id TEXT NOT NULL,
              requested_at_ms \(integer) NOT NULL,
              due_at_ms \(integer) NOT NULL,
              account_erased_at_ms \(integer),
              completed_at_ms \(integer),
              completed_by TEXT,
              cases_held \(integer) NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX \(again)erasure_requests_by_due ON erasure_requests(completed_at_ms, due_at_ms)",
            // An e-mail delivery's address, sealed; `destination` then holds its blind index (one delivery per address).
            "ALTER TABLE deliveries ADD COLUMN \(again)destination_sealed TEXT",
        ]
    }

    static let keyColumns = "id, owner_id, wrapped, master_key_id"

    /// The columns of a case sealed under its member's key: table, column, and the column that names the case.
    static let caseColumns: [(table: String, column: String, caseColumn: String)] = [
        ("complaints", "body", "id"), ("events", "payload", "complaint_id"), ("complaint_evidence", "file_name", "complaint_id"),
    ]
    static let insertKey = "INSERT INTO data_keys(id, owner_id, wrapped, master_key_id, created_at_ms) VALUES ($1, $2, $3, $4, $5)"
    static let insertRequest = """
        INSERT INTO erasure_requests(id, user_id, requested_at_ms, due_at_ms, account_erased_at_ms) VALUES ($1, $2, $3, $4, $5)
        """
    static let requestColumns = "id, user_id, requested_at_ms, due_at_ms, account_erased_at_ms, completed_at_ms, completed_by, cases_held"
    static func requests(pendingOnly: Bool) -> String {
        pendingOnly
            ? "SELECT \(requestColumns) FROM erasure_requests WHERE completed_at_ms IS NULL ORDER BY due_at_ms, id LIMIT $1"
            : "SELECT \(requestColumns) FROM erasure_requests ORDER BY requested_at_ms DESC, id LIMIT $1"
    }

    /// A delivery's columns: an address sealed for its owner with its blind index as `destination`, or a webhook's id
    /// as it is.
    static func destination(_ d: DeliveryDraft, _ vault: PersonalDataVault) throws -> (destination: String, sealed: String?) {
        guard let owner = d.sealedFor else { return (d.destination, nil) }
        return (try vault.loginIndex(d.destination), try vault.seal(d.destination, owner: owner))
    }

    /// A delivery's destination as read: the sealed address opened (empty once erased), or the column as it is.
    static func destination(_ column: String, sealed: String?, _ vault: PersonalDataVault) throws -> String {
        guard let sealed else { return column }
        return try vault.open(sealed) ?? ""
    }

    /// The name and contact details an erased account keeps, in plain text (nothing of the person is left in them).
    static func pseudonym(_ userId: String) -> (login: String, displayName: String) { ErasureRequest.pseudonym(of: userId) }
}
