import Foundation
import GRDB
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// The storage protocol's behaviour, run against every engine (`StoreEngine.allCases`).
@Suite("Store conformance")
struct StoreConformanceTests {
    @Test(arguments: StoreEngine.allCases) func complaintsRoundTripWithTheirSealedEvents(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let c = try await f.created(m)
        #expect(c.caseNumber == "RD-20261129-000001")
        #expect(c.eventCount == 2)
        let loaded = try #require(try await f.store.complaint(id: c.id))
        #expect(loaded == c)
        let events = try await f.store.timeline(complaintId: c.id)
        #expect(events.map(\.kind) == [.submitted, .routed])
        #expect(EventChain.verify(complaintId: c.id, events: events, head: (loaded.eventCount, loaded.headHash)).valid)
    }

    @Test(arguments: StoreEngine.allCases) func caseNumbersCountPerDayInTheLocalZone(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let a = try await f.created(m)
        let b = try await f.created(m)
        // 2026-11-29T17:00Z is already 2026-11-30 in Shanghai: a new day, a new sequence.
        let c = try await f.created(m, at: Date(timeIntervalSince1970: 1_795_971_600))
        #expect([a.caseNumber, b.caseNumber, c.caseNumber] == ["RD-20261129-000001", "RD-20261129-000002", "RD-20261130-000001"])
    }

    @Test(arguments: StoreEngine.allCases) func anIdempotencyKeyReplaysTheSameBodyAndRefusesAnother(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        guard case .created(let first, _) = try await f.file(m, key: "k-1") else { Issue.record("not created"); return }
        guard case .replayed(let again) = try await f.file(m, key: "k-1") else { Issue.record("not replayed"); return }
        #expect(again.id == first.id)
        await #expect(throws: StoreError.idempotencyConflict) { try await f.file(m, StoreFixture.draft(paid: 1), key: "k-1") }
        #expect(try await f.store.complaintCount() == 1)
    }

    /// The same key sent many times at once (a client retrying, or several servers): one case; every retry gets it.
    @Test(arguments: StoreEngine.allCases) func oneIdempotencyKeySentConcurrentlyMakesOneCase(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let others = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await f.created(m).id } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for i in 0..<16 {
                group.addTask {
                    do {
                        switch try await f.file(m, i == 7 ? StoreFixture.draft(paid: 1) : StoreFixture.draft(), key: "same-key") {
                        case .created(let c, _), .replayed(let c): return c.id
                        }
                    } catch StoreError.idempotencyConflict {
                        return "conflict"
                    } catch {
                        return "error: \(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        let ids = Set(outcomes.filter { $0 != "conflict" })
        #expect(ids.count == 1, "\(outcomes)")
        // The odd body is refused, unless it came first: then every other is.
        #expect([1, 15].contains(outcomes.filter { $0 == "conflict" }.count), "\(outcomes)")
        #expect(try await f.store.complaintCount() == others.count + 1)
    }

    @Test(arguments: StoreEngine.allCases) func concurrentWritesAreGroupCommittedWithoutLoss(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<300 { group.addTask { try await f.created(m).id } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 300)
        let page = try await f.store.complaints(ComplaintQuery(memberId: m.id, limit: 500))
        #expect(page.total == 300)
        #expect(Set(page.items.map(\.caseNumber)).count == 300)
    }

    @Test(arguments: StoreEngine.allCases) func aFailingChangeWritesNothingAndDoesNotHarmItsBatch(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let c = try await f.created(m)
        struct Refused: Error {}
        let bad = Task {
            try await f.store.update(complaintId: c.id) { current in
                var x = current
                x.narrative = "changed"
                _ = x
                throw Refused()
            }
        }
        let good = Task { try await f.created(m) }
        await #expect(throws: Refused.self) { _ = try await bad.value }
        _ = try await good.value
        let after = try #require(try await f.store.complaint(id: c.id))
        #expect(after == c)
        #expect(try await f.store.timeline(complaintId: c.id).count == 2)
        #expect(try await f.store.complaintCount() == 2)
    }

    /// A write the database itself refuses (here a case id taken twice) among concurrent ones: that request fails,
    /// the others commit, and the log holds exactly the entries of what was written.
    @Test(arguments: StoreEngine.allCases) func aWriteTheDatabaseRefusesFailsAloneAndLeavesNoLogEntry(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let first = try await f.created(m)
        let wf = try await f.workflow()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<24 {
                group.addTask {
                    do {
                        if i == 11 {
                            // Same id as the first case: refused by the primary key, after the statement is sent.
                            _ = try await f.store.createComplaint(day: wf.calendar.civilDate(of: StoreFixture.now), idempotency: nil) { number in
                                try wf.file(StoreFixture.draft(), id: first.id, caseNumber: number, memberId: m.id, now: StoreFixture.now)
                            }
                        } else {
                            _ = try await f.created(m)
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 1)
        #expect(try await f.store.complaintCount() == 24)
        let state = try await f.store.ledgerState()
        #expect(state.size == 24 * 2)
        #expect(try await StoreVerifier(store: f.store).verifyAll().firstFailure == nil)
        #expect(try await f.store.timeline(complaintId: first.id).count == 2)
    }

    @Test(arguments: StoreEngine.allCases) func queuesFilterAndSortByNearestDeadline(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let early = try await f.created(m, at: StoreFixture.now.addingTimeInterval(-3600))
        let late = try await f.created(m)
        let risky = try await f.created(m, StoreFixture.draft(paid: 80_000))
        let l1 = try await f.store.complaints(ComplaintQuery(queues: [.l1], openOnly: true))
        #expect(l1.items.map(\.id) == [early.id, late.id])
        let risk = try await f.store.complaints(ComplaintQuery(queues: [.riskControl]))
        #expect(risk.items.map(\.id) == [risky.id])
        let overdue = try await f.store.complaints(ComplaintQuery(overdueAt: StoreFixture.now.addingTimeInterval(23.5 * 3600)))
        #expect(overdue.items.map(\.id) == [early.id])
        // The same through a queue's index (the staff queue's overdue filter), counted the same way.
        let overdueQueue = try await f.store.complaints(
            ComplaintQuery(queues: [.l1, .riskControl], overdueAt: StoreFixture.now.addingTimeInterval(23.5 * 3600), openOnly: true))
        #expect(overdueQueue.items.map(\.id) == [early.id] && overdueQueue.total == 1 && !overdueQueue.totalIsLowerBound)
        let none = try await f.store.complaints(ComplaintQuery(queues: [.l1], overdueAt: StoreFixture.now, openOnly: true))
        #expect(none.items.isEmpty && none.total == 0)
        let mine = try await f.store.complaints(ComplaintQuery(memberId: m.id, limit: 2, offset: 0))
        #expect(mine.total == 3 && mine.items.count == 2)
        // The first timer of each case is its reminder, a quarter of the 24 h first-response clock before it falls due.
        #expect(try await f.store.complaintsDue(at: StoreFixture.now.addingTimeInterval(17.5 * 3600), limit: 10) == [early.id])
        #expect(try await f.store.complaintsDue(at: StoreFixture.now.addingTimeInterval(18 * 3600), limit: 10).count == 3)
    }

    @Test(arguments: StoreEngine.allCases) func evidenceIsStoredOnceBySHA256AndRecordedOnTheCase(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let c = try await f.created(try await f.member())
        let wf = try await f.workflow()
        let bytes = Array("%PDF-1.7\n test".utf8)
        let file = try EvidenceFile.inspect(
            bytes: bytes, fileName: "凭证.pdf", limit: 1 << 20, by: CaseActor(id: c.memberId, role: .member), at: StoreFixture.now)
        let (after, events, existed) = try await f.store.addEvidence(complaintId: c.id, file: file, bytes: bytes) {
            try wf.addEvidence($0, file: file, by: file.uploadedBy, now: StoreFixture.now)
        }
        #expect(!existed && events.map(\.kind) == [.evidenceAdded] && after.eventCount == 3)
        let again = try await f.store.addEvidence(complaintId: c.id, file: file, bytes: bytes) {
            try wf.addEvidence($0, file: file, by: file.uploadedBy, now: StoreFixture.now)
        }
        #expect(again.alreadyPresent && again.1.isEmpty)
        let (stored, content) = try #require(try await f.store.evidenceContent(complaintId: c.id, sha256: file.sha256))
        #expect(content == bytes && stored.fileName == "凭证.pdf" && stored.mediaType == .pdf)
        #expect(try await f.store.evidence(complaintId: c.id).count == 1)
    }

    @Test(arguments: StoreEngine.allCases) func shippedCalendarsAndDefaultPolicyAreThereAndPolicyChangesPersist(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let years = try await f.store.calendarYears()
        #expect(years.map(\.year) == [2025, 2026])
        #expect(WorkingDayCalendar.china(years: years).isWorkingDay(CivilDate(iso: "2026-10-10")!))
        #expect(try await f.store.policy() == .default)
        var p = Policy.default
        p.routing.riskControlThresholdFen = 20_000
        try await f.store.savePolicy(p, by: "admin", at: StoreFixture.now)
        #expect(try await f.reopen().policy() == p)
    }

    @Test(arguments: StoreEngine.allCases) func aDuplicateLoginIsNamed(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        try await f.member("a@b.cn")
        await #expect(throws: StoreError.duplicate(field: "login")) { try await f.member("a@b.cn") }
    }
}

@Suite("Stored complaint bodies")
struct StoredBodyTests {
    @Test func theHandWrittenBodyDecodesToTheSameComplaint() async throws {
        let f = try await StoreFixture()
        let m = try await f.member()
        var c = try await f.created(m)
        let wf = try await f.workflow()
        c = try wf.escalate(c, by: CaseActor(id: "a", role: .agent), reason: "r", now: StoreFixture.now).complaint
        c = try wf.act(.requestInfo, on: c, by: CaseActor(id: "a", role: .agent), input: .init(note: "n"), now: StoreFixture.now).complaint
        c = try wf.act(.reject, on: c, by: CaseActor(id: "a", role: .agent), input: .init(rejectionReason: .duplicate), now: StoreFixture.now)
            .complaint
        c.order.merchantId = "M-1"
        c.order.paidAt = StoreFixture.now
        c.remedy = Remedy(kind: .other, text: "说明\n\"引号\"")
        let decoded = try Codec.decode(Complaint.self, Codec.string(c))
        #expect(decoded == c)
        let viaFoundation = try Codec.decode(Complaint.self, try Codec.json(c))
        #expect(viaFoundation == decoded)
    }
}

/// What only the embedded SQLite file guarantees: triggers and the migration guard.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test func theDatabaseRefusesToEditOrDeleteEvents() async throws {
        let f = try await StoreFixture()
        let c = try await f.created(try await f.member())
        let db = try f.raw()
        await #expect(throws: DatabaseError.self) {
            try await db.write { try $0.execute(sql: "UPDATE events SET payload = '{}' WHERE complaint_id = ?", arguments: [c.id]) }
        }
        await #expect(throws: DatabaseError.self) { try await db.write { try $0.execute(sql: "DELETE FROM events") } }
    }

    @Test func aDatabaseFromANewerRedressIsRefused() async throws {
        let f = try await StoreFixture()
        try await f.raw().write { try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES ('v99_from_the_future')") }
        #expect(throws: StoreError.self) { try f.reopenSQLite() }
    }
}
