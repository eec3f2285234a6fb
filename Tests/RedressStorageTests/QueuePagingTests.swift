import Foundation
import GRDB
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// Staff queues read the queue index in its order and stop at the page; the next page starts from a cursor.
@Suite("Queue paging")
struct QueuePagingTests {
    static func query(after: QueueCursor? = nil, limit: Int = 20) -> ComplaintQuery {
        var q = ComplaintQuery(queues: [.l1, .emergency], openOnly: true, limit: limit)
        q.after = after
        return q
    }

    /// Paging through a queue while cases are filed and withdrawn between pages: every case open throughout is seen
    /// exactly once, in the queue's order (nearest deadline first), and nothing repeats.
    @Test(arguments: StoreEngine.allCases) func cursorPagesAreStableWhileCasesComeAndGo(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        var filed: [Complaint] = []
        for i in 0..<70 { filed.append(try await f.created(m, at: StoreFixture.now.addingTimeInterval(Double((i * 37) % 70) * 600))) }
        let wf = try await f.workflow()
        let actor = CaseActor(id: m.id, role: .member)
        var seen: [String] = []
        var keys: [(Int64, Int64, String)] = []
        var withdrawn: Set<String> = []
        var cursor: QueueCursor?
        var pages = 0
        repeat {
            let page = try await f.store.complaints(Self.query(after: cursor))
            for c in page.items {
                seen.append(c.id)
                keys.append((c.nextDueAt?.millisecondsSince1970 ?? QueueCursor.noDeadline, c.createdAt.millisecondsSince1970, c.id))
            }
            cursor = page.next
            pages += 1
            // Between pages: a new case is filed, and a case not yet read is withdrawn.
            _ = try await f.created(m, at: StoreFixture.now.addingTimeInterval(Double(pages) * 60))
            if let unread = filed.first(where: { !seen.contains($0.id) && !withdrawn.contains($0.id) }) {
                _ = try await f.store.update(complaintId: unread.id) { c in try wf.act(.withdraw, on: c, by: actor, now: StoreFixture.now) }
                withdrawn.insert(unread.id)
            }
        } while cursor != nil && pages < 50
        #expect(Set(seen).count == seen.count, "a case was listed twice")
        for c in filed where !withdrawn.contains(c.id) { #expect(seen.contains(c.id), "\(c.caseNumber) was skipped") }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { a, b in (a.0, a.1, a.2) < (b.0, b.1, b.2) }, "out of the queue's order")
    }

    @Test(arguments: StoreEngine.allCases) func theCountStopsAtItsBound(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        for _ in 0..<3 { _ = try await f.created(m) }
        let page = try await f.store.complaints(Self.query())
        #expect(page.total == 3 && !page.totalIsLowerBound && page.next == nil)
    }

    /// SQLite's plan for a queue page: the queue index in its order, no sorting of the queue.
    @Test func theQueueIsReadThroughItsIndexInOrder() async throws {
        let f = try await StoreFixture(.sqlite)
        let m = try await f.member()
        _ = try await f.created(m)
        let sql = try #require(ComplaintListSQL.openQueue(Self.query(after: QueueCursor(due: 1, filedAtMs: 1, id: "a")), dialect: .sqlite))
        let plan = try await DatabaseQueue(path: f.path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.pageSQL, arguments: SQLiteStore.arguments(sql.values)).map {
                $0["detail"] as String
            }
        }
        let text = plan.joined(separator: "\n")
        // Each queue's range is sought in the index from the cursor on (queue and deadline), read in its order; what
        // is sorted is only the page's rows from each queue, merged.
        #expect(
            plan.filter { $0.contains("SEARCH complaints USING INDEX complaints_open_by_due") && $0.contains("queue=? AND <expr>>?") }.count == 2,
            "\(text)")
        #expect(!plan.contains { $0.contains("SCAN complaints") }, "\(text)")
    }

    /// A merchant's open cases are read through the merchant's own deadline index, page after page by cursor: every
    /// one of its cases once, in deadline order, none of another merchant's.
    @Test(arguments: StoreEngine.allCases) func aMerchantsOpenCasesPageByCursor(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        for (id, licence) in [("shop-a", "91310000MA1FL00001"), ("shop-b", "91310000MA1FL00002")] {
            try await f.store.createMerchant(ProcessStoreTests.merchant(id, licence: licence))
        }
        let m = try await f.member()
        var mine: Set<String> = []
        for i in 0..<23 {
            var d = StoreFixture.draft(paid: Int64(1_000 + i))
            d.order.respondent = .merchant
            d.order.merchantId = i % 4 == 3 ? "shop-b" : "shop-a"
            let c = try await f.created(m, d, at: StoreFixture.now.addingTimeInterval(Double((i * 7) % 23) * 900))
            if d.order.merchantId == "shop-a" { mine.insert(c.id) }
        }
        var q = ComplaintQuery(openOnly: true, limit: 5)
        q.respondentMerchantId = "shop-a"
        var seen: [Complaint] = []
        var pages = 0
        repeat {
            let page = try await f.store.complaints(q)
            #expect(page.total == mine.count && !page.totalIsLowerBound)
            seen += page.items
            q.after = page.next
            pages += 1
        } while q.after != nil && pages < 20
        #expect(Set(seen.map(\.id)) == mine && seen.count == mine.count)
        let keys = seen.map { ($0.nextDueAt?.millisecondsSince1970 ?? QueueCursor.noDeadline, $0.createdAt.millisecondsSince1970, $0.id) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { a, b in a < b }, "out of deadline order")
        if engine == .sqlite {
            let sql = try #require(ComplaintListSQL.openQueue(q, dialect: .sqlite))
            let plan = try await DatabaseQueue(path: f.path).read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.pageSQL, arguments: SQLiteStore.arguments(sql.values)).map {
                    $0["detail"] as String
                }
            }
            #expect(plan.contains { $0.contains("USING INDEX complaints_open_by_merchant") }, "\(plan)")
            #expect(!plan.contains { $0.contains("SCAN complaints") }, "\(plan)")
        }
    }

    /// A queue's category filter reads the category's own range of the open-case index, not the whole queue.
    @Test func aCategoryIsReadThroughItsIndex() async throws {
        let f = try await StoreFixture(.sqlite)
        _ = try await f.created(try await f.member())
        var q = Self.query(after: QueueCursor(due: 1, filedAtMs: 1, id: "a"))
        q.category = "service.membership_not_activated"
        let sql = try #require(ComplaintListSQL.openQueue(q, dialect: .sqlite))
        let plan = try await DatabaseQueue(path: f.path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.pageSQL, arguments: SQLiteStore.arguments(sql.values)).map {
                $0["detail"] as String
            }
        }
        #expect(plan.filter { $0.contains("USING INDEX complaints_open_by_category") && $0.contains("category=?") }.count == 2, "\(plan)")
    }

    @Test func cursorsRoundTripAndForgeriesAreRefused() {
        let c = QueueCursor(due: 1_795_939_200_000, filedAtMs: 1_795_900_000_000, id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        #expect(QueueCursor(encoded: c.encoded) == c)
        #expect(QueueCursor(encoded: "not-a-cursor") == nil)
        #expect(QueueCursor(encoded: Data("q1.1.2.a'b".utf8).base64EncodedString()) == nil)
    }

    /// A count found over the bound is not read again for a while; a count under it always is.
    @Test func largeQueueCountsAreRememberedOnlyOverTheBound() async throws {
        let counts = LargeQueueCounts(lifetime: .milliseconds(300))
        var reads = 0
        let small = { () -> Int in
            reads += 1
            return 12
        }
        #expect(counts.count(sql: "q", values: [.text("l1")], small) == 12)
        #expect(counts.count(sql: "q", values: [.text("l1")], small) == 12)
        #expect(reads == 2)
        let large = { () -> Int in
            reads += 1
            return QueueCursor.countLimit + 1
        }
        #expect(counts.count(sql: "q", values: [.text("l2")], large) == QueueCursor.countLimit + 1)
        #expect(counts.count(sql: "q", values: [.text("l2")], large) == QueueCursor.countLimit + 1)
        #expect(reads == 3)
        // Another queue, or the same statement with other values, is counted.
        #expect(counts.count(sql: "q", values: [.text("l1"), .integer(2)], small) == 12)
        #expect(reads == 4)
        try await Task.sleep(for: .milliseconds(400))
        #expect(counts.count(sql: "q", values: [.text("l2")], small) == 12)
        #expect(reads == 5)
    }
}
