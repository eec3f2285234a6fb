import Foundation
import RedressDomain
import RedressStorage
import Testing

/// Merchants, the policy's history, notices and the outbox: part of the conformance every engine must pass.
@Suite("Store conformance: process and outbox")
struct ProcessStoreTests {
    static func merchant(_ id: String, licence: String, at: Date = StoreFixture.now) -> Merchant {
        Merchant(
            id: id, registeredName: "某某科技有限公司", shopName: "某某卡盟", businessLicenceNumber: licence, icpFilingNumber: nil, registeredAddress: "上海",
            contactName: "李", contactPhone: "02112345678", contactEmail: "shop@example.com", verifiedAt: nil, createdAt: at, updatedAt: at)
    }

    @Test(arguments: StoreEngine.allCases) func failedLogInsAreCountedPerWindowAndForgottenOnSuccess(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let t0 = StoreFixture.now, window: TimeInterval = 900
        #expect(try await f.store.loginFailures(key: "k1") == nil)
        for n in 1...3 {
            let (failures, since) = try await f.store.recordLoginFailure(key: "k1", at: t0.addingTimeInterval(Double(n) * 10), window: window)
            #expect(failures == n && since == t0.addingTimeInterval(10))
        }
        _ = try await f.store.recordLoginFailure(key: "k2", at: t0, window: window)
        // Seen the same by another opening of the store (a restart, or another server).
        let again = try await f.reopen()
        #expect(try await again.loginFailures(key: "k1").map(\.failures) == 3)
        // A failure after the window starts a new one.
        let late = t0.addingTimeInterval(10 + window + 1)
        let (failures, since) = try await again.recordLoginFailure(key: "k1", at: late, window: window)
        #expect(failures == 1 && since == late)
        // Sixteen concurrent failures are each counted.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 { group.addTask { _ = try await f.store.recordLoginFailure(key: "k3", at: t0, window: window) } }
            try await group.waitForAll()
        }
        #expect(try await f.store.loginFailures(key: "k3").map(\.failures) == 16)
        // A success forgets its key, and windows started before the cut-off go too.
        try await f.store.clearLoginFailures(key: "k1", staleBefore: t0.addingTimeInterval(1))
        #expect(try await f.store.loginFailures(key: "k1") == nil)
        #expect(try await f.store.loginFailures(key: "k2") == nil)
        #expect(try await f.store.loginFailures(key: "k3") == nil)
    }

    @Test(arguments: StoreEngine.allCases) func merchantsAreKeptAndTheirLicenceIsUnique(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let licence = BusinessLicence.withCheck("91310115MA1K4XY80")!
        try await f.store.createMerchant(Self.merchant("m1", licence: licence))
        await #expect(throws: StoreError.duplicate(field: "businessLicenceNumber")) {
            try await f.store.createMerchant(Self.merchant("m2", licence: licence))
        }
        var m = try #require(try await f.store.merchant(id: "m1"))
        m.verifiedAt = StoreFixture.now
        try await f.store.saveMerchant(m)
        #expect(try await f.reopen().merchant(id: "m1")?.verifiedAt == StoreFixture.now)
        await #expect(throws: StoreError.notFound) { try await f.store.saveMerchant(Self.merchant("nobody", licence: licence)) }
        #expect(try await f.store.merchants().map(\.id) == ["m1"])
    }

    @Test(arguments: StoreEngine.allCases) func everyPolicyChangeKeepsWhatItReplaced(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        var p = Policy.default
        p.merchant.evidenceHours = 48
        try await f.store.savePolicy(p, by: "admin-1", at: StoreFixture.now)
        var q = p
        q.member.silenceDays = 5
        try await f.store.savePolicy(q, by: "admin-2", at: StoreFixture.now.addingTimeInterval(60))
        let history = try await f.store.policyHistory(limit: 10)
        #expect(history.map(\.by) == ["admin-2", "admin-1"])
        #expect(history[0].previous == p && history[0].policy == q)
        #expect(history[1].previous == nil && history[1].policy == p)
    }

    @Test(arguments: StoreEngine.allCases) func noticesAreWrittenWithTheirChangeAndARolledBackChangeWritesNone(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let c = try await f.created(try await f.member())
        let pending = try await f.store.pendingNotices(limit: 10)
        #expect(pending.map(\.notice.topic) == [.complaintCreated])
        #expect(pending.first?.notice.caseNumber == c.caseNumber)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await f.store.update(complaintId: c.id) { current in
                _ = try CaseWorkflow(policy: .default, calendar: .china(years: [])).message(
                    on: current, by: CaseActor(id: "a", role: .agent), body: "回复", visibility: .public, now: StoreFixture.now)
                throw Refused()
            }
        }
        #expect(try await f.store.pendingNotices(limit: 10).count == 1)
        #expect(try await f.store.dismissPendingNotices(at: StoreFixture.now) == 1)
        #expect(try await f.store.pendingNotices(limit: 10).isEmpty)
        #expect(try await f.store.deliveries(status: nil, limit: 10, offset: 0).isEmpty)
    }

    @Test(arguments: StoreEngine.allCases) func theOutboxFansOutOnceLeasesRetriesLogsAndReplays(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let member = try await f.member()
        _ = try await f.created(member)
        let (noticeId, _) = try #require(try await f.store.pendingNotices(limit: 10).first)
        // The address is sealed under the member's key and found again by its blind index (fanned out twice: one row).
        let drafts = [
            DeliveryDraft(channel: .email, destination: "a@example.com", sealedFor: member.id),
            DeliveryDraft(channel: .webhook, destination: "hook-1"),
        ]
        let t0 = StoreFixture.now
        try await f.store.fanOut([(noticeId, drafts)], at: t0)
        try await f.store.fanOut([(noticeId, drafts)], at: t0)
        #expect(try await f.store.pendingNotices(limit: 10).isEmpty)
        #expect(try await f.store.deliveries(status: nil, limit: 10, offset: 0).count == 2)

        let claimed = try await f.store.claimDeliveries(dueAt: t0, leaseUntil: t0.addingTimeInterval(300), limit: 10)
        #expect(claimed.count == 2)
        // Leased: a second sender finds nothing until the lease runs out.
        #expect(try await f.store.claimDeliveries(dueAt: t0.addingTimeInterval(1), leaseUntil: t0.addingTimeInterval(301), limit: 10).isEmpty)
        let hook = try #require(claimed.first { $0.channel == .webhook })
        try await f.store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryId: hook.id, attempt: 1, at: t0, ok: false, statusCode: 500, error: "HTTP 500", durationMs: 3),
            outcome: .retry(at: t0.addingTimeInterval(30)), error: "HTTP 500")
        let mail = try #require(claimed.first { $0.channel == .email })
        #expect(mail.destination == "a@example.com")
        try await f.store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryId: mail.id, attempt: 1, at: t0, ok: true, statusCode: nil, error: nil, durationMs: 5), outcome: .delivered,
            error: nil)
        #expect(try await f.store.claimDeliveries(dueAt: t0.addingTimeInterval(29), leaseUntil: t0.addingTimeInterval(400), limit: 10).isEmpty)
        let retried = try await f.store.claimDeliveries(dueAt: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(400), limit: 10)
        #expect(retried.map(\.id) == [hook.id] && retried.first?.attempts == 1)
        try await f.store.recordDeliveryAttempt(
            DeliveryAttempt(deliveryId: hook.id, attempt: 2, at: t0.addingTimeInterval(30), ok: true, statusCode: 200, error: nil, durationMs: 4),
            outcome: .delivered, error: nil)
        #expect(try await f.store.deliveries(status: .delivered, limit: 10, offset: 0).count == 2)

        let replayed = try await f.store.replayDelivery(id: hook.id, at: t0.addingTimeInterval(60))
        #expect(replayed.status == .pending && replayed.attempts == 2)
        let (d, log) = try #require(try await f.store.delivery(id: hook.id))
        #expect(d.notice.topic == .complaintCreated)
        #expect(log.map(\.ok) == [false, true] && log.first?.statusCode == 500)
        await #expect(throws: StoreError.notFound) { try await f.store.replayDelivery(id: 9_999, at: t0) }
    }

    /// Senders on several servers claim at once: each delivery goes to one of them.
    @Test(arguments: StoreEngine.allCases) func concurrentClaimsNeverHandOutADeliveryTwice(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        for _ in 0..<5 { _ = try await f.created(m) }
        let pending = try await f.store.pendingNotices(limit: 100)
        let t0 = StoreFixture.now
        try await f.store.fanOut(
            pending.map { n in (n.id, (0..<8).map { DeliveryDraft(channel: .webhook, destination: "hook-\($0)") }) }, at: t0)
        let total = try await f.store.deliveries(status: .pending, limit: 1_000, offset: 0).count
        #expect(total == pending.count * 8)
        // Two stores on the same database, as two servers would have.
        let other = try await f.engine == .postgres ? f.reopen() : f.store
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for i in 0..<8 {
                let store = i % 2 == 0 ? f.store : other
                group.addTask { try await store.claimDeliveries(dueAt: t0, leaseUntil: t0.addingTimeInterval(300), limit: 7).map(\.id) }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(claims.count == Set(claims).count)
        #expect(claims.count == min(total, 8 * 7))
    }

    @Test(arguments: StoreEngine.allCases) func casesAreFoundByMerchantAndReviewerAndSweptInBatches(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        var draft = StoreFixture.draft()
        draft.order = OrderReference(orderNumber: "KM9", amountPaidFen: 9_800, productKind: .membership, respondent: .merchant, merchantId: "shop-1")
        let against = try await f.created(m, draft)
        let other = try await f.created(m)
        var q = ComplaintQuery()
        q.respondentMerchantId = "shop-1"
        #expect(try await f.store.complaints(q).items.map(\.id) == [against.id])
        let wf = try await f.workflow()
        _ = try await f.store.update(complaintId: other.id) {
            try wf.assignReviewer($0, reviewerId: "rev-1", by: CaseActor(id: "a", role: .admin), now: StoreFixture.now)
        }
        var r = ComplaintQuery()
        r.reviewerId = "rev-1"
        #expect(try await f.store.complaints(r).items.map(\.id) == [other.id])
        r.reviewerId = "rev"
        #expect(try await f.store.complaints(r).items.isEmpty)
        // Both reminders fall due at 18 h; one sweep pass sends each once.
        let at = StoreFixture.now.addingTimeInterval(18 * 3600 + 1)
        #expect(try await f.store.sweepDue(workflow: wf, at: at).count == 2)
        #expect(try await f.store.sweepDue(workflow: wf, at: at).isEmpty)
        let notices = try await f.store.pendingNotices(limit: 20).map(\.notice.topic)
        #expect(notices.filter { $0 == .deadlineApproaching }.count == 2)
    }
}
