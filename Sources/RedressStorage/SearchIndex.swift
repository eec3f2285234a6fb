import Foundation
import GRDB
import Logging
import PostgresNIO
import RedressDomain

/// The search index, kept in the transaction of every write that adds words to a case, on both engines.
///
/// Each case gets a number `n` in `search_cases` when it is filed (or when an older store is indexed at upgrade);
/// each indexed piece is a row `n << 24 | sequence << 4 | chunk`, so rows rise with filing order and a search reads
/// the newest matches first and stops. Pieces are only ever added: a case's words never change once written.
enum SearchIndex {
    /// How many matching pieces a search reads, newest first, before ranking them; past it the count is a lower bound.
    static let window = 1_000

    static func row(case n: Int64, piece: SearchText.Piece) -> Int64 { n << 24 | piece.number }

    // MARK: SQLite

    static let sqliteSchema = [
        "CREATE TABLE search_cases(n INTEGER PRIMARY KEY, complaint_id TEXT NOT NULL UNIQUE)",
        // Contentless: the words are in the cases and events already; the index keeps only tokens and positions.
        "CREATE VIRTUAL TABLE search_text USING fts5(words, tags, content='', tokenize='\(SearchTokenizer.name)')",
    ]

    /// Adds a case's pieces; `newCase` gives it its number first.
    static func add(_ db: Database, complaintId: String, memberId: String, pieces: [SearchText.Piece], newCase: Bool) throws {
        let n: Int64
        if newCase {
            try db.cachedStatement(sql: "INSERT INTO search_cases(complaint_id) VALUES (?)").execute(arguments: [complaintId])
            n = db.lastInsertedRowID
        } else {
            guard !pieces.isEmpty else { return }
            if let found = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT n FROM search_cases WHERE complaint_id = ?"), arguments: [complaintId])
            {
                n = found
            } else {
                try db.cachedStatement(sql: "INSERT INTO search_cases(complaint_id) VALUES (?)").execute(arguments: [complaintId])
                n = db.lastInsertedRowID
            }
        }
        guard !pieces.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT INTO search_text(rowid, words, tags) VALUES (?, ?, ?)")
        for p in pieces {
            try insert.execute(arguments: [row(case: n, piece: p), p.text, SearchText.tags(p, memberId: memberId).joined(separator: " ")])
        }
    }

    /// Indexes every case not yet in the index, in filing order (ids rise with time): once, when a store made before
    /// search is opened. Returns how many cases were indexed.
    static func backfill(_ db: Database) throws -> Int {
        var after = "", indexed = 0
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.body FROM complaints c
                    WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM search_cases s WHERE s.complaint_id = c.id) ORDER BY c.id LIMIT 500
                    """, arguments: [after])
            guard let last = rows.last else { return indexed }
            after = last["id"]
            for r in rows {
                let c = try Complaint.fromStorage(r["body"])
                let events = try SQLiteStore.timeline(db, complaintId: c.id)
                try add(db, complaintId: c.id, memberId: c.memberId, pieces: SearchText.pieces(c, events: events), newCase: true)
                indexed += 1
            }
        }
    }

    /// A search's candidates: the newest `window` matching pieces among the cases `list` allows, with their scores.
    static func sqliteCandidates(
        _ db: Database, query: SearchText.Query, memberId: String?, includeInternal: Bool, list: ComplaintListSQL
    ) throws -> [Candidate] {
        let filter = list.whereClause.isEmpty ? "" : "AND " + list.whereClause.dropFirst("WHERE ".count)
        let sql = """
            SELECT c.id AS id, search_text.rowid AS r, bm25(search_text, 1.0, 0.0) AS score
            FROM search_text
            JOIN search_cases s ON s.n = (search_text.rowid >> 24)
            JOIN complaints c ON c.id = s.complaint_id
            WHERE search_text MATCH ? \(filter)
            ORDER BY search_text.rowid DESC LIMIT \(window)
            """
        var args: StatementArguments = [query.fts5(memberId: memberId, includeInternal: includeInternal)]
        args += SQLiteStore.arguments(list.values)
        return try Row.fetchAll(db, sql: sql, arguments: args).map { Candidate(id: $0["id"], row: $0["r"], score: $0["score"]) }
    }

    /// One matching piece: its case, its row (newer is larger) and how well it matched (smaller is better).
    struct Candidate: Sendable {
        var id: String
        var row: Int64
        var score: Double
    }

    /// The cases of the candidates, best first (their best piece's score, then the newest), and whether the window
    /// was filled (so more cases may match than were read).
    static func rank(_ candidates: [Candidate]) -> (ids: [String], more: Bool) {
        var best: [String: (score: Double, row: Int64)] = [:]
        for c in candidates {
            if let b = best[c.id] {
                best[c.id] = (min(b.score, c.score), max(b.row, c.row))
            } else {
                best[c.id] = (c.score, c.row)
            }
        }
        let ids = best.sorted { a, b in a.value.score != b.value.score ? a.value.score < b.value.score : a.value.row > b.value.row }.map(\.key)
        return (ids, candidates.count >= window)
    }
}

// MARK: PostgreSQL

extension SearchIndex {
    static let postgresSchema = [
        "CREATE TABLE search_cases(n BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, complaint_id TEXT NOT NULL UNIQUE)",
        // The same tokens as SQLite's, with their positions, in a tsvector written by `SearchText.tsvector`.
        "CREATE TABLE search_text(row BIGINT PRIMARY KEY, doc TSVECTOR NOT NULL)",
        "CREATE INDEX search_text_doc ON search_text USING GIN (doc)",
    ]

    /// The clauses that give new cases their numbers and index their pieces (in the statement that inserts them).
    static func postgresNewCases(_ b: inout SQLBuilder, _ cases: [(complaint: Complaint, pieces: [SearchText.Piece])]) -> [String] {
        guard !cases.isEmpty else { return [] }
        let pieces = cases.flatMap { c in c.pieces.map { (c.complaint.id, c.complaint.memberId, $0) } }
        var clauses = [
            "sc AS (INSERT INTO search_cases(complaint_id) SELECT * FROM unnest(\(b.bind(cases.map(\.complaint.id)))) RETURNING n, complaint_id)"
        ]
        if !pieces.isEmpty {
            clauses.append(
                """
                st AS (INSERT INTO search_text(row, doc) SELECT (sc.n << 24) | t.num, t.doc::tsvector
                  FROM unnest(\(b.bind(pieces.map(\.0))), \(b.bind(pieces.map(\.2.number))), \(b.bind(pieces.map { SearchText.tsvector($0.2.text, tags: SearchText.tags($0.2, memberId: $0.1)) })))
                    AS t(cid, num, doc) JOIN sc ON sc.complaint_id = t.cid)
                """)
        }
        return clauses
    }

    /// The clause that indexes an existing case's new pieces, written only if `condition` holds.
    static func postgresNewPieces(_ b: inout SQLBuilder, _ c: Complaint, _ pieces: [SearchText.Piece], condition: String) -> [String] {
        guard !pieces.isEmpty else { return [] }
        return [
            """
            st AS (INSERT INTO search_text(row, doc) SELECT (s.n << 24) | t.num, t.doc::tsvector
              FROM unnest(\(b.bind(pieces.map(\.number))), \(b.bind(pieces.map { SearchText.tsvector($0.text, tags: SearchText.tags($0, memberId: c.memberId)) })))
                AS t(num, doc) JOIN search_cases s ON s.complaint_id = \(b.bind(c.id))
              WHERE \(condition))
            """
        ]
    }

    /// `backfill` on PostgreSQL, with the connection of the migration's transaction.
    static func postgresBackfill(_ c: PostgresConnection, logger: Logger) async throws -> Int {
        var after = "", indexed = 0
        while true {
            var batch: [(complaint: Complaint, pieces: [SearchText.Piece])] = []
            var last: String?
            for try await (id, body) in try await c.query(
                """
                SELECT c.id, c.body FROM complaints c
                WHERE c.id > \(after) AND NOT EXISTS (SELECT 1 FROM search_cases s WHERE s.complaint_id = c.id) ORDER BY c.id LIMIT 500
                """, logger: logger
            ).decode((String, String).self) {
                batch.append((try Complaint.fromStorage(body), []))
                last = id
            }
            guard let last else { return indexed }
            after = last
            for i in batch.indices {
                var events: [TimelineEvent] = []
                for try await row in try await c.query(
                    PostgresQuery(
                        unsafeSQL: PostgresStore.CaseEvents.sql,
                        binds: try PostgresStore.CaseEvents(complaintId: batch[i].complaint.id).makeBindings()), logger: logger)
                {
                    events.append(try PostgresStore.event(row))
                }
                batch[i].pieces = SearchText.pieces(batch[i].complaint, events: events)
            }
            var b = SQLBuilder()
            b.sql = "WITH " + postgresNewCases(&b, batch).joined(separator: ",\n") + "\nSELECT 1"
            try await c.query(b.query, logger: logger)
            indexed += batch.count
        }
    }

    /// `sqliteCandidates` on PostgreSQL. `ts_rank` is larger for a better match; it is negated to sort as bm25 does.
    static func postgresCandidates(
        _ store: PostgresStore, query: SearchText.Query, memberId: String?, includeInternal: Bool, q: ComplaintQuery
    ) async throws -> [Candidate] {
        let list = ComplaintListSQL(q, dialect: .postgres, leading: [.text(query.tsquery(memberId: memberId, includeInternal: includeInternal))])
        let filter = list.whereClause.isEmpty ? "" : "AND " + list.whereClause.dropFirst("WHERE ".count)
        let sql = """
            SELECT c.id, st.row, -ts_rank(st.doc, $1::tsquery)::float8
            FROM search_text st
            JOIN search_cases s ON s.n = (st.row >> 24)
            JOIN complaints c ON c.id = s.complaint_id
            WHERE st.doc @@ $1::tsquery \(filter)
            ORDER BY st.row DESC LIMIT \(window)
            """
        return try await store.rows(PostgresQuery(unsafeSQL: sql, binds: PostgresStore.binds(list.values))).map { row in
            let (id, r, score) = try row.decode((String, Int64, Double).self)
            return Candidate(id: id, row: r, score: score)
        }
    }
}

// MARK: Searching, on each engine

extension SQLiteStore {
    /// Cases whose words match, best first, among those the query's other conditions allow; pages by offset within
    /// the newest `SearchIndex.window` matches.
    func search(_ search: SearchText.Query, _ q: ComplaintQuery) async throws -> ComplaintPage {
        let list = ComplaintListSQL(q, dialect: .sqlite)
        if list.matchesNothing { return ComplaintPage(items: [], total: 0) }
        return try await pool.read { db in
            let candidates = try SearchIndex.sqliteCandidates(db, query: search, memberId: q.memberId, includeInternal: q.searchInternal, list: list)
            let (ids, more) = SearchIndex.rank(candidates)
            let page = Array(ids.dropFirst(q.offset).prefix(q.limit))
            var bodies: [String: String] = [:]
            if !page.isEmpty {
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, body FROM complaints WHERE id IN (\(page.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(page))
                {
                    bodies[row["id"]] = row["body"]
                }
            }
            return ComplaintPage(items: try page.compactMap { bodies[$0] }.map(Complaint.fromStorage), total: ids.count, totalIsLowerBound: more)
        }
    }
}

extension PostgresStore {
    /// Cases whose words match, best first, among those the query's other conditions allow (`SearchIndex`).
    func search(_ search: SearchText.Query, _ q: ComplaintQuery) async throws -> ComplaintPage {
        if q.queues?.isEmpty ?? false { return ComplaintPage(items: [], total: 0) }
        let candidates = try await SearchIndex.postgresCandidates(self, query: search, memberId: q.memberId, includeInternal: q.searchInternal, q: q)
        let (ids, more) = SearchIndex.rank(candidates)
        let page = Array(ids.dropFirst(q.offset).prefix(q.limit))
        var bodies: [String: String] = [:]
        if !page.isEmpty {
            for row in try await rows("SELECT id, body FROM complaints WHERE id = ANY(\(page))") {
                let (id, body) = try row.decode((String, String).self)
                bodies[id] = body
            }
        }
        return ComplaintPage(items: try page.compactMap { bodies[$0] }.map(Complaint.fromStorage), total: ids.count, totalIsLowerBound: more)
    }
}
