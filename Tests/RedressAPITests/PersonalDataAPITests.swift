import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import RedressAPI
@testable import RedressHTTP

/// A member's personal data written in free text reaches the respondent merchant masked, on every path it can read
/// (the case, its timeline, its evidence and downloads, its list, its pages), while staff and the member read it as written.
@Suite("Personal data a merchant reads")
struct PersonalDataAPITests {
    static let secrets = ["13900001111", "139 0000 1111", "王小明", "wangxm@example.com", "11010519491231002X", "123456789", "6222021234567890123"]

    @Test(arguments: Engine.allCases) func aMerchantReadsTheMembersWordsMaskedEverywhere(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, shopToken) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let reg = try await c.call(
                .post, "/api/v1/members", json: #"{"login":"wangxm@example.com","password":"password-123","displayName":"王小明"}"#)
            #expect(reg.status == .created, "\(reg.html)")
            let member = try await c.login("wangxm@example.com")
            let narrative = "我是王小明，电话 139 0000 1111，身份证11010519491231002X，订单号KM-PD-77 没到账"
            let id = try await c.file(
                member,
                #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-PD-77","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"\#(narrative)","remedy":{"kind":"other","text":"退到银行卡6222021234567890123"},"amountClaimedFen":3000}"#
            )
            let msg = try await c.call(
                .post, "/api/v1/complaints/\(id)/messages", token: member, json: #"{"body":"QQ：123456789，邮箱 wangxm@example.com"}"#)
            #expect(msg.status == .created || msg.status == .ok, "\(msg.html)")
            let (h, body) = EvidenceAPITests.multipart(EvidenceAPITests.png, name: "付款截图_13900001111.png")
            let up = try await c.call(.post, "/api/v1/complaints/\(id)/evidence", token: member, headers: h, body: body)
            #expect(up.status == .created, "\(up.html)")
            let sha = (up["evidence"] as? [String: Any])?["sha256"] as? String ?? ""

            var shown: [String: String] = [:]
            for path in [
                "/api/v1/complaints/\(id)", "/api/v1/complaints/\(id)/timeline", "/api/v1/complaints/\(id)/evidence", "/api/v1/merchant/cases",
                // A search's passages, as the merchant may read them.
                "/api/v1/merchant/cases?q=%E6%B2%A1%E5%88%B0%E8%B4%A6", "/api/v1/merchant/cases?q=QQ",
            ] {
                let r = try await c.call(.get, path, token: shopToken)
                #expect(r.status == .ok, "\(path): \(r.html)")
                shown[path] = r.html
            }
            let download = try await c.call(.get, "/api/v1/complaints/\(id)/evidence/\(sha)", token: shopToken)
            shown["Content-Disposition"] = (download.headers[.contentDisposition] ?? "").removingPercentEncoding ?? ""
            var shop = try await WebUser.login(c, "shop@x.cn")
            shown["/merchant/cases/\(id)"] = try await shop.get(c, "/merchant/cases/\(id)").html
            shown["/merchant"] = try await shop.get(c, "/merchant").html
            shown["/merchant?q="] = try await shop.get(c, "/merchant?q=%E6%B2%A1%E5%88%B0%E8%B4%A6").html
            #expect(shown["/merchant?q="]?.contains("<mark>没到账</mark>") == true, "\(shown["/merchant?q="] ?? "")")
            #expect(shown["/api/v1/merchant/cases?q=QQ"]?.contains("\"total\":1") == true)
            for (path, text) in shown {
                for secret in Self.secrets { #expect(!text.contains(secret), "\(path) shows \(secret)") }
            }
            #expect(shown["/api/v1/complaints/\(id)"]?.contains("139****1111") == true)
            #expect(shown["/api/v1/complaints/\(id)"]?.contains("KM-PD-77") == true)
            #expect(shown["/merchant/cases/\(id)"]?.contains("付款截图_139****1111.png") == true)
            #expect(shown["Content-Disposition"]?.contains("139****1111") == true)

            // Staff and the member read what was written; the stored case keeps it.
            let asAdmin = try await c.call(.get, "/api/v1/complaints/\(id)", token: admin)
            #expect(asAdmin.html.contains("139 0000 1111") && asAdmin.html.contains("王小明"))
            let asMember = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: member)
            #expect(asMember.html.contains("123456789"))
            #expect(try await t.store.complaint(id: id)?.narrative == narrative)
        }
    }
}
