import Foundation
import GRDB
import Logging
import RedressDomain
import Synchronization

/// The embedded store: one SQLite file in WAL mode, written through group commit.
///
/// Every write is a job run inside a savepoint of a shared transaction; jobs that arrive while a
/// transaction commits wait for the next one. With `synchronous = FULL` each commit is fsync'd,
/// so an acknowledged write survives a crash, and concurrent writers share the cost of one fsync.
public final class SQLiteStore: RedressStore {
    let pool: DatabasePool
    let logger: Logger
    private let batcher: WriteBatcher
    private let checkpoints: Task<Void, Never>
    private let caseNumbers = CaseNumberBlocks()
    /// Cases read or written recently. This process is the only writer of its SQLite file, and every
    /// write puts the committed state here before it returns, so an entry is never older than what
    /// this process has acknowledged; a read skips the database (and its thread hand-offs).
    private let recent = RecentComplaints()
    /// The evidence log's frontier (see `SQLiteLedger`).
    package let ledger: SQLiteLedger
    /// Changes committed by this process (the only writer of its file).
    private let feed = ChangeBroadcast()

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, logger: Logger = Logger(label: "redress.sqlite"), readers: Int = 4) throws {
        var config = Configuration()
        config.maximumReaderCount = readers
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -4096")  // 4 MiB of pages per reader
            // Checkpoints run on their own connection (below), not inside a committing request.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        let checkpointer: DatabaseQueue
        do {
            pool = try DatabasePool(path: path, configuration: config)
            var c = Configuration()
            c.busyMode = .timeout(10)
            checkpointer = try DatabaseQueue(path: path, configuration: c)
        } catch {
            throw StoreError.unavailable("cannot open \(path): \(error)")
        }
        // The writer keeps more index pages hot: every insert walks the same right-hand edges.
        try? pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA cache_size = -16384") }
        self.logger = logger
        try Self.migrate(pool)
        do {
            ledger = try pool.read { try SQLiteLedger($0) }
            let appended = try pool.write { [ledger] db in try ledger.catchUp(db) }
            if appended > 0 {
                ledger.commitBatch()
                logger.notice("entries added to the evidence log for records that had none", metadata: ["entries": "\(appended)"])
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("cannot read the evidence log: \(error)")
        }
        self.batcher = WriteBatcher(pool: pool, logger: logger, ledger: ledger)
        self.checkpoints = Task.detached { [logger] in
            // A passive checkpoint copies committed pages into the database file without blocking
            // readers or the writer, so commits pay for one WAL fsync and nothing more.
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if Task.isCancelled { return }
                do {
                    try await checkpointer.writeWithoutTransaction { try $0.checkpoint(.passive) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    deinit { checkpoints.cancel() }

    /// Applies pending migrations; refuses a database written by a newer Redress.
    static func migrate(_ pool: DatabasePool) throws {
        let migrator = SQLiteSchema.migrator
        try pool.read { db in
            if try migrator.hasBeenSuperseded(db) {
                throw StoreError.schemaTooNew("the database has migrations this version of Redress does not know; upgrade Redress")
            }
        }
        try migrator.migrate(pool)
        try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calendar_years") == 0 {
                for year in try ShippedCalendars.load() {
                    try db.execute(
                        sql: "INSERT INTO calendar_years(year, body, updated_at_ms) VALUES (?, ?, ?)",
                        arguments: [year.year, try Codec.json(year), 0])
                }
            }
        }
    }

    /// Runs `op` in the next group commit.
    package func write<T: Sendable>(_ op: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await batcher.submit(op)
    }

    // MARK: Users

    public func createUser(_ u: StoredUser) async throws {
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO users(id, role, login, display_name, phone, password_hash, created_at_ms, disabled, merchant_id, email)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        u.user.id, u.user.role.rawValue, u.user.login, u.user.displayName, u.user.phone, u.passwordHash, Codec.ms(u.user.createdAt),
                        u.user.disabled, u.user.merchantId, u.user.email,
                    ])
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(field: "login")
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY || e.extendedResultCode == .SQLITE_CONSTRAINT_CHECK {
                throw StoreError.notFound
            }
        }
    }

    public func user(id: String) async throws -> StoredUser? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.storedUser) }
    }

    public func user(login: String) async throws -> StoredUser? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE login = ?", arguments: [login]).map(Self.storedUser) }
    }

    public func users(role: Role?) async throws -> [User] {
        try await pool.read { db in
            let rows =
                if let role {
                    try Row.fetchAll(db, sql: "SELECT * FROM users WHERE role = ? ORDER BY created_at_ms, id", arguments: [role.rawValue])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY created_at_ms, id")
                }
            return try rows.map { try Self.storedUser($0).user }
        }
    }

    public func setUserDisabled(id: String, disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE users SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func disabledUserIds() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM users WHERE disabled = 1")) }
    }

    static func storedUser(_ row: Row) throws -> StoredUser {
        guard let role = Role(rawValue: row["role"]) else { throw StoreError.unavailable("unknown role in users table") }
        let user = User(
            id: row["id"], role: role, login: row["login"], displayName: row["display_name"], phone: row["phone"],
            createdAt: Codec.date(row["created_at_ms"]), disabled: row["disabled"], merchantId: row["merchant_id"], email: row["email"])
        return StoredUser(user: user, passwordHash: row["password_hash"])
    }

    // MARK: Complaints

    public func createComplaint(
        day: CivilDate, idempotency: IdempotencyClaim?, make: @escaping @Sendable (String) throws -> CaseChange
    ) async throws -> CreateOutcome {
        // Everything but the inserts happens before the write: the domain change, sealing and encoding
        // run on the caller's task, in parallel with other requests, and the single writer only inserts.
        let number = CaseNumber.make(date: day, sequence: try await nextCaseSequence(day))
        let prepared = PreparedCase.make(try make(number))
        let outcome: CreateOutcome = try await write { [ledger] db in
            if let claim = idempotency,
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT request_hash, complaint_id FROM idempotency_keys WHERE member_id = ? AND key = ?"),
                    arguments: [claim.memberId, claim.key])
            {
                guard row["request_hash"] == claim.requestHash as String else { throw StoreError.idempotencyConflict }
                guard let existing = try Self.complaint(db, id: row["complaint_id"]) else { throw StoreError.notFound }
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

    /// The next number of the day's case sequence. Numbers are reserved from the database in blocks
    /// (hi/lo), so that filing does not serialise on one counter row: they are unique and rise within
    /// a server, but a restart leaves the rest of its block unused (a gap, never a duplicate).
    func nextCaseSequence(_ day: CivilDate) async throws -> Int {
        let key = day.description
        if let n = caseNumbers.take(key) { return n }
        let block = CaseNumberBlocks.size
        let last = try await write { db in
            try Int.fetchOne(
                db,
                sql: """
                    INSERT INTO case_sequences(day, last) VALUES (?, ?)
                    ON CONFLICT(day) DO UPDATE SET last = last + ? RETURNING last
                    """, arguments: [key, block, block]) ?? block
        }
        caseNumbers.add(key, (last - block + 1)...last)
        return caseNumbers.take(key) ?? last
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
    }

    static func insertNoticeRows(_ db: Database, complaintId: String, _ rows: [NoticeRow]) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO notices(complaint_id, event_sequence, topic, body, created_at_ms) VALUES (?, ?, ?, ?, ?)")
        for n in rows { try statement.execute(arguments: [complaintId, n.sequence, n.topic, n.body, n.createdAtMs]) }
    }

    /// The notices a change calls for, in its transaction: the outbox never misses a committed change and never
    /// announces one that was rolled back.
    static func insertNotices(_ db: Database, _ notices: [Notice]) throws {
        for n in notices { try insertNoticeRows(db, complaintId: n.complaintId, [NoticeRow(n)]) }
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
        let c = try await pool.read { db in try Self.complaint(db, id: id) }
        if let c { recent.put(c) }
        return c
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

    static func complaint(_ db: Database, id: String) throws -> Complaint? {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM complaints WHERE id = ?", arguments: [id]) else { return nil }
        return try Complaint.fromStorage(body)
    }

    public func complaints(_ q: ComplaintQuery) async throws -> ComplaintPage {
        var conditions: [String] = []
        var args: [any DatabaseValueConvertible & Sendable] = []
        if let m = q.memberId {
            conditions.append("member_id = ?")
            args.append(m)
        }
        if let queues = q.queues {
            if queues.isEmpty { return ComplaintPage(items: [], total: 0) }
            conditions.append("queue IN (\(queues.map { _ in "?" }.joined(separator: ",")))")
            args += queues.map(\.rawValue).sorted()
        }
        if let statuses = q.statuses, !statuses.isEmpty {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            args += statuses.map(\.rawValue).sorted()
        } else if q.openOnly {
            conditions.append("status NOT IN ('resolved', 'closed', 'rejected', 'withdrawn')")
        }
        if let t = q.tier {
            conditions.append("tier = ?")
            args.append(t.rawValue)
        }
        if let c = q.category {
            conditions.append("category = ?")
            args.append(c)
        }
        if let m = q.respondentMerchantId {
            conditions.append("respondent_merchant_id = ?")
            args.append(m)
        }
        if let r = q.reviewerId {
            conditions.append("instr(reviewers, ?) > 0")
            args.append("," + r + ",")
        }
        if let o = q.overdueAt {
            conditions.append("next_due_at_ms IS NOT NULL AND next_due_at_ms <= ?")
            args.append(Codec.ms(o))
        }
        if let a = q.createdAfter {
            conditions.append("created_at_ms >= ?")
            args.append(Codec.ms(a))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        // Members see their newest first; queues are worked nearest deadline first.
        let order =
            q.memberId != nil || q.createdAfter != nil
            ? "ORDER BY created_at_ms DESC, id"
            : "ORDER BY next_due_at_ms IS NULL, next_due_at_ms, created_at_ms, id"
        let arguments = StatementArguments(args.map { $0 as (any DatabaseValueConvertible)? })
        let limit = q.limit, offset = q.offset
        return try await pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM complaints \(whereClause)", arguments: arguments) ?? 0
            // The page's ids first, sorted on what the indexes hold, then their bodies: sorting whole rows would move
            // every matching case's body through the sorter (a 10,000-case queue: tens of megabytes per page).
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM complaints \(whereClause) \(order) LIMIT \(limit) OFFSET \(offset)", arguments: arguments)
            guard !ids.isEmpty else { return ComplaintPage(items: [], total: total) }
            var bodies: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, body FROM complaints WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", arguments: StatementArguments(ids))
            {
                bodies[row["id"]] = row["body"]
            }
            return ComplaintPage(items: try ids.compactMap { bodies[$0] }.map(Complaint.fromStorage), total: total)
        }
    }

    public func update(complaintId: String, _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> (
        Complaint, [TimelineEvent]
    ) {
        let result = try await write { [ledger] db in
            guard let current = try Self.complaint(db, id: complaintId) else { throw StoreError.notFound }
            guard let c = try change(current) else { return (current, [TimelineEvent]()) }
            let result = try Self.apply(db, c, to: current)
            try ledger.appendEvents(db, result.1)
            return result
        }
        recent.put(result.0)
        if !result.1.isEmpty { feed.publish([CaseSignal(result.0)]) }
        return result
    }

    /// The sweeper's batches. Reading, decoding, the change itself, sealing and encoding run before the write, split
    /// over the cores; the writer only runs the statements. A case changed in between (its event count moved) is
    /// done again inside the transaction on its current state.
    public func update(complaintIds: [String], _ change: @escaping @Sendable (Complaint) throws -> CaseChange?) async throws -> [(Complaint, [TimelineEvent])] {
        guard !complaintIds.isEmpty else { return [] }
        let bodies = try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, body FROM complaints WHERE id IN (\(complaintIds.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(complaintIds)
            ).map { (id: $0["id"] as String, body: $0["body"] as String) }
        }
        let lanes = 1
        let prepared: [PreparedUpdate] = try await withThrowingTaskGroup(of: [PreparedUpdate].self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    var out: [PreparedUpdate] = []
                    for k in stride(from: lane, to: bodies.count, by: lanes) {
                        let current = try Complaint.fromStorage(bodies[k].body)
                        guard let c = try change(current) else { continue }
                        out.append(PreparedUpdate.make(c, to: current))
                    }
                    return out
                }
            }
            var all: [PreparedUpdate] = []
            for try await part in group { all += part }
            return all
        }
        let results = try await write { [ledger] db in
            var out: [(Complaint, [TimelineEvent])] = []
            for p in prepared {
                if try Self.write(db, p) {
                    for (e, leaf) in zip(p.events, p.leafHashes) {
                        try ledger.append(db, complaintId: e.complaintId, entry: .event(sequence: e.sequence), leafHash: leaf)
                    }
                    out.append((p.complaint, p.events))
                } else if let current = try Self.complaint(db, id: p.complaint.id), let c = try change(current) {
                    let result = try Self.apply(db, c, to: current)
                    try ledger.appendEvents(db, result.1)
                    out.append(result)
                }
            }
            return out
        }
        for (c, _) in results { recent.put(c) }
        feed.publish(results.map { CaseSignal($0.0) })
        return results
    }

    /// Writes a prepared change; false when the case has moved on since it was read. Only the indexed columns that
    /// changed are set, so that SQLite leaves the other indexes alone (a reminder touches only the timer's index).
    static func write(_ db: Database, _ p: PreparedUpdate) throws -> Bool {
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
        return true
    }

    static func apply(_ db: Database, _ change: CaseChange, to current: Complaint) throws -> (Complaint, [TimelineEvent]) {
        var c = change.complaint
        let events = TimelineEvent.seal(change.events, complaintId: c.id, after: (current.eventCount, current.headHash))
        c.eventCount = current.eventCount + events.count
        c.headHash = events.last?.hash ?? current.headHash
        try db.execute(
            sql: """
                UPDATE complaints SET status = ?, tier = ?, queue = ?, assignee_id = ?, amount_at_stake_fen = ?, next_due_at_ms = ?,
                  sweep_due_at_ms = ?, updated_at_ms = ?, event_count = ?, head_hash = ?, body = ?, respondent_merchant_id = ?, reviewers = ?
                WHERE id = ? AND event_count = ?
                """,
            arguments: [
                c.status.rawValue, c.tier.rawValue, c.queue.rawValue, c.assigneeId, c.amountAtStakeFen, c.nextDueAt.map(Codec.ms),
                c.sweepDueAt.map(Codec.ms), Codec.ms(c.updatedAt), c.eventCount, c.headHash, Codec.string(c), c.respondentMerchantId,
                c.reviewersColumn, c.id, current.eventCount,
            ])
        guard db.changesCount == 1 else { throw StoreError.unavailable("the case changed during the update") }
        try insertEvents(db, events)
        try insertNotices(db, Notice.plan(c, events: events))
        return (c, events)
    }

    public func timeline(complaintId: String) async throws -> [TimelineEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events WHERE complaint_id = ? ORDER BY sequence", arguments: [complaintId]).map(Self.event)
        }
    }

    static func event(_ row: Row) throws -> TimelineEvent {
        guard let kind = EventKind(rawValue: row["kind"]), let role = Role(rawValue: row["actor_role"]),
            let visibility = Visibility(rawValue: row["visibility"])
        else { throw StoreError.unavailable("unreadable event row") }
        let payloadText: String = row["payload"]
        guard case .object(let payload) = try Codec.decode(CanonicalValue.self, payloadText) else {
            throw StoreError.unavailable("event payload is not an object")
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
        let result: (Complaint, [TimelineEvent], alreadyPresent: Bool) = try await write { [ledger] db in
            guard let current = try Self.complaint(db, id: complaintId) else { throw StoreError.notFound }
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM complaint_evidence WHERE complaint_id = ? AND sha256 = ?", arguments: [complaintId, file.sha256]) == true
            {
                return (current, [], true)
            }
            try db.execute(
                sql: "INSERT INTO evidence_blobs(sha256, size_bytes, media_type, bytes, created_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [file.sha256, file.sizeBytes, file.mediaType.rawValue, Data(bytes), Codec.ms(file.uploadedAt)])
            let (c, events) = try Self.apply(db, try change(current), to: current)
            try db.execute(
                sql: """
                    INSERT INTO complaint_evidence(complaint_id, sha256, file_name, uploaded_by_id, uploaded_by_role, uploaded_at_ms, event_sequence)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    complaintId, file.sha256, file.fileName, file.uploadedBy.id, file.uploadedBy.role.rawValue, Codec.ms(file.uploadedAt),
                    events.first?.sequence,
                ])
            try ledger.appendEvents(db, events)
            try ledger.append(
                db, complaintId: complaintId, entry: .evidenceFile(sha256: file.sha256),
                leafHash: MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: complaintId, file)))
            return (c, events, false)
        }
        recent.put(result.0)
        if !result.alreadyPresent { feed.publish([CaseSignal(result.0)]) }
        return result
    }

    public func evidence(complaintId: String) async throws -> [EvidenceFile] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, b.size_bytes, b.media_type FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                    WHERE e.complaint_id = ? ORDER BY e.uploaded_at_ms, e.sha256
                    """, arguments: [complaintId]
            ).map(Self.evidenceFile)
        }
    }

    public func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT e.*, b.size_bytes, b.media_type, b.bytes FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                        WHERE e.complaint_id = ? AND e.sha256 = ?
                        """, arguments: [complaintId, sha256])
            else { return nil }
            let data: Data = row["bytes"]
            return (try Self.evidenceFile(row), [UInt8](data))
        }
    }

    static func evidenceFile(_ row: Row) throws -> EvidenceFile {
        guard let type = EvidenceMediaType(rawValue: row["media_type"]), let role = Role(rawValue: row["uploaded_by_role"]) else {
            throw StoreError.unavailable("unreadable evidence row")
        }
        return EvidenceFile(
            sha256: row["sha256"], sizeBytes: row["size_bytes"], mediaType: type, fileName: row["file_name"],
            uploadedBy: CaseActor(id: row["uploaded_by_id"], role: role), uploadedAt: Codec.date(row["uploaded_at_ms"]))
    }

    // MARK: One server

    public func caseSignals() -> AsyncStream<CaseSignal> { feed.subscribe() }

    /// One process writes a SQLite file: nothing else can be running the job.
    public func exclusively<T: Sendable>(_ job: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await body()
    }

    // MARK: Policy and calendars

    public func policy() async throws -> Policy {
        try await pool.read { db in
            guard let body = try String.fetchOne(db, sql: "SELECT body FROM policies WHERE id = 1") else { return .default }
            return try Codec.decode(Policy.self, body)
        }
    }

    public func savePolicy(_ policy: Policy, by userId: String, at: Date) async throws {
        let body = try Codec.json(policy)
        try await write { db in
            let previous = try String.fetchOne(db, sql: "SELECT body FROM policies WHERE id = 1")
            try db.execute(
                sql: """
                    INSERT INTO policies(id, body, updated_at_ms, updated_by) VALUES (1, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms, updated_by = excluded.updated_by
                    """, arguments: [body, Codec.ms(at), userId])
            try db.execute(
                sql: "INSERT INTO policy_history(body, updated_at_ms, updated_by, previous_body) VALUES (?, ?, ?, ?)",
                arguments: [body, Codec.ms(at), userId, previous])
        }
    }

    public func calendarYears() async throws -> [HolidayYear] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM calendar_years ORDER BY year").map { try Codec.decode(HolidayYear.self, $0) }
        }
    }

    public func saveCalendarYear(_ year: HolidayYear, at: Date) async throws {
        let body = try Codec.json(year)
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO calendar_years(year, body, updated_at_ms) VALUES (?, ?, ?)
                    ON CONFLICT(year) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms
                    """, arguments: [year.year, body, Codec.ms(at)])
        }
    }
}

/// JSON and time conversions for stored values: instants as integer milliseconds (UTC).
enum Codec {
    static func ms(_ d: Date) -> Int64 { d.millisecondsSince1970 }
    static func date(_ ms: Int64) -> Date { Date(millisecondsSince1970: ms) }

    /// A complaint's stored body (see `Complaint.storageValue`).
    static func string(_ c: Complaint) -> String { String(decoding: c.storageBytes, as: UTF8.self) }

    static func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .millisecondsSince1970
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return try d.decode(type, from: Data(text.utf8))
    }
}

/// Group commit: collects write jobs and runs each batch in one transaction, each job in its own savepoint.
final class WriteBatcher: Sendable {
    struct Job: Sendable {
        /// Runs the job's work on the writer connection; returns what to do once the transaction has committed.
        let execute: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let logger: Logger
    private let ledger: SQLiteLedger
    private let state = Mutex(State())
    private let lastCheckpoint = Mutex(ContinuousClock.now)
    static let maximumBatch = 512

    init(pool: DatabasePool, logger: Logger, ledger: SQLiteLedger) {
        self.pool = pool
        self.logger = logger
        self.ledger = ledger
    }

    func submit<T: Sendable>(_ op: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                execute: { db in
                    // Each job in its own savepoint (statements prepared once): a failing job is rolled
                    // back alone and the rest of the batch commits.
                    do {
                        try db.cachedStatement(sql: "SAVEPOINT job").execute()
                        ledger.beginJob()
                    } catch {
                        return { continuation.resume(throwing: error) }
                    }
                    do {
                        let value = try op(db)
                        try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
                        return { continuation.resume(returning: value) }
                    } catch {
                        ledger.rollBackJob()
                        do {
                            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job").execute()
                            try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
                        } catch {
                            return { continuation.resume(throwing: StoreError.unavailable("rollback failed: \(error)")) }
                        }
                        return { continuation.resume(throwing: error) }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            let start = state.withLock { s -> Bool in
                s.pending.append(job)
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Job] in
                let n = min(s.pending.count, Self.maximumBatch)
                let b = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                if b.isEmpty { s.draining = false }
                return b
            }
            if batch.isEmpty { return }
            do {
                let t0 = ContinuousClock.now
                ledger.beginBatch()
                let completions = try await pool.write { db in batch.map { $0.execute(db) } }
                ledger.commitBatch()
                let t1 = ContinuousClock.now
                for complete in completions { complete() }
                logger.debug("group commit", metadata: ["jobs": "\(batch.count)", "ms": "\((t1 - t0).components.attoseconds / 1_000_000_000_000_000)"])
            } catch {
                logger.error("group commit failed", metadata: ["jobs": "\(batch.count)", "error": "\(error)"])
                for job in batch { job.fail(StoreError.unavailable("the database could not commit: \(error)")) }
            }
            // The background checkpointer copies pages while writes go on, but under steady load it never
            // reaches the end of the log, and a log that is never completely checkpointed is never reused:
            // it grows without bound. Every 4 s, between two batches (no write in flight), the writer
            // finishes the checkpoint itself so the next transaction starts the log from the beginning.
            // (Often enough to bound the log to a few hundred MB under full load; rarely enough that the
            // pause touches well under 1 % of requests.)
            let due = lastCheckpoint.withLock { last in
                guard ContinuousClock.now - last > .seconds(4) else { return false }
                last = ContinuousClock.now
                return true
            }
            if due {
                do {
                    let r = try await pool.writeWithoutTransaction { try $0.checkpoint(.passive) }
                    logger.debug("checkpoint", metadata: ["walFrames": "\(r.walFrameCount)", "checkpointed": "\(r.checkpointedFrameCount)"])
                } catch {
                    logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// Case-number blocks reserved by this server, per day.
final class CaseNumberBlocks: Sendable {
    static let size = 64
    private let free = Mutex<[String: [Int]]>([:])

    func take(_ day: String) -> Int? {
        free.withLock { f in
            guard var numbers = f[day], !numbers.isEmpty else { return nil }
            let n = numbers.removeFirst()
            f[day] = numbers
            return n
        }
    }

    func add(_ day: String, _ range: ClosedRange<Int>) {
        free.withLock { f in
            // Blocks of earlier days are of no further use.
            f = f.filter { $0.key >= day }
            f[day, default: []].append(contentsOf: range)
            f[day]?.sort()
        }
    }
}

/// Recently used cases, newest version wins. Bounded; emptied when full.
final class RecentComplaints: Sendable {
    static let bound = 10_000
    private let entries = Mutex<[String: Complaint]>([:])

    func get(_ id: String) -> Complaint? { entries.withLock { $0[id] } }

    /// Keeps `c` unless a newer version (more events) is already there.
    func put(_ c: Complaint) {
        entries.withLock { e in
            if let have = e[c.id], have.eventCount > c.eventCount { return }
            if e.count >= Self.bound { e.removeAll(keepingCapacity: true) }
            e[c.id] = c
        }
    }
}

extension Complaint {
    var head: ComplaintHead { ComplaintHead(id: id, memberId: memberId, queue: queue, assigneeId: assigneeId, eventCount: eventCount) }
}
