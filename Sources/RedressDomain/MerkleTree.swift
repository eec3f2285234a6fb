import Crypto

/// Merkle tree hashing as RFC 9162 §2.1 (and RFC 6962 §2.1) define it, so that any independent
/// implementation verifies Redress's proofs unchanged:
///
/// - leaf hash = SHA-256(0x00 ‖ entry), interior node = SHA-256(0x01 ‖ left ‖ right);
/// - a tree of n > 1 leaves splits at k, the largest power of two below n; the empty tree's hash is SHA-256("").
///
/// Proofs are computed from the hashes of perfect subtrees (2^level leaves starting at a multiple of
/// 2^level), which is what a log stores, so no proof needs the leaves themselves.
public enum MerkleTree {
    public typealias Hash = [UInt8]

    public static func leafHash(_ entry: some Sequence<UInt8>) -> Hash {
        var h = SHA256()
        h.update(data: [0x00])
        h.update(data: Array(entry))
        return Array(h.finalize())
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var h = SHA256()
        h.update(data: [0x01])
        h.update(data: left)
        h.update(data: right)
        return Array(h.finalize())
    }

    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// The largest power of two strictly below n (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[start:end]) from stored perfect subtrees; O(log n) look-ups.
    public static func rangeHash(_ start: Int, _ end: Int, _ source: some MerkleNodeSource) throws -> Hash {
        let n = end - start
        precondition(n >= 1, "empty range")
        if n & (n - 1) == 0 && start % n == 0 {
            return try source.perfectSubtreeHash(level: n.trailingZeroBitCount, index: start / n)
        }
        let k = split(n)
        return nodeHash(try rangeHash(start, start + k, source), try rangeHash(start + k, end, source))
    }

    /// The root of the first `size` leaves.
    public static func root(size: Int, _ source: some MerkleNodeSource) throws -> Hash {
        size == 0 ? emptyRoot : try rangeHash(0, size, source)
    }

    /// The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162 §2.1.3.1).
    public static func inclusionProof(leafIndex index: Int, treeSize size: Int, _ source: some MerkleNodeSource) throws -> [Hash] {
        precondition(index >= 0 && index < size, "leaf index outside the tree")
        var path: [Hash] = []
        func walk(_ m: Int, _ start: Int, _ end: Int) throws {
            let n = end - start
            if n == 1 { return }
            let k = split(n)
            if m < k {
                try walk(m, start, start + k)
                path.append(try rangeHash(start + k, end, source))
            } else {
                try walk(m - k, start + k, end)
                path.append(try rangeHash(start, start + k, source))
            }
        }
        try walk(index, 0, size)
        return path
    }

    /// The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves (RFC 9162 §2.1.4.1).
    public static func consistencyProof(from old: Int, to new: Int, _ source: some MerkleNodeSource) throws -> [Hash] {
        precondition(old >= 1 && old <= new, "consistency needs 1 ≤ old ≤ new")
        var proof: [Hash] = []
        func sub(_ m: Int, _ start: Int, _ end: Int, _ complete: Bool) throws {
            let n = end - start
            if m == n {
                if !complete { proof.append(try rangeHash(start, end, source)) }
                return
            }
            let k = split(n)
            if m <= k {
                try sub(m, start, start + k, complete)
                proof.append(try rangeHash(start + k, end, source))
            } else {
                try sub(m - k, start + k, end, false)
                proof.append(try rangeHash(start, start + k, source))
            }
        }
        try sub(old, 0, new, true)
        return proof
    }

    /// On the tree's right edge a node may have no sibling at some levels: climb until `fn` is a right
    /// child again or the root is reached (the "until LSB(fn) is set or fn is 0" step of RFC 9162).
    private static func skipRightEdge(_ fn: inout Int, _ sn: inout Int) {
        guard fn & 1 == 0 else { return }
        repeat {
            fn >>= 1
            sn >>= 1
        } while fn & 1 == 0 && fn != 0
    }

    /// Checks an audit path (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(leafHash: Hash, leafIndex: Int, treeSize: Int, proof: [Hash], root: Hash) -> Bool {
        guard leafIndex >= 0, leafIndex < treeSize else { return false }
        var fn = leafIndex, sn = treeSize - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                skipRightEdge(&fn, &sn)
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Checks a consistency proof between two tree heads (RFC 9162 §2.1.4.2).
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: Hash, newRoot: Hash, proof: [Hash]) -> Bool {
        guard oldSize >= 1, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        guard !path.isEmpty else { return false }
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0], sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                skipRightEdge(&fn, &sn)
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// Where proofs read perfect-subtree hashes from: memory, a database table, tiles.
public protocol MerkleNodeSource {
    /// The hash of the 2^level leaves starting at leaf index × 2^level.
    func perfectSubtreeHash(level: Int, index: Int) throws -> MerkleTree.Hash
}

/// An append-only Merkle log held in memory: every perfect-subtree hash, level by level.
/// Appending costs O(log n) hashes amortised (one per completed subtree); storage is about 2n hashes.
public struct MerkleLevels: MerkleNodeSource, Sendable {
    public private(set) var levels: [[MerkleTree.Hash]] = [[]]

    public init() {}

    public var size: Int { levels[0].count }

    /// Appends a leaf (its entry bytes) and returns its index.
    @discardableResult
    public mutating func append(entry: some Sequence<UInt8>) -> Int {
        append(leafHash: MerkleTree.leafHash(entry))
    }

    @discardableResult
    public mutating func append(leafHash: MerkleTree.Hash) -> Int {
        levels[0].append(leafHash)
        var level = 0
        // Each time a level gets an even count, its last two nodes complete a subtree one level up.
        while levels[level].count % 2 == 0 {
            let count = levels[level].count
            let parent = MerkleTree.nodeHash(levels[level][count - 2], levels[level][count - 1])
            if levels.count == level + 1 { levels.append([]) }
            levels[level + 1].append(parent)
            level += 1
        }
        return levels[0].count - 1
    }

    public func perfectSubtreeHash(level: Int, index: Int) throws -> MerkleTree.Hash {
        guard level < levels.count, index < levels[level].count else { throw MerkleSourceError.missingNode(level: level, index: index) }
        return levels[level][index]
    }
}

public enum MerkleSourceError: Error, Equatable {
    case missingNode(level: Int, index: Int)
}
