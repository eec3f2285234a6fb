import Foundation
import Logging
import NIOCore
import PostgresNIO
import RedressDomain
import Synchronization

/// One log entry to append: an event or an evidence file of a case.
struct LedgerAppend: Sendable {
    var complaintId: String
    var kind: String
    var sequence: Int
    var sha256: String
    var leafHash: MerkleTree.Hash

    init(complaintId: String, kind: String, sequence: Int, sha256: String, leafHash: MerkleTree.Hash) {
        self.complaintId = complaintId
        self.kind = kind
        self.sequence = sequence
        self.sha256 = sha256
        self.leafHash = leafHash
    }

    init(event e: TimelineEvent, leafHash: MerkleTree.Hash) {
        self.init(complaintId: e.complaintId, kind: "event", sequence: e.sequence, sha256: "", leafHash: leafHash)
    }
}

/// A group commit's transaction on the writer's connection, handed to its jobs one after the other.
///
/// It holds the log's frontier as locked at the start of the transaction and as extended by the jobs so far; a job
/// that fails is rolled back to its savepoint and gives back its entries.
final class PostgresBatch: @unchecked Sendable {
    // Used by one batch on one task at a time (the writer's drain loop), never concurrently.
    let connection: PostgresConnection
    let logger: Logger
    private(set) var frontier: MerkleFrontier
    private var jobStart: MerkleFrontier
    private(set) var signals: [CaseSignal] = []
    private var jobSignals = 0

    init(connection: PostgresConnection, logger: Logger, frontier: MerkleFrontier) {
        self.connection = connection
        self.logger = logger
        self.frontier = frontier
        self.jobStart = frontier
    }

    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    func beginJob() {
        jobStart = frontier
        jobSignals = signals.count
    }

    func rollBackJob() {
        frontier = jobStart
        signals.removeLast(signals.count - jobSignals)
    }

    /// Records that a case changed, to be announced when the transaction commits.
    func changed(_ c: Complaint) {
        signals.append(CaseSignal(c))
    }

    /// Appends entries to the log at the next positions, with the subtree hashes they complete, in two statements.
    func append(_ entries: [LedgerAppend]) async throws {
        guard !entries.isEmpty else { return }
        var indexes: [Int] = []
        var nodeIds: [Int64] = []
        var nodeHashes: [ByteBuffer] = []
        for e in entries {
            indexes.append(frontier.size)
            for n in frontier.append(leafHash: e.leafHash) where n.level >= SQLiteLedger.lowestStoredLevel {
                nodeIds.append(SQLiteLedger.nodeId(level: n.level, index: n.index))
                nodeHashes.append(ByteBuffer(bytes: n.hash))
            }
        }
        try await rows(
            """
            INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence, evidence_sha256)
            SELECT * FROM unnest(\(indexes), \(entries.map { ByteBuffer(bytes: $0.leafHash) }), \(entries.map(\.complaintId)), \(entries.map(\.kind)),
                                 \(entries.map(\.sequence)), \(entries.map(\.sha256)))
            """)
        if !nodeIds.isEmpty {
            try await rows("INSERT INTO ledger_nodes(id, hash) SELECT * FROM unnest(\(nodeIds), \(nodeHashes))")
        }
    }
}

/// Group commit for PostgreSQL: write jobs that arrive while a transaction is being written wait for the next one,
/// and each batch runs in one transaction, each job in its own savepoint, so concurrent requests share a commit.
final class PostgresWriter: Sendable {
    struct Job: Sendable {
        /// Runs the job in the batch; returns what to do once the transaction has committed (or failed).
        let execute: @Sendable (PostgresBatch) async -> @Sendable (Bool) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let client: PostgresClient
    private let logger: Logger
    private let state = Mutex(State())
    static let maximumBatch = 512
    /// Channel of the change announcements (`LISTEN redress_cases`).
    static let channel = "redress_cases"

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func submit<T: Sendable>(_ op: @escaping @Sendable (PostgresBatch) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                execute: { batch in
                    do {
                        try await batch.rows("SAVEPOINT job")
                        batch.beginJob()
                    } catch {
                        return { _ in continuation.resume(throwing: PostgresStore.storeError(error)) }
                    }
                    do {
                        let value = try await op(batch)
                        try await batch.rows("RELEASE SAVEPOINT job")
                        return { committed in
                            if committed {
                                continuation.resume(returning: value)
                            } else {
                                continuation.resume(throwing: StoreError.unavailable("the database could not commit"))
                            }
                        }
                    } catch {
                        batch.rollBackJob()
                        do {
                            try await batch.rows("ROLLBACK TO SAVEPOINT job")
                            try await batch.rows("RELEASE SAVEPOINT job")
                        } catch {
                            return { _ in continuation.resume(throwing: StoreError.unavailable("rollback failed: \(PostgresStore.describe(error))")) }
                        }
                        return { _ in continuation.resume(throwing: PostgresStore.storeError(error)) }
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
                try await client.withConnection { connection in
                    try await self.run(batch, on: connection)
                }
            } catch {
                logger.error("group commit failed", metadata: ["jobs": "\(batch.count)", "error": "\(PostgresStore.describe(error))"])
                for job in batch { job.fail(StoreError.unavailable("the database could not commit: \(PostgresStore.describe(error))")) }
            }
        }
    }

    private func run(_ jobs: [Job], on connection: PostgresConnection) async throws {
        try await connection.query("BEGIN", logger: logger)
        var completions: [@Sendable (Bool) -> Void] = []
        do {
            // The frontier row is locked first: every server's write transactions queue here, so the log is appended
            // by one transaction at a time, and no transaction waits for a case row while holding the frontier.
            let row = try await connection.query("SELECT size, peaks FROM ledger_frontier WHERE id = 1 FOR UPDATE", logger: logger).collect().first
            guard let row else { throw StoreError.unavailable("the evidence log's frontier row is missing") }
            let (size, peaks) = try row.decode((Int, ByteBuffer).self)
            let bytes = Array(peaks.readableBytesView)
            let frontier = MerkleFrontier(size: size, peaks: stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) })
            let batch = PostgresBatch(connection: connection, logger: logger, frontier: frontier)
            for job in jobs { completions.append(await job.execute(batch)) }
            if batch.frontier.size != size {
                try await batch.rows(
                    "UPDATE ledger_frontier SET size = \(batch.frontier.size), peaks = \(ByteBuffer(bytes: batch.frontier.peaks.flatMap { $0 })) WHERE id = 1")
            }
            if !batch.signals.isEmpty {
                // Delivered to every listening server when (and only if) the transaction commits.
                try await batch.rows("SELECT pg_notify(\(Self.channel), s) FROM unnest(\(batch.signals.map(\.payload))) AS t(s)")
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            for complete in completions { complete(false) }
            if completions.count < jobs.count {
                for job in jobs[completions.count...] { job.fail(StoreError.unavailable("the database could not commit: \(PostgresStore.describe(error))")) }
            }
            logger.error("group commit failed", metadata: ["jobs": "\(jobs.count)", "error": "\(PostgresStore.describe(error))"])
            return
        }
        for complete in completions { complete(true) }
    }
}

extension PostgresStore {
    /// A job's error as the store reports it: its own errors as they are, the server's in words.
    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError { return error }
        if let e = error as? PSQLError { return wrap(e) }
        return error
    }
}
