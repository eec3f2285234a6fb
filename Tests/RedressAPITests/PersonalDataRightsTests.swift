import Foundation
import HTTPTypes
import NIOCore
import RedressDossier
import Testing

@testable import RedressAPI
@testable import RedressHTTP

/// A member's rights over their data: a copy, a correction, an erasure (个人信息保护法 Art. 44–47).
@Suite("Personal data rights")
struct PersonalDataRightsTests {
    @Test(arguments: Engine.allCases) func aMemberDownloadsEverythingKeptAboutThem(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let first = try await c.file(m, Client.complaint(narrative: "第一件：充值未到账"))
            let second = try await c.file(m, Client.complaint(narrative: "第二件：会员未开通"))
            let (h, body) = EvidenceAPITests.multipart(EvidenceAPITests.png)
            #expect(try await c.call(.post, "/api/v1/complaints/\(first)/evidence", token: m, headers: h, body: body).status == .created)
            let admin = try await c.login("admin@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(first)/messages", token: admin, json: #"{"body":"内部：疑似重复投诉","visibility":"internal"}"#)
            // Someone else's case is not in the copy.
            let other = try await c.member("o@x.cn")
            _ = try await c.file(other, Client.complaint(narrative: "别人的投诉"))

            let r = try await c.call(.get, "/api/v1/me/export", token: m)
            #expect(r.status == .ok && r.headers[.contentType] == "application/zip" && r.headers[.cacheControl] == "private, no-store")
            let files = try DossierArchive.read(Data(buffer: r.body))
            let account = String(decoding: files["account.json"] ?? [], as: UTF8.self)
            #expect(account.contains("m@x.cn"))
            let cases = Set(files.keys.filter { $0.hasSuffix("/complaint.json") })
            #expect(cases.count == 2)
            let all = files.values.map { String(decoding: $0, as: UTF8.self) }.joined()
            #expect(all.contains("第一件：充值未到账") && all.contains("第二件：会员未开通"))
            #expect(!all.contains("别人的投诉") && !all.contains("疑似重复投诉"))
            #expect(files.keys.contains { $0.contains("/evidence/") && $0.hasSuffix(".png") })
            #expect(files["README.txt"].map { String(decoding: $0, as: UTF8.self).contains("第四十五条") } == true)
            _ = second
        }
    }

    @Test(arguments: Engine.allCases) func aMemberCorrectsTheirDetails(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        try await t.test { c in
            let m = try await c.member("m@x.cn")
            let bad = try await c.call(.patch, "/api/v1/me", token: m, json: #"{"phone":"12345"}"#)
            #expect(bad.status == .unprocessableContent && bad.errorField == "phone")
            let badMail = try await c.call(.patch, "/api/v1/me", token: m, json: #"{"email":"not-mail"}"#)
            #expect(badMail.status == .unprocessableContent && badMail.errorField == "email")
            let ok = try await c.call(.patch, "/api/v1/me", token: m, json: #"{"displayName":"王小明","phone":"13900001111","email":"WANG@x.cn"}"#)
            #expect(ok.status == .ok, "\(ok.html)")
            let me = try await c.call(.get, "/api/v1/me", token: m)
            #expect(me["displayName"] as? String == "王小明" && me["phone"] as? String == "13900001111" && me["email"] as? String == "wang@x.cn")
            _ = try await c.call(.patch, "/api/v1/me", token: m, json: #"{"phone":""}"#)
            #expect(try await c.call(.get, "/api/v1/me", token: m)["phone"] == nil)
        }
    }

    @Test(arguments: Engine.allCases) func anErasedAccountIsGoneAndItsCasesKeptUnderAPseudonym(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let reg = try await c.call(
                .post, "/api/v1/members", json: #"{"login":"13900001111","password":"password-123","displayName":"王小明","phone":"13900001111"}"#)
            #expect(reg.status == .created)
            let m = try await c.login("13900001111")
            let id = try await c.file(m)
            let wrong = try await c.call(.post, "/api/v1/me/erasure", token: m, json: #"{"password":"nope-nope-nope"}"#)
            #expect(wrong.status == .forbidden && wrong.errorField == "password")
            let admin = try await c.login("admin@x.cn")
            #expect(try await c.call(.post, "/api/v1/me/erasure", token: admin, json: #"{"password":"password-123"}"#).status == .forbidden)

            #expect(try await c.call(.post, "/api/v1/me/erasure", token: m, json: #"{"password":"password-123"}"#).status == .noContent)
            #expect(try await c.call(.get, "/api/v1/me", token: m).status == .unauthorized)
            #expect(
                try await c.call(.post, "/api/v1/auth/login", json: #"{"login":"13900001111","password":"password-123"}"#).status == .unauthorized)
            // The case is kept, under the pseudonym, and still verifies.
            let seen = try await c.call(.get, "/api/v1/complaints/\(id)", token: admin)
            #expect(seen.status == .ok && seen.html.contains("已注销会员") && !seen.html.contains("王小明") && !seen.html.contains("13900001111"))
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: admin)["chainValid"] as? Bool == true)
            let users = try await c.call(.get, "/api/v1/users?role=member", token: admin)
            #expect(!users.html.contains("13900001111") && !users.html.contains("王小明"))
            // The log-in is free again.
            #expect(
                try await c.call(.post, "/api/v1/members", json: #"{"login":"13900001111","password":"password-123","displayName":"新会员"}"#).status
                    == .created)
        }
    }
}

/// The same rights from the member's pages.
@Suite("Account page")
struct AccountPageTests {
    @Test func theAccountPageCorrectsDownloadsAndErases() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            let page = try await u.get(c, "/account")
            #expect(page.status == .ok && page.html.contains("我的账号") && page.html.contains("/api/v1/me/export") && page.html.contains("注销账号"))
            let bad = try await u.post(c, "/account", ["displayName": "王小明", "phone": "123", "email": ""])
            #expect(bad.status == .unprocessableContent && bad.html.contains("请输入 11 位手机号") && bad.html.contains(#"value="123""#))
            let ok = try await u.post(c, "/account", ["displayName": "王小明", "phone": "13900001111", "email": ""])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/account?saved=1")
            #expect(try await u.get(c, "/account").html.contains("13900001111"))
            let zip = try await u.get(c, "/api/v1/me/export")
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")
            let wrong = try await u.post(c, "/account/erase", ["password": "nope-nope-nope"])
            #expect(wrong.status == .forbidden && wrong.html.contains("密码不正确"))
            let erased = try await u.post(c, "/account/erase", ["password": "password-123"])
            #expect(erased.status == .seeOther && erased.headers[.location] == "/login?erased=1")
            #expect(try await u.get(c, "/login?erased=1").html.contains("账号已注销"))
            #expect(try await u.get(c, "/my").status == .seeOther)
        }
    }
}
