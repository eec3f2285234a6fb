import Foundation
import NIOCore
import PostgresNIO
import RedressDomain

/// The evidence log on PostgreSQL: the same leaves, stored nodes and heads as on SQLite; the committed size and
/// root come from the frontier row, which every appending transaction updates under its lock.
extension PostgresStore {
    static func hash(_ b: ByteBuffer) -> MerkleTree.Hash { Array(b.readableBytesView) }

    public func ledgerState() async throws -> LedgerState {
        guard let row = try await rows("SELECT size, peaks FROM ledger_frontier WHERE id = 1").first else {
            return LedgerState(size: 0, root: MerkleTree.emptyRoot)
        }
        let (size, peaks) = try row.decode((Int, ByteBuffer).self)
        let bytes = Self.hash(peaks)
        let frontier = MerkleFrontier(size: size, peaks: stride(from: 0, to: bytes.count, by: 32).map { Array(bytes[$0..<$0 + 32]) })
        return LedgerState(size: frontier.size, root: frontier.root)
    }

    private func checkSize(_ treeSize: Int, name: String = "treeSize") async throws {
        let size = try await ledgerState().size
        guard treeSize >= 0, treeSize <= size else { throw StoreError.outsideLog("\(name) \(treeSize) is outside the log of \(size) entries") }
    }

    public func ledgerRoot(treeSize: Int) async throws -> MerkleTree.Hash {
        try await checkSize(treeSize)
        return try await fromStoredNodes { try MerkleTree.root(size: treeSize, $0) }
    }

    public func inclusionProof(leafIndex: Int, treeSize: Int) async throws -> [MerkleTree.Hash] {
        try await checkSize(treeSize)
        guard leafIndex >= 0, leafIndex < treeSize else { throw StoreError.outsideLog("leafIndex \(leafIndex) is not below treeSize \(treeSize)") }
        return try await fromStoredNodes { try MerkleTree.inclusionProof(leafIndex: leafIndex, treeSize: treeSize, $0) }
    }

    public func consistencyProof(from: Int, to: Int) async throws -> [MerkleTree.Hash] {
        try await checkSize(to, name: "to")
        guard from >= 1, from <= to else { throw StoreError.outsideLog("from \(from) must be between 1 and to (\(to))") }
        return try await fromStoredNodes { try MerkleTree.consistencyProof(from: from, to: to, $0) }
    }

    func fromStoredNodes<T: Sendable>(_ compute: @escaping @Sendable (any MerkleNodeSource) throws -> T) async throws -> T {
        let (leaves, nodes) = try StoredHashes.wanted(by: compute)
        return try compute(try await fetch(leaves: leaves, nodes: nodes))
    }

    /// The stored hashes of the given perfect subtrees.
    func storedHashes(_ positions: [(level: Int, index: Int)]) async throws -> StoredHashes {
        let (leaves, nodes) = StoredHashes.needed(positions)
        return try await fetch(leaves: leaves, nodes: nodes)
    }

    private func fetch(leaves: [Int], nodes: [Int64]) async throws -> StoredHashes {
        var found = StoredHashes()
        if !leaves.isEmpty {
            for row in try await rows("SELECT leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index = ANY(\(leaves))") {
                let (i, h) = try row.decode((Int, ByteBuffer).self)
                found.leaves[i] = Self.hash(h)
            }
        }
        if !nodes.isEmpty {
            for row in try await rows("SELECT id, hash FROM ledger_nodes WHERE id = ANY(\(nodes))") {
                let (i, h) = try row.decode((Int64, ByteBuffer).self)
                found.nodes[i] = Self.hash(h)
            }
        }
        return found
    }

    public func ledgerRecords(complaintId: String) async throws -> [LedgerRecord] {
        try await rows(
            """
            SELECT leaf_index, leaf_hash, kind, event_sequence, evidence_sha256 FROM ledger_leaves
            WHERE complaint_id = \(complaintId) ORDER BY leaf_index
            """
        ).map { row in
            let (index, hash, kind, sequence, sha) = try row.decode((Int, ByteBuffer, String, Int, String).self)
            return LedgerRecord(
                subject: kind == "event" ? .event(sequence: sequence) : .evidenceFile(sha256: sha), leafIndex: index, leafHash: Self.hash(hash))
        }
    }

    public func ledgerHashes(level: Int, from index: Int, limit: Int) async throws -> [(index: Int, hash: MerkleTree.Hash)] {
        if level > 0 && level < SQLiteLedger.lowestStoredLevel {
            return StoredHashes.parents(of: try await ledgerHashes(level: level - 1, from: 2 * index, limit: 2 * limit))
        }
        if level == 0 {
            return try await rows("SELECT leaf_index, leaf_hash FROM ledger_leaves WHERE leaf_index >= \(index) ORDER BY leaf_index LIMIT \(limit)")
                .map {
                    let (i, h) = try $0.decode((Int, ByteBuffer).self)
                    return (index: i, hash: Self.hash(h))
                }
        }
        let base = SQLiteLedger.nodeId(level: level, index: 0)
        let end = SQLiteLedger.nodeId(level: level + 1, index: 0)
        return try await rows("SELECT id, hash FROM ledger_nodes WHERE id >= \(base + Int64(index)) AND id < \(end) ORDER BY id LIMIT \(limit)").map {
            let (i, h) = try $0.decode((Int64, ByteBuffer).self)
            return (index: Int(i - base), hash: Self.hash(h))
        }
    }

    public func saveTreeHead(_ head: SignedTreeHead) async throws {
        try await rows(
            """
            INSERT INTO ledger_heads(tree_size, root_hash, timestamp_ms, key_id, signature)
            VALUES (\(head.treeSize), \(head.rootHash), \(head.timestampMs), \(head.keyId), \(head.signature)) ON CONFLICT DO NOTHING
            """)
    }

    static let headColumns = "tree_size, root_hash, timestamp_ms, key_id, signature"

    static func treeHead(_ row: PostgresRow) throws -> SignedTreeHead {
        let (size, root, timestamp, key, signature) = try row.decode((Int, String, Int64, String, String).self)
        return SignedTreeHead(treeSize: size, rootHash: root, timestampMs: timestamp, keyId: key, signature: signature)
    }

    public func latestTreeHead() async throws -> SignedTreeHead? {
        try await rows("SELECT \(unescaped: Self.headColumns) FROM ledger_heads ORDER BY tree_size DESC LIMIT 1").first.map(Self.treeHead)
    }

    public func treeHead(covering size: Int) async throws -> SignedTreeHead? {
        try await rows("SELECT \(unescaped: Self.headColumns) FROM ledger_heads WHERE tree_size >= \(size) ORDER BY tree_size LIMIT 1").first.map(
            Self.treeHead)
    }

    public func treeHead(size: Int) async throws -> SignedTreeHead? {
        try await rows("SELECT \(unescaped: Self.headColumns) FROM ledger_heads WHERE tree_size = \(size)").first.map(Self.treeHead)
    }

    public func treeHeads(from size: Int, limit: Int) async throws -> [SignedTreeHead] {
        try await rows("SELECT \(unescaped: Self.headColumns) FROM ledger_heads WHERE tree_size >= \(size) ORDER BY tree_size LIMIT \(limit)").map(
            Self.treeHead)
    }

    public func ledgerKeys() async throws -> [LedgerPublicKey] {
        try await rows("SELECT key_id, public_key, created_at_ms, retired_at_ms FROM ledger_keys ORDER BY created_at_ms, key_id").map { row in
            let (id, publicKey, created, retired) = try row.decode((String, String, Int64, Int64?).self)
            var k = LedgerPublicKey(raw: [], createdAtMs: created, retiredAtMs: retired)
            k.keyId = id
            k.publicKey = publicKey
            return k
        }
    }

    public func activateLedgerKey(_ key: LedgerPublicKey) async throws {
        try await transaction { [logger] c in
            try await c.query(
                "INSERT INTO ledger_keys(key_id, public_key, created_at_ms) VALUES (\(key.keyId), \(key.publicKey), \(key.createdAtMs)) ON CONFLICT DO NOTHING",
                logger: logger)
            try await c.query(
                "UPDATE ledger_keys SET retired_at_ms = \(key.createdAtMs) WHERE key_id <> \(key.keyId) AND retired_at_ms IS NULL", logger: logger)
        }
    }
}
