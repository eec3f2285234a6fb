import Foundation
import GRDB
import Logging
import PostgresNIO
import RedressDomain

/// The search index, kept in the transaction of every write that adds words to a case, on both engines.
///
/// Each case gets a number `n` in `search_cases` when it is filed (or when an older store is indexed at upgrade);
/// each indexed piece is a row `n << 24 | sequence << 4 | chunk`, so rows rise with filing order and a search reads
/// the newest matches first and stops. Rows are only ever added: a case's words never change once written. A case
/// whose respondent changes is indexed again under a new number with its new merchant tag; the rows under the old
/// number keep the old tag, and the list's own condition on the respondent (always applied beside the index) keeps
/// the old merchant from finding it.
enum SearchIndex {
    /// How many matching pieces a search reads, newest first, before ranking them; past it the count is a lower bound.
    static let window = 500
    /// How many of the newest matches in the index a search looks at, at most, to find those `window` among the cases
    /// the list allows (the list's own filters are applied beside the index).
    static let horizon = 4_000

    static func row(case n: Int64, piece: SearchText.Piece) -> Int64 { n << 24 | piece.number }

    // MARK: SQLite

    static let sqliteSchema = [
        "CREATE TABLE search_cases(n INTEGER PRIMARY KEY, complaint_id TEXT NOT NULL)",
        "CREATE INDEX search_cases_by_complaint ON search_cases(complaint_id, n)",
        // Contentless: the words are in the cases and events already; the index keeps only tokens and positions.
        "CREATE VIRTUAL TABLE search_text USING fts5(words, tags, content='', tokenize='\(SearchTokenizer.name)')",
    ]

    /// Adds a case's pieces; `newNumber` gives it a (new) number first: a new case, or one indexed again.
    static func add(_ db: Database, _ c: Complaint, pieces: [SearchText.Piece], newNumber: Bool) throws {
        let n: Int64
        if !newNumber,
            let found = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT max(n) FROM search_cases WHERE complaint_id = ?"), arguments: [c.id])
        {
            guard !pieces.isEmpty else { return }
            n = found
        } else {
            try db.cachedStatement(sql: "INSERT INTO search_cases(complaint_id) VALUES (?)").execute(arguments: [c.id])
            n = db.lastInsertedRowID
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO search_text(rowid, words, tags) VALUES (?, ?, ?)")
        // The case's tags once; each passage adds who may read it.
        let caseTags = SearchText.caseTags(of: c).joined(separator: " ")
        for p in pieces {
            try insert.execute(arguments: [
                row(case: n, piece: p), p.text, (p.staffOnly ? SearchText.staffTag : SearchText.partiesTag) + " " + caseTags,
            ])
        }
    }

    /// Takes a case out of the index (its member's erasure): the passages of its latest number are deleted with the very
    /// words and tags they were indexed with (a contentless FTS5 table forgets a row only so), recomputed from the case
    /// and its events as they stand (a case indexed again after a change of respondent was indexed whole, under the
    /// same tags, since, and its earlier passages deleted then); the case's numbers are dropped.
    static func sqliteRemove(_ db: Database, _ c: Complaint, events: [TimelineEvent]) throws {
        try sqliteDeleteLatest(db, c, events: events)
        try db.execute(sql: "DELETE FROM search_cases WHERE complaint_id = ?", arguments: [c.id])
    }

    /// Deletes the passages of a case's latest number, `c` and `events` being the case as it was indexed under it, and
    /// the number itself.
    static func sqliteDeleteLatest(_ db: Database, _ c: Complaint, events: [TimelineEvent]) throws {
        if let n = try Int64.fetchOne(db, sql: "SELECT max(n) FROM search_cases WHERE complaint_id = ?", arguments: [c.id]) {
            let delete = try db.cachedStatement(sql: "INSERT INTO search_text(search_text, rowid, words, tags) VALUES ('delete', ?, ?, ?)")
            let caseTags = SearchText.caseTags(of: c).joined(separator: " ")
            for p in SearchText.pieces(c, events: events) {
                try delete.execute(arguments: [
                    row(case: n, piece: p), p.text, (p.staffOnly ? SearchText.staffTag : SearchText.partiesTag) + " " + caseTags,
                ])
            }
            try db.execute(sql: "DELETE FROM search_cases WHERE n = ?", arguments: [n])
        }
    }

    /// A change's pieces on SQLite, in its transaction (after its events are written): the new events' words, or the
    /// whole case again when its respondent changed.
    static func add(_ db: Database, _ p: PreparedUpdate, _ vault: PersonalDataVault) throws {
        if p.reindex {
            let events = try SQLiteStore.timeline(db, vault, complaintId: p.complaint.id)
            // The passages under the old merchant's tag go first: nothing of the case stays indexed for it.
            if let before = p.before { try sqliteDeleteLatest(db, before, events: events.filter { $0.sequence <= before.eventCount }) }
            try add(db, p.complaint, pieces: SearchText.pieces(p.complaint, events: events), newNumber: true)
        } else {
            try add(db, p.complaint, pieces: p.search, newNumber: false)
        }
    }

    /// Indexes every case not yet in the index, in filing order (ids rise with time): once, when a store made before
    /// search is opened. Returns how many cases were indexed.
    static func backfill(_ db: Database, _ vault: PersonalDataVault) throws -> Int {
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
                try SQLiteStore.loadKeys(db, vault, for: [r["body"] as String])
                let c = try Complaint.fromStorage(r["body"], vault)
                let events = try SQLiteStore.timeline(db, vault, complaintId: c.id)
                try add(db, c, pieces: SearchText.pieces(c, events: events), newNumber: true)
                indexed += 1
            }
        }
    }

    /// A search's candidates: the newest `window` matching pieces among the cases `list` allows, with their scores.
    static func sqliteCandidates(_ db: Database, query: SearchText.Query, within q: ComplaintQuery, list: ComplaintListSQL) throws -> [Candidate] {
        var args: StatementArguments = [query.fts5(within: q)]
        args += SQLiteStore.arguments(list.values)
        return try Row.fetchAll(db, sql: sqliteCandidatesSQL(list), arguments: args).map { Candidate(id: $0["id"], row: $0["r"], score: $0["score"]) }
    }

    /// Whether more passages match than a search looks at (so a short list of results may not be all there is).
    static func sqliteBeyondHorizon(_ db: Database, query: SearchText.Query, within q: ComplaintQuery) throws -> Bool {
        try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM search_text WHERE search_text MATCH ? LIMIT \(horizon + 1))",
            arguments: [query.fts5(within: q)]) ?? 0 > horizon
    }

    /// The newest matches first, at most `horizon` of them read: a filter that leaves few (a queue that holds none of
    /// the matches) stops there instead of reading every match in the index. The matches are read as a co-routine (SQLite
    /// makes one of a subquery followed by CROSS JOINs, which also fix the join order), in the index's order (newest
    /// first), which is the order of the result: no sort, and no more matches read than the page needs. Bound: the MATCH expression, then
    /// `list`'s values.
    static func sqliteCandidatesSQL(_ list: ComplaintListSQL) -> String {
        """
        SELECT c.id AS id, h.r AS r, h.score AS score
        FROM (SELECT search_text.rowid AS r, \(SearchRank.name)(search_text) AS score FROM search_text WHERE search_text MATCH ?
              ORDER BY search_text.rowid DESC LIMIT \(horizon)) AS h
        CROSS JOIN search_cases s ON s.n = (h.r >> 24)
        CROSS JOIN complaints c ON c.id = s.complaint_id
        \(list.whereClause)
        LIMIT \(window)
        """
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
        "CREATE TABLE search_cases(n BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, complaint_id TEXT NOT NULL)",
        "CREATE INDEX search_cases_by_complaint ON search_cases(complaint_id, n)",
        // The same tokens as SQLite's, with their positions, in a tsvector written by `SearchText.tsvector`.
        "CREATE TABLE search_text(row BIGINT PRIMARY KEY, doc TSVECTOR NOT NULL)",
        "CREATE INDEX search_text_doc ON search_text USING GIN (doc)",
    ]

    /// The clauses that give cases their (new) numbers and index their pieces, in the statement that writes them,
    /// only if `condition` holds.
    static func postgresNewCases(
        _ b: inout SQLBuilder, _ cases: [(complaint: Complaint, pieces: [SearchText.Piece])], condition: String = "true"
    ) -> [String] {
        guard !cases.isEmpty else { return [] }
        let pieces = cases.flatMap { c in c.pieces.map { (c.complaint, $0) } }
        var clauses = [
            """
            sc AS (INSERT INTO search_cases(complaint_id) SELECT id FROM unnest(\(b.bind(cases.map(\.complaint.id)))) AS t(id) WHERE \(condition)
              RETURNING n, complaint_id)
            """
        ]
        if !pieces.isEmpty {
            clauses.append(
                """
                st AS (INSERT INTO search_text(row, doc) SELECT (sc.n << 24) | t.num, t.doc::tsvector
                  FROM unnest(\(b.bind(pieces.map(\.0.id))), \(b.bind(pieces.map(\.1.number))), \(b.bind(pieces.map { SearchText.tsvector($0.1.text, tags: SearchText.tags($0.1, of: $0.0)) })))
                    AS t(cid, num, doc) JOIN sc ON sc.complaint_id = t.cid)
                """)
        }
        return clauses
    }

    /// The clauses that index a change's pieces, written only if `condition` holds: the new events' words under the
    /// case's latest number, or the whole case again (read here, in the transaction) when its respondent changed.
    static func postgresChange(
        _ w: PostgresBatch, _ b: inout SQLBuilder, _ p: PreparedUpdate, _ vault: PersonalDataVault, condition: String
    ) async throws -> [String] {
        let c = p.complaint
        if p.reindex {
            var events: [TimelineEvent] = []
            for row in try await w.rows(
                PostgresQuery(unsafeSQL: PostgresStore.CaseEvents.sql, binds: try PostgresStore.CaseEvents(complaintId: c.id).makeBindings()))
            {
                events.append(try PostgresStore.event(row))
            }
            events = try await PostgresStore.openEvents(events, vault, w.rows)
            // The passages under the old merchant's tag go first (the statement's snapshot does not see the new number).
            let old = [
                "sd AS (DELETE FROM search_text WHERE (row >> 24) IN (SELECT n FROM search_cases WHERE complaint_id = \(b.bind(c.id))) AND \(condition))",
                "scd AS (DELETE FROM search_cases WHERE complaint_id = \(b.bind(c.id)) AND \(condition))",
            ]
            return old + postgresNewCases(&b, [(c, SearchText.pieces(c, events: events + p.events))], condition: condition)
        }
        guard !p.search.isEmpty else { return [] }
        return [
            """
            st AS (INSERT INTO search_text(row, doc)
              SELECT ((SELECT max(n) FROM search_cases WHERE complaint_id = \(b.bind(c.id))) << 24) | t.num, t.doc::tsvector
              FROM unnest(\(b.bind(p.search.map(\.number))), \(b.bind(p.search.map { SearchText.tsvector($0.text, tags: SearchText.tags($0, of: c)) })))
                AS t(num, doc)
              WHERE \(condition))
            """
        ]
    }

    /// `backfill` on PostgreSQL, with the connection of the migration's transaction.
    static func postgresBackfill(_ c: PostgresConnection, _ vault: PersonalDataVault, logger: Logger) async throws -> Int {
        let run: (PostgresQuery) async throws -> [PostgresRow] = { try await c.query($0, logger: logger).collect() }
        var after = "", indexed = 0
        while true {
            var batch: [(complaint: Complaint, pieces: [SearchText.Piece])] = []
            var bodies: [String] = []
            var last: String?
            for try await (id, body) in try await c.query(
                """
                SELECT c.id, c.body FROM complaints c
                WHERE c.id > \(after) AND NOT EXISTS (SELECT 1 FROM search_cases s WHERE s.complaint_id = c.id) ORDER BY c.id LIMIT 500
                """, logger: logger
            ).decode((String, String).self) {
                bodies.append(body)
                last = id
            }
            for complaint in try await PostgresStore.openComplaints(bodies, vault, run) { batch.append((complaint, [])) }
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
                events = try await PostgresStore.openEvents(events, vault, run)
                batch[i].pieces = SearchText.pieces(batch[i].complaint, events: events)
            }
            var b = SQLBuilder()
            b.sql = "WITH " + postgresNewCases(&b, batch).joined(separator: ",\n") + "\nSELECT 1"
            try await c.query(b.query, logger: logger)
            indexed += batch.count
        }
    }

    /// `sqliteCandidates` on PostgreSQL. `ts_rank` is larger for a better match; it is negated to sort as bm25 does.
    static func postgresCandidates(_ store: PostgresStore, query: SearchText.Query, within q: ComplaintQuery) async throws -> [Candidate] {
        let list = ComplaintListSQL(q, dialect: .postgres, leading: [.text(query.tsquery(within: q))])
        let sql = """
            SELECT c.id, h.row, -ts_rank(h.doc, $1::tsquery)::float8
            FROM (SELECT row, doc FROM search_text WHERE doc @@ $1::tsquery ORDER BY row DESC LIMIT \(horizon)) AS h
            JOIN search_cases s ON s.n = (h.row >> 24)
            JOIN complaints c ON c.id = s.complaint_id
            \(list.whereClause)
            ORDER BY h.row DESC LIMIT \(window)
            """
        return try await store.rows(PostgresQuery(unsafeSQL: sql, binds: PostgresStore.binds(list.values))).map { row in
            let (id, r, score) = try row.decode((String, Int64, Double).self)
            return Candidate(id: id, row: r, score: score)
        }
    }
}

// MARK: Searching, on each engine

extension SQLiteStore {
    public func rebuildSearchIndex() async throws -> Int {
        try await pool.write { db in
            try db.execute(sql: "DROP TABLE search_text; DROP TABLE search_cases")
            for sql in SearchIndex.sqliteSchema { try db.execute(sql: sql) }
            return try SearchIndex.backfill(db, vault)
        }
    }

    /// Cases whose words match, best first, among those the query's other conditions allow; pages by offset within
    /// the newest `SearchIndex.window` matches.
    func search(_ search: SearchText.Query, _ q: ComplaintQuery) async throws -> ComplaintPage {
        let list = ComplaintListSQL(q, dialect: .sqlite)
        if list.matchesNothing { return ComplaintPage(items: [], total: 0) }
        return try await pool.read { [vault] db in
            let candidates = try SearchIndex.sqliteCandidates(db, query: search, within: q, list: list)
            var (ids, more) = SearchIndex.rank(candidates)
            if !more { more = try SearchIndex.sqliteBeyondHorizon(db, query: search, within: q) }
            let page = Array(ids.dropFirst(q.offset).prefix(q.limit))
            return ComplaintPage(items: try SQLiteStore.complaints(db, vault, ids: page), total: ids.count, totalIsLowerBound: more)
        }
    }
}

extension PostgresStore {
    public func rebuildSearchIndex() async throws -> Int {
        let (logger, vault) = (self.logger, self.vault)
        return try await transaction { c in
            try await c.query("TRUNCATE search_text, search_cases RESTART IDENTITY", logger: logger)
            return try await SearchIndex.postgresBackfill(c, vault, logger: logger)
        }
    }

    /// Cases whose words match, best first, among those the query's other conditions allow (`SearchIndex`).
    func search(_ search: SearchText.Query, _ q: ComplaintQuery) async throws -> ComplaintPage {
        if q.queues?.isEmpty ?? false { return ComplaintPage(items: [], total: 0) }
        let candidates = try await SearchIndex.postgresCandidates(self, query: search, within: q)
        var (ids, more) = SearchIndex.rank(candidates)
        if !more {
            more =
                try await rows(
                    PostgresQuery(
                        unsafeSQL: "SELECT COUNT(*) FROM (SELECT 1 FROM search_text WHERE doc @@ $1::tsquery LIMIT \(SearchIndex.horizon + 1)) AS c",
                        binds: PostgresStore.binds([.text(search.tsquery(within: q))]))
                ).first?.decode(Int.self) ?? 0 > SearchIndex.horizon
        }
        let page = Array(ids.dropFirst(q.offset).prefix(q.limit))
        return ComplaintPage(items: try await complaints(ids: page), total: ids.count, totalIsLowerBound: more)
    }
}
