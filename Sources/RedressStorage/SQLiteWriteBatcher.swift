import Foundation
import GRDB
import Logging
import RedressDomain
import Synchronization

/// SQLite's group commit: each batch of the queue in one transaction, each job in its own savepoint.
final class WriteBatcher: Sendable {
    struct Job: Sendable {
        /// Runs the job's work on the writer connection; returns what to do once the transaction has committed.
        let execute: @Sendable (Database) -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private let logger: Logger
    private let ledger: SQLiteLedger
    private let queue = GroupCommitQueue<Job>()
    private let lastCheckpoint = Mutex(ContinuousClock.now)
    private let checkpointGate: CheckpointGate

    init(pool: DatabasePool, logger: Logger, ledger: SQLiteLedger, checkpointGate: CheckpointGate) {
        self.pool = pool
        self.logger = logger
        self.ledger = ledger
        self.checkpointGate = checkpointGate
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
                    let figures = FigureStaging.current(db)
                    figures?.beginJob()
                    do {
                        let value = try op(db)
                        try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
                        figures?.commitJob()
                        return { continuation.resume(returning: value) }
                    } catch {
                        figures?.rollBackJob()
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
            queue.enqueue(job) { batch in await self.commit(batch) }
        }
    }

    private func commit(_ batch: [Job]) async {
        do {
            let t0 = ContinuousClock.now
            ledger.beginBatch()
            let completions = try await pool.write { db in
                // The aggregates' additions of the batch's jobs, summed, are written once before it commits (two rows a
                // case, each an upsert of 26 values, were 4 % of a filing's CPU on the single writer).
                let figures = FigureStaging()
                FigureStaging.register(figures, for: db)
                defer { FigureStaging.unregister(db) }
                let completions = batch.map { $0.execute(db) }
                try figures.flush(db)
                return completions
            }
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
        // While the background checkpointer is copying pages, the writer's checkpoint would fail as busy; it is then
        // tried again after the next batch rather than 4 s later (a fill that met the checkpointer at every turn grew
        // its log to gigabytes).
        let due = lastCheckpoint.withLock { ContinuousClock.now - $0 > .seconds(4) }
        if due, checkpointGate.tryEnter() {
            defer { checkpointGate.leave() }
            lastCheckpoint.withLock { $0 = ContinuousClock.now }
            do {
                let r = try await pool.writeWithoutTransaction { try $0.checkpoint(.passive) }
                logger.debug("checkpoint", metadata: ["walFrames": "\(r.walFrameCount)", "checkpointed": "\(r.checkpointedFrameCount)"])
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// One WAL checkpoint at a time among this process's connections: the writer's and the background checkpointer's.
final class CheckpointGate: Sendable {
    private let busy = Mutex(false)

    /// Whether the caller may checkpoint now (then it must `leave()`).
    func tryEnter() -> Bool {
        busy.withLock { b in
            if b { return false }
            b = true
            return true
        }
    }

    func leave() { busy.withLock { $0 = false } }
}

/// The aggregates' additions of one group commit (`SQLiteStore.addFigures` within a job), kept per job so that a job
/// rolled back to its savepoint takes its own back, and written summed at the end of the batch, in its transaction.
/// Used on the writer connection only, by one batch at a time.
final class FigureStaging: @unchecked Sendable {
    private var batch: [CaseFigures.FigureKey: [Int64]] = [:]
    private var job: [CaseFigures.FigureKey: [Int64]] = [:]

    func beginJob() { job.removeAll(keepingCapacity: true) }
    func stage(_ delta: [CaseFigures.FigureKey: [Int64]]) { CaseFiguresSQL.add(delta, into: &job) }
    func commitJob() {
        CaseFiguresSQL.add(job, into: &batch)
        job.removeAll(keepingCapacity: true)
    }
    func rollBackJob() { job.removeAll(keepingCapacity: true) }

    func flush(_ db: Database) throws {
        try SQLiteStore.writeFigures(db, CaseFiguresSQL.merge([batch]))
        batch.removeAll()
    }

    /// The staging of the batch the connection `db` is writing, if any.
    private static let active = Mutex<[ObjectIdentifier: FigureStaging]>([:])
    static func current(_ db: Database) -> FigureStaging? { active.withLock { $0[ObjectIdentifier(db)] } }
    static func register(_ staging: FigureStaging, for db: Database) { active.withLock { $0[ObjectIdentifier(db)] = staging } }
    static func unregister(_ db: Database) { _ = active.withLock { $0.removeValue(forKey: ObjectIdentifier(db)) } }
}
