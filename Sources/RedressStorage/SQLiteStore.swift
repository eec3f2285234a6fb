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
    let batcher: WriteBatcher
    private let checkpoints: Task<Void, Never>
    let caseNumbers = CaseNumberSequence()
    /// Cases read or written recently. This process is the only writer of its SQLite file, and every
    /// write puts the committed state here before it returns, so an entry is never older than what
    /// this process has acknowledged; a read skips the database (and its thread hand-offs).
    let recent = RecentComplaints()
    /// Queues lately found over the count bound (`LargeQueueCounts`).
    let largeCounts = LargeQueueCounts()
    /// The evidence log's frontier (see `SQLiteLedger`).
    package let ledger: SQLiteLedger
    /// Changes committed by this process (the only writer of its file).
    let feed = ChangeBroadcast()
    /// Personal data keys (`PersonalDataVault`).
    public let vault: PersonalDataVault

    /// Opens (creating if needed) and migrates the database at `path`; personal data is sealed under `vault`'s keys
    /// (by default the keyring `PersonalDataVault.keyringPath(folder:)` names for the database's folder).
    public init(path: String, vault: PersonalDataVault? = nil, logger: Logger = Logger(label: "redress.sqlite"), readers: Int = 4) throws {
        self.vault = try vault ?? PersonalDataVault(keyringPath: PersonalDataVault.keyringPath(folder: (path as NSString).deletingLastPathComponent))
        var config = Configuration()
        config.maximumReaderCount = readers
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            db.add(tokenizer: SearchTokenizer.self)
            SearchRank.register(db)
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Freed pages are zeroed: a destroyed data key or an erased passage leaves no copy in the file.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA cache_size = -4096")  // 4 MiB of pages per reader
            // Checkpoints run on their own connection (below), not inside a committing request.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // A log that grew past 512 MiB is cut back to that when it next starts over, not kept at its largest.
            // (Not lower: a log cut back at every restart is grown again by appending, which is slower than writing
            // over it; at 64 MiB filing's p99 tripled.)
            try db.execute(sql: "PRAGMA journal_size_limit = 536870912")
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
        try Self.migrate(pool, self.vault)
        try pool.write { [vault = self.vault] db in try Self.prepareVault(db, vault) }
        do {
            ledger = try pool.read { try SQLiteLedger($0) }
            let appended = try pool.write { [ledger, vault = self.vault] db in try ledger.catchUp(db, vault) }
            if appended > 0 {
                ledger.commitBatch()
                logger.notice("entries added to the evidence log for records that had none", metadata: ["entries": "\(appended)"])
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.unavailable("cannot read the evidence log: \(error)")
        }
        let gate = CheckpointGate()
        self.batcher = WriteBatcher(pool: pool, logger: logger, ledger: ledger, checkpointGate: gate)
        self.checkpoints = Task.detached { [logger] in
            // A passive checkpoint copies committed pages into the database file without blocking
            // readers or the writer, so commits pay for one WAL fsync and nothing more.
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                if Task.isCancelled { return }
                // Not while the writer finishes a checkpoint of its own (two at once: one fails as busy).
                guard gate.tryEnter() else { continue }
                defer { gate.leave() }
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
    static func migrate(_ pool: DatabasePool, _ vault: PersonalDataVault) throws {
        let migrator = SQLiteSchema.migrator(vault)
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
