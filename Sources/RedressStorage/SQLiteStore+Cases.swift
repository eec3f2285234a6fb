import Foundation
import GRDB
import RedressDomain

/// Cases, their timelines and their evidence on SQLite (`CaseStore`).
extension SQLiteStore {
    // MARK: Complaints

    public func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (String) throws -> CaseChange
    ) async throws -> CreateOutcome {
        // Everything but the inserts happens before the write: the domain change, sealing and encoding
        // run on the caller's task, in parallel with other requests, and the single writer only inserts.
        let number = CaseNumber.make(date: day, sequence: try await nextCaseSequence(day))
        let change = try make(number)
        try await liveKeys(owners: [change.complaint.memberId])
        let prepared = try PreparedCase.make(change, vault)
        let outcome: CreateOutcome = try await write { [ledger, vault] db in
            if let claim = idempotency,
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT request_hash, complaint_id FROM idempotency_keys WHERE member_id = ? AND key = ?"),
                    arguments: [claim.memberId, claim.key])
            {
                guard row["request_hash"] == claim.requestHash as String else { throw StoreError.idempotencyConflict }
                guard let existing = try Self.complaint(db, vault, id: row["complaint_id"]) else { throw StoreError.notFound }
                return .replayed(existing)
            }
            try Self.insert(db, prepared)
            for (e, leaf) in zip(prepared.events, prepared.leafHashes) {
                try ledger.append(db, complaintId: e.complaintId, entry: .event(sequence: e.sequence), leafHash: leaf)
            }
            if let claim = idempotency {
                try db.cachedStatement(
                    sql: "INSERT INTO idempotency_keys(member_id, key, request_hash, complaint_id, created_at_ms) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [claim.memberId, claim.key, claim.requestHash, prepared.complaint.id, Codec.ms(prepared.complaint.createdAt)])
            }
            return .created(prepared.complaint, prepared.events)
        }
        if case .created(let c, _) = outcome {
            recent.put(c)
            feed.publish([CaseSignal(c)])
        }
        return outcome
    }

    /// The next number of the day's case sequence (`CaseNumberSequence`).
    func nextCaseSequence(_ day: CivilDate) async throws -> Int {
        try await caseNumbers.next(day) { key, count in
            try await self.write { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        INSERT INTO case_sequences(day, last) VALUES (?, ?)
                        ON CONFLICT(day) DO UPDATE SET last = last + ? RETURNING last
                        """, arguments: [key, count, count]) ?? count
            }
        }
    }

    static func insert(_ db: Database, _ p: PreparedCase) throws {
        let c = p.complaint
        try db.cachedStatement(
            sql: """
                INSERT INTO complaints(id, case_number, member_id, category, dimension, status, tier, queue, assignee_id, emergency,
                  amount_at_stake_fen, next_due_at_ms, sweep_due_at_ms, created_at_ms, updated_at_ms, event_count, head_hash, body,
                  respondent_merchant_id, reviewers)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                c.id, c.caseNumber, c.memberId, c.categoryCode, c.dimension.rawValue, c.status.rawValue, c.tier.rawValue, c.queue.rawValue,
                c.assigneeId, c.emergency, c.amountAtStakeFen, c.nextDueAt.map(Codec.ms), c.sweepDueAt.map(Codec.ms), Codec.ms(c.createdAt),
                Codec.ms(c.updatedAt), c.eventCount, c.headHash, p.body, c.respondentMerchantId, c.reviewersColumn,
            ])
        try insertEvents(db, p.events, payloads: p.payloads)
        try insertNoticeRows(db, complaintId: c.id, p.notices)
        try addFigures(db, p.figures)
        try SearchIndex.add(db, c, pieces: p.search, newNumber: true)
    }

    /// Adds a change's contribution to the maintained aggregates, in the change's transaction.
    /// Built once: the statement cache is keyed by its text, which was rebuilt on every write.
    static let addFiguresSQL = """
        INSERT INTO case_figures(\((CaseFiguresSQL.keyColumns + CaseFiguresSQL.counterColumns).joined(separator: ", ")))
        VALUES (\(Array(repeating: "?", count: 4 + CaseFiguresSQL.width).joined(separator: ", ")))
        ON CONFLICT(respondent, day, dimension, tier) DO UPDATE SET \(CaseFiguresSQL.addExcluded(table: "case_figures"))
        """

    static func addFigures(_ db: Database, _ delta: [CaseFigures.FigureKey: [Int64]]) throws {
        guard !delta.isEmpty else { return }
        // In a group commit, the batch's additions are summed and written once at its end (`FigureStaging`).
        if let staging = FigureStaging.current(db) {
            staging.stage(delta)
            return
        }
        try writeFigures(db, delta)
    }

    /// The aggregates' rows upserted with `delta` added to them.
    static func writeFigures(_ db: Database, _ delta: [CaseFigures.FigureKey: [Int64]]) throws {
        guard !delta.isEmpty else { return }
        let statement = try db.cachedStatement(sql: Self.addFiguresSQL)
        for (key, counters) in CaseFiguresSQL.rows(delta) {
            let values: [(any DatabaseValueConvertible)?] = [key.respondent, key.day, key.dimension.rawValue, key.tier.rawValue] + counters
            try statement.execute(arguments: StatementArguments(values))
        }
    }

    static func insertNoticeRows(_ db: Database, complaintId: String, _ rows: [NoticeRow]) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms) VALUES (?, ?, ?, ?, ?)")
        for n in rows { try statement.execute(arguments: [complaintId, n.sequence, n.topic, n.body, n.createdAtMs]) }
    }

    static func payloadText(_ e: TimelineEvent) -> String { String(decoding: CanonicalValue.object(e.payload).canonicalBytes, as: UTF8.self) }

    /// `payloads`: the events' payload texts when already encoded (off the writer).
    static func insertEvents(_ db: Database, _ events: [TimelineEvent], payloads: [String]? = nil) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (i, e) in events.enumerated() {
            try statement.execute(arguments: [
                e.complaintId, e.sequence, e.kind.rawValue, e.actor.id, e.actor.role.rawValue, e.visibility.rawValue, e.occurredAtMs,
                payloads?[i] ?? payloadText(e), e.previousHash, e.hash,
            ])
        }
    }

    public func complaint(id: String) async throws -> Complaint? {
        if let c = recent.get(id) { return c }
        let c = try await pool.read { [vault] db in try Self.complaint(db, vault, id: id) }
        if let c { recent.put(c) }
        return c
    }

    public func figures(respondent: String, fromDay: Int) async throws -> FigureTotals {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(CaseFiguresSQL.sumColumns) FROM case_figures WHERE respondent = ? AND day >= ?"),
                arguments: [respondent, fromDay])
            return FigureTotals(counters: (0..<CaseFiguresSQL.width).map { row?[$0] ?? 0 })
        }
    }

    public func complaintId(caseNumber: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM complaints WHERE case_number = ?", arguments: [caseNumber]) }
    }

    public func complaintHead(id: String) async throws -> ComplaintHead? {
        if let c = recent.get(id) { return c.head }
        return try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT member_id, queue, assignee_id, event_count FROM complaints WHERE id = ?", arguments: [id]),
                let queue = Queue(rawValue: row["queue"])
            else { return nil }
            return ComplaintHead(id: id, memberId: row["member_id"], queue: queue, assigneeId: row["assignee_id"], eventCount: row["event_count"])
        }
    }

    static func complaint(_ db: Database, _ vault: PersonalDataVault, id: String) throws -> Complaint? {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM complaints WHERE id = ?", arguments: [id]) else { return nil }
        try loadKeys(db, vault, for: [body])
        return try Complaint.fromStorage(body, vault)
    }

    public func complaints(_ q: ComplaintQuery) async throws -> ComplaintPage {
        if let search = q.search { return try await self.search(search, q) }
        if let queue = ComplaintListSQL.openQueue(q, dialect: .sqlite) { return try await openQueue(queue, limit: q.limit) }
        let sql = ComplaintListSQL(q, dialect: .sqlite)
        if sql.matchesNothing { return ComplaintPage(items: [], total: 0) }
        let (whereClause, order) = (sql.whereClause, sql.orderBy)
        let arguments = Self.arguments(sql.values)
        let limit = q.limit, offset = q.offset
        return try await pool.read { [vault] db in
            let counted = try Int.fetchOne(db, sql: sql.countSQL, arguments: arguments) ?? 0
            let total = min(counted, QueueCursor.countLimit), more = counted > QueueCursor.countLimit
            // The page's ids first, sorted on what the indexes hold, then their bodies: sorting whole rows would move
            // every matching case's body through the sorter (a 10,000-case queue: tens of megabytes per page).
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM complaints \(whereClause) \(order) LIMIT \(limit) OFFSET \(offset)", arguments: arguments)
            return ComplaintPage(items: try Self.complaints(db, vault, ids: ids), total: total, totalIsLowerBound: more)
        }
    }

    /// The cases with these ids, in the order given (a page's ids are found sorted on what the indexes hold, then
    /// their bodies read by key: sorting whole rows would move every matching case's body through the sorter).
    static func complaints(_ db: Database, _ vault: PersonalDataVault, ids: [String]) throws -> [Complaint] {
        guard !ids.isEmpty else { return [] }
        var bodies: [String: String] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT id, body FROM complaints WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments(ids))
        {
            bodies[row["id"]] = row["body"]
        }
        try loadKeys(db, vault, for: bodies.values)
        return try ids.compactMap { bodies[$0] }.map { try Complaint.fromStorage($0, vault) }
    }

    /// A list's bound values as GRDB takes them.
    static func arguments(_ values: [ComplaintListSQL.Value]) -> StatementArguments {
        StatementArguments(
            values.map { v -> (any DatabaseValueConvertible)? in
                switch v {
                case .text(let t): t
                case .integer(let n): n
                }
            })
    }

    /// A staff queue's page through the queue index, its bodies read by id, and its bounded count.
    func openQueue(_ sql: ComplaintListSQL.OpenQueue, limit: Int) async throws -> ComplaintPage {
        try await pool.read { [vault, largeCounts] db in
            let rows = try Row.fetchAll(db, sql: sql.pageSQL, arguments: Self.arguments(sql.values))
            let counted = try largeCounts.count(sql: sql.countSQL, values: sql.countValues) {
                try Int.fetchOne(db, sql: sql.countSQL, arguments: Self.arguments(sql.countValues)) ?? 0
            }
            let items = try Self.complaints(db, vault, ids: rows.map { $0["id"] })
            let next = rows.count == limit ? rows.last.map { QueueCursor(due: $0["due"], filedAtMs: $0["created_at_ms"], id: $0["id"]) } : nil
            return ComplaintPage(
                items: items, total: min(counted, QueueCursor.countLimit),
                totalIsLowerBound: counted > QueueCursor.countLimit, next: next)
        }
    }

    public func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (
        Complaint, [TimelineEvent]
    ) {
        let result = try await retryingForKeys {
            try await write { [ledger, vault] db in
                guard let current = try Self.complaint(db, vault, id: complaintId) else { throw StoreError.notFound }
                guard let c = try change(current) else { return (current, [TimelineEvent]()) }
                return try Self.change(db, c, to: current, ledger: ledger, vault)
            }
        }
        recent.put(result.0)
        if !result.1.isEmpty { feed.publish([CaseSignal(result.0)]) }
        return result
    }

    /// The sweeper's batches. Reading, decoding, the change itself, sealing and encoding run before the write, on the
    /// caller's task; the writer only runs the statements. A case changed in between (its event count moved) is done
    /// again inside the transaction on its current state.
    public func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(
        Complaint, [TimelineEvent]
    )] {
        guard !complaintIds.isEmpty else { return [] }
        let currents = try await pool.read { [vault] db in try Self.complaints(db, vault, ids: complaintIds) }
        try await liveKeys(owners: currents.map(\.memberId))
        var prepared: [PreparedUpdate] = []
        for current in currents {
            if let c = try change(current) { prepared.append(try PreparedUpdate.make(c, to: current, vault)) }
        }
        let ready = prepared
        let results = try await retryingForKeys {
            try await write { [ledger, vault] db in
                var out: [(Complaint, [TimelineEvent])] = []
                for p in ready {
                    if try Self.write(db, p, ledger: ledger, vault) {
                        out.append((p.complaint, p.events))
                    } else if let current = try Self.complaint(db, vault, id: p.complaint.id), let c = try change(current) {
                        out.append(try Self.change(db, c, to: current, ledger: ledger, vault))
                    }
                }
                return out
            }
        }
        for (c, _) in results { recent.put(c) }
        feed.publish(results.map { CaseSignal($0.0) })
        return results
    }

    /// A change to the case as it is in this transaction: the one way a case is written (`write`).
    static func change(
        _ db: Database, _ change: CaseChange, to current: Complaint, ledger: SQLiteLedger, _ vault: PersonalDataVault
    ) throws -> (Complaint, [TimelineEvent]) {
        try liveKeys(db, vault, owners: [current.memberId], mint: false)
        let p = try PreparedUpdate.make(change, to: current, vault)
        guard try write(db, p, ledger: ledger, vault) else { throw StoreError.unavailable("the case changed during the update") }
        return (p.complaint, p.events)
    }

    /// Writes a prepared change — the case's row, its events, notices and log entries — and false (nothing written)
    /// when the case has moved on since it was read. Only the indexed columns that changed are set, so that SQLite
    /// leaves the other indexes alone (a reminder touches only the timer's index). The notices are written in the
    /// change's transaction: the outbox never misses a committed change and never announces one rolled back.
    static func write(_ db: Database, _ p: PreparedUpdate, ledger: SQLiteLedger, _ vault: PersonalDataVault) throws -> Bool {
        let c = p.complaint
        let o = p.previous
        var columns = ["sweep_due_at_ms = ?", "updated_at_ms = ?", "event_count = ?", "head_hash = ?", "body = ?"]
        var args: [(any DatabaseValueConvertible)?] = [c.sweepDueAt.map(Codec.ms), Codec.ms(c.updatedAt), c.eventCount, c.headHash, p.body]
        func set(_ column: String, _ value: (any DatabaseValueConvertible)?, changed: Bool) {
            guard changed else { return }
            columns.append(column + " = ?")
            args.append(value)
        }
        set("status", c.status.rawValue, changed: c.status != o.status)
        set("tier", c.tier.rawValue, changed: c.tier != o.tier)
        set("queue", c.queue.rawValue, changed: c.queue != o.queue)
        set("assignee_id", c.assigneeId, changed: c.assigneeId != o.assigneeId)
        set("amount_at_stake_fen", c.amountAtStakeFen, changed: c.amountAtStakeFen != o.amountAtStakeFen)
        set("next_due_at_ms", c.nextDueAt.map(Codec.ms), changed: c.nextDueAt.map(Codec.ms) != o.nextDueAt.map(Codec.ms))
        set("respondent_merchant_id", c.respondentMerchantId, changed: c.respondentMerchantId != o.respondentMerchantId)
        set("reviewers", c.reviewersColumn, changed: c.reviewerIds != o.reviewerIds)
        args += [c.id, p.expectedCount]
        try db.cachedStatement(sql: "UPDATE complaints SET \(columns.joined(separator: ", ")) WHERE id = ? AND event_count = ?")
            .execute(arguments: StatementArguments(args))
        guard db.changesCount == 1 else { return false }
        try insertEvents(db, p.events, payloads: p.payloads)
        try insertNoticeRows(db, complaintId: c.id, p.notices)
        try addFigures(db, p.figures)
        try SearchIndex.add(db, p, vault)
        if c.reviewerIds != o.reviewerIds {
            try db.cachedStatement(sql: "DELETE FROM complaint_reviewers WHERE complaint_id = ?").execute(arguments: [c.id])
            for r in c.reviewerIds {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO complaint_reviewers(reviewer_id, complaint_id) VALUES (?, ?)").execute(arguments: [
                    r, c.id,
                ])
            }
        }
        for (e, leaf) in zip(p.events, p.leafHashes) {
            try ledger.append(db, complaintId: e.complaintId, entry: .event(sequence: e.sequence), leafHash: leaf)
        }
        return true
    }

    public func timeline(complaintId: String) async throws -> [TimelineEvent] {
        try await pool.read { [vault] db in try Self.timeline(db, vault, complaintId: complaintId) }
    }

    static func timeline(_ db: Database, _ vault: PersonalDataVault, complaintId: String) throws -> [TimelineEvent] {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM events WHERE complaint_id = ? ORDER BY sequence"), arguments: [complaintId])
        try loadKeys(db, vault, for: rows.map { $0["payload"] as String })
        return try rows.map { try Self.event($0, vault) }
    }

    /// An event row, its payload opened (`vault` holds its key); an erased one shows `TimelineEvent.erasedPayload`.
    static func event(_ row: Row, _ vault: PersonalDataVault) throws -> TimelineEvent {
        guard let kind = EventKind(rawValue: row["kind"]), let role = Role(rawValue: row["actor_role"]),
            let visibility = Visibility(rawValue: row["visibility"])
        else { throw StoreError.unavailable("unreadable event row") }
        let payload: [String: CanonicalValue]
        if let payloadText = try vault.open(row["payload"] as String) {
            guard case .object(let p) = try Codec.decode(CanonicalValue.self, payloadText) else {
                throw StoreError.unavailable("event payload is not an object")
            }
            payload = p
        } else {
            payload = TimelineEvent.erasedPayload
        }
        return TimelineEvent(
            complaintId: row["complaint_id"], sequence: row["sequence"], kind: kind, actor: CaseActor(id: row["actor_id"], role: role),
            visibility: visibility, occurredAtMs: row["occurred_at_ms"], payload: payload, previousHash: row["previous_hash"], hash: row["hash"])
    }

    public func complaintIds(after: String?, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM complaints WHERE id > ? ORDER BY id LIMIT ?", arguments: [after ?? "", limit])
        }
    }

    public func complaintsDue(at now: Date, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM complaints WHERE sweep_due_at_ms <= ? ORDER BY sweep_due_at_ms LIMIT ?", arguments: [Codec.ms(now), limit])
        }
    }

    public func complaintCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM complaints") ?? 0 }
    }

    // MARK: Evidence

    public func addEvidence(
        complaintId: String, file: EvidenceFile, bytes: [UInt8], change: @escaping @Sendable (Complaint) throws -> CaseChange
    ) async throws -> (Complaint, [TimelineEvent], alreadyPresent: Bool) {
        let result: (Complaint, [TimelineEvent], alreadyPresent: Bool) = try await retryingForKeys {
            try await write { [ledger, vault] db in
                guard let current = try Self.complaint(db, vault, id: complaintId) else { throw StoreError.notFound }
                if try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM complaint_evidence WHERE complaint_id = ? AND sha256 = ?", arguments: [complaintId, file.sha256]) == true
                {
                    return (current, [], true)
                }
                try db.execute(
                    sql:
                        "INSERT INTO evidence_blobs(sha256, size_bytes, media_type, bytes, created_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [file.sha256, file.sizeBytes, file.mediaType.rawValue, Data(bytes), Codec.ms(file.uploadedAt)])
                let (c, events) = try Self.change(db, try change(current), to: current, ledger: ledger, vault)
                try db.execute(
                    sql: """
                        INSERT INTO complaint_evidence(complaint_id, sha256, file_name, uploaded_by_id, uploaded_by_role, uploaded_at_ms, event_sequence)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        complaintId, file.sha256, try vault.seal(file.fileName, owner: current.memberId), file.uploadedBy.id,
                        file.uploadedBy.role.rawValue, Codec.ms(file.uploadedAt),
                        events.first?.sequence,
                    ])
                try ledger.append(
                    db, complaintId: complaintId, entry: .evidenceFile(sha256: file.sha256),
                    leafHash: MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: complaintId, file)))
                return (c, events, false)
            }
        }
        recent.put(result.0)
        if !result.alreadyPresent { feed.publish([CaseSignal(result.0)]) }
        return result
    }

    public func evidence(complaintId: String) async throws -> [EvidenceFile] {
        try await pool.read { [vault] db in try Self.evidence(db, vault, complaintId: complaintId) }
    }

    static func evidence(_ db: Database, _ vault: PersonalDataVault, complaintId: String) throws -> [EvidenceFile] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT e.*, b.size_bytes, b.media_type FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                    WHERE e.complaint_id = ? ORDER BY e.uploaded_at_ms, e.sha256
                    """), arguments: [complaintId])
        try loadKeys(db, vault, for: rows.map { $0["file_name"] as String })
        return try rows.map { try Self.evidenceFile($0, vault) }
    }

    public func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])? {
        try await pool.read { [vault] db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.*, b.size_bytes, b.media_type, b.bytes FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                        WHERE e.complaint_id = ? AND e.sha256 = ?
                        """, arguments: [complaintId, sha256])
            else { return nil }
            let data: Data = row["bytes"]
            try Self.loadKeys(db, vault, for: [row["file_name"] as String])
            return (try Self.evidenceFile(row, vault), [UInt8](data))
        }
    }

    /// An evidence row, its name opened (`vault` holds its key); an erased name is empty.
    static func evidenceFile(_ row: Row, _ vault: PersonalDataVault) throws -> EvidenceFile {
        guard let type = EvidenceMediaType(rawValue: row["media_type"]), let role = Role(rawValue: row["uploaded_by_role"]) else {
            throw StoreError.unavailable("unreadable evidence row")
        }
        return EvidenceFile(
            sha256: row["sha256"], sizeBytes: row["size_bytes"], mediaType: type, fileName: try vault.open(row["file_name"] as String) ?? "",

            uploadedBy: CaseActor(id: row["uploaded_by_id"], role: role), uploadedAt: Codec.date(row["uploaded_at_ms"]))
    }
}
