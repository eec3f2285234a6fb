import GRDB

/// The SQLite schema. Migrations are append-only: a shipped migration never changes.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
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
        return m
    }
}
