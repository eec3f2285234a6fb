import Foundation
import GRDB
import RedressDomain

extension SQLiteStore {
    public func ledgerState() async throws -> LedgerState {
        let f = ledger.committed
        return LedgerState(size: f.size, root: f.root)
    }

    private func checkSize(_ treeSize: Int, name: String = "treeSize") throws {
        let size = ledger.committed.size
        guard treeSize >= 0, treeSize <= size else { throw StoreError.outsideLog("\(name) \(treeSize) is outside the log of \(size) entries") }
    }

    public func ledgerRoot(treeSize: Int) async throws -> MerkleTree.Hash {
        try checkSize(treeSize)
        return try await fromStoredNodes { try MerkleTree.root(size: treeSize, $0) }
    }

    public func inclusionProof(leafIndex: Int, treeSize: Int) async throws -> [MerkleTree.Hash] {
        try checkSize(treeSize)
        guard leafIndex >= 0, leafIndex < treeSize else { throw StoreError.outsideLog("leafIndex \(leafIndex) is not below treeSize \(treeSize)") }
        return try await fromStoredNodes { try MerkleTree.inclusionProof(leafIndex: leafIndex, treeSize: treeSize, $0) }
    }

    public func consistencyProof(from: Int, to: Int) async throws -> [MerkleTree.Hash] {
        try checkSize(to, name: "to")
        guard from >= 1, from <= to else { throw StoreError.outsideLog("from \(from) must be between 1 and to (\(to))") }
        return try await fromStoredNodes { try MerkleTree.consistencyProof(from: from, to: to, $0) }
    }

    /// Runs a proof computation over stored hashes, reading every hash it needs in two queries: which subtrees a
    /// proof needs depends only on the sizes, so a first run with placeholder hashes lists them.
    func fromStoredNodes<T: Sendable>(_ compute: @escaping @Sendable (any MerkleNodeSource) throws -> T) async throws -> T {
        let (leafList, nodeList) = try StoredHashes.wanted(by: compute)
        let found = try await pool.read { db -> StoredHashes in
            var found = StoredHashes()
            if !leafList.isEmpty {
                let list = leafList
                for row in try Row.fetchAll(
                    db, sql: "SELECT leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index IN (\(list.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(list))
                {
                    found.leaves[row["leaf_index"]] = [UInt8](row["leaf_hash"] as Data)
                }
            }
            if !nodeList.isEmpty {
                let list = nodeList
                for row in try Row.fetchAll(
                    db, sql: "SELECT id, hash FROM ledger_nodes WHERE id IN (\(list.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(list))
                {
                    found.nodes[row["id"]] = [UInt8](row["hash"] as Data)
                }
            }
            return found
        }
        return try compute(found)
    }

    public func ledgerRecords(complaintId: String) async throws -> [LedgerRecord] {
        try await pool.read { db in try Self.ledgerRecords(db, complaintId: complaintId) }
    }

    static func ledgerRecords(_ db: Database, complaintId: String) throws -> [LedgerRecord] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT leaf_index, leaf_hash, kind, event_sequence, evidence_sha256 FROM ledger_leaves
                    WHERE complaint_id = ? ORDER BY leaf_index
                    """), arguments: [complaintId]
        ).map { row in
            let kind: String = row["kind"]
            let subject: LedgerRecord.Subject =
                kind == "event" ? .event(sequence: row["event_sequence"]) : .evidenceFile(sha256: row["evidence_sha256"])
            return LedgerRecord(subject: subject, leafIndex: row["leaf_index"], leafHash: [UInt8](row["leaf_hash"] as Data))
        }
    }

    /// A case's events, files and log entries in one read (what a verification needs; one hand-off instead of three).
    public func caseRecords(complaintId: String) async throws -> (events: [TimelineEvent], files: [EvidenceFile], records: [LedgerRecord]) {
        try await pool.read { [vault] db in
            (
                try Self.timeline(db, vault, complaintId: complaintId), try Self.evidence(db, vault, complaintId: complaintId),
                try Self.ledgerRecords(db, complaintId: complaintId)
            )
        }
    }

    public func ledgerHashes(level: Int, from index: Int, limit: Int) async throws -> [(index: Int, hash: MerkleTree.Hash)] {
        if level > 0 && level < SQLiteLedger.lowestStoredLevel {
            // Not stored: computed from the level below, pair by pair.
            return StoredHashes.parents(of: try await ledgerHashes(level: level - 1, from: 2 * index, limit: 2 * limit))
        }
        return try await pool.read { db in
            if level == 0 {
                return try Row.fetchAll(
                    db, sql: "SELECT leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?",
                    arguments: [index, limit]
                ).map { (index: $0["leaf_index"], hash: [UInt8]($0["leaf_hash"] as Data)) }
            }
            let base = SQLiteLedger.nodeId(level: level, index: 0)
            return try Row.fetchAll(
                db, sql: "SELECT id, hash FROM ledger_nodes WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                arguments: [base + Int64(index), SQLiteLedger.nodeId(level: level + 1, index: 0), limit]
            ).map { (index: Int(($0["id"] as Int64) - base), hash: [UInt8]($0["hash"] as Data)) }
        }
    }

    public func saveTreeHead(_ head: SignedTreeHead) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO ledger_heads(tree_size, root_hash, timestamp_ms, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [head.treeSize, head.rootHash, head.timestampMs, head.keyId, head.signature])
        }
    }

    static func treeHead(_ row: Row) -> SignedTreeHead {
        SignedTreeHead(
            treeSize: row["tree_size"], rootHash: row["root_hash"], timestampMs: row["timestamp_ms"], keyId: row["key_id"],
            signature: row["signature"])
    }

    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM ledger_heads ORDER BY tree_size DESC LIMIT 1").map(Self.treeHead) }
    }

    public func treeHead(covering size: Int) async throws -> SignedTreeHead? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM ledger_heads WHERE tree_size >= ? ORDER BY tree_size LIMIT 1", arguments: [size]).map(
                Self.treeHead)
        }
    }

    public func treeHead(size: Int) async throws -> SignedTreeHead? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM ledger_heads WHERE tree_size = ?", arguments: [size]).map(Self.treeHead)
        }
    }

    public func treeHeads(from size: Int, limit: Int) async throws -> [SignedTreeHead] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_heads WHERE tree_size >= ? ORDER BY tree_size LIMIT ?", arguments: [size, limit]).map(
                Self.treeHead)
        }
    }

    public func ledgerKeys() async throws -> [LedgerPublicKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ledger_keys ORDER BY created_at_ms, key_id").map { row in
                var k = LedgerPublicKey(raw: [], createdAtMs: row["created_at_ms"], retiredAtMs: row["retired_at_ms"])
                k.keyId = row["key_id"]
                k.publicKey = row["public_key"]
                return k
            }
        }
    }

    public func activateLedgerKey(_ key: LedgerPublicKey) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO ledger_keys(key_id, public_key, created_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [key.keyId, key.publicKey, key.createdAtMs])
            try db.execute(
                sql: "UPDATE ledger_keys SET retired_at_ms = ? WHERE key_id <> ? AND retired_at_ms IS NULL", arguments: [key.createdAtMs, key.keyId])
        }
    }
}

/// Lists the perfect subtrees a computation asks for, answering with a placeholder.
final class NodeRecorder: MerkleNodeSource, @unchecked Sendable {
    // Used by one computation on one task only; Sendable so the computation closure can be @Sendable.
    var positions: [(level: Int, index: Int)] = []
    static let placeholder = MerkleTree.Hash(repeating: 0, count: 32)
    func perfectSubtreeHash(level: Int, index: Int) throws -> MerkleTree.Hash {
        positions.append((level, index))
        return Self.placeholder
    }
}

/// Hashes read in bulk; levels below the lowest stored one are computed from the leaves.
struct StoredHashes: MerkleNodeSource, Sendable {
    var leaves: [Int: MerkleTree.Hash] = [:]
    var nodes: [Int64: MerkleTree.Hash] = [:]

    /// The leaves and stored nodes a computation over the tree reads: which subtrees a proof needs depends only on
    /// the sizes, so a run with placeholder hashes lists them.
    static func wanted<T>(by compute: (any MerkleNodeSource) throws -> T) throws -> (leaves: [Int], nodes: [Int64]) {
        let recorder = NodeRecorder()
        _ = try compute(recorder)
        return needed(recorder.positions)
    }

    /// The hashes one level up from consecutive hashes of a level (an unpaired last one has no parent yet).
    static func parents(of children: [(index: Int, hash: MerkleTree.Hash)]) -> [(index: Int, hash: MerkleTree.Hash)] {
        var out: [(index: Int, hash: MerkleTree.Hash)] = []
        var i = 0
        while i + 1 < children.count, children[i].index % 2 == 0, children[i + 1].index == children[i].index + 1 {
            out.append((children[i].index / 2, MerkleTree.nodeHash(children[i].hash, children[i + 1].hash)))
            i += 2
        }
        return out
    }

    /// The leaves and stored node ids that hold the given perfect subtrees.
    static func needed(_ positions: [(level: Int, index: Int)]) -> (leaves: [Int], nodes: [Int64]) {
        var leaves = Set<Int>()
        var nodes = Set<Int64>()
        for (level, index) in positions {
            if level < SQLiteLedger.lowestStoredLevel {
                leaves.formUnion((index << level)..<((index + 1) << level))
            } else {
                nodes.insert(SQLiteLedger.nodeId(level: level, index: index))
            }
        }
        return (leaves.sorted(), nodes.sorted())
    }
    func perfectSubtreeHash(level: Int, index: Int) throws -> MerkleTree.Hash {
        if level == 0 {
            guard let h = leaves[index], h.count == 32 else { throw MerkleSourceError.missingNode(level: 0, index: index) }
            return h
        }
        if level < SQLiteLedger.lowestStoredLevel {
            return MerkleTree.nodeHash(
                try perfectSubtreeHash(level: level - 1, index: 2 * index), try perfectSubtreeHash(level: level - 1, index: 2 * index + 1))
        }
        guard let h = nodes[SQLiteLedger.nodeId(level: level, index: index)], h.count == 32 else {
            throw MerkleSourceError.missingNode(level: level, index: index)
        }
        return h
    }
}
