import Foundation
import GRDB
import Testing

@testable import RedressDomain
@testable import RedressStorage

@Suite("Evidence log in the store")
struct LedgerStoreTests {
    /// The log rebuilt independently from the store's events and files, in log order.
    func expectedLeaves(_ store: any RedressStore) async throws -> [Int: MerkleTree.Hash] {
        var leaves: [Int: MerkleTree.Hash] = [:]
        for id in try await store.complaintIds(after: nil, limit: 1000) {
            let events = try await store.timeline(complaintId: id)
            let files = try await store.evidence(complaintId: id)
            for r in try await store.ledgerRecords(complaintId: id) {
                switch r.subject {
                case .event(let s): leaves[r.leafIndex] = MerkleTree.leafHash(LedgerEntry.event(events[s - 1]))
                case .evidenceFile(let sha):
                    leaves[r.leafIndex] = MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: id, files.first { $0.sha256 == sha }!))
                }
            }
        }
        return leaves
    }

    @Test(arguments: StoreEngine.allCases) func everyWriteAppendsItsEntriesAndProofsVerify(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let wf = try await f.workflow()
        let agent = CaseActor(id: "agent-1", role: .agent)
        var ids: [String] = []
        for i in 0..<7 {
            let c = try await f.created(m)
            ids.append(c.id)
            if i % 2 == 0 {
                _ = try await f.store.update(complaintId: c.id) {
                    try wf.message(on: $0, by: agent, body: "回复 \(i)", visibility: .public, now: StoreFixture.now)
                }
            }
        }
        let bytes: [UInt8] = Array("%PDF-1.4 invoice".utf8)
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: "invoice.pdf", limit: 1 << 20, by: agent, at: StoreFixture.now)
        _ = try await f.store.addEvidence(complaintId: ids[1], file: file, bytes: bytes) {
            try wf.addEvidence($0, file: file, by: agent, now: StoreFixture.now)
        }

        let state = try await f.store.ledgerState()
        // 7 cases × 2 events, 4 first replies (each a message and a status change), 1 evidence event and its file.
        #expect(state.size == 7 * 2 + 4 * 2 + 1 + 1)
        let leaves = try await expectedLeaves(f.store)
        #expect(leaves.count == state.size && Set(leaves.keys) == Set(0..<state.size))
        var reference = MerkleLevels()
        for i in 0..<state.size { reference.append(leafHash: leaves[i]!) }
        #expect(state.root == (try MerkleTree.root(size: state.size, reference)))
        for size in [1, 5, 13, state.size] {
            #expect(try await f.store.ledgerRoot(treeSize: size) == (try MerkleTree.root(size: size, reference)))
            for leaf in 0..<size {
                let proof = try await f.store.inclusionProof(leafIndex: leaf, treeSize: size)
                #expect(
                    MerkleTree.verifyInclusion(
                        leafHash: leaves[leaf]!, leafIndex: leaf, treeSize: size, proof: proof, root: try MerkleTree.root(size: size, reference)))
            }
            let consistency = try await f.store.consistencyProof(from: 3, to: size < 3 ? 3 : size)
            if size >= 3 {
                #expect(
                    MerkleTree.verifyConsistency(
                        oldSize: 3, newSize: size, oldRoot: try MerkleTree.root(size: 3, reference),
                        newRoot: try MerkleTree.root(size: size, reference),
                        proof: consistency))
            }
        }
        await #expect(throws: StoreError.self) { try await f.store.inclusionProof(leafIndex: 0, treeSize: state.size + 1) }

        // A restarted store continues the same log.
        let reopened = try await f.reopen()
        #expect(try await reopened.ledgerState() == state)
        _ = try await reopened.update(complaintId: ids[0]) {
            try wf.message(on: $0, by: agent, body: "重启后", visibility: .public, now: StoreFixture.now)
        }
        let after = try await reopened.ledgerState()
        reference.append(leafHash: try await expectedLeaves(reopened)[state.size]!)
        let expectedRoot = try MerkleTree.root(size: after.size, reference)
        #expect(after.size == state.size + 1 && after.root == expectedRoot)
        #expect(try await StoreVerifier(store: reopened).verifyAll().firstFailure == nil)
    }

    @Test func aJobThatRollsBackGivesBackItsLeaves() async throws {
        let f = try await StoreFixture()
        let m = try await f.member()
        let c = try await f.created(m)
        struct Boom: Error {}
        // Jobs in the same group commit: the middle one appends entries and then fails.
        async let ok1: Void = {
            _ = try await f.store.update(complaintId: c.id) { c in
                try f.workflowSync().message(on: c, by: CaseActor(id: "a", role: .agent), body: "一", visibility: .internal, now: StoreFixture.now)
            }
        }()
        async let failing: Void = {
            do {
                let sqlite = try f.sqlite
                _ = try await sqlite.write { db in
                    try sqlite.ledger.append(db, complaintId: c.id, entry: .event(sequence: 99), leafHash: MerkleTree.leafHash([1]))
                    throw Boom()
                }
                Issue.record("the failing job succeeded")
            } catch is Boom {}
        }()
        async let ok2: Void = {
            _ = try await f.store.update(complaintId: c.id) { c in
                try f.workflowSync().message(on: c, by: CaseActor(id: "a", role: .agent), body: "二", visibility: .internal, now: StoreFixture.now)
            }
        }()
        _ = try await (ok1, failing, ok2)
        let state = try await f.store.ledgerState()
        #expect(state.size == 4)
        #expect(try await StoreVerifier(store: f.reopen()).verifyAll().firstFailure == nil)
    }

    @Test func aDatabaseFromBeforeTheLogGetsItsEntriesOnce() async throws {
        let f = try await StoreFixture()
        let m = try await f.member()
        let wf = try await f.workflow()
        for _ in 0..<3 { _ = try await f.created(m) }
        let c = try await f.created(m)
        let bytes: [UInt8] = Array("plain text evidence".utf8)
        let file = try EvidenceFile.inspect(
            bytes: bytes, fileName: "chat.txt", limit: 1 << 20, by: .init(id: m.id, role: .member), at: StoreFixture.now)
        _ = try await f.store.addEvidence(complaintId: c.id, file: file, bytes: bytes) {
            try wf.addEvidence($0, file: file, by: .init(id: m.id, role: .member), now: StoreFixture.now)
        }
        let before = try await f.store.ledgerState()
        // As a version-1 database: the log tables are empty.
        try await f.raw().write { db in
            try db.execute(sql: "DROP TRIGGER ledger_leaves_no_delete")
            try db.execute(sql: "DROP TRIGGER ledger_nodes_no_delete")
            try db.execute(sql: "DELETE FROM ledger_leaves")
            try db.execute(sql: "DELETE FROM ledger_nodes")
        }
        let upgraded = try await f.reopen()
        let state = try await upgraded.ledgerState()
        #expect(state.size == before.size)
        #expect(try await StoreVerifier(store: upgraded).verifyAll().firstFailure == nil)
        // Opening again appends nothing more.
        #expect(try await f.reopen().ledgerState() == state)
    }
}

extension StoreFixture {
    /// The workflow for use inside a synchronous change closure.
    func workflowSync() -> CaseWorkflow { CaseWorkflow(policy: .default, calendar: .china(years: (try? ShippedCalendars.load()) ?? [])) }
}
