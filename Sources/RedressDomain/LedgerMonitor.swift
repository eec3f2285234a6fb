import Foundation

/// What a log monitor remembers between checks: the last head it accepted and the keys it trusts.
public struct LedgerWatchState: Sendable, Codable, Equatable {
    public var server: String
    public var treeSize: Int
    public var rootHash: String
    public var timestampMs: Int64
    public var keyId: String
    /// Trusted keys: key id → the 32 raw bytes, base64. Pinned on the first check.
    public var trustedKeys: [String: String]
    public var checkedAtMs: Int64

    public init(server: String, head: SignedTreeHead, trustedKeys: [String: String], checkedAtMs: Int64) {
        self.server = server
        self.treeSize = head.treeSize
        self.rootHash = head.rootHash
        self.timestampMs = head.timestampMs
        self.keyId = head.keyId
        self.trustedKeys = trustedKeys
        self.checkedAtMs = checkedAtMs
    }
}

/// Checks a log's latest head against the one seen last: signed by a trusted key, never smaller, and an
/// extension of it (RFC 9162 consistency proof). A history rewritten after a head was seen cannot pass.
public enum LedgerMonitor {
    public enum Verdict: Sendable, Equatable {
        /// All good; the sentence says what was checked.
        case consistent(String)
        /// The log contradicts a head it signed before (or signed something it should not have).
        case rewritten(String)
        /// The head is signed by a key this monitor does not trust yet.
        case untrustedKey(String)
    }

    /// Whether a consistency proof is needed (and between which sizes) before `check`.
    public static func proofNeeded(previous: LedgerWatchState?, head: SignedTreeHead) -> (from: Int, to: Int)? {
        guard let previous, previous.treeSize >= 1, head.treeSize > previous.treeSize else { return nil }
        return (previous.treeSize, head.treeSize)
    }

    public static func check(
        server: String, previous: LedgerWatchState?, head: SignedTreeHead, publishedKeys: [LedgerPublicKey], acceptNewKey: Bool,
        consistencyProof: [MerkleTree.Hash]?, now: Date
    ) -> (Verdict, LedgerWatchState?) {
        let nowMs = now.millisecondsSince1970
        var trusted = previous?.trustedKeys ?? [:]
        var note = ""
        if previous == nil {
            // Trust on first use: pin the keys the log publishes now.
            for k in publishedKeys { trusted[k.keyId] = k.publicKey }
            note = "; first check: pinned \(trusted.count) key(s)"
        } else if trusted[head.keyId] == nil {
            guard acceptNewKey, let k = publishedKeys.first(where: { $0.keyId == head.keyId }) else {
                return (
                    .untrustedKey(
                        "the head of size \(head.treeSize) is signed by key \(head.keyId), which this monitor has not trusted before (a key rotation? check it out of band, then run with --accept-new-key)"
                    ), nil
                )
            }
            trusted[k.keyId] = k.publicKey
            note = "; accepted new key \(k.keyId)"
        }
        guard let raw = trusted[head.keyId], let keyBytes = Data(base64Encoded: raw),
            let key = LedgerPublicKey(raw: [UInt8](keyBytes), createdAtMs: 0).signingKey
        else {
            return (.untrustedKey("the head is signed by key \(head.keyId), which the log does not publish"), nil)
        }
        guard head.verify(with: key) else {
            return (.rewritten("the head of size \(head.treeSize) does not carry a valid signature by key \(head.keyId)"), nil)
        }
        guard let root = head.root else { return (.rewritten("the head's root hash is not 32 bytes of hex"), nil) }
        let state = LedgerWatchState(server: server, head: head, trustedKeys: trusted, checkedAtMs: nowMs)
        guard let previous else {
            return (.consistent("head of size \(head.treeSize) signed by \(head.keyId) accepted\(note)"), state)
        }
        if head.treeSize < previous.treeSize {
            return (.rewritten("the log shrank: it signed size \(previous.treeSize) before and now signs size \(head.treeSize)"), nil)
        }
        if head.timestampMs < previous.timestampMs {
            return (.rewritten("the new head (size \(head.treeSize)) is timestamped before the head seen last"), nil)
        }
        if head.treeSize == previous.treeSize {
            guard head.rootHash == previous.rootHash else {
                return (.rewritten("two different roots for tree size \(head.treeSize): \(previous.rootHash) before, \(head.rootHash) now"), nil)
            }
            return (.consistent("no new entries since the last check (size \(head.treeSize))\(note)"), state)
        }
        if previous.treeSize == 0 {
            return (.consistent("tree size 0 → \(head.treeSize)\(note)"), state)
        }
        guard let proof = consistencyProof, let oldRoot = HexCoding.decode(previous.rootHash),
            MerkleTree.verifyConsistency(oldSize: previous.treeSize, newSize: head.treeSize, oldRoot: oldRoot, newRoot: root, proof: proof)
        else {
            return (
                .rewritten(
                    "the head of size \(head.treeSize) is not an extension of the head of size \(previous.treeSize) seen before: the consistency proof does not verify (history was rewritten)"
                ), nil
            )
        }
        return (.consistent("tree size \(previous.treeSize) → \(head.treeSize), consistent\(note)"), state)
    }
}
