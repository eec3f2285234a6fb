import Crypto
import Foundation
import GRDB
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// Someone with write access to the SQLite file changes the record behind Redress's back.
/// Every kind of change must be detected and named by the store verifier (what `redress verify` runs).
@Suite("Tampering with the SQLite file")
struct TamperTests {
    /// A store with two cases, the second with five events and an evidence file; triggers dropped as an attacker would.
    func prepared() async throws -> (StoreFixture, Complaint) {
        let f = try await StoreFixture()
        let m = try await f.member()
        _ = try await f.created(m)
        var c = try await f.created(m)
        let wf = try await f.workflow()
        let agent = CaseActor(id: "agent-1", role: .agent)
        c = try await f.store.update(complaintId: c.id) { try wf.message(on: $0, by: agent, body: "您好", visibility: .public, now: StoreFixture.now) }
            .0
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: "a.png", limit: 1 << 20, by: agent, at: StoreFixture.now)
        c = try await f.store.addEvidence(complaintId: c.id, file: file, bytes: bytes) {
            try wf.addEvidence($0, file: file, by: agent, now: StoreFixture.now)
        }.0
        #expect(c.eventCount == 5)
        // A head signed over the log as it is, as the server's signer would.
        let key = Curve25519.Signing.PrivateKey()
        try await f.store.activateLedgerKey(LedgerPublicKey(raw: Array(key.publicKey.rawRepresentation), createdAtMs: 0))
        let state = try await f.store.ledgerState()
        try await f.store.saveTreeHead(try SignedTreeHead.sign(treeSize: state.size, root: state.root, timestampMs: 1, with: key))
        let report = try await StoreVerifier(store: f.store).verifyAll()
        #expect(report.firstFailure == nil && report.logEntries == 8 && report.signedHeads == 1)
        try await f.raw().write { db in
            for t in [
                "events_no_update", "events_no_delete", "evidence_blobs_no_update", "evidence_blobs_no_delete", "ledger_leaves_no_update",
                "ledger_leaves_no_delete", "ledger_nodes_no_update", "ledger_nodes_no_delete", "ledger_heads_no_update", "ledger_heads_no_delete",
            ] {
                try db.execute(sql: "DROP TRIGGER \(t)")
            }
        }
        try await f.unseal(c.id)
        return (f, c)
    }

    func failure(_ f: StoreFixture) async throws -> String {
        try #require(try await StoreVerifier(store: f.reopen()).verifyAll().firstFailure)
    }

    @Test func editedPayload() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write {
            try $0.execute(
                sql: "UPDATE events SET payload = replace(payload, '您好', '已退款') WHERE complaint_id = ? AND sequence = 3", arguments: [c.id])
        }
        let msg = try await failure(f)
        #expect(msg.contains(c.caseNumber) && msg.contains("position 3") && msg.contains("hash_mismatch"))
    }

    @Test func editedTimeActorOrKind() async throws {
        for sql in [
            "UPDATE events SET occurred_at_ms = occurred_at_ms + 1000 WHERE complaint_id = ? AND sequence = 2",
            "UPDATE events SET actor_id = 'someone-else' WHERE complaint_id = ? AND sequence = 2",
            "UPDATE events SET visibility = 'internal' WHERE complaint_id = ? AND sequence = 2",
            "UPDATE events SET kind = 'internal_note' WHERE complaint_id = ? AND sequence = 2",
        ] {
            let (f, c) = try await prepared()
            try await f.raw().write { try $0.execute(sql: sql, arguments: [c.id]) }
            let msg = try await failure(f)
            #expect(msg.contains("position 2"), "\(sql): \(msg)")
        }
    }

    @Test func deletedEvent() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "DELETE FROM events WHERE complaint_id = ? AND sequence = 3", arguments: [c.id]) }
        let msg = try await failure(f)
        #expect(msg.contains("position 3") && msg.contains("sequence_gap"))
    }

    @Test func deletedLastEvent() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "DELETE FROM events WHERE complaint_id = ? AND sequence = 5", arguments: [c.id]) }
        #expect(try await failure(f).contains("head_mismatch"))
    }

    /// Without the master key a sealed payload cannot be edited: a changed byte makes it fail to open, which is named.
    @Test func editedSealedPayload() async throws {
        let f = try await StoreFixture()
        let c = try await f.created(try await f.member())
        try await f.raw().write { db in
            try db.execute(sql: "DROP TRIGGER events_no_update")
            let sealed = try #require(
                try String.fetchOne(db, sql: "SELECT payload FROM events WHERE complaint_id = ? AND sequence = 1", arguments: [c.id]))
            #expect(sealed.hasPrefix(PersonalDataVault.prefix))
            var bytes = Array(sealed.utf8)
            bytes[bytes.count - 6] = bytes[bytes.count - 6] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            try db.execute(
                sql: "UPDATE events SET payload = ? WHERE complaint_id = ? AND sequence = 1",
                arguments: [String(decoding: bytes, as: UTF8.self), c.id])
        }
        let msg = try await failure(f)
        #expect(msg.contains(c.id) && msg.contains("does not open"), "\(msg)")
    }

    @Test func reorderedEvents() async throws {
        let (f, c) = try await prepared()
        // Swap the content of events 3 and 4 by rewriting their rows in the opposite order.
        try await f.raw().write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE complaint_id = ? AND sequence IN (3, 4) ORDER BY sequence", arguments: [c.id])
            try db.execute(sql: "DELETE FROM events WHERE complaint_id = ? AND sequence IN (3, 4)", arguments: [c.id])
            for (row, seq) in [(rows[1], 3), (rows[0], 4)] {
                try db.execute(
                    sql:
                        "INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    arguments: [
                        c.id, seq, row["kind"], row["actor_id"], row["actor_role"], row["visibility"], row["occurred_at_ms"], row["payload"],
                        row["previous_hash"], row["hash"],
                    ] as StatementArguments)
            }
        }
        let msg = try await failure(f)
        #expect(msg.contains("position 3"), "\(msg)")
    }

    @Test func insertedEvent() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { db in
            try db.execute(sql: "UPDATE events SET sequence = sequence + 100 WHERE complaint_id = ? AND sequence >= 3", arguments: [c.id])
            try db.execute(
                sql:
                    "INSERT INTO events SELECT complaint_id, 3, kind, actor_id, actor_role, visibility, occurred_at_ms, replace(payload, '您好', '伪造'), previous_hash, hash FROM events WHERE complaint_id = ? AND sequence = 103",
                arguments: [c.id])
            try db.execute(sql: "UPDATE events SET sequence = sequence - 99 WHERE complaint_id = ? AND sequence >= 103", arguments: [c.id])
        }
        let msg = try await failure(f)
        #expect(msg.contains("position 3") && msg.contains("hash_mismatch"), "\(msg)")
    }

    @Test func eventMovedBetweenCases() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { db in
            let other = try String.fetchOne(db, sql: "SELECT id FROM complaints WHERE id <> ?", arguments: [c.id])!
            try db.execute(sql: "UPDATE events SET complaint_id = ?, sequence = 3 WHERE complaint_id = ? AND sequence = 5", arguments: [other, c.id])
        }
        let msg = try await failure(f)
        #expect(msg.contains("position") && (msg.contains("wrong_case") || msg.contains("_mismatch")), "\(msg)")
    }

    @Test func alteredEvidenceBytes() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "UPDATE evidence_blobs SET bytes = X'89504E470D0A1A0A010204'") }
        let msg = try await failure(f)
        #expect(msg.contains("a.png") && msg.contains("expected SHA-256"))
    }

    @Test func evidenceSlippedInWithoutAnEvent() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { db in
            let bytes = Data("%PDF-1.4 forged".utf8)
            let sha = sha256Hex(bytes)
            try db.execute(sql: "INSERT INTO evidence_blobs VALUES (?, ?, 'application/pdf', ?, 0)", arguments: [sha, bytes.count, bytes])
            try db.execute(sql: "INSERT INTO complaint_evidence VALUES (?, ?, 'forged.pdf', NULL, 'member', 1, NULL)", arguments: [c.id, sha])
        }
        #expect(try await failure(f).contains("no evidence_added event"))
    }

    @Test func rewrittenCaseStateWithoutNewEvents() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write {
            try $0.execute(sql: "UPDATE complaints SET body = json_set(body, '$.eventCount', 4) WHERE id = ?", arguments: [c.id])
        }
        #expect(try await failure(f).contains("head_mismatch"))
    }

    // MARK: The evidence log

    /// The attack the chain alone cannot catch: an event rewritten and every later hash and the case head recomputed.
    @Test func selfConsistentRewriteIsCaughtByTheLog() async throws {
        let (f, c) = try await prepared()
        var events = try await f.store.timeline(complaintId: c.id)
        events[2].payload["body"] = "已退款，请确认"
        let resealed = TimelineEvent.seal(
            events[2...].map {
                EventDraft(kind: $0.kind, actor: $0.actor, visibility: $0.visibility, occurredAt: $0.occurredAt, payload: $0.payload)
            },
            complaintId: c.id, after: (events[1].sequence, events[1].hash))
        try await f.raw().write { db in
            try db.execute(sql: "DELETE FROM events WHERE complaint_id = ? AND sequence >= 3", arguments: [c.id])
            for e in resealed {
                try db.execute(
                    sql:
                        "INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    arguments: [
                        e.complaintId, e.sequence, e.kind.rawValue, e.actor.id, e.actor.role.rawValue, e.visibility.rawValue, e.occurredAtMs,
                        String(decoding: CanonicalValue.object(e.payload).canonicalBytes, as: UTF8.self), e.previousHash, e.hash,
                    ])
            }
            let head = resealed.last!.hash
            try db.execute(
                sql: "UPDATE complaints SET head_hash = ?, body = json_set(body, '$.headHash', ?) WHERE id = ?", arguments: [head, head, c.id])
        }
        #expect(EventChain.verify(complaintId: c.id, events: try await f.reopen().timeline(complaintId: c.id), head: nil).valid)
        let msg = try await failure(f)
        #expect(msg.contains("case \(c.caseNumber): event 3: log leaf") && msg.contains("but its entry hashes to"), "\(msg)")
    }

    func leaf(_ f: StoreFixture, of c: Complaint, sequence: Int) async throws -> Int {
        try await f.store.ledgerRecords(complaintId: c.id).first { $0.subject == .event(sequence: sequence) }!.leafIndex
    }

    @Test func editedLeafHash() async throws {
        let (f, c) = try await prepared()
        let i = try await leaf(f, of: c, sequence: 4)
        try await f.raw().write { try $0.execute(sql: "UPDATE ledger_leaves SET leaf_hash = randomblob(32) WHERE leaf_index = ?", arguments: [i]) }
        let msg = try await failure(f)
        #expect(msg.contains("event 4: log leaf \(i) holds"), "\(msg)")
    }

    @Test func deletedLeaf() async throws {
        let (f, c) = try await prepared()
        let i = try await leaf(f, of: c, sequence: 3)
        try await f.raw().write { try $0.execute(sql: "DELETE FROM ledger_leaves WHERE leaf_index = ?", arguments: [i]) }
        let msg = try await failure(f)
        #expect(msg.contains("event 3 has no entry in the evidence log"), "\(msg)")
    }

    @Test func truncatedLog() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "DELETE FROM ledger_leaves WHERE leaf_index = (SELECT MAX(leaf_index) FROM ledger_leaves)") }
        let msg = try await failure(f)
        #expect(msg.contains("has no entry in the evidence log"), "\(msg)")
    }

    @Test func insertedLeaf() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { db in
            try db.execute(
                sql:
                    "INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence) VALUES ((SELECT MAX(leaf_index) + 1 FROM ledger_leaves), randomblob(32), ?, 'event', 6)",
                arguments: [c.id])
        }
        let msg = try await failure(f)
        #expect(msg.contains("records event 6, which the case does not have"), "\(msg)")
    }

    @Test func leafForNoCase() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { db in
            try db.execute(
                sql:
                    "INSERT INTO ledger_leaves(leaf_index, leaf_hash, complaint_id, kind, event_sequence) VALUES ((SELECT MAX(leaf_index) + 1 FROM ledger_leaves), randomblob(32), 'no-such-case', 'event', 1)"
            )
        }
        let msg = try await failure(f)
        #expect(msg.contains("9 entries, but the store holds 7 events and 1 evidence files"), "\(msg)")
    }

    @Test func reorderedLeaves() async throws {
        let (f, _) = try await prepared()
        // Leaves 0 and 1 trade places: each still records its own event, but the tree above them no longer matches.
        try await f.raw().write { db in
            try db.execute(sql: "UPDATE ledger_leaves SET leaf_index = 100 WHERE leaf_index = 0")
            try db.execute(sql: "UPDATE ledger_leaves SET leaf_index = 0 WHERE leaf_index = 1")
            try db.execute(sql: "UPDATE ledger_leaves SET leaf_index = 1 WHERE leaf_index = 100")
        }
        let msg = try await failure(f)
        #expect(msg.contains("tree node 0 at level 2 holds"), "\(msg)")
    }

    @Test func editedTreeNode() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "UPDATE ledger_nodes SET hash = randomblob(32) WHERE id = (2 << 40) + 1") }
        let msg = try await failure(f)
        #expect(msg.contains("tree node 1 at level 2 holds"), "\(msg)")
    }

    @Test func deletedTreeNode() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "DELETE FROM ledger_nodes WHERE id = (2 << 40) + 0") }
        let msg = try await failure(f)
        #expect(msg.contains("tree node 0 at level 2 is missing"), "\(msg)")
    }

    @Test func insertedTreeNode() async throws {
        let (f, _) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "INSERT INTO ledger_nodes(id, hash) VALUES ((2 << 40) + 2, randomblob(32))") }
        let msg = try await failure(f)
        #expect(msg.contains("tree node 2 at level 2 lies beyond"), "\(msg)")
    }

    @Test func editedSignedHead() async throws {
        for sql in [
            "UPDATE ledger_heads SET root_hash = lower(hex(randomblob(32)))",
            "UPDATE ledger_heads SET timestamp_ms = timestamp_ms + 1",
            "UPDATE ledger_heads SET tree_size = tree_size - 1",
        ] {
            let (f, _) = try await prepared()
            try await f.raw().write { try $0.execute(sql: sql) }
            let msg = try await failure(f)
            #expect(msg.contains("signed head of size") && msg.contains("signature does not verify"), "\(sql): \(msg)")
        }
    }

    @Test func headSignedByAnUnknownKey() async throws {
        let (f, _) = try await prepared()
        let state = try await f.store.ledgerState()
        let forged = try SignedTreeHead.sign(treeSize: state.size, root: state.root, timestampMs: 2, with: Curve25519.Signing.PrivateKey())
        try await f.raw().write { db in
            try db.execute(sql: "DELETE FROM ledger_heads")
            try db.execute(
                sql: "INSERT INTO ledger_heads VALUES (?, ?, ?, ?, ?)",
                arguments: [forged.treeSize, forged.rootHash, forged.timestampMs, forged.keyId, forged.signature])
        }
        #expect(try await failure(f).contains("which the log does not know"))
    }
}
