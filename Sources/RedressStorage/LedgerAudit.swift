import Crypto
import Foundation
import RedressDomain

/// Checks of the evidence log that every engine shares: a case's entries against its events and files,
/// a signed head against its key and the stored tree, and the whole stored tree against its leaves.
/// Each returns nil when everything verifies, or a sentence naming the first thing that does not.
public enum LedgerAudit {
    /// Each event and file of the case has exactly one log entry whose leaf hash is that of its entry bytes.
    /// With a head, each entry it covers is also proven included in the head's root by the stored tree.
    public static func checkCase(
        caseNumber: String, complaintId: String, events: [TimelineEvent], files: [EvidenceFile], records: [LedgerRecord],
        head: SignedTreeHead? = nil, store: (any RedressStore)? = nil, logSize: Int? = nil
    ) async throws -> String? {
        if let logSize, let beyond = records.first(where: { $0.leafIndex >= logSize }) {
            return "case \(caseNumber): log leaf \(beyond.leafIndex) lies beyond the log in use (\(logSize) entries): Redress did not write it"
        }
        var eventRecords: [Int: LedgerRecord] = [:]
        var fileRecords: [String: LedgerRecord] = [:]
        for r in records {
            switch r.subject {
            case .event(let s):
                if eventRecords[s] != nil { return "case \(caseNumber): event \(s) has two log entries" }
                eventRecords[s] = r
            case .evidenceFile(let sha):
                if fileRecords[sha] != nil { return "case \(caseNumber): evidence file \(sha) has two log entries" }
                fileRecords[sha] = r
            }
        }
        var subjects: [(what: String, leaf: MerkleTree.Hash, record: LedgerRecord)] = []
        for e in events {
            guard let r = eventRecords.removeValue(forKey: e.sequence) else {
                return "case \(caseNumber): event \(e.sequence) has no entry in the evidence log"
            }
            subjects.append(("case \(caseNumber): event \(e.sequence)", MerkleTree.leafHash(LedgerEntry.event(e)), r))
        }
        for f in files {
            guard let r = fileRecords.removeValue(forKey: f.sha256) else {
                return "case \(caseNumber): evidence file \(f.sha256) has no entry in the evidence log"
            }
            subjects.append(
                (
                    "case \(caseNumber): evidence file \(f.fileName) (\(f.sha256))",
                    // A name erased with its member's key: the entry is checked by its recorded hash (its inclusion below).
                    f.isNameErased ? r.leafHash : MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: complaintId, f)), r
                ))
        }
        if let (s, r) = eventRecords.min(by: { $0.key < $1.key }) {
            return "case \(caseNumber): log leaf \(r.leafIndex) records event \(s), which the case does not have"
        }
        if let (sha, r) = fileRecords.first {
            return "case \(caseNumber): log leaf \(r.leafIndex) records evidence file \(sha), which the case does not have"
        }
        for s in subjects where s.leaf != s.record.leafHash {
            return
                "\(s.what): log leaf \(s.record.leafIndex) holds \(HexCoding.encode(s.record.leafHash)), but its entry hashes to \(HexCoding.encode(s.leaf))"
        }
        guard let head, let store, let root = head.root else { return nil }
        for s in subjects where s.record.leafIndex < head.treeSize {
            let proof = try await store.inclusionProof(leafIndex: s.record.leafIndex, treeSize: head.treeSize)
            if !MerkleTree.verifyInclusion(leafHash: s.leaf, leafIndex: s.record.leafIndex, treeSize: head.treeSize, proof: proof, root: root) {
                return
                    "\(s.what): the stored tree does not prove leaf \(s.record.leafIndex) included in the signed head of size \(head.treeSize) (root \(head.rootHash))"
            }
        }
        return nil
    }

    /// The head is signed by a known key and its root is what the stored tree gives for its size.
    public static func checkHead(_ head: SignedTreeHead, keys: [LedgerPublicKey], store: any RedressStore) async throws -> String? {
        guard let key = keys.first(where: { $0.keyId == head.keyId }) else {
            return "signed head of size \(head.treeSize): signed by key \(head.keyId), which the log does not know"
        }
        guard let publicKey = key.signingKey, head.verify(with: publicKey) else {
            return
                "signed head of size \(head.treeSize): its signature does not verify with key \(head.keyId) (size, root or time changed after signing)"
        }
        let state = try await store.ledgerState()
        guard head.treeSize <= state.size else {
            return "signed head of size \(head.treeSize): the stored log has only \(state.size) entries (entries were removed)"
        }
        let root = try await store.ledgerRoot(treeSize: head.treeSize)
        guard HexCoding.encode(root) == head.rootHash else {
            return
                "signed head of size \(head.treeSize): signed root \(head.rootHash), but the stored tree gives \(HexCoding.encode(root)) (the log was rewritten)"
        }
        return nil
    }

    /// Every leaf from 0 without a gap, and every stored interior node equal to the hash of its two children.
    /// Returns the number of leaves with the first failure.
    public static func checkTree(store: any RedressStore, chunk: Int = 8192) async throws -> (leaves: Int, failure: String?) {
        // Leaves are contiguous from 0.
        var size = 0
        while true {
            let rows = try await store.ledgerHashes(level: 0, from: size, limit: chunk)
            for r in rows {
                if r.index != size { return (size, "evidence log: leaf \(size) is missing (the next stored leaf is \(r.index))") }
                size += 1
            }
            if rows.count < chunk { break }
        }
        let state = try await store.ledgerState()
        if state.size != size { return (size, "evidence log: \(size) leaves stored, but the log in use has \(state.size)") }
        // Each level from the one below: chunks hold an even number of children.
        var level = 1
        while size >> level > 0 {
            let count = size >> level
            var index = 0
            while index < count {
                let n = min(chunk, count - index)
                let children = try await store.ledgerHashes(level: level - 1, from: 2 * index, limit: 2 * n)
                let nodes = try await store.ledgerHashes(level: level, from: index, limit: n)
                for i in 0..<n {
                    let at = index + i
                    guard i < nodes.count, nodes[i].index == at else { return (size, "evidence log: tree node \(at) at level \(level) is missing") }
                    guard 2 * i + 1 < children.count, children[2 * i].index == 2 * at, children[2 * i + 1].index == 2 * at + 1 else {
                        return (size, "evidence log: the children of tree node \(at) at level \(level) are missing")
                    }
                    let expected = MerkleTree.nodeHash(children[2 * i].hash, children[2 * i + 1].hash)
                    if expected != nodes[i].hash {
                        return (
                            size,
                            "evidence log: tree node \(at) at level \(level) holds \(HexCoding.encode(nodes[i].hash)), but its children hash to \(HexCoding.encode(expected))"
                        )
                    }
                }
                index += n
            }
            if let extra = try await store.ledgerHashes(level: level, from: count, limit: 1).first {
                return (size, "evidence log: tree node \(extra.index) at level \(level) lies beyond the \(size) leaves (inserted)")
            }
            level += 1
        }
        return (size, nil)
    }
}
