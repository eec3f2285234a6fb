import Foundation
import GRDB
import PostgresNIO
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// Chinese full-text search on both engines: what it finds is exactly what a scan of the texts finds.
@Suite("Search index")
struct SearchIndexTests {
    /// A fixed corpus of complaint narratives: every subject × problem × demand (5 × 8 × 3 = 120 cases).
    static let subjects = ["我在贵平台购买的王者荣耀点券", "Steam 激活码", "爱奇艺会员月卡", "QQ号代充服务", "腾讯视频年卡"]
    static let problems = [
        "付款后一直没有到账", "被盗刷了两次，账号被封号", "激活码显示已被使用", "充值到了别人的账号", "会员没有开通，客服不回复",
        "订单显示成功但是没有收到", "扣款两次只到账一次", "商家说要等七天才能退款",
    ]
    static let demands = ["请尽快退款。", "要求补发或者退款。", "希望平台介入处理，赔偿损失。"]

    static var corpus: [String] {
        var out: [String] = []
        for s in subjects { for p in problems { for d in demands { out.append("\(s)，\(p)，\(d)") } } }
        return out
    }

    static func query(_ words: String, _ q: ComplaintQuery = ComplaintQuery(limit: 200)) throws -> ComplaintQuery {
        var q = q
        q.search = try SearchText.Query(parsing: words)
        q.searchInternal = true
        return q
    }

    static let queries = ["退款", "盗刷", "封号", "到账", "激活码", "会员", "客服 退款", "没有到账", "款", "steam", "王者荣耀点券", "两次"]

    /// Recall and precision against a brute-force scan: for every query, the cases found are exactly those whose
    /// narrative holds every term (as a substring, lower-cased), none missed and none extra.
    @Test(arguments: StoreEngine.allCases) func findsExactlyWhatAScanFinds(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        var byId: [String: String] = [:]
        for text in Self.corpus { byId[try await f.created(m, StoreFixture.draft(narrative: text)).id] = text }
        for words in Self.queries {
            let page = try await f.store.complaints(try Self.query(words))
            let terms = words.lowercased().split(separator: " ").map(String.init)
            let expected = Set(byId.filter { _, text in terms.allSatisfy { text.lowercased().contains($0) } }.keys)
            let found = Set(page.items.map(\.id))
            #expect(found == expected, "\(words): \(found.subtracting(expected).count) extra, \(expected.subtracting(found).count) missed")
            #expect(page.total == expected.count && !page.totalIsLowerBound, "\(words)")
        }
        // An order number and a case number find their case; a term not in the corpus finds nothing.
        let one = try #require(try await f.store.complaints(ComplaintQuery(limit: 1)).items.first)
        #expect(try await f.store.complaints(try Self.query(one.caseNumber)).items.map(\.id) == [one.id])
        #expect(try await f.store.complaints(try Self.query("KM1")).total == Self.corpus.count)
        #expect(try await f.store.complaints(try Self.query("无关内容")).items.isEmpty)
    }

    /// Who finds what: a member only their own cases, internal notes only staff, the queue filters narrow a search,
    /// and personal data written in a case is not in the index (only its masked form is).
    @Test(arguments: StoreEngine.allCases) func searchKeepsToWhatTheCallerMayRead(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let a = try await f.member("13800000001"), b = try await f.member("13800000002")
        let mine = try await f.created(a, StoreFixture.draft(narrative: "点卡被盗刷，联系电话 13912345678"))
        let theirs = try await f.created(b, StoreFixture.draft(category: "service.membership_not_activated", narrative: "会员被盗刷没有开通"))
        let wf = try await f.workflow()
        let agent = CaseActor(id: "agent-1", role: .agent)
        _ = try await f.store.update(complaintId: theirs.id) { c in
            try wf.message(on: c, by: agent, body: "内部核查：疑似撞库", visibility: .internal, now: StoreFixture.now)
        }
        _ = try await f.store.update(complaintId: mine.id) { c in
            try wf.message(on: c, by: agent, body: "已联系发卡方核实补发", visibility: .public, now: StoreFixture.now)
        }
        // Members: their own cases, never internal notes.
        var asA = try Self.query("盗刷", ComplaintQuery(memberId: a.id))
        asA.searchInternal = false
        #expect(try await f.store.complaints(asA).items.map(\.id) == [mine.id])
        var note = try Self.query("撞库", ComplaintQuery(memberId: b.id))
        note.searchInternal = false
        #expect(try await f.store.complaints(note).items.isEmpty)
        // Staff: internal notes too; filters narrow.
        #expect(try await f.store.complaints(try Self.query("撞库")).items.map(\.id) == [theirs.id])
        #expect(try await f.store.complaints(try Self.query("盗刷")).total == 2)
        #expect(
            try await f.store.complaints(try Self.query("盗刷", ComplaintQuery(category: "service.membership_not_activated"))).items.map(\.id) == [
                theirs.id
            ])
        // A message added later is found (indexed in its write's transaction).
        #expect(try await f.store.complaints(try Self.query("补发")).items.map(\.id) == [mine.id])
        // The phone number is not searchable; what the merchant sees of it is.
        #expect(try await f.store.complaints(try Self.query("13912345678")).items.isEmpty)
        #expect(try await f.store.complaints(try Self.query("5678")).items.map(\.id) == [mine.id])
    }

    /// A merchant finds only the cases it answers for; when a case moves to another merchant, the new one finds it
    /// and the old one no longer does (the case is indexed again under its new merchant).
    @Test(arguments: StoreEngine.allCases) func merchantsFindTheCasesTheyAnswerFor(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        for id in ["shop-a", "shop-b"] {
            try await f.store.createMerchant(ProcessStoreTests.merchant(id, licence: "91310000MA1FL0\(id.suffix(1) == "a" ? "0001" : "0002")"))
        }
        let m = try await f.member()
        func draft(_ shop: String, _ text: String) -> ComplaintDraft {
            var d = StoreFixture.draft(narrative: text)
            d.order.respondent = .merchant
            d.order.merchantId = shop
            return d
        }
        let moved = try await f.created(m, draft("shop-a", "激活码无效，申请退款"))
        let stays = try await f.created(m, draft("shop-b", "卡密错误，申请退款"))
        func found(_ shop: String) async throws -> [String] {
            var q = try Self.query("退款", ComplaintQuery())
            q.searchInternal = false
            q.respondentMerchantId = shop
            return try await f.store.complaints(q).items.map(\.id)
        }
        #expect(try await found("shop-a") == [moved.id])
        #expect(try await found("shop-b") == [stays.id])
        let wf = try await f.workflow()
        _ = try await f.store.update(complaintId: moved.id) { c in
            try wf.changeRespondent(
                c, to: CaseRespondent(kind: .merchant, merchantId: "shop-b"), reason: "实际发货商家为 B 店", by: CaseActor(id: "s1", role: .specialist),
                merchantKnown: true, now: StoreFixture.now)
        }
        #expect(try await found("shop-a").isEmpty)
        #expect(Set(try await found("shop-b")) == [moved.id, stays.id])
        // The index itself holds nothing under the old merchant's tag any more (SQLite: the passages were deleted, not
        // just left unreachable).
        if let s = f.store as? SQLiteStore {
            let left = try await s.pool.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM search_text WHERE search_text MATCH ?", arguments: ["tags : \(SearchText.merchantTag("shop-a"))"])
            }
            #expect(left == 0)
            // Deleted with the very tokens they were indexed with: the index is consistent.
            try await s.pool.write { try $0.execute(sql: "INSERT INTO search_text(search_text) VALUES ('integrity-check')") }
            #expect(
                try await s.pool.read { try String.fetchAll($0, sql: "SELECT complaint_id FROM search_cases") }.sorted()
                    == [moved.id, stays.id].sorted())
        }
        // Staff still find each case once.
        #expect(try await f.store.complaints(try Self.query("退款")).total == 2)
    }

    /// A store made before search is indexed once when it is opened: the cases already there are found afterwards.
    @Test(arguments: StoreEngine.allCases) func anOlderStoreIsIndexedAtUpgrade(_ engine: StoreEngine) async throws {
        let f = try await StoreFixture(engine)
        let m = try await f.member()
        let c = try await f.created(m, StoreFixture.draft(narrative: "游戏币充值未到账，申请退款"))
        let wf = try await f.workflow()
        _ = try await f.store.update(complaintId: c.id) { x in
            try wf.assignReviewer(x, reviewerId: "reviewer-1", by: CaseActor(id: "admin-1", role: .admin), now: StoreFixture.now)
        }
        // Undo the search and list migrations, as a store from before them would be.
        switch engine {
        case .sqlite:
            let s = try f.sqlite
            try await s.pool.write { db in
                try db.execute(sql: "DROP TABLE search_text; DROP TABLE search_cases; DROP TABLE complaint_reviewers")
                try db.execute(sql: "DROP INDEX complaints_open_by_merchant; DROP INDEX complaints_open_by_category")
                try db.execute(
                    sql:
                        "DELETE FROM grdb_migrations WHERE identifier IN ('v10_create_search_index', 'v11_index_merchant_and_reviewer_lists', 'v12_index_open_cases_by_category')"
                )
            }
        case .postgres:
            let p = try #require(f.store as? PostgresStore)
            _ = try await p.rows("DROP TABLE search_text")
            _ = try await p.rows("DROP TABLE search_cases")
            _ = try await p.rows("DROP TABLE complaint_reviewers")
            _ = try await p.rows("DROP INDEX complaints_open_by_merchant")
            _ = try await p.rows("DROP INDEX complaints_open_by_category")
            _ = try await p.rows("DELETE FROM redress_schema WHERE version >= 8")
            await p.close()
        }
        let reopened = try await f.reopen()
        let page = try await reopened.complaints(try Self.query("退款"))
        #expect(page.items.map(\.id) == [c.id])
        // The reviewer's rows are made from the cases' reviewers column.
        var reviewed = ComplaintQuery()
        reviewed.reviewerId = "reviewer-1"
        #expect(try await reopened.complaints(reviewed).items.map(\.id) == [c.id])
        // New cases go on being indexed after the upgrade, numbered after the backfilled ones.
        let later = try await reopened.createComplaint(day: wf.calendar.civilDate(of: StoreFixture.now), idempotency: nil) { n in
            try wf.file(
                StoreFixture.draft(narrative: "退款未收到"), id: UUID().uuidString.lowercased(), caseNumber: n, memberId: m.id, now: StoreFixture.now)
        }
        guard case .created(let d, _) = later else { throw StoreError.notFound }
        let both = try await reopened.complaints(try Self.query("退款"))
        #expect(Set(both.items.map(\.id)) == [c.id, d.id])
        // Rebuilt from the cases (`redress reindex-search`), it finds the same.
        #expect(try await reopened.rebuildSearchIndex() == 2)
        #expect(Set(try await reopened.complaints(try Self.query("退款")).items.map(\.id)) == [c.id, d.id])
    }

    /// SQLite reads the index newest first and stops: no scan of the cases.
    @Test func sqliteReadsTheIndexInOrder() async throws {
        let f = try await StoreFixture(.sqlite)
        let m = try await f.member()
        _ = try await f.created(m)
        let q = try Self.query("退款", ComplaintQuery(category: "transaction.topup_not_credited"))
        let list = ComplaintListSQL(q, dialect: .sqlite)
        let plan = try await f.sqlite.pool.read { db in
            try Row.fetchAll(
                db, sql: "EXPLAIN QUERY PLAN " + SearchIndex.sqliteCandidatesSQL(list),
                arguments: ["words : \"退款\""] + SQLiteStore.arguments(list.values)
            ).map { $0["detail"] as String }
        }
        let text = plan.joined(separator: "\n")
        #expect(plan.contains { $0.contains("SCAN search_text VIRTUAL TABLE") }, "\(text)")
        // The cases are reached by key from each match, never scanned.
        #expect(
            plan.contains { $0.contains("CO-ROUTINE h") } && !plan.contains { $0.contains("MATERIALIZE") || $0.contains("TEMP B-TREE") }, "\(text)")
        #expect(!plan.contains { $0.contains("SCAN c") || $0.contains("SCAN complaints") || $0.contains("SCAN s ") }, "\(text)")
    }
}
