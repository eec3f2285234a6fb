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

/// SQL text and its parameters, built piece by piece (for statements whose shape depends on the data).
struct SQLBuilder {
    var sql = ""
    var binds = PostgresBindings()

    /// Binds `value` and returns its placeholder.
    mutating func bind<T: PostgresNonThrowingEncodable>(_ value: T) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    mutating func bind<T: PostgresNonThrowingEncodable>(_ value: T?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// The log rows a job appends: leaves at the next positions and the stored subtree hashes they complete.
struct LedgerRows: Sendable {
    var indexes: [Int] = []
    var leafHashes: [ByteBuffer] = []
    var complaintIds: [String] = []
    var kinds: [String] = []
    var sequences: [Int] = []
    var sha256s: [String] = []
    var nodeIds: [Int64] = []
    var nodeHashes: [ByteBuffer] = []

    /// Data-modifying clauses for a `WITH`, inserting these rows when `condition` (SQL) holds.
    func clauses(_ b: inout SQLBuilder, condition: String = "true") -> [String] {
        guard !indexes.isEmpty else { return [] }
        var out = [
            """
            l AS (INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence, evidence_sha256)
              SELECT * FROM unnest(\(b.bind(indexes)), \(b.bind(leafHashes)), \(b.bind(complaintIds)), \(b.bind(kinds)), \(b.bind(sequences)),
                                   \(b.bind(sha256s))) WHERE \(condition))
            """
        ]
        if !nodeIds.isEmpty {
            out.append("d AS (INSERT INTO ledger_nodes(id, hash) SELECT * FROM unnest(\(b.bind(nodeIds)), \(b.bind(nodeHashes))) WHERE \(condition))")
        }
        return out
    }
}

/// A group commit's transaction on the writer's connection, handed to its jobs one after the other.
///
/// It holds the log's frontier as locked at the start of the transaction and as extended by the jobs so far; a job
/// that fails gives back its entries.
final class PostgresBatch: @unchecked Sendable {
    // Used by one batch on one task at a time (the writer's drain loop), never concurrently.
    let connection: PostgresConnection
    let logger: Logger
    private(set) var frontier: MerkleFrontier
    private var jobStart: MerkleFrontier
    private(set) var signals: [CaseSignal] = []
    private var jobSignals = 0
    /// Whether the current job has sent a statement that writes (after which its failure cannot be undone alone
    /// without a savepoint).
    private(set) var jobWrote = false

    init(connection: PostgresConnection, logger: Logger, frontier: MerkleFrontier) {
        self.connection = connection
        self.logger = logger
        self.frontier = frontier
        self.jobStart = frontier
    }

    /// A statement that only reads.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).collect()
    }

    /// A statement that writes.
    @discardableResult
    func write(_ query: PostgresQuery) async throws -> [PostgresRow] {
        jobWrote = true
        return try await connection.query(query, logger: logger).collect()
    }

    func beginJob() {
        jobStart = frontier
        jobSignals = signals.count
        jobWrote = false
    }

    func rollBackJob() {
        frontier = jobStart
        signals.removeLast(signals.count - jobSignals)
    }

    /// Records that a case changed, to be announced when the transaction commits.
    func changed(_ c: Complaint) {
        signals.append(CaseSignal(c))
    }

    /// Takes the next log positions for `entries` (given back by `restore` if the statement writing them does not).
    func reserve(_ entries: [LedgerAppend]) -> LedgerRows {
        var r = LedgerRows()
        for e in entries {
            r.indexes.append(frontier.size)
            r.leafHashes.append(ByteBuffer(bytes: e.leafHash))
            r.complaintIds.append(e.complaintId)
            r.kinds.append(e.kind)
            r.sequences.append(e.sequence)
            r.sha256s.append(e.sha256)
            for n in frontier.append(leafHash: e.leafHash) where n.level >= SQLiteLedger.lowestStoredLevel {
                r.nodeIds.append(SQLiteLedger.nodeId(level: n.level, index: n.index))
                r.nodeHashes.append(ByteBuffer(bytes: n.hash))
            }
        }
        return r
    }

    /// Gives back positions reserved since `mark`.
    func restore(_ mark: MerkleFrontier) { frontier = mark }
}

/// Group commit for PostgreSQL: write jobs that arrive while a transaction is being written wait for the next one,
/// and each batch runs in one transaction, so concurrent requests share a commit.
///
/// Each job writes with as few statements as it can (a case and all its rows in one). A batch is first run without
/// savepoints: a job that fails before writing is simply left out; a job that fails after writing spoils the
/// transaction, which is rolled back and run again with each job in its own savepoint, so one failing request never
/// takes the others with it.
final class PostgresWriter: Sendable {
    struct Job: Sendable {
        let perform: @Sendable (PostgresBatch) async throws -> any Sendable
        let resume: @Sendable (Result<any Sendable, any Error>) -> Void
        /// A new case, which a batch writes together with the other new cases in one statement (`perform` is the
        /// same write on its own, for a batch run with savepoints).
        var create: CreateRequest? = nil
    }

    /// A new case ready to insert, and the idempotency key it claims.
    struct CreateRequest: Sendable {
        var prepared: PreparedCase
        var claim: IdempotencyClaim?
    }

    private let client: PostgresClient
    private let logger: Logger
    private let queue = GroupCommitQueue<Job>()
    /// Channel of the change announcements (`LISTEN redress_cases`).
    static let channel = "redress_cases"

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    func submit<T: Sendable>(create: CreateRequest? = nil, _ op: @escaping @Sendable (PostgresBatch) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                perform: { batch in try await op(batch) },
                resume: { result in
                    switch result {
                    case .success(let value):
                        guard let v = value as? T else {
                            continuation.resume(throwing: StoreError.unavailable("a write job returned an unexpected value"))
                            return
                        }
                        continuation.resume(returning: v)
                    case .failure(let error): continuation.resume(throwing: error)
                    }
                },
                create: create)
            queue.enqueue(job) { batch in await self.commit(batch) }
        }
    }

    private func commit(_ batch: [Job]) async {
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await client.withConnection { connection in
                if let done = try await self.attempt(batch, on: connection, savepoints: false) { return done }
                return try await self.attempt(batch, on: connection, savepoints: true) ?? []
            }
        } catch {
            logger.error("group commit failed", metadata: ["jobs": "\(batch.count)", "error": "\(PostgresStore.describe(error))"])
            let failure = StoreError.unavailable("the database could not commit: \(PostgresStore.describe(error))")
            for job in batch { job.resume(.failure(failure)) }
            return
        }
        for (job, result) in zip(batch, results) { job.resume(result) }
    }

    /// Runs the jobs in one transaction and commits; nil when a job spoiled the transaction (without savepoints).
    private func attempt(_ jobs: [Job], on connection: PostgresConnection, savepoints: Bool) async throws -> [Result<any Sendable, any Error>]? {
        try await connection.query("BEGIN", logger: logger)
        do {
            // The frontier row is locked first: every server's write transactions queue here, so the log is appended
            // by one transaction at a time, and no transaction waits for a case row while holding the frontier.
            guard
                let row = try await connection.query("SELECT size, peaks FROM ledger_frontier WHERE id = 1 FOR UPDATE", logger: logger).collect()
                    .first
            else { throw StoreError.unavailable("the evidence log's frontier row is missing") }
            let (size, peaks) = try row.decode((Int, ByteBuffer).self)
            let bytes = Array(peaks.readableBytesView)
            let frontier = MerkleFrontier(size: size, peaks: stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) })
            let batch = PostgresBatch(connection: connection, logger: logger, frontier: frontier)
            var done: [Int: Result<any Sendable, any Error>] = [:]
            let creates = jobs.indices.filter { jobs[$0].create != nil }
            if !savepoints && creates.count > 1 {
                do {
                    let outcomes = try await PostgresStore.insertAll(batch, creates.compactMap { jobs[$0].create })
                    for (i, outcome) in zip(creates, outcomes) { done[i] = outcome }
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    return nil
                }
            }
            var results: [Result<any Sendable, any Error>] = []
            for (i, job) in jobs.enumerated() {
                if let outcome = done[i] {
                    results.append(outcome)
                    continue
                }
                batch.beginJob()
                if savepoints { try await connection.query("SAVEPOINT job", logger: logger) }
                do {
                    results.append(.success(try await job.perform(batch)))
                    if savepoints { try await connection.query("RELEASE SAVEPOINT job", logger: logger) }
                } catch {
                    batch.rollBackJob()
                    if savepoints {
                        try await connection.query("ROLLBACK TO SAVEPOINT job", logger: logger)
                        try await connection.query("RELEASE SAVEPOINT job", logger: logger)
                    } else if batch.jobWrote || error is PSQLError {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        return nil
                    }
                    results.append(.failure(PostgresStore.storeError(error)))
                }
            }
            if batch.frontier.size != size {
                try await connection.query(
                    "UPDATE ledger_frontier SET size = \(batch.frontier.size), peaks = \(ByteBuffer(bytes: batch.frontier.peaks.flatMap { $0 })) WHERE id = 1",
                    logger: logger)
            }
            if !batch.signals.isEmpty {
                // Delivered to every listening server when (and only if) the transaction commits.
                try await connection.query(
                    "SELECT pg_notify(\(Self.channel), s) FROM unnest(\(batch.signals.map(\.payload))) AS t(s)", logger: logger)
            }
            try await connection.query("COMMIT", logger: logger)
            return results
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
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
