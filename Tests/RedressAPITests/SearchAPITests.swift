import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import RedressAPI
@testable import RedressHTTP

/// Searching cases through the API and the pages, as each role may.
@Suite("Search through the API and the pages")
struct SearchAPITests {
    static func items(_ r: Reply) -> [[String: Any]] { r["items"] as? [[String: Any]] ?? [] }

    static func error(_ r: Reply) -> [String: Any] { r["error"] as? [String: Any] ?? [:] }

    static func marked(_ item: [String: Any]) -> [String] {
        (item["match"] as? [[String: Any]] ?? []).filter { $0["match"] as? Bool == true }.compactMap { $0["text"] as? String }
    }

    @Test(arguments: Engine.allCases) func membersAndStaffFindCasesByTheirWords(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        let agent = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let a = try await c.member("13800000001"), b = try await c.member("13800000002")
            let refund = try await c.file(a, Client.complaint(narrative: "点券充值没到账，客服让我等退款，已经三天了"))
            _ = try await c.file(a, Client.complaint(narrative: "会员没开通"))
            let other = try await c.file(b, Client.complaint(narrative: "账号被盗刷，申请退款"))
            // A member finds their own case, with the words marked; not another member's.
            let mine = try await c.call(.get, "/api/v1/complaints?q=%E9%80%80%E6%AC%BE", token: a)  // 退款
            #expect(mine.status == .ok, "\(mine.html)")
            #expect(Self.items(mine).map { $0["id"] as? String } == [refund])
            #expect(Self.items(mine).first.map(Self.marked) == ["退款"])
            // Staff find both, and filter them.
            let token = try await c.login("agent@x.cn")
            let all = try await c.call(.get, "/api/v1/complaints?q=%E9%80%80%E6%AC%BE", token: token)
            #expect(Set(Self.items(all).compactMap { $0["id"] as? String }) == [refund, other])
            #expect(all["total"] as? Int == 2 && all["totalIsLowerBound"] as? Bool == false)
            let two = try await c.call(.get, "/api/v1/complaints?q=%E9%80%80%E6%AC%BE%20%E7%9B%97%E5%88%B7", token: token)  // 退款 盗刷
            #expect(Self.items(two).map { $0["id"] as? String } == [other])
            // Refused: punctuation only, too long, a cursor with a search.
            let bad = try await c.call(.get, "/api/v1/complaints?q=%EF%BC%8C%EF%BC%81", token: a)
            #expect(
                bad.status == .badRequest && Self.error(bad)["code"] as? String == "query_without_words"
                    && Self.error(bad)["field"] as? String == "q", "\(bad.html)")
            let long = try await c.call(.get, "/api/v1/complaints?q=" + String(repeating: "a", count: 101), token: a)
            #expect(long.status == .badRequest && Self.error(long)["code"] as? String == "query_too_long")
            // The pages: the search box keeps the words, the found words are marked.
            var member = try await WebUser.login(c, "13800000001")
            let page = try await member.get(c, "/my?q=%E9%80%80%E6%AC%BE")
            #expect(page.html.contains("<mark>退款</mark>") && page.html.contains(#"value="退款""#), "\(page.html)")
            #expect(page.html.contains("/my?fragment=list&amp;q=") || page.html.contains("/my?fragment=list&q="), "the live list keeps the search")
            #expect(!page.html.contains("会员没开通"))
            var staff = try await WebUser.login(c, "agent@x.cn")
            let queue = try await staff.get(c, "/work?q=%E7%9B%97%E5%88%B7")  // 盗刷
            #expect(queue.html.contains("<mark>盗刷</mark>") && !queue.html.contains("点券充值"), "\(queue.html)")
            let refused = try await staff.get(c, "/work?q=%EF%BC%8C")
            #expect(refused.status == .ok && refused.html.contains("请输入要搜索的文字"))
            _ = agent
        }
    }
}
