import Foundation
import GRDB
import RedressDomain
import Synchronization

/// The evidence log inside the SQLite store: leaves and completed subtree hashes in tables, the right
/// edge of the tree (its frontier) in memory.
///
/// Entries are appended by the write jobs of a group commit, in the transaction that writes what they
/// record, so an event and its log entry commit or vanish together and the log has no gap. The frontier
/// follows the transaction: a job that rolls back to its savepoint gives back its leaves, and a batch that
/// fails to commit leaves the committed frontier as it was.
package final class SQLiteLedger: Sendable {
    private struct State {
        /// What the database holds as committed.
        var committed: MerkleFrontier
        /// Within the batch being written.
        var working: MerkleFrontier
        /// At the start of the job being run, to roll back to.
        var jobStart: MerkleFrontier
    }
    private let state: Mutex<State>

    /// Nodes below this level are computed from the leaves when read.
    static let lowestStoredLevel = 2

    /// ids of `ledger_nodes`: level × 2^40 + index.
    static func nodeId(level: Int, index: Int) -> Int64 { Int64(level) << 40 | Int64(index) }

    init(_ db: Database) throws {
        let frontier = try Self.loadFrontier(db)
        state = Mutex(State(committed: frontier, working: frontier, jobStart: frontier))
    }

    static func loadFrontier(_ db: Database) throws -> MerkleFrontier {
        let size = (try Int.fetchOne(db, sql: "SELECT MAX(leaf_index) FROM ledger_leaves")).map { $0 + 1 } ?? 0
        let source = SQLiteNodeSource(db: db)
        var peaks: [MerkleTree.Hash] = []
        for p in MerkleFrontier.peakPositions(size: size) {
            do {
                peaks.append(try source.perfectSubtreeHash(level: p.level, index: p.index))
            } catch {
                throw StoreError.unavailable(
                    "the evidence log is damaged: "
                        + (p.level == 0 ? "leaf \(p.index) is missing" : "the tree node at level \(p.level), index \(p.index) is missing"))
            }
        }
        return MerkleFrontier(size: size, peaks: peaks)
    }

    var committed: MerkleFrontier { state.withLock { $0.committed } }

    // Group-commit hooks, called by the single writer.
    func beginBatch() { state.withLock { $0.working = $0.committed } }
    func beginJob() { state.withLock { $0.jobStart = $0.working } }
    func rollBackJob() { state.withLock { $0.working = $0.jobStart } }
    func commitBatch() { state.withLock { $0.committed = $0.working } }

    package enum Entry {
        case event(sequence: Int)
        case evidenceFile(sha256: String)
    }

    /// Appends one entry in the current transaction and returns its leaf index.
    @discardableResult
    package func append(_ db: Database, complaintId: String, entry: Entry, leafHash: MerkleTree.Hash) throws -> Int {
        let (index, nodes) = state.withLock { s in
            let index = s.working.size
            return (index, s.working.append(leafHash: leafHash))
        }
        let (kind, sequence, sha): (String, Int, String) =
            switch entry {
            case .event(let s): ("event", s, "")
            case .evidenceFile(let sha): ("evidence_file", 0, sha)
            }
        try db.cachedStatement(
            sql: "INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence, evidence_sha256) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [index, Data(leafHash), complaintId, kind, sequence, sha])
        // Level-1 nodes (half of all nodes) are not stored: one is the hash of two adjacent leaves, which
        // a proof reads instead. Appends write half as many node rows; proofs read at most one more row.
        if nodes.count > 1 {
            let insert = try db.cachedStatement(sql: "INSERT INTO ledger_nodes(id, hash) VALUES (?, ?)")
            for n in nodes where n.level >= Self.lowestStoredLevel {
                try insert.execute(arguments: [Self.nodeId(level: n.level, index: n.index), Data(n.hash)])
            }
        }
        return index
    }

    /// Enters every event and evidence record of a database written before the log existed, case by case in
    /// the order the cases were created. Runs at start-up, before any other write, and only while the log is
    /// empty: once it has entries, nothing enters it but the writes that create what it records (a row slipped
    /// into the tables behind Redress's back is never legitimised).
    func catchUp(_ db: Database, _ vault: PersonalDataVault) throws -> Int {
        guard committed.size == 0 else { return 0 }
        let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
        guard events > 0 else { return 0 }
        beginBatch()
        var appended = 0
        let cases = try String.fetchAll(db, sql: "SELECT id FROM complaints ORDER BY created_at_ms, id")
        for id in cases {
            let present = Set(
                try Row.fetchAll(db, sql: "SELECT kind, event_sequence, evidence_sha256 FROM ledger_leaves WHERE complaint_id = ?", arguments: [id])
                    .map { "\($0["kind"] as String)/\($0["event_sequence"] as Int)/\($0["evidence_sha256"] as String)" })
            let fileRows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.*, b.size_bytes, b.media_type FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                    WHERE e.complaint_id = ? ORDER BY e.event_sequence, e.uploaded_at_ms, e.sha256
                    """, arguments: [id])
            var filesAfter: [Int: [EvidenceFile]] = [:]
            try SQLiteStore.loadKeys(db, vault, for: fileRows.map { $0["file_name"] as String })
            for row in fileRows {
                filesAfter[row["event_sequence"] ?? 0, default: []].append(try SQLiteStore.evidenceFile(row, vault))
            }
            func appendFiles(after sequence: Int) throws {
                for f in filesAfter[sequence] ?? [] where !present.contains("evidence_file/0/\(f.sha256)") {
                    try append(
                        db, complaintId: id, entry: .evidenceFile(sha256: f.sha256),
                        leafHash: MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: id, f)))
                    appended += 1
                }
            }
            for row in try Row.fetchAll(db, sql: "SELECT sequence, hash FROM events WHERE complaint_id = ? ORDER BY sequence", arguments: [id]) {
                let sequence: Int = row["sequence"]
                if !present.contains("event/\(sequence)/") {
                    try append(
                        db, complaintId: id, entry: .event(sequence: sequence),
                        leafHash: MerkleTree.leafHash(LedgerEntry.event(complaintId: id, sequence: sequence, eventHash: row["hash"])))
                    appended += 1
                }
                try appendFiles(after: sequence)
            }
            try appendFiles(after: 0)
        }
        return appended
    }
}

/// Perfect-subtree hashes read from the tables: leaves for level 0, `ledger_nodes` above.
struct SQLiteNodeSource: MerkleNodeSource {
    let db: Database

    func perfectSubtreeHash(level: Int, index: Int) throws -> MerkleTree.Hash {
        switch level {
        case 0:
            let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM ledger_leaves WHERE leaf_index = ?"), arguments: [index])
            guard let data, data.count == 32 else { throw MerkleSourceError.missingNode(level: 0, index: index) }
            return [UInt8](data)
        case 1..<SQLiteLedger.lowestStoredLevel:
            return MerkleTree.nodeHash(
                try perfectSubtreeHash(level: level - 1, index: 2 * index), try perfectSubtreeHash(level: level - 1, index: 2 * index + 1))
        default:
            let data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM ledger_nodes WHERE id = ?"), arguments: [SQLiteLedger.nodeId(level: level, index: index)])
            guard let data, data.count == 32 else { throw MerkleSourceError.missingNode(level: level, index: index) }
            return [UInt8](data)
        }
    }
}
