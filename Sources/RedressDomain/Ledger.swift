import Crypto
import Foundation

/// The exact bytes of the evidence log's entries (see docs/LEDGER.md). Every timeline event and every
/// evidence file on a case is one entry; the log's leaf hash is SHA-256(0x00 ‖ entry).
///
/// Both kinds are canonical JSON (keys sorted, no whitespace, integers only), version 1:
/// - a timeline event commits to the event's own hash (which covers its whole content), so an entry
///   can be checked for an event that a member's dossier withholds (an internal note) without showing it:
///   `{"complaintId":…,"entry":"event","eventHash":…,"sequence":…,"v":1}`
/// - an evidence file commits to the file's SHA-256 and what the case records about it:
///   `{"complaintId":…,"entry":"evidence_file","fileName":…,"mediaType":…,"sha256":…,"sizeBytes":…,"uploadedAtMs":…,"uploadedBy":{"id":…,"role":…},"v":1}`
public enum LedgerEntry {
    public static func event(complaintId: String, sequence: Int, eventHash: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        func key(_ k: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount)) }
        key(#"{"complaintId":"#)
        CanonicalValue.writeString(complaintId, into: &out)
        key(#","entry":"event","eventHash":"#)
        CanonicalValue.writeString(eventHash, into: &out)
        key(#","sequence":"#)
        CanonicalValue.int(Int64(sequence)).write(into: &out)
        key(#","v":1}"#)
        return out
    }

    public static func event(_ e: TimelineEvent) -> [UInt8] { event(complaintId: e.complaintId, sequence: e.sequence, eventHash: e.hash) }

    public static func evidenceFile(complaintId: String, _ f: EvidenceFile) -> [UInt8] {
        let uploadedAtMs = f.uploadedAt.millisecondsSince1970
        return CanonicalValue.object([
            "complaintId": .string(complaintId), "entry": "evidence_file", "fileName": .string(f.fileName),
            "mediaType": .string(f.mediaType.rawValue),
            "sha256": .string(f.sha256), "sizeBytes": .int(Int64(f.sizeBytes)), "uploadedAtMs": .int(uploadedAtMs),
            "uploadedBy": .object(["id": f.uploadedBy.id.map(CanonicalValue.string) ?? .null, "role": .string(f.uploadedBy.role.rawValue)]),
            "v": 1,
        ]).canonicalBytes
    }
}

/// The perfect subtrees that make up an append-only Merkle tree of `size` leaves (its "compact range"):
/// enough to append in O(log n) and to compute the root, without holding the leaves.
public struct MerkleFrontier: Sendable, Equatable {
    /// An interior node completed by an append, to be stored: the hash of the 2^level leaves from index × 2^level.
    public struct Node: Sendable, Equatable {
        public var level: Int
        public var index: Int
        public var hash: MerkleTree.Hash
    }

    public private(set) var size: Int
    /// Roots of the perfect subtrees, largest (leftmost) first: one per set bit of `size`.
    public private(set) var peaks: [MerkleTree.Hash]

    public init() {
        size = 0
        peaks = []
    }

    /// Rebuilds a frontier from stored subtree hashes (`peakPositions(size:)` says which).
    public init(size: Int, peaks: [MerkleTree.Hash]) {
        precondition(peaks.count == size.nonzeroBitCount, "one peak per set bit of the size")
        self.size = size
        self.peaks = peaks
    }

    /// Which perfect subtrees (level, index) make up a tree of `size` leaves, largest first.
    public static func peakPositions(size: Int) -> [(level: Int, index: Int)] {
        var out: [(Int, Int)] = []
        var start = 0
        for level in stride(from: Int.bitWidth - 2, through: 0, by: -1) where size & (1 << level) != 0 {
            out.append((level, start >> level))
            start += 1 << level
        }
        return out
    }

    /// Appends a leaf and returns the interior nodes it completed (at most log₂ n, one on average).
    @discardableResult
    public mutating func append(leafHash: MerkleTree.Hash) -> [Node] {
        let n = size
        peaks.append(leafHash)
        var completed: [Node] = []
        var level = 0
        // Each trailing one bit of the old size is a peak of that level which the new leaf's subtree now joins.
        while n & (1 << level) != 0 {
            let right = peaks.removeLast()
            let left = peaks.removeLast()
            let parent = MerkleTree.nodeHash(left, right)
            level += 1
            completed.append(Node(level: level, index: n >> level, hash: parent))
            peaks.append(parent)
        }
        size = n + 1
        return completed
    }

    /// The tree's root (RFC 9162 MTH): the peaks folded from the right.
    public var root: MerkleTree.Hash {
        guard var h = peaks.last else { return MerkleTree.emptyRoot }
        for p in peaks.dropLast().reversed() { h = MerkleTree.nodeHash(p, h) }
        return h
    }
}

/// An Ed25519 public key of the log, identified by the SHA-256 of its 32 raw bytes.
public struct LedgerPublicKey: Sendable, Equatable, Codable {
    /// Hex SHA-256 of the raw key.
    public var keyId: String
    /// The 32 raw bytes, base64.
    public var publicKey: String
    public var createdAtMs: Int64
    /// When a newer key replaced it; heads it signed before stay verifiable.
    public var retiredAtMs: Int64?

    public init(raw: [UInt8], createdAtMs: Int64, retiredAtMs: Int64? = nil) {
        self.keyId = sha256Hex(raw)
        self.publicKey = Data(raw).base64EncodedString()
        self.createdAtMs = createdAtMs
        self.retiredAtMs = retiredAtMs
    }

    public var raw: [UInt8]? { Data(base64Encoded: publicKey).map { [UInt8]($0) } }

    public var signingKey: Curve25519.Signing.PublicKey? { raw.flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) } }

    /// The key as a PEM SubjectPublicKeyInfo (RFC 8410), which `openssl pkey -pubin` reads.
    public var pem: String {
        let der: [UInt8] = Self.spkiPrefix + (raw ?? [])
        let b64 = Data(der).base64EncodedString()
        return "-----BEGIN PUBLIC KEY-----\n\(b64)\n-----END PUBLIC KEY-----\n"
    }

    /// SEQUENCE { SEQUENCE { OID 1.3.101.112 (Ed25519) } BIT STRING (32 bytes) }
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    /// Reads a key given as PEM, as 64 hex digits, as base64 of the 32 bytes, or as the JSON of `GET /ledger/key`.
    public static func parse(_ text: String) -> [UInt8]? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("-----BEGIN PUBLIC KEY-----") {
            let body = t.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            guard let der = Data(base64Encoded: body).map({ [UInt8]($0) }), der.count == 44, Array(der.prefix(12)) == spkiPrefix else { return nil }
            return Array(der.suffix(32))
        }
        if t.hasPrefix("{"), let data = t.data(using: .utf8) {
            struct Key: Decodable { var publicKey: String }
            struct KeyDocument: Decodable { var current: Key }
            let base64 =
                (try? JSONDecoder().decode(KeyDocument.self, from: data))?.current.publicKey
                ?? (try? JSONDecoder().decode(Key.self, from: data))?.publicKey
            guard let base64, let d = Data(base64Encoded: base64), d.count == 32 else { return nil }
            return [UInt8](d)
        }
        if t.count == 64, let bytes = Hex.decode(t) { return bytes }
        if let d = Data(base64Encoded: t), d.count == 32 { return [UInt8](d) }
        return nil
    }
}

/// A signed tree head: the log's size and root at a time, signed with Ed25519.
///
/// The signed bytes are RFC 6962 §3.5's TreeHeadSignature, so tooling for Certificate Transparency heads
/// reads them: version v1 (0), signature_type tree_hash (1), timestamp (uint64 ms), tree_size (uint64),
/// sha256_root_hash (32 bytes) — 50 bytes, big-endian.
public struct SignedTreeHead: Sendable, Equatable, Codable {
    public var treeSize: Int
    /// Hex.
    public var rootHash: String
    public var timestampMs: Int64
    /// Which key signed (see `LedgerPublicKey.keyId`).
    public var keyId: String
    /// Ed25519 signature of `signedBytes`, base64.
    public var signature: String

    public init(treeSize: Int, rootHash: String, timestampMs: Int64, keyId: String, signature: String) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timestampMs = timestampMs
        self.keyId = keyId
        self.signature = signature
    }

    public static func signedBytes(treeSize: Int, timestampMs: Int64, root: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 1]
        out.reserveCapacity(50)
        withUnsafeBytes(of: UInt64(timestampMs).bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(treeSize).bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: root)
        return out
    }

    public var root: [UInt8]? { Hex.decode(rootHash).flatMap { $0.count == 32 ? $0 : nil } }

    public static func sign(treeSize: Int, root: [UInt8], timestampMs: Int64, with key: Curve25519.Signing.PrivateKey) throws -> SignedTreeHead {
        let sig = try key.signature(for: signedBytes(treeSize: treeSize, timestampMs: timestampMs, root: root))
        return SignedTreeHead(
            treeSize: treeSize, rootHash: Hex.encode(root), timestampMs: timestampMs, keyId: sha256Hex(key.publicKey.rawRepresentation),
            signature: Data(sig).base64EncodedString())
    }

    /// Whether `key` signed exactly this size, root and time.
    public func verify(with key: Curve25519.Signing.PublicKey) -> Bool {
        guard let root, treeSize >= 0, let sig = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(sig, for: Self.signedBytes(treeSize: treeSize, timestampMs: timestampMs, root: root))
    }
}

/// Proof that the log accepted one entry: the entry, where it sits, and the signed head that includes it.
///
/// With the log's public key, a receipt alone shows the platform accepted exactly this content at that time.
public struct Receipt: Sendable, Equatable, Codable {
    public static let format = "redress-receipt"
    public var format: String
    public var version: Int
    public var complaintId: String
    public var caseNumber: String
    /// `event` or `evidence_file`.
    public var kind: String
    /// For an event: its sequence in the case.
    public var sequence: Int?
    /// For a file: its SHA-256.
    public var sha256: String?
    /// The entry's exact bytes (UTF-8 canonical JSON).
    public var entry: String
    /// For an event: the event itself as canonical JSON, whose SHA-256 is the entry's eventHash.
    public var event: String?
    public var leafIndex: Int
    /// Hex SHA-256(0x00 ‖ entry).
    public var leafHash: String
    public var treeHead: SignedTreeHead
    /// RFC 9162 audit path from the leaf to the head's root, hex.
    public var inclusionProof: [String]

    public init(
        complaintId: String, caseNumber: String, kind: String, sequence: Int?, sha256: String?, entry: [UInt8], event: [UInt8]?, leafIndex: Int,
        treeHead: SignedTreeHead, inclusionProof: [MerkleTree.Hash]
    ) {
        self.format = Self.format
        self.version = 1
        self.complaintId = complaintId
        self.caseNumber = caseNumber
        self.kind = kind
        self.sequence = sequence
        self.sha256 = sha256
        self.entry = String(decoding: entry, as: UTF8.self)
        self.event = event.map { String(decoding: $0, as: UTF8.self) }
        self.leafIndex = leafIndex
        self.leafHash = Hex.encode(MerkleTree.leafHash(entry))
        self.treeHead = treeHead
        self.inclusionProof = inclusionProof.map(Hex.encode)
    }

    /// Nil when the receipt holds together and `key` signed its head; otherwise what is wrong.
    public func problem(verifyingWith key: Curve25519.Signing.PublicKey) -> String? {
        guard format == Self.format, version == 1 else { return "not a version 1 Redress receipt" }
        let entryBytes = Array(entry.utf8)
        let leaf = MerkleTree.leafHash(entryBytes)
        if Hex.encode(leaf) != leafHash { return "the leaf hash is not SHA-256(0x00 ‖ entry)" }
        if let event {
            let eventHash = sha256Hex(Array(event.utf8))
            guard let s = sequence, LedgerEntry.event(complaintId: complaintId, sequence: s, eventHash: eventHash) == entryBytes else {
                return "the event does not match the entry (its SHA-256 is \(eventHash))"
            }
        }
        guard let root = treeHead.root else { return "the tree head's root is not 32 hex bytes" }
        let path = inclusionProof.compactMap(Hex.decode)
        guard path.count == inclusionProof.count,
            MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: leafIndex, treeSize: treeHead.treeSize, proof: path, root: root)
        else { return "the inclusion proof does not lead from leaf \(leafIndex) to the root of the tree head of size \(treeHead.treeSize)" }
        guard treeHead.verify(with: key) else { return "the tree head's signature does not verify with key \(sha256Hex(key.rawRepresentation))" }
        return nil
    }
}

extension Hex {
    /// Lower- or upper-case hex to bytes; nil if not hex or odd length.
    static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func v(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = v(u[i]), let lo = v(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

/// Hex helpers for other modules.
public enum HexCoding {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String { Hex.encode(bytes) }
    public static func decode(_ s: String) -> [UInt8]? { Hex.decode(s) }
}
