import Logging
import PostgresNIO
import RedressDomain

/// The PostgreSQL schema: the same tables and columns as the SQLite schema after its last migration (so that
/// `redress migrate-data` copies rows as they are), with PostgreSQL's types. Migrations are append-only: a shipped
/// one never changes; `redress_schema` records which have run.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
        /// Work in Swift after the statements, in the same transaction (counting what is already stored).
        var then: (@Sendable (PostgresConnection, Logger, PersonalDataVault) async throws -> Void)? = nil
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "create_tables",
            statements: [
                """
                CREATE FUNCTION redress_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$
                """,
                """
                CREATE TABLE merchants (
                  id TEXT PRIMARY KEY,
                  registered_name TEXT NOT NULL,
                  shop_name TEXT NOT NULL,
                  business_licence_number TEXT NOT NULL UNIQUE CHECK (length(business_licence_number) = 18),
                  verified_at_ms BIGINT,
                  created_at_ms BIGINT NOT NULL,
                  updated_at_ms BIGINT NOT NULL,
                  body TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE users (
                  id TEXT PRIMARY KEY,
                  role TEXT NOT NULL CHECK (role IN ('member', 'agent', 'specialist', 'risk_control', 'admin', 'merchant', 'arbitrator')),
                  login TEXT NOT NULL UNIQUE,
                  display_name TEXT NOT NULL,
                  phone TEXT,
                  password_hash TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL,
                  disabled BOOLEAN NOT NULL DEFAULT false,
                  merchant_id TEXT REFERENCES merchants(id),
                  email TEXT,
                  CHECK ((role = 'merchant') = (merchant_id IS NOT NULL))
                )
                """,
                "CREATE INDEX users_by_merchant ON users(merchant_id) WHERE merchant_id IS NOT NULL",
                """
                CREATE TABLE complaints (
                  id TEXT PRIMARY KEY,
                  case_number TEXT NOT NULL UNIQUE,
                  member_id TEXT NOT NULL REFERENCES users(id),
                  category TEXT NOT NULL,
                  dimension TEXT NOT NULL,
                  status TEXT NOT NULL,
                  tier TEXT NOT NULL,
                  queue TEXT NOT NULL,
                  assignee_id TEXT,
                  emergency BOOLEAN NOT NULL,
                  amount_at_stake_fen BIGINT NOT NULL CHECK (amount_at_stake_fen >= 0),
                  next_due_at_ms BIGINT,
                  sweep_due_at_ms BIGINT,
                  created_at_ms BIGINT NOT NULL,
                  updated_at_ms BIGINT NOT NULL,
                  event_count BIGINT NOT NULL CHECK (event_count >= 1),
                  head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
                  body TEXT NOT NULL,
                  respondent_merchant_id TEXT,
                  reviewers TEXT NOT NULL DEFAULT ''
                )
                """,
                "CREATE INDEX complaints_by_member ON complaints(member_id, created_at_ms)",
                "CREATE INDEX complaints_by_queue ON complaints(queue, status, next_due_at_ms)",
                "CREATE INDEX complaints_by_due ON complaints(next_due_at_ms)",
                "CREATE INDEX complaints_to_sweep ON complaints(sweep_due_at_ms) WHERE sweep_due_at_ms IS NOT NULL",
                "CREATE INDEX complaints_by_merchant ON complaints(respondent_merchant_id, next_due_at_ms) WHERE respondent_merchant_id IS NOT NULL",
                """
                CREATE TABLE events (
                  complaint_id TEXT NOT NULL REFERENCES complaints(id),
                  sequence BIGINT NOT NULL CHECK (sequence >= 1),
                  kind TEXT NOT NULL,
                  actor_id TEXT,
                  actor_role TEXT NOT NULL,
                  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
                  occurred_at_ms BIGINT NOT NULL,
                  payload TEXT NOT NULL,
                  previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
                  hash TEXT NOT NULL CHECK (length(hash) = 64),
                  PRIMARY KEY (complaint_id, sequence)
                )
                """,
                "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION redress_refuse('events are append-only')",
                """
                CREATE TABLE evidence_blobs (
                  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
                  size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
                  media_type TEXT NOT NULL,
                  bytes BYTEA NOT NULL,
                  created_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE TRIGGER evidence_blobs_immutable BEFORE UPDATE OR DELETE ON evidence_blobs FOR EACH ROW EXECUTE FUNCTION redress_refuse('evidence is immutable')",
                """
                CREATE TABLE complaint_evidence (
                  complaint_id TEXT NOT NULL REFERENCES complaints(id),
                  sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
                  file_name TEXT NOT NULL,
                  uploaded_by_id TEXT,
                  uploaded_by_role TEXT NOT NULL,
                  uploaded_at_ms BIGINT NOT NULL,
                  event_sequence BIGINT,
                  PRIMARY KEY (complaint_id, sha256)
                )
                """,
                "CREATE TABLE case_sequences (day TEXT PRIMARY KEY, last BIGINT NOT NULL)",
                """
                CREATE TABLE idempotency_keys (
                  member_id TEXT NOT NULL,
                  key TEXT NOT NULL,
                  request_hash TEXT NOT NULL,
                  complaint_id TEXT NOT NULL REFERENCES complaints(id) DEFERRABLE INITIALLY DEFERRED,
                  created_at_ms BIGINT NOT NULL,
                  PRIMARY KEY (member_id, key)
                )
                """,
                """
                CREATE TABLE policies (
                  id BIGINT PRIMARY KEY CHECK (id = 1),
                  body TEXT NOT NULL,
                  updated_at_ms BIGINT NOT NULL,
                  updated_by TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE policy_history (
                  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                  body TEXT NOT NULL,
                  updated_at_ms BIGINT NOT NULL,
                  updated_by TEXT NOT NULL,
                  previous_body TEXT
                )
                """,
                "CREATE TABLE calendar_years (year BIGINT PRIMARY KEY, body TEXT NOT NULL, updated_at_ms BIGINT NOT NULL)",
                """
                CREATE TABLE ledger_leaves (
                  leaf_index BIGINT PRIMARY KEY CHECK (leaf_index >= 0),
                  leaf_hash BYTEA NOT NULL CHECK (length(leaf_hash) = 32),
                  complaint_id TEXT NOT NULL,
                  kind TEXT NOT NULL CHECK (kind IN ('event', 'evidence_file')),
                  event_sequence BIGINT NOT NULL DEFAULT 0,
                  evidence_sha256 TEXT NOT NULL DEFAULT '',
                  CHECK ((kind = 'event' AND event_sequence >= 1 AND evidence_sha256 = '')
                      OR (kind = 'evidence_file' AND event_sequence = 0 AND length(evidence_sha256) = 64))
                )
                """,
                "CREATE UNIQUE INDEX ledger_leaves_by_entry ON ledger_leaves(complaint_id, kind, event_sequence, evidence_sha256)",
                "CREATE TABLE ledger_nodes (id BIGINT PRIMARY KEY CHECK (id >= 1099511627776), hash BYTEA NOT NULL CHECK (length(hash) = 32))",
                """
                CREATE TABLE ledger_heads (
                  tree_size BIGINT PRIMARY KEY CHECK (tree_size >= 0),
                  root_hash TEXT NOT NULL CHECK (length(root_hash) = 64),
                  timestamp_ms BIGINT NOT NULL,
                  key_id TEXT NOT NULL,
                  signature TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE ledger_keys (
                  key_id TEXT PRIMARY KEY CHECK (length(key_id) = 64),
                  public_key TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL,
                  retired_at_ms BIGINT
                )
                """,
                "CREATE TRIGGER ledger_leaves_append_only BEFORE UPDATE OR DELETE ON ledger_leaves FOR EACH ROW EXECUTE FUNCTION redress_refuse('the log is append-only')",
                "CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes FOR EACH ROW EXECUTE FUNCTION redress_refuse('the log is append-only')",
                "CREATE TRIGGER ledger_heads_immutable BEFORE UPDATE OR DELETE ON ledger_heads FOR EACH ROW EXECUTE FUNCTION redress_refuse('signed heads are immutable')",
                "CREATE TRIGGER ledger_keys_kept BEFORE DELETE ON ledger_keys FOR EACH ROW EXECUTE FUNCTION redress_refuse('log keys are kept')",
                // A key may only be retired, once.
                """
                CREATE TRIGGER ledger_keys_retire_only BEFORE UPDATE ON ledger_keys FOR EACH ROW
                  WHEN (OLD.retired_at_ms IS NOT NULL OR NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.public_key IS DISTINCT FROM OLD.public_key
                        OR NEW.created_at_ms IS DISTINCT FROM OLD.created_at_ms)
                  EXECUTE FUNCTION redress_refuse('log keys are kept')
                """,
                // The log's right edge, one row: every write that appends locks it first, so appends from every server
                // sharing the database are numbered one after the other, without a gap.
                """
                CREATE TABLE ledger_frontier (
                  id BIGINT PRIMARY KEY CHECK (id = 1),
                  size BIGINT NOT NULL CHECK (size >= 0),
                  peaks BYTEA NOT NULL CHECK (length(peaks) % 32 = 0)
                )
                """,
                """
                CREATE TABLE notices (
                  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                  complaint_id TEXT NOT NULL,
                  event_sequence BIGINT NOT NULL,
                  topic TEXT NOT NULL,
                  body TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL,
                  fanned_out_at_ms BIGINT
                )
                """,
                "CREATE INDEX notices_pending ON notices(id) WHERE fanned_out_at_ms IS NULL",
                """
                CREATE TABLE webhooks (
                  id TEXT PRIMARY KEY,
                  url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
                  secret TEXT NOT NULL,
                  topics TEXT NOT NULL,
                  merchant_id TEXT REFERENCES merchants(id),
                  created_by TEXT NOT NULL,
                  created_at_ms BIGINT NOT NULL,
                  disabled BOOLEAN NOT NULL DEFAULT false
                )
                """,
                """
                CREATE TABLE deliveries (
                  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                  notice_id BIGINT NOT NULL REFERENCES notices(id),
                  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
                  destination TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                  attempts BIGINT NOT NULL DEFAULT 0,
                  next_attempt_at_ms BIGINT NOT NULL,
                  last_error TEXT,
                  delivered_at_ms BIGINT,
                  created_at_ms BIGINT NOT NULL,
                  UNIQUE (notice_id, channel, destination)
                )
                """,
                "CREATE INDEX deliveries_due ON deliveries(next_attempt_at_ms) WHERE status = 'pending'",
                """
                CREATE TABLE delivery_attempts (
                  delivery_id BIGINT NOT NULL REFERENCES deliveries(id),
                  attempt BIGINT NOT NULL,
                  at_ms BIGINT NOT NULL,
                  ok BOOLEAN NOT NULL,
                  status_code BIGINT,
                  error TEXT,
                  duration_ms BIGINT NOT NULL,
                  PRIMARY KEY (delivery_id, attempt)
                )
                """,
            ]),
        Migration(
            version: 2, name: "index_complaints_by_filing_time",
            statements: ["CREATE INDEX complaints_by_created ON complaints(created_at_ms)"]),
        Migration(version: 3, name: "create_login_failures", statements: [LoginFailures.createTable, LoginFailures.createIndex]),
        Migration(
            version: 4, name: "create_case_figures", statements: [CaseFiguresSQL.createTable(integer: "BIGINT")]),
        Migration(version: 5, name: "create_revoked_tokens", statements: [RevokedTokens.createTable]),
        Migration(
            version: 6, name: "create_session_floors",
            statements: [SessionFloors.createTable, EvidenceUsage.uploaderIndex, EvidenceScans.createTable]),
        Migration(version: 7, name: "index_open_cases_by_queue_and_due", statements: [ComplaintListSQL.openQueueIndex]),
        Migration(
            version: 8, name: "create_search_index", statements: SearchIndex.postgresSchema,
            then: { c, logger, vault in _ = try await SearchIndex.postgresBackfill(c, vault, logger: logger) }),
        Migration(
            version: 9, name: "index_merchant_and_reviewer_lists",
            statements: [
                ComplaintListSQL.openMerchantIndex, ReviewerRows.createTable,
                """
                INSERT INTO complaint_reviewers(reviewer_id, complaint_id)
                SELECT DISTINCT r, id FROM complaints, unnest(string_to_array(trim(both ',' from reviewers), ',')) AS r WHERE reviewers <> ''
                """,
            ]),
        Migration(version: 10, name: "index_open_cases_by_category", statements: [ComplaintListSQL.openCategoryIndex]),
        Migration(version: 11, name: "personal_data_keys_and_erasure_requests", statements: VaultSQL.schema(integer: "BIGINT")),
        Migration(
            version: 12, name: "dashboard_figures", statements: CaseFiguresSQL.dashboardColumns(integer: "BIGINT"),
            then: { c, logger, vault in try await PostgresStore.countFigures(c, vault, logger: logger) }),
        Migration(version: 13, name: "inbound_mail", statements: InboundMailSQL.schema(integer: "BIGINT")),
        Migration(version: 14, name: "support_chats", statements: ChatSQL.schema(integer: "BIGINT")),
    ]

    /// The tables in an order that satisfies their references (for copying a whole store).
    static let tables = [
        "merchants", "users", "complaints", "events", "evidence_blobs", "complaint_evidence", "case_sequences", "idempotency_keys", "policies",
        "policy_history", "calendar_years", "ledger_leaves", "ledger_nodes", "ledger_heads", "ledger_keys", "notices", "webhooks", "deliveries",
        "delivery_attempts", "case_figures", "revoked_tokens", "session_floors", "evidence_scans", "complaint_reviewers",
        "data_keys", "erasure_requests", "inbound_mail", "mail_addresses", "chats", "chat_messages", "chat_duty",
    ]

    /// Tables whose `id` comes from an identity sequence, to be moved past copied rows.
    static let identityTables = ["policy_history", "notices", "deliveries"]
}

extension PostgresStore {
    /// The maintained aggregates counted once from the cases already stored (then kept by every write).
    static func countFigures(_ c: PostgresConnection, _ vault: PersonalDataVault, logger: Logger) async throws {
        // The maintained aggregates, counted once from the cases already stored (then kept by every write).
        var after = ""
        var total: [CaseFigures.FigureKey: [Int64]] = [:]
        while true {
            var last: String?
            var bodies: [String] = []
            for try await (id, body) in try await c.query(
                "SELECT id, body FROM complaints WHERE id > \(after) ORDER BY id LIMIT 1000", logger: logger
            ).decode((String, String).self) {
                bodies.append(body)
                last = id
            }
            for complaint in try await PostgresStore.openComplaints(bodies, vault, { try await c.query($0, logger: logger).collect() }) {
                CaseFiguresSQL.add(CaseFigures.contribution(of: complaint), into: &total)
            }
            guard let last else { break }
            after = last
        }
        let rows = CaseFiguresSQL.rows(total)
        for start in stride(from: 0, to: rows.count, by: 1000) {
            var b = SQLBuilder()
            guard
                let clause = PostgresStore.figuresClause(
                    &b, Dictionary(uniqueKeysWithValues: rows[start..<min(rows.count, start + 1000)].map { ($0.key, $0.counters) }))
            else { continue }
            b.sql = "WITH " + clause + " SELECT 1"
            try await c.query(b.query, logger: logger)
        }
    }
}
