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
        let f = try StoreFixture()
        let m = try await f.member()
        _ = try await f.created(m)
        var c = try await f.created(m)
        let wf = try await f.workflow()
        let agent = CaseActor(id: "agent-1", role: .agent)
        c = try await f.store.update(complaintId: c.id) { try wf.message(on: $0, by: agent, body: "您好", visibility: .public, now: StoreFixture.now) }.0
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: "a.png", limit: 1 << 20, by: agent, at: StoreFixture.now)
        c = try await f.store.addEvidence(complaintId: c.id, file: file, bytes: bytes) { try wf.addEvidence($0, file: file, by: agent, now: StoreFixture.now) }.0
        #expect(c.eventCount == 5)
        #expect(try await StoreVerifier(store: f.store).verifyAll().firstFailure == nil)
        try await f.raw().write { db in
            for t in ["events_no_update", "events_no_delete", "evidence_blobs_no_update", "evidence_blobs_no_delete"] {
                try db.execute(sql: "DROP TRIGGER \(t)")
            }
        }
        return (f, c)
    }

    func failure(_ f: StoreFixture) async throws -> String {
        try #require(try await StoreVerifier(store: f.reopen()).verifyAll().firstFailure)
    }

    @Test func editedPayload() async throws {
        let (f, c) = try await prepared()
        try await f.raw().write { try $0.execute(sql: "UPDATE events SET payload = replace(payload, '您好', '已退款') WHERE complaint_id = ? AND sequence = 3", arguments: [c.id]) }
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

    @Test func reorderedEvents() async throws {
        let (f, c) = try await prepared()
        // Swap the content of events 3 and 4 by rewriting their rows in the opposite order.
        try await f.raw().write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM events WHERE complaint_id = ? AND sequence IN (3, 4) ORDER BY sequence", arguments: [c.id])
            try db.execute(sql: "DELETE FROM events WHERE complaint_id = ? AND sequence IN (3, 4)", arguments: [c.id])
            for (row, seq) in [(rows[1], 3), (rows[0], 4)] {
                try db.execute(
                    sql: "INSERT INTO events(complaint_id, sequence, kind, actor_id, actor_role, visibility, occurred_at_ms, payload, previous_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    arguments: [c.id, seq, row["kind"], row["actor_id"], row["actor_role"], row["visibility"], row["occurred_at_ms"], row["payload"], row["previous_hash"], row["hash"]] as StatementArguments)
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
                sql: "INSERT INTO events SELECT complaint_id, 3, kind, actor_id, actor_role, visibility, occurred_at_ms, replace(payload, '您好', '伪造'), previous_hash, hash FROM events WHERE complaint_id = ? AND sequence = 103",
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
        try await f.raw().write { try $0.execute(sql: "UPDATE complaints SET body = json_set(body, '$.eventCount', 4) WHERE id = ?", arguments: [c.id]) }
        #expect(try await failure(f).contains("head_mismatch"))
    }
}
