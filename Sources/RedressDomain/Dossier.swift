import Crypto
import Foundation

/// What a case dossier holds besides its files, and where (format version 1, docs/LEDGER.md):
///
/// - `manifest.json` — this structure;
/// - `events.jsonl` — one line per included event: its exact canonical JSON, whose SHA-256 is its hash;
/// - `evidence/<sha256>.<ext>` — every evidence file;
/// - `ledger/tree-head.json`, `ledger/proofs.json`, `ledger/public-key.pem` — the signed head, an audit path per entry, the key;
/// - `summary.html`, `README.txt` — for people; not part of what is verified.
public struct DossierManifest: Sendable, Codable, Equatable {
    public static let format = "redress-dossier"
    public static let version = 1

    public struct Case: Sendable, Codable, Equatable {
        public var id: String
        public var caseNumber: String
        public var eventCount: Int
        public var headHash: String
        public init(id: String, caseNumber: String, eventCount: Int, headHash: String) {
            self.id = id
            self.caseNumber = caseNumber
            self.eventCount = eventCount
            self.headHash = headHash
        }
    }

    public struct Event: Sendable, Codable, Equatable {
        public var sequence: Int
        public var hash: String
        public var previousHash: String
        public var visibility: Visibility
        /// An internal note left out of a member's dossier: its hashes are here so that the chain and its log entry still verify.
        public var withheld: Bool
        /// Withheld because its words were erased with its member's data key (any visibility): its hashes remain.
        public var erased: Bool?
        public var leafIndex: Int
        public var leafHash: String
        public init(
            sequence: Int, hash: String, previousHash: String, visibility: Visibility, withheld: Bool, erased: Bool? = nil, leafIndex: Int,
            leafHash: String
        ) {
            self.erased = erased
            self.sequence = sequence
            self.hash = hash
            self.previousHash = previousHash
            self.visibility = visibility
            self.withheld = withheld
            self.leafIndex = leafIndex
            self.leafHash = leafHash
        }
    }

    public struct File: Sendable, Codable, Equatable {
        public var sha256: String
        public var fileName: String
        public var mediaType: EvidenceMediaType
        public var sizeBytes: Int
        public var uploadedAtMs: Int64
        public var uploadedBy: CaseActor
        /// Where the bytes are in the archive.
        public var path: String
        /// The file's name was erased with its member's data key: its bytes are left out and its log entry is checked by
        /// the recorded leaf hash.
        public var erased: Bool?
        public var leafIndex: Int
        public var leafHash: String
        public init(_ f: EvidenceFile, path: String, leafIndex: Int, leafHash: String) {
            sha256 = f.sha256
            fileName = f.fileName
            mediaType = f.mediaType
            sizeBytes = f.sizeBytes
            uploadedAtMs = f.uploadedAt.millisecondsSince1970
            uploadedBy = f.uploadedBy
            self.path = path
            self.leafIndex = leafIndex
            self.leafHash = leafHash
            if f.isNameErased { erased = true }
        }

        var evidenceFile: EvidenceFile {
            EvidenceFile(
                sha256: sha256, sizeBytes: sizeBytes, mediaType: mediaType, fileName: fileName, uploadedBy: uploadedBy,
                uploadedAt: Date(millisecondsSince1970: uploadedAtMs))
        }
    }

    public var format: String
    public var version: Int
    public var generatedAtMs: Int64
    /// `member` (public record only) or `court` (an admin's export, internal notes included).
    public var audience: String
    public var internalNotesIncluded: Bool
    public var complaint: Case
    public var events: [Event]
    public var files: [File]
    public var treeHead: SignedTreeHead

    public init(
        generatedAtMs: Int64, audience: String, internalNotesIncluded: Bool, complaint: Case, events: [Event], files: [File], treeHead: SignedTreeHead
    ) {
        self.format = Self.format
        self.version = Self.version
        self.generatedAtMs = generatedAtMs
        self.audience = audience
        self.internalNotesIncluded = internalNotesIncluded
        self.complaint = complaint
        self.events = events
        self.files = files
        self.treeHead = treeHead
    }
}

/// One entry's audit path in `ledger/proofs.json`.
public struct DossierProof: Sendable, Codable, Equatable {
    public var leafIndex: Int
    public var auditPath: [String]
    public init(leafIndex: Int, auditPath: [String]) {
        self.leafIndex = leafIndex
        self.auditPath = auditPath
    }
}

/// What a dossier that verifies contains.
public struct DossierReport: Sendable, Equatable {
    public var caseNumber: String
    public var events: Int
    /// Internal events whose content is withheld (their hashes verified).
    public var withheld: Int
    /// Events and files whose words or names were erased with their member's data key (their log entries verified).
    public var erased: Int = 0
    public var files: Int
    public var entries: Int
    public var treeSize: Int
    public var keyId: String
}

/// The first thing in a dossier that does not verify, said precisely.
public struct DossierFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Checks a dossier with no server and no database: every file's hash, the case's event chain, every
/// entry's inclusion in the signed head, and the head's signature.
public enum DossierVerifier {
    /// `files` maps archive paths to contents. `trustedKey` (32 raw bytes) replaces the key shipped in the dossier.
    public static func verify(files: [String: [UInt8]], trustedKey: [UInt8]?) -> Result<DossierReport, DossierFailure> {
        do throws(DossierFailure) {
            return .success(try check(files, trustedKey))
        } catch {
            return .failure(error)
        }
    }

    static func check(_ files: [String: [UInt8]], _ trustedKey: [UInt8]?) throws(DossierFailure) -> DossierReport {
        guard let manifestBytes = files["manifest.json"] else { throw DossierFailure("manifest.json is missing: this is not a Redress dossier") }
        struct Envelope: Decodable {
            var format: String?
            var version: Int?
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(manifestBytes)) else {
            throw DossierFailure("manifest.json is not valid JSON")
        }
        guard envelope.format == DossierManifest.format else {
            throw DossierFailure("manifest.json names format \(envelope.format.map { "\"\($0)\"" } ?? "nothing"), not \"\(DossierManifest.format)\"")
        }
        guard envelope.version == DossierManifest.version else {
            throw DossierFailure(
                "unknown dossier format version \(envelope.version.map(String.init) ?? "(none)"); this verifier reads version \(DossierManifest.version)"
            )
        }
        let manifest: DossierManifest
        do {
            manifest = try JSONDecoder().decode(DossierManifest.self, from: Data(manifestBytes))
        } catch {
            throw DossierFailure("manifest.json does not have the fields of format version 1: \(error)")
        }
        let head = manifest.treeHead

        // The key and the head's signature.
        let keyBytes: [UInt8]
        if let trustedKey {
            keyBytes = trustedKey
        } else {
            guard let pem = files["ledger/public-key.pem"] else {
                throw DossierFailure("ledger/public-key.pem is missing (or give the key with --key)")
            }
            guard let k = LedgerPublicKey.parse(String(decoding: pem, as: UTF8.self)) else {
                throw DossierFailure("ledger/public-key.pem is not an Ed25519 public key")
            }
            keyBytes = k
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            throw DossierFailure("the public key is not a 32-byte Ed25519 key")
        }
        let keyId = sha256Hex(keyBytes)
        if let shipped = files["ledger/tree-head.json"] {
            guard let copy = try? JSONDecoder().decode(SignedTreeHead.self, from: Data(shipped)), copy == head else {
                throw DossierFailure("ledger/tree-head.json differs from the tree head in manifest.json")
            }
        }
        if head.keyId != keyId {
            throw DossierFailure("wrong key: the tree head was signed by key \(head.keyId), the key given is \(keyId)")
        }
        guard let root = head.root else { throw DossierFailure("the tree head's root hash is not 64 hex digits") }
        guard head.verify(with: key) else {
            throw DossierFailure("the tree head's signature does not verify with key \(keyId): size, root or time were changed after signing")
        }

        // Audit paths.
        var proofs: [Int: [MerkleTree.Hash]] = [:]
        guard let proofBytes = files["ledger/proofs.json"] else { throw DossierFailure("ledger/proofs.json is missing") }
        guard let list = try? JSONDecoder().decode([DossierProof].self, from: Data(proofBytes)) else {
            throw DossierFailure("ledger/proofs.json is not a list of {leafIndex, auditPath}")
        }
        for p in list {
            let path = p.auditPath.compactMap(Hex.decode)
            guard path.count == p.auditPath.count, path.allSatisfy({ $0.count == 32 }) else {
                throw DossierFailure("ledger/proofs.json: the audit path of leaf \(p.leafIndex) holds a value that is not a 32-byte hex hash")
            }
            proofs[p.leafIndex] = path
        }
        func included(_ entry: [UInt8], leafIndex: Int, recordedLeafHash: String, what: String) throws(DossierFailure) {
            let leaf = MerkleTree.leafHash(entry)
            let hex = Hex.encode(leaf)
            guard hex == recordedLeafHash else {
                throw DossierFailure("\(what): its log entry hashes to leaf \(hex), the manifest records \(recordedLeafHash)")
            }
            guard let path = proofs[leafIndex] else { throw DossierFailure("\(what): ledger/proofs.json has no audit path for leaf \(leafIndex)") }
            guard MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: leafIndex, treeSize: head.treeSize, proof: path, root: root) else {
                throw DossierFailure(
                    "\(what): the audit path of leaf \(leafIndex) does not lead to the signed root \(head.rootHash) of the tree of size \(head.treeSize)"
                )
            }
        }

        // The event chain.
        let c = manifest.complaint
        let lines = (files["events.jsonl"] ?? []).split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
        if files["events.jsonl"] == nil { throw DossierFailure("events.jsonl is missing") }
        struct EventFields: Decodable {
            var complaintId: String
            var sequence: Int
            var previousHash: String
            var visibility: Visibility
        }
        var line = 0
        var previous = TimelineEvent.genesisHash
        var withheld = 0
        var erased = 0, erasedFiles = 0
        for (i, e) in manifest.events.enumerated() {
            let what = "event \(i + 1)"
            guard e.sequence == i + 1 else {
                throw DossierFailure("\(what): the manifest lists sequence \(e.sequence) in position \(i + 1) (events missing, added or reordered)")
            }
            guard e.previousHash == previous else {
                throw DossierFailure("\(what): it follows \(e.previousHash), but the event before it has hash \(previous) (the chain is broken)")
            }
            if e.withheld && e.erased == true {
                erased += 1
            } else if e.withheld {
                if manifest.internalNotesIncluded { throw DossierFailure("\(what) is withheld in a dossier that says it includes internal notes") }
                guard e.visibility == .internal else {
                    throw DossierFailure("\(what) is public but withheld: a member's dossier withholds internal notes only")
                }
                withheld += 1
            } else {
                guard line < lines.count else {
                    throw DossierFailure("\(what): events.jsonl ends after \(lines.count) line(s); this event's content is missing")
                }
                let bytes = lines[line]
                line += 1
                let actual = sha256Hex(bytes)
                guard actual == e.hash else {
                    throw DossierFailure(
                        "\(what) (events.jsonl line \(line)): its content hashes to \(actual), the manifest records \(e.hash) — the event was altered"
                    )
                }
                guard let fields = try? JSONDecoder().decode(EventFields.self, from: Data(bytes)) else {
                    throw DossierFailure("\(what) (events.jsonl line \(line)) is not a Redress event")
                }
                guard fields.complaintId == c.id, fields.sequence == e.sequence, fields.previousHash == e.previousHash,
                    fields.visibility == e.visibility
                else {
                    throw DossierFailure(
                        "\(what) (events.jsonl line \(line)): its case, sequence, previous hash or visibility differ from the manifest")
                }
            }
            try included(
                LedgerEntry.event(complaintId: c.id, sequence: e.sequence, eventHash: e.hash), leafIndex: e.leafIndex, recordedLeafHash: e.leafHash,
                what: what)
            previous = e.hash
        }
        guard line == lines.count else { throw DossierFailure("events.jsonl has \(lines.count - line) line(s) more than the manifest's events") }
        guard manifest.events.count == c.eventCount, previous == c.headHash else {
            throw DossierFailure(
                "the chain ends after \(manifest.events.count) event(s) in \(previous), but the case records \(c.eventCount) event(s) ending in \(c.headHash)"
            )
        }

        // Evidence files.
        for f in manifest.files {
            let what = "evidence file \(f.path) (\(f.fileName))"
            if f.erased == true {
                // Its name went with its member's key and its bytes are not in the archive: the log entry recorded for it
                // is checked against the signed root.
                guard let leaf = Hex.decode(f.leafHash), leaf.count == 32, let path = proofs[f.leafIndex],
                    MerkleTree.verifyInclusion(leafHash: leaf, leafIndex: f.leafIndex, treeSize: head.treeSize, proof: path, root: root)
                else { throw DossierFailure("evidence file \(f.sha256) (name erased): its recorded log entry is not in the signed tree") }
                erasedFiles += 1
                continue
            }
            guard let bytes = files[f.path] else { throw DossierFailure("\(what) is missing from the dossier") }
            let actual = sha256Hex(bytes)
            guard actual == f.sha256 else {
                throw DossierFailure("\(what): its bytes hash to \(actual), expected \(f.sha256) — the file was altered")
            }
            guard bytes.count == f.sizeBytes else { throw DossierFailure("\(what): \(bytes.count) bytes, the manifest records \(f.sizeBytes)") }
            try included(
                LedgerEntry.evidenceFile(complaintId: c.id, f.evidenceFile), leafIndex: f.leafIndex, recordedLeafHash: f.leafHash, what: what)
        }
        return DossierReport(
            caseNumber: c.caseNumber, events: manifest.events.count, withheld: withheld,
            erased: erased + erasedFiles, files: manifest.files.count, entries: manifest.events.count + manifest.files.count,
            treeSize: head.treeSize, keyId: keyId)
    }
}
