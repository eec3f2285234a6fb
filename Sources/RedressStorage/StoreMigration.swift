import Foundation
import GRDB
import Logging
import NIOCore
import PostgresNIO
import RedressDomain

/// Moves a whole SQLite store into an empty PostgreSQL database: every table, row for row (cases, events, evidence
/// files, the evidence log with its nodes, signed heads and keys, users, merchants, policies, the outbox), in one
/// PostgreSQL transaction, so the target holds all of it or none of it. The source is read from one snapshot, so a
/// server still writing to it does not tear the copy (what it writes afterwards is not moved: stop it first).
public struct StoreMigration: Sendable {
    public struct Report: Sendable {
        /// Rows copied per table, in copy order.
        public var rows: [(table: String, count: Int)] = []
        public var logSize = 0
    }

    let source: SQLiteStore
    let target: PostgresStore

    public init(from source: SQLiteStore, to target: PostgresStore) {
        self.source = source
        self.target = target
    }

    /// Rows per INSERT: PostgreSQL takes at most 65,535 parameters a statement; evidence files go a few at a time.
    static func pageSize(_ table: String, columns: Int) -> Int { table == "evidence_blobs" ? 8 : max(1, 30_000 / columns) }

    public func run(progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Report {
        let snapshot = try source.pool.makeSnapshot()
        let frontier = try await snapshot.read { db in try SQLiteLedger.loadFrontier(db) }
        let logger = target.logger
        return try await target.transaction { c in
            for table in ["complaints", "users", "ledger_leaves"] {
                let n =
                    try await c.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: logger).collect().first?.decode(Int.self)
                    ?? 0
                if n > 0 {
                    throw StoreError.unavailable("the target database already holds data (\(n) rows in \(table)); migrate into an empty database")
                }
            }
            // Filled by the target's first start; the source's own calendars (with any edits) replace them.
            try await c.query("DELETE FROM calendar_years", logger: logger)
            // Likewise the log-in index key the empty target made at its start: the copied log-ins are indexed under the
            // source's (the data keys are copied as they are, wrapped by the same master keyring).
            try await c.query("DELETE FROM data_keys", logger: logger)
            var report = Report()
            for table in PostgresSchema.tables {
                var columns: [(name: String, type: String)] = []
                for row in try await c.query(
                    """
                    SELECT column_name, data_type FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
                    """, logger: logger
                ).collect() {
                    let (name, type) = try row.decode((String, String).self)
                    columns.append((name, type))
                }
                let names = columns.map(\.name).joined(separator: ", ")
                let page = Self.pageSize(table, columns: columns.count)
                var after: Int64 = .min
                var copied = 0
                while true {
                    // Keyset pages in rowid order (an OFFSET would rescan what was copied).
                    let from = after
                    let rows = try await snapshot.read { db in
                        try Row.fetchAll(
                            db, sql: "SELECT rowid, \(names) FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT ?", arguments: [from, page])
                    }
                    if rows.isEmpty { break }
                    var binds = PostgresBindings(capacity: rows.count * columns.count)
                    var tuples: [String] = []
                    for row in rows {
                        var placeholders: [String] = []
                        after = row[0]
                        for (i, column) in columns.enumerated() {
                            try Self.bind(row[i + 1], as: column.type, table: table, column: column.name, into: &binds)
                            placeholders.append("$\(binds.count)")
                        }
                        tuples.append("(" + placeholders.joined(separator: ", ") + ")")
                    }
                    try await c.query(
                        PostgresQuery(unsafeSQL: "INSERT INTO \(table) (\(names)) VALUES \(tuples.joined(separator: ", "))", binds: binds),
                        logger: logger)
                    copied += rows.count
                    progress(table, copied)
                    if rows.count < page { break }
                }
                report.rows.append((table, copied))
            }
            for table in PostgresSchema.identityTables {
                try await c.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE((SELECT MAX(id) FROM \(table)), 0) + 1, false)"),
                    logger: logger)
            }
            // The log's frontier as the source has it; the target's appends continue from there.
            try await c.query(
                "UPDATE ledger_frontier SET size = \(frontier.size), peaks = \(ByteBuffer(bytes: frontier.peaks.flatMap { $0 })) WHERE id = 1",
                logger: logger)
            report.logSize = frontier.size
            // The search index is rebuilt from the copied cases (SQLite's FTS5 index does not copy as rows).
            progress("search_text", try await SearchIndex.postgresBackfill(c, target.vault, logger: logger))
            return report
        }
    }

    /// One SQLite value as the PostgreSQL column's type.
    static func bind(_ value: DatabaseValue, as type: String, table: String, column: String, into binds: inout PostgresBindings) throws {
        if value.isNull {
            binds.appendNull()
            return
        }
        switch (type, value.storage) {
        case ("text", .string(let s)): binds.append(s)
        case ("text", .int64(let i)): binds.append(String(i))
        case ("bigint", .int64(let i)): binds.append(i)
        case ("boolean", .int64(let i)): binds.append(i != 0)
        case ("bytea", .blob(let d)): binds.append(ByteBuffer(bytes: d))
        case ("bytea", .string(let s)): binds.append(ByteBuffer(string: s))
        default:
            throw StoreError.unavailable("\(table).\(column): a \(value.storage) value cannot be copied into a \(type) column")
        }
    }
}
