import Foundation
import Logging
import NIOCore
import PostgresNIO
import RedressDomain

/// Cases, their timelines and their evidence on PostgreSQL (`CaseStore`).
extension PostgresStore {
    // MARK: Complaints

    public func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (String) throws -> CaseChange
    ) async throws -> CreateOutcome {
        let number = CaseNumber.make(date: day, sequence: try await nextCaseSequence(day))
        let change = try make(number)
        try await liveKeys(owners: [change.complaint.memberId])
        let prepared = try PreparedCase.make(change, vault)
        return try await writer.submit(create: .init(prepared: prepared, claim: idempotency)) { [vault] w in
            if let claim = idempotency,
                let row = try await w.rows(
                    "SELECT request_hash, complaint_id FROM idempotency_keys WHERE member_id = \(claim.memberId) AND key = \(claim.key)"
                ).first
            {
                let (hash, id) = try row.decode((String, String).self)
                guard hash == claim.requestHash else { throw StoreError.idempotencyConflict }
                guard let existing = try await Self.complaint(w, vault, id: id) else { throw StoreError.notFound }
                return .replayed(existing)
            }
            try await Self.insert(w, prepared, idempotency: idempotency)
            return .created(prepared.complaint, prepared.events)
        }
    }

    /// The next number of the day's case sequence, from blocks reserved in the database: unique across every
    /// server, rising within one (a restart leaves the rest of its block unused: a gap, never a duplicate).
    /// The next number of the day's case sequence (`CaseNumberSequence`).
    func nextCaseSequence(_ day: CivilDate) async throws -> Int {
        try await caseNumbers.next(day) { key, count in
            try await self.rows(
                """
                INSERT INTO case_sequences(day, last) VALUES (\(key), \(count))
                ON CONFLICT(day) DO UPDATE SET last = case_sequences.last + \(count) RETURNING last
                """
            ).first?.decode(Int.self) ?? count
        }
    }

    /// A new case with its events, notices, log entries and idempotency key: one statement.
    static func insert(_ w: PostgresBatch, _ p: PreparedCase, idempotency claim: IdempotencyClaim?) async throws {
        let c = p.complaint
        var b = SQLBuilder()
        let ledger = w.reserve(p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) })
        var clauses = [
            """
            c AS (INSERT INTO complaints(id, case_number, member_id, category, dimension, status, tier, queue, assignee_id, emergency,
              amount_at_stake_fen, next_due_at_ms, sweep_due_at_ms, created_at_ms, updated_at_ms, event_count, head_hash, body,
              respondent_merchant_id, reviewers)
            VALUES (\(b.bind(c.id)), \(b.bind(c.caseNumber)), \(b.bind(c.memberId)), \(b.bind(c.categoryCode)), \(b.bind(c.dimension.rawValue)),
              \(b.bind(c.status.rawValue)), \(b.bind(c.tier.rawValue)), \(b.bind(c.queue.rawValue)), \(b.bind(c.assigneeId)), \(b.bind(c.emergency)),
              \(b.bind(c.amountAtStakeFen)), \(b.bind(c.nextDueAt.map(Codec.ms))), \(b.bind(c.sweepDueAt.map(Codec.ms))), \(b.bind(Codec.ms(c.createdAt))),
              \(b.bind(Codec.ms(c.updatedAt))), \(b.bind(c.eventCount)), \(b.bind(c.headHash)), \(b.bind(p.body)), \(b.bind(c.respondentMerchantId)),
              \(b.bind(c.reviewersColumn))))
            """
        ]
        clauses += eventClauses(&b, p.events, payloads: p.payloads) + noticeClauses(&b, complaintId: c.id, p.notices) + ledger.clauses(&b)
        if let f = figuresClause(&b, p.figures) { clauses.append(f) }
        clauses += SearchIndex.postgresNewCases(&b, [(c, p.search)])
        if let claim {
            clauses.append(
                """
                k AS (INSERT INTO idempotency_keys(member_id, key, request_hash, complaint_id, created_at_ms)
                  VALUES (\(b.bind(claim.memberId)), \(b.bind(claim.key)), \(b.bind(claim.requestHash)), \(b.bind(c.id)), \(b.bind(Codec.ms(c.createdAt)))))
                """)
        }
        b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT 1"
        try await w.write(b.query)
        w.changed(c)
    }

    /// Several new cases at once, as a batch's new cases are written: the idempotency keys they claim read in one
    /// statement, and every case with its events, notices, log entries and key inserted in another. Returns each
    /// request's outcome in order. A key claimed twice in the batch makes the second a replay of the first.
    static func insertAll(_ w: PostgresBatch, _ requests: [PostgresWriter.CreateRequest]) async throws -> [Result<any Sendable, any Error>] {
        var existing: [String: (hash: String, complaintId: String)] = [:]
        let claims = requests.compactMap(\.claim)
        if !claims.isEmpty {
            for row in try await w.rows(
                """
                SELECT k.member_id, k.key, k.request_hash, k.complaint_id FROM idempotency_keys k
                JOIN unnest(\(claims.map(\.memberId)), \(claims.map(\.key))) AS c(m, k) ON k.member_id = c.m AND k.key = c.k
                """)
            {
                let (member, key, hash, id) = try row.decode((String, String, String, String).self)
                existing[member + "\u{0}" + key] = (hash, id)
            }
        }
        var outcomes: [Result<any Sendable, any Error>?] = Array(repeating: nil, count: requests.count)
        var replays: [(index: Int, complaintId: String)] = []
        var fresh: [Int] = []
        var claimedHere: [String: Int] = [:]
        for (i, r) in requests.enumerated() {
            guard let claim = r.claim else {
                fresh.append(i)
                continue
            }
            let slot = claim.memberId + "\u{0}" + claim.key
            if let (hash, id) = existing[slot] {
                if hash == claim.requestHash { replays.append((i, id)) } else { outcomes[i] = .failure(StoreError.idempotencyConflict) }
            } else if let first = claimedHere[slot] {
                let original = requests[first]
                if original.claim?.requestHash == claim.requestHash {
                    outcomes[i] = .success(CreateOutcome.replayed(original.prepared.complaint))
                } else {
                    outcomes[i] = .failure(StoreError.idempotencyConflict)
                }
            } else {
                claimedHere[slot] = i
                fresh.append(i)
            }
        }
        if !replays.isEmpty {
            var bodies: [String: Complaint] = [:]
            for row in try await w.rows("SELECT id, body FROM complaints WHERE id = ANY(\(replays.map(\.complaintId)))") {
                let (id, body) = try row.decode((String, String).self)
                bodies[id] = try Complaint.fromStorage(body)
            }
            for (i, id) in replays {
                outcomes[i] = bodies[id].map { .success(CreateOutcome.replayed($0)) } ?? .failure(StoreError.notFound)
            }
        }
        if !fresh.isEmpty {
            let cases = fresh.map { requests[$0].prepared }
            let keys: [(IdempotencyClaim, Complaint)] = fresh.compactMap { i in requests[i].claim.map { ($0, requests[i].prepared.complaint) } }
            let ledger = w.reserve(cases.flatMap { p in p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) } })
            var b = SQLBuilder()
            let c = cases.map(\.complaint)
            // Arrays cannot hold NULL here: a missing id travels as '' and a missing instant as -1.
            var clauses = [
                """
                c AS (INSERT INTO complaints(id, case_number, member_id, category, dimension, status, tier, queue, assignee_id, emergency,
                  amount_at_stake_fen, next_due_at_ms, sweep_due_at_ms, created_at_ms, updated_at_ms, event_count, head_hash, body,
                  respondent_merchant_id, reviewers)
                SELECT id, num, mem, cat, dim, st, ti, q, NULLIF(asg, ''), em, amt, NULLIF(nd, -1), NULLIF(sd, -1), cr, up, ec, hh, body,
                  NULLIF(resp, ''), rev
                FROM unnest(\(b.bind(c.map(\.id))), \(b.bind(c.map(\.caseNumber))), \(b.bind(c.map(\.memberId))), \(b.bind(c.map(\.categoryCode))),
                  \(b.bind(c.map(\.dimension.rawValue))), \(b.bind(c.map(\.status.rawValue))), \(b.bind(c.map(\.tier.rawValue))), \(b.bind(c.map(\.queue.rawValue))),
                  \(b.bind(c.map { $0.assigneeId ?? "" })), \(b.bind(c.map(\.emergency))), \(b.bind(c.map(\.amountAtStakeFen))),
                  \(b.bind(c.map { $0.nextDueAt.map(Codec.ms) ?? -1 })), \(b.bind(c.map { $0.sweepDueAt.map(Codec.ms) ?? -1 })),
                  \(b.bind(c.map { Codec.ms($0.createdAt) })), \(b.bind(c.map { Codec.ms($0.updatedAt) })), \(b.bind(c.map(\.eventCount))),
                  \(b.bind(c.map(\.headHash))), \(b.bind(cases.map(\.body))), \(b.bind(c.map { $0.respondentMerchantId ?? "" })),
                  \(b.bind(c.map(\.reviewersColumn))))
                  AS t(id, num, mem, cat, dim, st, ti, q, asg, em, amt, nd, sd, cr, up, ec, hh, body, resp, rev))
                """
            ]
            clauses += eventClauses(&b, cases.flatMap(\.events), payloads: cases.flatMap(\.payloads))
            let notices = cases.flatMap { p in p.notices.map { (p.complaint.id, $0) } }
            if !notices.isEmpty {
                clauses.append(
                    """
                    n AS (INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms)
                      SELECT * FROM unnest(\(b.bind(notices.map(\.0))), \(b.bind(notices.map(\.1.sequence))), \(b.bind(notices.map(\.1.topic))),
                                           \(b.bind(notices.map(\.1.body))), \(b.bind(notices.map(\.1.createdAtMs)))))
                    """)
            }
            clauses += ledger.clauses(&b)
            // The batch's cases may add to the same rows: one row per key in the statement.
            if let f = figuresClause(&b, CaseFiguresSQL.merge(cases.map(\.figures))) { clauses.append(f) }
            clauses += SearchIndex.postgresNewCases(&b, cases.map { ($0.complaint, $0.search) })
            if !keys.isEmpty {
                clauses.append(
                    """
                    k AS (INSERT INTO idempotency_keys(member_id, key, request_hash, complaint_id, created_at_ms)
                      SELECT * FROM unnest(\(b.bind(keys.map(\.0.memberId))), \(b.bind(keys.map(\.0.key))), \(b.bind(keys.map(\.0.requestHash))),
                                           \(b.bind(keys.map(\.1.id))), \(b.bind(keys.map { Codec.ms($0.1.createdAt) }))))
                    """)
            }
            b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT 1"
            try await w.write(b.query)
            for (i, p) in zip(fresh, cases) {
                w.changed(p.complaint)
                outcomes[i] = .success(CreateOutcome.created(p.complaint, p.events))
            }
        }
        return outcomes.map { $0 ?? .failure(StoreError.unavailable("a new case was left unwritten")) }
    }

    /// A change's events, all in one clause; a missing actor travels as '' (no id is empty).
    static func eventClauses(_ b: inout SQLBuilder, _ events: [TimelineEvent], payloads: [String], condition: String = "true") -> [String] {
        guard !events.isEmpty else { return [] }
        return [
            """
            e AS (INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash)
              SELECT c, s, k, NULLIF(a, ''), r, v, o, p, ph, h
              FROM unnest(\(b.bind(events.map(\.complaintId))), \(b.bind(events.map(\.sequence))), \(b.bind(events.map(\.kind.rawValue))),
                          \(b.bind(events.map { $0.actor.id ?? "" })), \(b.bind(events.map(\.actor.role.rawValue))), \(b.bind(events.map(\.visibility.rawValue))),
                          \(b.bind(events.map(\.occurredAtMs))), \(b.bind(payloads)), \(b.bind(events.map(\.previousHash))), \(b.bind(events.map(\.hash))))
                AS t(c, s, k, a, r, v, o, p, ph, h)
              WHERE \(condition))
            """
        ]
    }

    static func noticeClauses(_ b: inout SQLBuilder, complaintId: String, _ rows: [NoticeRow], condition: String = "true") -> [String] {
        guard !rows.isEmpty else { return [] }
        return [
            """
            n AS (INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms)
              SELECT \(b.bind(complaintId)), s, t, b, c
              FROM unnest(\(b.bind(rows.map(\.sequence))), \(b.bind(rows.map(\.topic))), \(b.bind(rows.map(\.body))), \(b.bind(rows.map(\.createdAtMs))))
                AS n(s, t, b, c)
              WHERE \(condition))
            """
        ]
    }

    /// A change's contribution to the maintained aggregates as one upsert clause (rows in a fixed order, so two
    /// transactions adding to the same rows lock them in the same order), or nil when it adds nothing.
    static func figuresClause(_ b: inout SQLBuilder, _ delta: [CaseFigures.FigureKey: [Int64]], condition: String = "true") -> String? {
        let rows = CaseFiguresSQL.rows(delta)
        guard !rows.isEmpty else { return nil }
        var arrays = [
            b.bind(rows.map(\.key.respondent)), b.bind(rows.map { Int64($0.key.day) }), b.bind(rows.map(\.key.dimension.rawValue)),
            b.bind(rows.map(\.key.tier.rawValue)),
        ]
        for i in 0..<CaseFiguresSQL.width { arrays.append(b.bind(rows.map { $0.counters[i] })) }
        let names = CaseFiguresSQL.keyColumns + CaseFiguresSQL.counterColumns
        return """
            f AS (INSERT INTO case_figures(\(names.joined(separator: ", ")))
              SELECT * FROM unnest(\(arrays.joined(separator: ", "))) AS f(\(names.joined(separator: ", ")))
              WHERE \(condition)
              ON CONFLICT (respondent, day, dimension, tier) DO UPDATE SET \(CaseFiguresSQL.addExcluded(table: "case_figures")))
            """
    }

    public func figures(respondent: String, fromDay: Int) async throws -> FigureTotals {
        let row = try await rows(
            "SELECT \(unescaped: CaseFiguresSQL.sumColumns) FROM case_figures WHERE respondent = \(respondent) AND day >= \(Int64(fromDay))"
        ).first
        var counters: [Int64] = []
        if let row {
            for cell in row { counters.append(try cell.decode(Int64.self)) }
        }
        return FigureTotals(counters: counters.count == CaseFiguresSQL.width ? counters : Array(repeating: 0, count: CaseFiguresSQL.width))
    }

    /// The hottest reads run as named prepared statements, parsed and planned once per connection.
    struct CaseBody: PostgresPreparedStatement {
        static let sql = "SELECT body FROM complaints WHERE id = $1"
        typealias Row = String
        var id: String
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(id)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    struct CaseEvents: PostgresPreparedStatement {
        static let sql = """
            SELECT complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash
            FROM events WHERE complaint_id = $1 ORDER BY sequence
            """
        typealias Row = TimelineEvent
        var complaintId: String
        func makeBindings() throws -> PostgresBindings {
            var b = PostgresBindings()
            b.append(complaintId)
            return b
        }
        func decodeRow(_ row: PostgresRow) throws -> TimelineEvent { try PostgresStore.event(row) }
    }

    /// Runs a prepared statement on the pool and collects its rows.
    func prepared<S: PostgresPreparedStatement>(_ statement: S) async throws -> [S.Row] {
        do {
            var out: [S.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { out.append(row) }
            return out
        } catch let e as PSQLError {
            throw Self.wrap(e)
        }
    }

    public func complaint(id: String) async throws -> Complaint? {
        guard let body = try await prepared(CaseBody(id: id)).first else { return nil }
        return try await Self.openComplaints([body], vault, pooled).first
    }

    static func complaint(_ w: PostgresBatch, _ vault: PersonalDataVault, id: String) async throws -> Complaint? {
        guard let row = try await w.rows("SELECT body FROM complaints WHERE id = \(id)").first else { return nil }
        return try await openComplaints([try row.decode(String.self)], vault, w.rows).first
    }

    public func complaintId(caseNumber: String) async throws -> String? {
        try await rows("SELECT id FROM complaints WHERE case_number = \(caseNumber)").first.map { try $0.decode(String.self) }
    }

    public func complaintHead(id: String) async throws -> ComplaintHead? {
        guard let row = try await rows("SELECT member_id, queue, assignee_id, event_count FROM complaints WHERE id = \(id)").first else { return nil }
        let (member, queue, assignee, count) = try row.decode((String, String, String?, Int).self)
        guard let q = Queue(rawValue: queue) else { return nil }
        return ComplaintHead(id: id, memberId: member, queue: q, assigneeId: assignee, eventCount: count)
    }

    public func complaints(_ q: ComplaintQuery) async throws -> ComplaintPage {
        if let search = q.search { return try await self.search(search, q) }
        if let queue = ComplaintListSQL.openQueue(q, dialect: .postgres) { return try await openQueue(queue, limit: q.limit) }
        let sql = ComplaintListSQL(q, dialect: .postgres)
        if sql.matchesNothing { return ComplaintPage(items: [], total: 0) }
        let (whereClause, order) = (sql.whereClause, sql.orderBy)
        let binds = Self.binds(sql.values)
        let counted = try await rows(PostgresQuery(unsafeSQL: sql.countSQL, binds: binds)).first?.decode(Int.self) ?? 0
        let total = min(counted, QueueCursor.countLimit)
        let bodies = try await rows(
            PostgresQuery(unsafeSQL: "SELECT body FROM complaints \(whereClause) \(order) LIMIT \(q.limit) OFFSET \(q.offset)", binds: binds))
        return ComplaintPage(
            items: try await Self.openComplaints(try bodies.map { try $0.decode(String.self) }, vault, pooled), total: total,
            totalIsLowerBound: counted > QueueCursor.countLimit)
    }

    public func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (
        Complaint, [TimelineEvent]
    ) {
        try await retryingForKeys {
            try await writer.submit { [vault] w in
                guard let current = try await Self.complaint(w, vault, id: complaintId) else { throw StoreError.notFound }
                guard let c = try change(current) else { return (current, [TimelineEvent]()) }
                let p = try PreparedUpdate.make(c, to: current, vault)
                guard try await Self.write(w, p, vault) else { throw StoreError.unavailable("the case changed during the update") }
                return (p.complaint, p.events)
            }
        }
    }

    /// The sweeper's batches: read and prepared outside the transaction; a case that moved on in between (its event
    /// count changed, on this server or another) is done again inside it on its current state, so a timer fires once.
    public func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(
        Complaint, [TimelineEvent]
    )] {
        guard !complaintIds.isEmpty else { return [] }
        let bodies = try await rows("SELECT body FROM complaints WHERE id = ANY(\(complaintIds))")
        let currents = try await Self.openComplaints(try bodies.map { try $0.decode(String.self) }, vault, pooled)
        try await liveKeys(owners: currents.map(\.memberId))
        var prepared: [PreparedUpdate] = []
        for current in currents {
            if let c = try change(current) { prepared.append(try PreparedUpdate.make(c, to: current, vault)) }
        }
        let ready = prepared
        return try await retryingForKeys {
            try await writer.submit { [vault] w in
                var out: [(Complaint, [TimelineEvent])] = []
                for p in ready {
                    if try await Self.write(w, p, vault) {
                        out.append((p.complaint, p.events))
                    } else if let current = try await Self.complaint(w, vault, id: p.complaint.id), let c = try change(current) {
                        let again = try PreparedUpdate.make(c, to: current, vault)
                        guard try await Self.write(w, again, vault) else { throw StoreError.unavailable("the case changed during the update") }
                        out.append((again.complaint, again.events))
                    }
                }
                return out
            }
        }
    }

    /// Writes a prepared change with its events, notices and log entries in one statement; false (nothing written)
    /// when the case has moved on since it was read.
    static func write(_ w: PostgresBatch, _ p: PreparedUpdate, _ vault: PersonalDataVault, extra: [LedgerAppend] = []) async throws -> Bool {
        let c = p.complaint
        let mark = w.frontier
        let ledger = w.reserve(p.events.enumerated().map { i, e in LedgerAppend(event: e, leafHash: p.leafHashes[i]) } + extra)
        var b = SQLBuilder()
        let update = """
            u AS (UPDATE complaints SET status = \(b.bind(c.status.rawValue)), tier = \(b.bind(c.tier.rawValue)), queue = \(b.bind(c.queue.rawValue)),
              assignee_id = \(b.bind(c.assigneeId)), amount_at_stake_fen = \(b.bind(c.amountAtStakeFen)), next_due_at_ms = \(b.bind(c.nextDueAt.map(Codec.ms))),
              sweep_due_at_ms = \(b.bind(c.sweepDueAt.map(Codec.ms))), updated_at_ms = \(b.bind(Codec.ms(c.updatedAt))), event_count = \(b.bind(c.eventCount)),
              head_hash = \(b.bind(c.headHash)), body = \(b.bind(p.body)), respondent_merchant_id = \(b.bind(c.respondentMerchantId)),
              reviewers = \(b.bind(c.reviewersColumn))
            WHERE id = \(b.bind(c.id)) AND event_count = \(b.bind(p.expectedCount)) RETURNING 1)
            """
        // Everything else is written only if the case was still as read.
        let written = "EXISTS (SELECT 1 FROM u)"
        var clauses =
            [update] + eventClauses(&b, p.events, payloads: p.payloads, condition: written)
            + noticeClauses(&b, complaintId: c.id, p.notices, condition: written) + ledger.clauses(&b, condition: written)
        if let f = figuresClause(&b, p.figures, condition: written) { clauses.append(f) }
        clauses += try await SearchIndex.postgresChange(w, &b, p, vault, condition: written)
        clauses += ReviewerRows.postgresClauses(&b, c, previous: p.previous.reviewerIds, condition: written)
        b.sql = "WITH " + clauses.joined(separator: ",\n") + "\nSELECT COUNT(*) FROM u"
        let updated = try await w.write(b.query).first?.decode(Int.self) ?? 0
        guard updated == 1 else {
            w.restore(mark)
            return false
        }
        w.changed(c)
        return true
    }

    public func timeline(complaintId: String) async throws -> [TimelineEvent] {
        try await Self.openEvents(try await prepared(CaseEvents(complaintId: complaintId)), vault, pooled)
    }

    static func event(_ row: PostgresRow) throws -> TimelineEvent {
        let (complaintId, sequence, kind, actorId, actorRole, visibility, occurred, payloadText, previous, hash) = try row.decode(
            (String, Int, String, String?, String, String, Int64, String, String, String).self)
        guard let k = EventKind(rawValue: kind), let role = Role(rawValue: actorRole), let v = Visibility(rawValue: visibility) else {
            throw StoreError.unavailable("unreadable event row")
        }
        // Opened by `openEvents` once the keys are read.
        return TimelineEvent(
            complaintId: complaintId, sequence: sequence, kind: k, actor: CaseActor(id: actorId, role: role), visibility: v, occurredAtMs: occurred,
            payload: [sealedPayloadKey: .string(payloadText)], previousHash: previous, hash: hash)
    }

    public func complaintIds(after: String?, limit: Int) async throws -> [String] {
        try await rows("SELECT id FROM complaints WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)").map { try $0.decode(String.self) }
    }

    public func complaintsDue(at now: Date, limit: Int) async throws -> [String] {
        try await rows("SELECT id FROM complaints WHERE sweep_due_at_ms <= \(Codec.ms(now)) ORDER BY sweep_due_at_ms LIMIT \(limit)").map {
            try $0.decode(String.self)
        }
    }

    public func complaintCount() async throws -> Int {
        try await rows("SELECT COUNT(*) FROM complaints").first?.decode(Int.self) ?? 0
    }
}
