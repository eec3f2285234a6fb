import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RedressAPI
import RedressDomain
import Testing

/// A browser's cookies and the page forms' CSRF token, for driving the pages without a browser.
struct WebUser {
    var cookies: [String: String] = [:]

    var header: HTTPFields {
        var h = HTTPFields()
        if !cookies.isEmpty { h[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        return h
    }

    var csrf: String { cookies["redress_csrf"] ?? "" }

    mutating func keep(_ r: Reply) {
        for line in r.headers[values: .setCookie] {
            let pair = line.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            cookies[String(pair[0])] = String(pair[1])
        }
    }

    mutating func get(_ c: Client, _ uri: String) async throws -> Reply {
        let r = try await c.call(.get, uri, headers: header)
        keep(r)
        return r
    }

    /// Posts a form; `csrf: false` leaves the token out.
    mutating func post(_ c: Client, _ uri: String, _ fields: [String: String], csrf: Bool = true) async throws -> Reply {
        var f = fields
        if csrf { f["_csrf"] = self.csrf }
        let body = f.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.sorted().joined(separator: "&")
        var h = header
        h[.contentType] = "application/x-www-form-urlencoded"
        let r = try await c.call(.post, uri, headers: h, body: ByteBuffer(string: body))
        keep(r)
        return r
    }

    static func escape(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }

    /// Logs in through the log-in page.
    static func login(_ c: Client, _ login: String, _ password: String = "password-123") async throws -> WebUser {
        var u = WebUser()
        _ = try await u.get(c, "/login")
        let r = try await u.post(c, "/login", ["login": login, "password": password])
        #expect(r.status == .seeOther, "\(String(buffer: r.body))")
        return u
    }
}

extension Reply {
    var html: String { String(buffer: body) }
}

@Suite("Web pages")
struct WebPagesTests {
    @Test func pagesCarryTheirSecurityHeadersAndEveryFormACSRFToken() async throws {
        let t = try await TestApp()
        try await t.test { c in
            var u = WebUser()
            let r = try await u.get(c, "/login")
            #expect(r.status == .ok)
            let csp = try #require(r.headers[.contentSecurityPolicy])
            #expect(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"))
            #expect(
                r.headers[values: .setCookie].contains { $0.hasPrefix("redress_csrf=") && $0.contains("HttpOnly") && $0.contains("SameSite=Lax") })
            #expect(r.html.contains(#"<input type="hidden" name="_csrf" value="\#(u.csrf)">"#))
            #expect(r.html.contains(#"<html lang="zh-CN">"#) && r.html.contains("登录"))
            #expect(!r.html.contains("<script>"), "no inline script")
            let en = try await u.get(c, "/login?lang=en")
            #expect(en.html.contains(#"<html lang="en">"#) && en.html.contains("Log in"))
        }
    }

    @Test func aLogInWithoutItsTokenOrWithAWrongPasswordKeepsWhatWasTyped() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = WebUser()
            _ = try await u.get(c, "/login")
            let noToken = try await u.post(c, "/login", ["login": "m@x.cn", "password": "password-123"], csrf: false)
            #expect(noToken.status == .forbidden)
            #expect(noToken.html.contains("表单已过期") && noToken.html.contains(#"value="m@x.cn""#))
            let wrong = try await u.post(c, "/login", ["login": "m@x.cn", "password": "nope-nope"])
            #expect(wrong.status == .unauthorized && wrong.html.contains("登录名或密码错误") && wrong.html.contains(#"value="m@x.cn""#))
            let ok = try await u.post(c, "/login", ["login": "m@x.cn", "password": "password-123"])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/my")
            let session = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("redress_session=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Lax") && !session.contains("Secure"))
            // Behind a TLS proxy the cookie is Secure.
            var h = u.header
            h[.contentType] = "application/x-www-form-urlencoded"
            h[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            let tls = try await c.call(
                .post, "/login", headers: h, body: ByteBuffer(string: "login=m%40x.cn&password=password-123&_csrf=\(u.csrf)"))
            #expect(tls.headers[values: .setCookie].contains { $0.hasPrefix("redress_session=") && $0.contains("Secure") })
        }
    }

    @Test func theWizardRefusesEachStepsBadInputInTheMembersLanguageAndKeepsWhatWasTyped() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            let start = try await u.get(c, "/my/new")
            #expect(start.status == .ok && start.html.contains("充值未到账") && start.html.contains(#"name="category""#))
            // Step 1 with nothing chosen.
            let none = try await u.post(c, "/my/new", ["step": "1"])
            #expect(none.status == .unprocessableContent && none.html.contains("请选择问题类型"))
            let two = try await u.post(c, "/my/new", ["step": "1", "category": "transaction.topup_not_credited"])
            #expect(two.status == .ok && two.html.contains(#"id="orderNumber""#))
            // An amount that is not one keeps the order number typed.
            let badAmount = try await u.post(
                c, "/my/new", ["step": "2", "category": "transaction.topup_not_credited", "orderNumber": "KM-77", "amountPaid": "九十八"])
            #expect(badAmount.status == .unprocessableContent && badAmount.html.contains("请输入金额"))
            #expect(badAmount.html.contains(#"value="KM-77""#))
            var values = [
                "category": "transaction.topup_not_credited", "orderNumber": "KM-77", "amountPaid": "98", "productKind": "game_topup",
                "respondent": "platform", "occurredAt": "2026-11-28T21:30", "narrative": "", "remedyKind": "refund", "amountClaimed": "98",
                "_nonce": "0f1e2d3c-aaaa-4bbb-8ccc-111122223333",
            ]
            // An empty account of what happened is refused at its own step.
            values["step"] = "3"
            let empty = try await u.post(c, "/my/new", values)
            #expect(empty.status == .unprocessableContent && empty.html.contains(#"id="narrative""#))
            #expect(empty.html.contains(#"name="orderNumber" value="KM-77""#), "earlier steps are carried")
            // Too long.
            values["narrative"] = String(repeating: "长", count: 20_001)
            let long = try await u.post(c, "/my/new", values)
            #expect(long.status == .unprocessableContent && long.html.contains(#"class="error""#))
            values["narrative"] = "11月28日晚充值98元未到账"
            values["step"] = "5"
            let filed = try await u.post(c, "/my/new", values)
            #expect(filed.status == .seeOther)
            let location = try #require(filed.headers[.location])
            #expect(location.hasPrefix("/my/cases/"))
            // The same last step sent twice (a double click) files one complaint.
            _ = try await u.post(c, "/my/new", values)
            let list = try await u.get(c, "/my")
            #expect(list.html.components(separatedBy: "class=\"case-row\"").count - 1 == 1, "one nonce, one complaint")
            let page = try await u.get(c, location)
            #expect(page.status == .ok && page.html.contains("11月28日晚充值98元未到账") && page.html.contains("data-due="))
        }
    }

    @Test func anExpiredSessionOrAMissingTokenOnACaseFormKeepsTheMessage() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let token = try await c.member("m@x.cn")
            let id = try await c.file(token)
            var u = try await WebUser.login(c, "m@x.cn")
            let noToken = try await u.post(c, "/my/cases/\(id)/messages", ["body": "我的补充说明"], csrf: false)
            #expect(noToken.status == .unprocessableContent && noToken.html.contains("表单已过期") && noToken.html.contains("我的补充说明"))
            // The session cookie no longer verifies (expired, or signed with another key).
            u.cookies["redress_session"] = "expired.token"
            let expired = try await u.post(c, "/my/cases/\(id)/messages", ["body": "我的补充说明"])
            #expect(expired.status == .unauthorized && expired.html.contains("登录已过期") && expired.html.contains("我的补充说明"))
            let page = try await u.get(c, "/my/cases/\(id)")
            #expect(page.status == .seeOther && (page.headers[.location] ?? "").contains("expired=1"))
        }
    }

    @Test func aFileOfTheWrongTypeIsRefusedOnTheCasePage() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let token = try await c.member("m@x.cn")
            let id = try await c.file(token)
            let u = try await WebUser.login(c, "m@x.cn")
            let boundary = "b0undary"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(u.csrf)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"setup.exe\"\r\nContent-Type: application/octet-stream\r\n\r\nMZ\u{0}\u{0}binary\r\n"
                + "--\(boundary)--\r\n"
            var h = u.header
            h[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let r = try await c.call(.post, "/my/cases/\(id)/evidence", headers: h, body: ByteBuffer(string: body))
            #expect(r.status == .seeOther)
            var again = u
            let page = try await again.get(c, try #require(r.headers[.location]))
            #expect(page.html.contains("不支持的文件类型"))
        }
    }

    @Test func staffSeeInternalNotesMarkedAndMembersNeverSeeThem() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let token = try await c.member("m@x.cn")
            let id = try await c.file(token)
            var agent = try await WebUser.login(c, "agent@x.cn")
            let queue = try await agent.get(c, "/work")
            #expect(queue.status == .ok && queue.html.contains("/work/cases/\(id)"))
            #expect(try await agent.post(c, "/work/cases/\(id)/messages", ["body": "公开答复：已受理", "visibility": "public"]).status == .seeOther)
            #expect(try await agent.post(c, "/work/cases/\(id)/messages", ["body": "内部：核查渠道", "visibility": "internal"]).status == .seeOther)
            let staffPage = try await agent.get(c, "/work/cases/\(id)")
            #expect(staffPage.html.contains(#"class="event kind-internal_note internal""#) && staffPage.html.contains("内部：核查渠道"))
            #expect(staffPage.html.contains("哈希链校验通过"))
            var member = try await WebUser.login(c, "m@x.cn")
            let memberPage = try await member.get(c, "/my/cases/\(id)")
            #expect(memberPage.html.contains("公开答复：已受理"))
            #expect(!memberPage.html.contains("内部：核查渠道"))
            // A member cannot open the staff pages, nor another member's case.
            #expect(try await member.get(c, "/work").status == .forbidden)
            _ = try await c.member("other@x.cn")
            var other = try await WebUser.login(c, "other@x.cn")
            #expect(try await other.get(c, "/my/cases/\(id)").status == .notFound)
        }
    }

    @Test func theAPITakesTheSessionCookieForReadsOnly() async throws {
        let t = try await TestApp()
        try await t.test { c in
            let token = try await c.member("m@x.cn")
            let id = try await c.file(token)
            let u = try await WebUser.login(c, "m@x.cn")
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)", headers: u.header).status == .ok)
            var h = u.header
            h[.contentType] = "application/json"
            let write = try await c.call(.post, "/api/v1/complaints/\(id)/messages", headers: h, body: ByteBuffer(string: #"{"body":"跨站写入"}"#))
            #expect(write.status == .unauthorized)
        }
    }

    @Test func aMerchantAnswersARecordsRequestFromItsPagesAndSeesPersonalDataMasked() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.specialist, login: "l2@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let member = try await c.member("m@x.cn")
            let id = try await c.file(
                member,
                #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-CARD-9","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"月卡未开通，联系电话 13900001111","remedy":{"kind":"delivery"},"amountClaimedFen":3000}"#
            )
            // The case goes to L2, who asks the merchant for its records from the case page.
            let l2Token = try await c.login("l2@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: l2Token, json: #"{"reason":"商家举证"}"#)
            var l2 = try await WebUser.login(c, "l2@x.cn")
            let asked = try await l2.post(c, "/work/cases/\(id)/records-requests", ["needed": "开通记录与发货日志", "hours": "72"])
            #expect(asked.status == .seeOther, "\(asked.html)")
            var shop = try await WebUser.login(c, "shop@x.cn")
            let list = try await shop.get(c, "/merchant")
            #expect(list.status == .ok && list.html.contains("/merchant/cases/\(id)"))
            let page = try await shop.get(c, "/merchant/cases/\(id)")
            #expect(page.html.contains("139****1111") && !page.html.contains("13900001111"))
            #expect(page.html.contains("开通记录与发货日志"))
            let requestId = try #require(
                page.html.components(separatedBy: #"name="requestId" value=""#).dropFirst().first?.prefix(while: { $0 != "\"" }))
            let boundary = "b0undary"
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(shop.csrf)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"requestId\"\r\n\r\n\(requestId)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n开通日志见附件\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"log.txt\"\r\nContent-Type: text/plain\r\n\r\n2026-11-28 10:05 activation ok\r\n"
                + "--\(boundary)--\r\n"
            var h = shop.header
            h[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let sent = try await c.call(.post, "/merchant/cases/\(id)/records", headers: h, body: ByteBuffer(string: body))
            #expect(sent.status == .seeOther && !(sent.headers[.location] ?? "").contains("uploadError"), "\(sent.headers)")
            let c2 = try #require(try await t.store.complaint(id: id))
            #expect(c2.recordsRequests.first?.fulfilledAt != nil && c2.recordsRequests.first?.files.count == 1)
            // Another merchant's user sees nothing of it.
            #expect(try await shop.get(c, "/my").status == .forbidden)
        }
    }
}

@Suite("Supervisor pages")
struct SupervisorPagesTests {
    @Test func theDashboardDrawsItsChartsFromTheCases() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            _ = try await c.file(member, Client.complaint(category: "service.slow_support_response"))
            let agent = try await c.login("agent@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"已受理","visibility":"public"}"#)
            var admin = try await WebUser.login(c, "admin@x.cn")
            let page = try await admin.get(c, "/admin")
            #expect(page.status == .ok)
            #expect(page.html.components(separatedBy: "<svg").count - 1 == 4)
            // Two cases today: one transaction, one service; the first response met (agent replied at once).
            #expect(page.html.contains("交易类 1</title>") && page.html.contains("服务类 1</title>"))
            #expect(page.html.contains("100% (1/1)"))
            #expect(page.html.contains("共 1 件"))
            // Members and agents do not see it.
            var m = try await WebUser.login(c, "m@x.cn")
            #expect(try await m.get(c, "/admin").status == .forbidden)
            var a = try await WebUser.login(c, "agent@x.cn")
            #expect(try await a.get(c, "/admin").status == .forbidden)
        }
    }

    @Test func thePolicyEditorRefusesNonsenseKeepingWhatWasTypedAndSavesTheRest() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            let page = try await admin.get(c, "/admin/policy")
            var fields: [String: String] = [:]
            for match in page.html.components(separatedBy: #"<input id=""#).dropFirst() {
                let name = String(match.prefix { $0 != "\"" })
                let value = match.components(separatedBy: #"value=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) } ?? ""
                fields[name] = value
            }
            #expect(fields["firstResponseHours"] == "24")
            fields["firstResponseHours"] = "0"
            let refused = try await admin.post(c, "/admin/policy", fields)
            #expect(refused.status == .unprocessableContent && refused.html.contains(#"value="0""#) && refused.html.contains("1–8760"))
            fields["firstResponseHours"] = "12"
            let saved = try await admin.post(c, "/admin/policy", fields)
            #expect(saved.status == .seeOther)
            #expect(try await t.store.policy().deadlines.firstResponseHours == 12)
            #expect(try await t.store.policyHistory(limit: 5).count == 1)
        }
    }

    @Test func anAdminCreatesAndDisablesAStaffAccount() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/users")
            let bad = try await admin.post(
                c, "/admin/users", ["login": "new@x.cn", "displayName": "新客服", "role": "nope", "password": "password-123"])
            #expect(bad.status == .unprocessableContent && bad.html.contains("请选择角色") && bad.html.contains(#"value="new@x.cn""#))
            #expect(
                try await admin.post(c, "/admin/users", ["login": "new@x.cn", "displayName": "新客服", "role": "agent", "password": "password-123"])
                    .status == .seeOther)
            let user = try #require(try await t.store.user(login: "new@x.cn"))
            #expect(user.user.role == .agent)
            #expect(try await admin.post(c, "/admin/users/\(user.user.id)/disabled", ["disabled": "true"]).status == .seeOther)
            #expect(try await t.store.user(login: "new@x.cn")?.user.disabled == true)
        }
    }
}

@Suite("Process pages")
struct ProcessPagesTests {
    @Test func aMemberRecordsAnExternalComplaintAndASpecialistRulesFromTheirPages() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.specialist, login: "l2@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            var m = try await WebUser.login(c, "m@x.cn")
            let bad = try await m.post(c, "/my/cases/\(id)/external", ["channel": "black_cat", "reference": "HM-2026-1", "filedOn": "昨天"])
            #expect(bad.status == .unprocessableContent && bad.html.contains("请填写提交日期"))
            #expect(
                try await m.post(c, "/my/cases/\(id)/external", ["channel": "black_cat", "reference": "HM-2026-1", "filedOn": "2026-11-29"]).status
                    == .seeOther)
            #expect(try await t.store.complaint(id: id)?.externalComplaints.first?.reference == "HM-2026-1")
            let l2Token = try await c.login("l2@x.cn")
            _ = l2Token
            var l2 = try await WebUser.login(c, "l2@x.cn")
            let page = try await l2.get(c, "/work/cases/\(id)")
            #expect(page.html.contains(#"action="/work/cases/\#(id)/rulings""#) && page.html.contains("HM-2026-1"))
            let ruled = try await l2.post(c, "/work/cases/\(id)/rulings", ["outcome": "for_member", "amount": "98", "reason": "平台未能证明已到账"])
            #expect(ruled.status == .seeOther, "\(ruled.html)")
            #expect(try await t.store.complaint(id: id)?.ruling?.amountFen == 9_800)
        }
    }

    @Test func theCalendarEditorNamesAWrongDateAndSavesAYear() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/policy")
            let bad = try await admin.post(c, "/admin/calendar", ["year": "2027", "daysOff": "2027-01-01 2027-02-30", "workingWeekends": ""])
            #expect(bad.status == .unprocessableContent && bad.html.contains("2027-02-30") && bad.html.contains("2027-01-01 2027-02-30"))
            let ok = try await admin.post(
                c, "/admin/calendar", ["year": "2027", "daysOff": "2027-01-01，2027-02-08", "workingWeekends": "2027-02-07"])
            #expect(ok.status == .seeOther, "\(ok.html)")
            #expect(try await t.store.calendarYears().contains { $0.year == 2027 && $0.daysOff.count == 2 })
        }
    }
}

@Suite("Member pages, later in a case")
struct MemberLaterPagesTests {
    @Test func aMemberReopensARejectedCaseFromItsPageAndTheListFragmentShowsIt() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            let agent = try await c.login("agent@x.cn")
            let rejected = try await c.call(
                .post, "/api/v1/complaints/\(id)/transitions", token: agent,
                json: #"{"action":"reject","reason":"insufficient_information","note":"信息不全"}"#)
            #expect(rejected.status == .ok, "\(rejected.html)")
            var m = try await WebUser.login(c, "m@x.cn")
            let page = try await m.get(c, "/my/cases/\(id)")
            #expect(page.html.contains(#"action="/my/cases/\#(id)/reopen""#))
            #expect(try await m.post(c, "/my/cases/\(id)/reopen", ["note": "已补充订单截图"]).status == .seeOther)
            #expect(try await t.store.complaint(id: id)?.status == .inProgress)
            let list = try await m.get(c, "/my?fragment=list")
            #expect(list.status == .ok && list.html.hasPrefix("<ul") && list.html.contains("/my/cases/\(id)") && !list.html.contains("<html"))
        }
    }
}

@Suite("Reviewer and merchant records pages")
struct ReviewerAndMerchantRecordsPagesTests {
    @Test func anExternalReviewerReadsTheCaseGivenToThemAndRulesFromTheirPage() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        let reviewer = try await t.staff(.arbitrator, login: "arb@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            let other = try await c.file(member)
            let admin = try await c.login("admin@x.cn")
            let given = try await c.call(.post, "/api/v1/complaints/\(id)/reviewers", token: admin, json: #"{"reviewerId":"\#(reviewer)"}"#)
            #expect(given.status == .created, "\(given.html)")
            var r = try await WebUser.login(c, "arb@x.cn")
            let list = try await r.get(c, "/review")
            #expect(list.status == .ok && list.html.contains("/review/cases/\(id)") && !list.html.contains("/review/cases/\(other)"))
            #expect(try await r.get(c, "/review/cases/\(other)").status == .notFound)
            let page = try await r.get(c, "/review/cases/\(id)")
            #expect(page.html.contains(#"action="/review/cases/\#(id)/rulings""#) && !page.html.contains("/messages"))
            let empty = try await r.post(c, "/review/cases/\(id)/rulings", ["outcome": "for_member", "reason": ""])
            #expect(empty.status == .unprocessableContent && empty.html.contains(#"class="error""#))
            #expect(
                try await r.post(c, "/review/cases/\(id)/rulings", ["outcome": "partial", "amount": "50", "reason": "证据部分成立"]).status == .seeOther)
            #expect(try await t.store.complaint(id: id)?.ruling?.outcome == .partial)
        }
    }

    @Test func anAdminSeesMerchantsDueForVerificationFirstAndRecordsACheck() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            var a = try await WebUser.login(c, "admin@x.cn")
            let page = try await a.get(c, "/admin/merchants")
            #expect(page.status == .ok && page.html.contains(#"<tr class="overdue">"#) && page.html.contains("上海某某网络科技有限公司"))
            #expect(try await a.post(c, "/admin/merchants/\(merchantId)/verification", [:]).status == .seeOther)
            #expect(try await t.store.merchant(id: merchantId)?.verifiedAt == t.clock.now)
            let after = try await a.get(c, "/admin/merchants")
            #expect(!after.html.contains(#"<tr class="overdue">"#))
        }
    }
}
