import Crypto
import Foundation
import Testing

@testable import RedressDomain

@Suite("Evidence log: entries, frontier, signed heads, receipts")
struct LedgerTests {
    @Test func frontierAgreesWithTheFullTreeAtEverySize() throws {
        var frontier = MerkleFrontier()
        var levels = MerkleLevels()
        for i in 0..<300 {
            let leaf = MerkleTree.leafHash(Array("entry \(i)".utf8))
            let interiorBefore = levels.levels.dropFirst().map(\.count).reduce(0, +)
            let completed = frontier.append(leafHash: leaf)
            levels.append(leafHash: leaf)
            // The nodes the frontier reports are exactly the ones the full tree gained above the leaves.
            for n in completed { #expect(levels.levels[n.level][n.index] == n.hash) }
            #expect(completed.count == levels.levels.dropFirst().map(\.count).reduce(0, +) - interiorBefore)
            #expect(frontier.root == (try MerkleTree.root(size: i + 1, levels)), "size \(i + 1)")
            // A frontier rebuilt from stored subtrees is the same.
            let peaks = try MerkleFrontier.peakPositions(size: i + 1).map { try levels.perfectSubtreeHash(level: $0.level, index: $0.index) }
            #expect(MerkleFrontier(size: i + 1, peaks: peaks) == frontier)
        }
        #expect(MerkleFrontier().root == MerkleTree.emptyRoot)
    }

    @Test func entryBytesAreTheDocumentedCanonicalJSON() throws {
        let e = LedgerEntry.event(complaintId: "c-1", sequence: 12, eventHash: String(repeating: "ab", count: 32))
        #expect(
            String(decoding: e, as: UTF8.self)
                == #"{"complaintId":"c-1","entry":"event","eventHash":"\#(String(repeating: "ab", count: 32))","sequence":12,"v":1}"#)
        let f = EvidenceFile(
            sha256: String(repeating: "0f", count: 32), sizeBytes: 11, mediaType: .png, fileName: "截图.png",
            uploadedBy: CaseActor(id: "u-1", role: .member), uploadedAt: Date(timeIntervalSince1970: 1_795_939_200.5))
        #expect(
            String(decoding: LedgerEntry.evidenceFile(complaintId: "c-1", f), as: UTF8.self)
                == #"{"complaintId":"c-1","entry":"evidence_file","fileName":"截图.png","mediaType":"image/png","sha256":"\#(String(repeating: "0f", count: 32))","sizeBytes":11,"uploadedAtMs":1795939200500,"uploadedBy":{"id":"u-1","role":"member"},"v":1}"#
        )
    }

    @Test func treeHeadSignsTheRFC6962LayoutAndNothingElse() throws {
        let key = Curve25519.Signing.PrivateKey()
        let root = MerkleTree.leafHash([1, 2, 3])
        let head = try SignedTreeHead.sign(treeSize: 258, root: root, timestampMs: 0x0102_0304_0506, with: key)
        let bytes = SignedTreeHead.signedBytes(treeSize: 258, timestampMs: 0x0102_0304_0506, root: root)
        #expect(bytes.count == 50)
        #expect(Array(bytes.prefix(18)) == [0, 1, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0x01, 0x02])
        #expect(head.verify(with: key.publicKey))
        #expect(head.keyId == sha256Hex(key.publicKey.rawRepresentation))
        var bigger = head
        bigger.treeSize += 1
        var later = head
        later.timestampMs += 1
        var otherRoot = head
        otherRoot.rootHash = HexCoding.encode(MerkleTree.leafHash([9]))
        for changed in [bigger, later, otherRoot] { #expect(!changed.verify(with: key.publicKey)) }
        #expect(!head.verify(with: Curve25519.Signing.PrivateKey().publicKey))
    }

    @Test func publicKeysReadInEveryPublishedForm() throws {
        let raw = Array(Curve25519.Signing.PrivateKey().publicKey.rawRepresentation)
        let k = LedgerPublicKey(raw: raw, createdAtMs: 1)
        #expect(LedgerPublicKey.parse(k.pem) == raw)
        #expect(LedgerPublicKey.parse(HexCoding.encode(raw)) == raw)
        #expect(LedgerPublicKey.parse(k.publicKey) == raw)
        let json = String(decoding: try JSONEncoder().encode(["current": k]), as: UTF8.self)
        #expect(LedgerPublicKey.parse(json) == raw)
        #expect(LedgerPublicKey.parse("not a key") == nil)
        #expect(LedgerPublicKey.parse(String(repeating: "zz", count: 32)) == nil)
    }

    /// A small log of `n` entries with entry `i` made by `entry`, and a signed head over it.
    static func signedLog(_ entries: [[UInt8]], key: Curve25519.Signing.PrivateKey) throws -> (MerkleLevels, SignedTreeHead) {
        var levels = MerkleLevels()
        for e in entries { levels.append(entry: e) }
        let head = try SignedTreeHead.sign(
            treeSize: levels.size, root: try MerkleTree.root(size: levels.size, levels), timestampMs: 1_795_939_200_000, with: key)
        return (levels, head)
    }

    @Test func aReceiptAloneProvesTheEventAndNamesWhatWasChanged() throws {
        let key = Curve25519.Signing.PrivateKey()
        let event = TimelineEvent.seal(
            EventDraft(
                kind: .publicMessage, actor: CaseActor(id: "m", role: .member), occurredAt: Date(timeIntervalSince1970: 1_795_939_200),
                payload: ["body": "已付款未到账"]),
            complaintId: "c-1", after: nil)
        var entries = (0..<6).map { Array("other \($0)".utf8) }
        entries.insert(LedgerEntry.event(event), at: 4)
        let (levels, head) = try Self.signedLog(entries, key: key)
        let receipt = Receipt(
            complaintId: "c-1", caseNumber: "RD-1", kind: "event", sequence: 1, sha256: nil, entry: LedgerEntry.event(event),
            event: event.canonicalBytes,
            leafIndex: 4, treeHead: head, inclusionProof: try MerkleTree.inclusionProof(leafIndex: 4, treeSize: 7, levels))
        #expect(receipt.problem(verifyingWith: key.publicKey) == nil)
        // Round trip through JSON, as a member keeps it.
        let kept = try JSONDecoder().decode(Receipt.self, from: try JSONEncoder().encode(receipt))
        #expect(kept.problem(verifyingWith: key.publicKey) == nil)

        var edited = receipt
        edited.event = receipt.event?.replacingOccurrences(of: "已付款未到账", with: "已解决")
        #expect(edited.problem(verifyingWith: key.publicKey)?.contains("the event does not match the entry") == true)
        var moved = receipt
        moved.leafIndex = 3
        #expect(moved.problem(verifyingWith: key.publicKey)?.contains("inclusion proof") == true)
        var resigned = receipt
        resigned.treeHead.timestampMs += 1
        #expect(resigned.problem(verifyingWith: key.publicKey)?.contains("signature") == true)
        #expect(receipt.problem(verifyingWith: Curve25519.Signing.PrivateKey().publicKey)?.contains("signature") == true)
    }
}

@Suite("Log monitor")
struct LedgerMonitorTests {
    let key = Curve25519.Signing.PrivateKey()
    var published: [LedgerPublicKey] { [LedgerPublicKey(raw: Array(key.publicKey.rawRepresentation), createdAtMs: 0)] }
    let now = Date(timeIntervalSince1970: 1_795_939_200)

    func log(_ n: Int, prefix: String = "e") -> MerkleLevels {
        var l = MerkleLevels()
        for i in 0..<n { l.append(entry: Array("\(prefix) \(i)".utf8)) }
        return l
    }

    func head(_ l: MerkleLevels, size: Int, at ms: Int64 = 1_000, with k: Curve25519.Signing.PrivateKey? = nil) throws -> SignedTreeHead {
        try SignedTreeHead.sign(treeSize: size, root: try MerkleTree.root(size: size, l), timestampMs: ms, with: k ?? key)
    }

    @Test func anExtendedLogPassesAndARewrittenOneFailsLoudly() throws {
        let honest = log(40)
        let (first, s1) = LedgerMonitor.check(
            server: "s", previous: nil, head: try head(honest, size: 25), publishedKeys: published, acceptNewKey: false, consistencyProof: nil,
            now: now)
        guard case .consistent = first, let s1 else { Issue.record("first check: \(first)"); return }
        #expect(s1.trustedKeys.count == 1)

        let h2 = try head(honest, size: 40, at: 2_000)
        #expect(LedgerMonitor.proofNeeded(previous: s1, head: h2)! == (25, 40))
        let proof = try MerkleTree.consistencyProof(from: 25, to: 40, honest)
        let (second, s2) = LedgerMonitor.check(
            server: "s", previous: s1, head: h2, publishedKeys: published, acceptNewKey: false, consistencyProof: proof, now: now)
        guard case .consistent(let m) = second else { Issue.record("\(second)"); return }
        #expect(m.contains("25 → 40") && s2?.treeSize == 40)

        // The same key signs a log whose first 25 entries differ: no proof can join it to the head seen.
        let forked = log(40, prefix: "rewritten")
        let forkedHead = try head(forked, size: 40, at: 2_000)
        let forkedProof = try MerkleTree.consistencyProof(from: 25, to: 40, forked)
        let (verdict, state) = LedgerMonitor.check(
            server: "s", previous: s1, head: forkedHead, publishedKeys: published, acceptNewKey: false, consistencyProof: forkedProof, now: now)
        guard case .rewritten(let why) = verdict else { Issue.record("\(verdict)"); return }
        #expect(why.contains("not an extension") && state == nil)

        let sameSize = try head(forked, size: 25, at: 2_000)
        guard
            case .rewritten(let why2) = LedgerMonitor.check(
                server: "s", previous: s1, head: sameSize, publishedKeys: published, acceptNewKey: false, consistencyProof: nil, now: now
            ).0
        else { Issue.record("same size, other root passed"); return }
        #expect(why2.contains("two different roots"))

        guard
            case .rewritten(let why3) = LedgerMonitor.check(
                server: "s", previous: s1, head: try head(honest, size: 10, at: 2_000), publishedKeys: published, acceptNewKey: false,
                consistencyProof: nil,
                now: now
            ).0
        else { Issue.record("shrunk log passed"); return }
        #expect(why3.contains("shrank"))
    }

    @Test func aNewKeyIsRefusedUntilAccepted() throws {
        let honest = log(10)
        let (_, s1) = LedgerMonitor.check(
            server: "s", previous: nil, head: try head(honest, size: 5), publishedKeys: published, acceptNewKey: false, consistencyProof: nil,
            now: now)
        let other = Curve25519.Signing.PrivateKey()
        let rotated = try head(honest, size: 10, at: 2_000, with: other)
        let keys = published + [LedgerPublicKey(raw: Array(other.publicKey.rawRepresentation), createdAtMs: 1)]
        let proof = try MerkleTree.consistencyProof(from: 5, to: 10, honest)
        guard
            case .untrustedKey = LedgerMonitor.check(
                server: "s", previous: s1, head: rotated, publishedKeys: keys, acceptNewKey: false, consistencyProof: proof, now: now
            ).0
        else { Issue.record("an unknown key was trusted"); return }
        let (accepted, s2) = LedgerMonitor.check(
            server: "s", previous: s1, head: rotated, publishedKeys: keys, acceptNewKey: true, consistencyProof: proof, now: now)
        guard case .consistent = accepted else { Issue.record("\(accepted)"); return }
        #expect(s2?.trustedKeys.count == 2)
    }
}
