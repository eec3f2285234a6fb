import GRDB
import RedressDomain

/// The SQLite schema. Migrations are append-only: a shipped migration never changes.
enum SQLiteSchema {
    static func migrator(_ vault: PersonalDataVault) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1_create_core_tables") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                      id TEXT PRIMARY KEY NOT NULL,
                      role TEXT NOT NULL CHECK (role IN ('member', 'agent', 'specialist', 'risk_control', 'admin')),
                      login TEXT NOT NULL UNIQUE,
                      display_name TEXT NOT NULL,
                      phone TEXT,
                      password_hash TEXT NOT NULL,
                      created_at_ms INTEGER NOT NULL,
                      disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
                    );
                    CREATE TABLE complaints (
                      id TEXT PRIMARY KEY NOT NULL,
                      case_number TEXT NOT NULL UNIQUE,
                      member_id TEXT NOT NULL REFERENCES users(id),
                      category TEXT NOT NULL,
                      dimension TEXT NOT NULL,
                      status TEXT NOT NULL,
                      tier TEXT NOT NULL,
                      queue TEXT NOT NULL,
                      assignee_id TEXT,
                      emergency INTEGER NOT NULL CHECK (emergency IN (0, 1)),
                      amount_at_stake_fen INTEGER NOT NULL CHECK (amount_at_stake_fen >= 0),
                      next_due_at_ms INTEGER,
                      sweep_due_at_ms INTEGER,
                      created_at_ms INTEGER NOT NULL,
                      updated_at_ms INTEGER NOT NULL,
                      event_count INTEGER NOT NULL CHECK (event_count >= 1),
                      head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
                      body TEXT NOT NULL
                    );
                    CREATE INDEX complaints_by_member ON complaints(member_id, created_at_ms);
                    CREATE INDEX complaints_by_queue ON complaints(queue, status, next_due_at_ms);
                    CREATE INDEX complaints_by_due ON complaints(next_due_at_ms);
                    CREATE INDEX complaints_to_sweep ON complaints(sweep_due_at_ms) WHERE sweep_due_at_ms IS NOT NULL;
                    CREATE TABLE events (
                      complaint_id TEXT NOT NULL REFERENCES complaints(id),
                      sequence INTEGER NOT NULL CHECK (sequence >= 1),
                      kind TEXT NOT NULL,
                      actor_id TEXT,
                      actor_role TEXT NOT NULL,
                      visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
                      occurred_at_ms INTEGER NOT NULL,
                      payload TEXT NOT NULL,
                      previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
                      hash TEXT NOT NULL CHECK (length(hash) = 64),
                      PRIMARY KEY (complaint_id, sequence)
                    );
                    -- The timeline is append-only: the database itself refuses edits and deletions.
                    CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                    CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                    CREATE TABLE evidence_blobs (
                      sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
                      size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
                      media_type TEXT NOT NULL,
                      bytes BLOB NOT NULL,
                      created_at_ms INTEGER NOT NULL
                    );
                    CREATE TRIGGER evidence_blobs_no_update BEFORE UPDATE ON evidence_blobs BEGIN SELECT RAISE(ABORT, 'evidence is immutable'); END;
                    CREATE TRIGGER evidence_blobs_no_delete BEFORE DELETE ON evidence_blobs BEGIN SELECT RAISE(ABORT, 'evidence is immutable'); END;
                    CREATE TABLE complaint_evidence (
                      complaint_id TEXT NOT NULL REFERENCES complaints(id),
                      sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
                      file_name TEXT NOT NULL,
                      uploaded_by_id TEXT,
                      uploaded_by_role TEXT NOT NULL,
                      uploaded_at_ms INTEGER NOT NULL,
                      event_sequence INTEGER,
                      PRIMARY KEY (complaint_id, sha256)
                    );
                    CREATE TABLE case_sequences (day TEXT PRIMARY KEY NOT NULL, last INTEGER NOT NULL);
                    CREATE TABLE idempotency_keys (
                      member_id TEXT NOT NULL,
                      key TEXT NOT NULL,
                      request_hash TEXT NOT NULL,
                      complaint_id TEXT NOT NULL REFERENCES complaints(id),
                      created_at_ms INTEGER NOT NULL,
                      PRIMARY KEY (member_id, key)
                    );
                    CREATE TABLE policies (
                      id INTEGER PRIMARY KEY CHECK (id = 1),
                      body TEXT NOT NULL,
                      updated_at_ms INTEGER NOT NULL,
                      updated_by TEXT NOT NULL
                    );
                    CREATE TABLE policy_history (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      body TEXT NOT NULL,
                      updated_at_ms INTEGER NOT NULL,
                      updated_by TEXT NOT NULL
                    );
                    CREATE TABLE calendar_years (year INTEGER PRIMARY KEY NOT NULL, body TEXT NOT NULL, updated_at_ms INTEGER NOT NULL);
                    """)
        }
        m.registerMigration("v2_create_evidence_log") { db in
            try db.execute(
                sql: """
                    -- One global append-only Merkle log (RFC 9162) over every event and evidence file.
                    -- Leaf i is entry i, numbered 0, 1, 2, … with no gap; each names what it records.
                    CREATE TABLE ledger_leaves (
                      leaf_index INTEGER PRIMARY KEY CHECK (leaf_index >= 0),
                      leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),
                      complaint_id TEXT NOT NULL,
                      kind TEXT NOT NULL CHECK (kind IN ('event', 'evidence_file')),
                      event_sequence INTEGER NOT NULL DEFAULT 0,
                      evidence_sha256 TEXT NOT NULL DEFAULT '',
                      CHECK ((kind = 'event' AND event_sequence >= 1 AND evidence_sha256 = '')
                          OR (kind = 'evidence_file' AND event_sequence = 0 AND length(evidence_sha256) = 64))
                    );
                    CREATE UNIQUE INDEX ledger_leaves_by_entry ON ledger_leaves(complaint_id, kind, event_sequence, evidence_sha256);
                    -- The hash of every completed perfect subtree above the leaves: id = level × 2^40 + index.
                    CREATE TABLE ledger_nodes (
                      id INTEGER PRIMARY KEY CHECK (id >= 1099511627776),
                      hash BLOB NOT NULL CHECK (length(hash) = 32)
                    );
                    CREATE TABLE ledger_heads (
                      tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
                      root_hash TEXT NOT NULL CHECK (length(root_hash) = 64),
                      timestamp_ms INTEGER NOT NULL,
                      key_id TEXT NOT NULL,
                      signature TEXT NOT NULL
                    );
                    CREATE TABLE ledger_keys (
                      key_id TEXT PRIMARY KEY NOT NULL CHECK (length(key_id) = 64),
                      public_key TEXT NOT NULL,
                      created_at_ms INTEGER NOT NULL,
                      retired_at_ms INTEGER
                    );
                    CREATE TRIGGER ledger_leaves_no_update BEFORE UPDATE ON ledger_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
                    CREATE TRIGGER ledger_leaves_no_delete BEFORE DELETE ON ledger_leaves BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
                    CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
                    CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
                    CREATE TRIGGER ledger_heads_no_update BEFORE UPDATE ON ledger_heads BEGIN SELECT RAISE(ABORT, 'signed heads are immutable'); END;
                    CREATE TRIGGER ledger_heads_no_delete BEFORE DELETE ON ledger_heads BEGIN SELECT RAISE(ABORT, 'signed heads are immutable'); END;
                    CREATE TRIGGER ledger_keys_no_delete BEFORE DELETE ON ledger_keys BEGIN SELECT RAISE(ABORT, 'log keys are kept'); END;
                    -- A key may only be retired, once.
                    CREATE TRIGGER ledger_keys_retire_only BEFORE UPDATE ON ledger_keys
                      WHEN OLD.retired_at_ms IS NOT NULL OR NEW.key_id IS NOT OLD.key_id OR NEW.public_key IS NOT OLD.public_key
                        OR NEW.created_at_ms IS NOT OLD.created_at_ms
                      BEGIN SELECT RAISE(ABORT, 'log keys are kept'); END;
                    """)
        }
        m.registerMigration("v3_create_merchants_notices_and_deliveries") { db in
            try db.execute(
                sql: """
                    CREATE TABLE merchants (
                      id TEXT PRIMARY KEY NOT NULL,
                      registered_name TEXT NOT NULL,
                      shop_name TEXT NOT NULL,
                      business_licence_number TEXT NOT NULL UNIQUE CHECK (length(business_licence_number) = 18),
                      verified_at_ms INTEGER,
                      created_at_ms INTEGER NOT NULL,
                      updated_at_ms INTEGER NOT NULL,
                      body TEXT NOT NULL
                    );
                    -- New roles (merchant, external reviewer), the merchant a merchant's user answers for, and an e-mail address
                    -- for notices: the users table is rebuilt (SQLite cannot change a CHECK constraint in place).
                    CREATE TABLE users_v3 (
                      id TEXT PRIMARY KEY NOT NULL,
                      role TEXT NOT NULL CHECK (role IN ('member', 'agent', 'specialist', 'risk_control', 'admin', 'merchant', 'arbitrator')),
                      login TEXT NOT NULL UNIQUE,
                      display_name TEXT NOT NULL,
                      phone TEXT,
                      password_hash TEXT NOT NULL,
                      created_at_ms INTEGER NOT NULL,
                      disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                      merchant_id TEXT REFERENCES merchants(id),
                      email TEXT,
                      CHECK ((role = 'merchant') = (merchant_id IS NOT NULL))
                    );
                    INSERT INTO users_v3(id, role, login, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                      SELECT id, role, login, display_name, phone, password_hash, created_at_ms, disabled, NULL,
                             CASE WHEN instr(login, '@') > 0 THEN login END FROM users;
                    DROP TABLE users;
                    ALTER TABLE users_v3 RENAME TO users;
                    CREATE INDEX users_by_merchant ON users(merchant_id) WHERE merchant_id IS NOT NULL;

                    ALTER TABLE complaints ADD COLUMN respondent_merchant_id TEXT;
                    -- ",id1,id2," of the external reviewers given the case.
                    ALTER TABLE complaints ADD COLUMN reviewers TEXT NOT NULL DEFAULT '';
                    UPDATE complaints SET respondent_merchant_id = json_extract(body, '$.order.merchantId')
                      WHERE json_extract(body, '$.order.respondent') = 'merchant';
                    CREATE INDEX complaints_by_merchant ON complaints(respondent_merchant_id, next_due_at_ms) WHERE respondent_merchant_id IS NOT NULL;

                    ALTER TABLE policy_history ADD COLUMN previous_body TEXT;

                    -- Notifications owed, written in the transaction of the change that causes them (once: the event they
                    -- announce is written once).
                    CREATE TABLE notices (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      complaint_id TEXT NOT NULL,
                      event_sequence INTEGER NOT NULL,
                      topic TEXT NOT NULL,
                      body TEXT NOT NULL,
                      created_at_ms INTEGER NOT NULL,
                      fanned_out_at_ms INTEGER
                    );
                    CREATE INDEX notices_pending ON notices(id) WHERE fanned_out_at_ms IS NULL;
                    CREATE TABLE webhooks (
                      id TEXT PRIMARY KEY NOT NULL,
                      url TEXT NOT NULL CHECK (url LIKE 'http://%' OR url LIKE 'https://%'),
                      secret TEXT NOT NULL,
                      topics TEXT NOT NULL,
                      merchant_id TEXT REFERENCES merchants(id),
                      created_by TEXT NOT NULL,
                      created_at_ms INTEGER NOT NULL,
                      disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
                    );
                    -- One row per notice and destination: the outbox. Delivered at least once; the unique key keeps a
                    -- notice from being fanned out twice to the same place.
                    CREATE TABLE deliveries (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      notice_id INTEGER NOT NULL REFERENCES notices(id),
                      channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
                      destination TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                      attempts INTEGER NOT NULL DEFAULT 0,
                      next_attempt_at_ms INTEGER NOT NULL,
                      last_error TEXT,
                      delivered_at_ms INTEGER,
                      created_at_ms INTEGER NOT NULL,
                      UNIQUE (notice_id, channel, destination)
                    );
                    CREATE INDEX deliveries_due ON deliveries(next_attempt_at_ms) WHERE status = 'pending';
                    -- The delivery log: every attempt, kept.
                    CREATE TABLE delivery_attempts (
                      delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
                      attempt INTEGER NOT NULL,
                      at_ms INTEGER NOT NULL,
                      ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
                      status_code INTEGER,
                      error TEXT,
                      duration_ms INTEGER NOT NULL,
                      PRIMARY KEY (delivery_id, attempt)
                    );
                    """)
        }
        m.registerMigration("v4_index_complaints_by_filing_time") { db in
            // The supervisors' dashboard reads the cases filed in a recent window.
            try db.execute(sql: "CREATE INDEX complaints_by_created ON complaints(created_at_ms)")
        }
        m.registerMigration("v5_create_login_failures") { db in
            // Failed log-ins per digest of the log-in, so the throttle survives a restart (and, on PostgreSQL,
            // holds across servers).
            try db.execute(sql: LoginFailures.createTable)
            try db.execute(sql: LoginFailures.createIndex)
        }
        m.registerMigration("v6_create_case_figures") { db in
            // The maintained aggregates (counted from the cases already stored by v14, with every counter).
            try db.execute(sql: CaseFiguresSQL.createTable(integer: "INTEGER"))
        }
        m.registerMigration("v7_create_revoked_tokens") { db in
            // Tokens and sessions ended by a log-out before they expire.
            try db.execute(sql: RevokedTokens.createTable)
        }
        m.registerMigration("v8_create_session_floors") { db in
            // Per account, the instant before which its sessions and tokens are ended (password change, reset, disable).
            try db.execute(sql: SessionFloors.createTable)
            // The evidence quotas read a member's uploads through it.
            try db.execute(sql: EvidenceUsage.uploaderIndex)
            // What the virus scanner said of each stored file.
            try db.execute(sql: EvidenceScans.createTable)
        }
        m.registerMigration("v9_index_open_cases_by_queue_and_due") { db in
            // Staff queues read open cases in deadline order through it and stop at the page.
            try db.execute(sql: ComplaintListSQL.openQueueIndex)
        }
        m.registerMigration("v10_create_search_index") { db in
            // Chinese full-text search (`SearchIndex`), with the cases already stored indexed once.
            for sql in SearchIndex.sqliteSchema { try db.execute(sql: sql) }
            _ = try SearchIndex.backfill(db, vault)
        }
        m.registerMigration("v11_index_merchant_and_reviewer_lists") { db in
            // A merchant's open cases are read through it in deadline order, as a staff queue is.
            try db.execute(sql: ComplaintListSQL.openMerchantIndex)
            // A reviewer's cases, one row each.
            try db.execute(sql: ReviewerRows.createTable)
            for row in try Row.fetchAll(db, sql: "SELECT id, reviewers FROM complaints WHERE reviewers <> ''") {
                for r in ReviewerRows.rows(row["reviewers"]) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO complaint_reviewers(reviewer_id, complaint_id) VALUES (?, ?)", arguments: [r, row["id"]])
                }
            }
        }
        m.registerMigration("v12_index_open_cases_by_category") { db in
            // A queue's cases of one kind of problem, in deadline order.
            try db.execute(sql: ComplaintListSQL.openCategoryIndex)
        }
        m.registerMigration("v13_personal_data_keys_and_erasure_requests") { db in
            // Personal data sealed under a data key per person (`PersonalDataVault`); the accounts already stored are
            // sealed when the store opens, which has the master key.
            for sql in VaultSQL.schema(integer: "INTEGER") { try db.execute(sql: sql) }
        }
        m.registerMigration("v14_dashboard_figures") { db in
            // The dashboard's counters, and every counter counted once from the cases already stored.
            for sql in CaseFiguresSQL.dashboardColumns(integer: "INTEGER") { try db.execute(sql: sql) }
            try SQLiteStore.countFigures(db, vault)
        }
        m.registerMigration("v15_inbound_mail") { db in
            for sql in InboundMailSQL.schema(integer: "INTEGER") { try db.execute(sql: sql) }
        }
        m.registerMigration("v16_support_chats") { db in
            for sql in ChatSQL.schema(integer: "INTEGER") { try db.execute(sql: sql) }
        }
        return m
    }
}
