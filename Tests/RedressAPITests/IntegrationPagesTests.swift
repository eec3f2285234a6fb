import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import RedressAPI
import RedressDomain
import RedressStorage
import Testing

@testable import RedressApp

/// The admin's merchant registration and merchant users, webhooks (admin and merchant), the delivery log with replay,
/// and the respondent change on a case page.
@Suite("Merchant, webhook, delivery and respondent pages")
struct IntegrationPagesTests {
    static let form: [String: String] = [
        "registeredName": "杭州某某信息技术有限公司", "shopName": "某某点卡", "businessLicenceNumber": ProcessStoryTests.licence,
        "icpFilingNumber": "浙ICP备2026000002号-1", "registeredAddress": "杭州市西湖区", "contactName": "王经理", "contactPhone": "057112345678",
        "contactEmail": "",
    ]

    @Test func anAdminRegistersAMerchantFromThePageAndAChangedNameMustBeVerifiedAgain() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/merchants")
            // A wrong check character: refused, named, everything typed kept.
            var bad = Self.form
            bad["businessLicenceNumber"] = "91310115MA1K4XY80X"
            let refused = try await admin.post(c, "/admin/merchants", bad)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("统一社会信用代码应为 18 位且校验位正确"))
            #expect(refused.html.contains(#"value="91310115MA1K4XY80X""#) && refused.html.contains(#"value="杭州市西湖区""#))
            #expect(try await t.store.merchants().isEmpty)
            // Registered.
            let made = try await admin.post(c, "/admin/merchants", Self.form)
            #expect(made.status == .seeOther, "\(made.html)")
            let merchant = try #require(try await t.store.merchants().first)
            #expect(made.headers[.location] == "/admin/merchants/\(merchant.id)?saved=1")
            #expect(merchant.registeredName == "杭州某某信息技术有限公司" && merchant.contactEmail == nil && merchant.verifiedAt == nil)
            // The same licence again is refused.
            let twice = try await admin.post(c, "/admin/merchants", Self.form)
            #expect(twice.status == .unprocessableContent && twice.html.contains("该统一社会信用代码已登记"))
            #expect(try await t.store.merchants().count == 1)
            // Verified, then renamed: the new name has not been checked.
            #expect(try await admin.post(c, "/admin/merchants/\(merchant.id)/verification", [:]).status == .seeOther)
            #expect(try await t.store.merchant(id: merchant.id)?.verifiedAt != nil)
            let page = try await admin.get(c, "/admin/merchants/\(merchant.id)")
            #expect(page.status == .ok && page.html.contains(#"value="某某点卡""#))
            var renamed = Self.form
            renamed["registeredName"] = "杭州某某网络有限公司"
            renamed["contactEmail"] = "Ops@Example.com"
            #expect(try await admin.post(c, "/admin/merchants/\(merchant.id)", renamed).status == .seeOther)
            let after = try #require(try await t.store.merchant(id: merchant.id))
            #expect(after.registeredName == "杭州某某网络有限公司" && after.verifiedAt == nil && after.contactEmail == "ops@example.com")
            // A bad telephone on the edit form: refused, typed kept.
            renamed["contactPhone"] = "call me"
            let badPhone = try await admin.post(c, "/admin/merchants/\(merchant.id)", renamed)
            #expect(badPhone.status == .unprocessableContent && badPhone.html.contains("联系电话格式不正确") && badPhone.html.contains(#"value="call me""#))
            // Without the form's token nothing changes.
            renamed["contactPhone"] = "057100000000"
            let forged = try await admin.post(c, "/admin/merchants/\(merchant.id)", renamed, csrf: false)
            #expect(forged.status == .unprocessableContent)
            #expect(try await t.store.merchant(id: merchant.id)?.contactPhone == "057112345678")
        }
    }

    @Test func anAdminGivesAMerchantAUserWhoThenWorksTheMerchantPortal() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/merchants")
            _ = try await admin.post(c, "/admin/merchants", Self.form)
            let merchant = try #require(try await t.store.merchants().first)
            let preset = try await admin.get(c, "/admin/users?merchant=\(merchant.id)")
            #expect(
                preset.html.contains(#"<option value="\#(merchant.id)" selected>"#) && preset.html.contains(#"<option value="merchant" selected>"#))
            // A merchant user without its merchant is refused; what was typed stays.
            let user = [
                "login": "ops@shop.cn", "displayName": "店铺客服", "role": "merchant", "merchantId": "", "email": "ops@shop.cn",
                "password": "password-123",
            ]
            let refused = try await admin.post(c, "/admin/users", user)
            #expect(refused.status == .unprocessableContent && refused.html.contains("商家账号须指定所属商家") && refused.html.contains(#"value="ops@shop.cn""#))
            var good = user
            good["merchantId"] = merchant.id
            let made = try await admin.post(c, "/admin/users", good)
            #expect(made.status == .seeOther && made.headers[.location] == "/admin/merchants/\(merchant.id)")
            let stored = try #require(try await t.store.user(login: "ops@shop.cn"))
            #expect(stored.user.role == .merchant && stored.user.merchantId == merchant.id && stored.user.email == "ops@shop.cn")
            #expect(try await admin.get(c, "/admin/merchants/\(merchant.id)").html.contains("店铺客服"))
            // An agent may not name a merchant.
            var agent = user
            agent["login"] = "a2@x.cn"
            agent["role"] = "agent"
            agent["merchantId"] = merchant.id
            #expect(try await admin.post(c, "/admin/users", agent).status == .seeOther)
            #expect(try await t.store.user(login: "a2@x.cn")?.user.merchantId == nil)
            var shop = try await WebUser.login(c, "ops@shop.cn")
            #expect(try await shop.get(c, "/merchant").status == .ok)
        }
    }

    @Test func webhooksAreMadeFromThePagesWithTheirSecretShownOnceAndEachOwnerSeesOnlyItsOwn() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let adminToken = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: adminToken, login: "shop@x.cn")
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/webhooks")
            let bad = try await admin.post(c, "/admin/webhooks", ["url": "ftp://hooks.example.com/x", "topic.complaint.created": "on"])
            #expect(bad.status == .unprocessableContent && bad.html.contains("Webhook 地址必须是 http:// 或 https:// 开头的完整网址"))
            #expect(
                bad.html.contains(#"value="ftp://hooks.example.com/x""#) && bad.html.contains(#"name="topic.complaint.created" value="on" checked"#))
            let made = try await admin.post(
                c, "/admin/webhooks", ["url": "https://hooks.example.com/redress", "topic.complaint.created": "on", "topic.deadline.missed": "on"])
            #expect(made.status == .created)
            let hook = try #require(try await t.store.webhooks().first)
            #expect(hook.topics == ["complaint.created", "deadline.missed"] && hook.merchantId == nil)
            // Shown once on the page; stored sealed.
            let shown = try #require(made.html.range(of: "whsec_[0-9a-f]{64}", options: .regularExpression).map { String(made.html[$0]) })
            #expect(hook.secret.hasPrefix("enc1:") && !hook.secret.contains(shown))
            // Shown once: the list never carries it again.
            let list = try await admin.get(c, "/admin/webhooks")
            #expect(list.html.contains("https://hooks.example.com/redress") && !list.html.contains(shown))
            // The merchant's own webhook, for its own cases; it sees neither the platform's nor may it switch it off.
            var shop = try await WebUser.login(c, "shop@x.cn")
            _ = try await shop.get(c, "/merchant/webhooks")
            #expect(try await shop.post(c, "/merchant/webhooks", ["url": "http://shop.example.com/hook"]).status == .created)
            let own = try #require(try await t.store.webhooks().first { $0.merchantId == merchantId })
            #expect(own.topics.isEmpty)
            let shopList = try await shop.get(c, "/merchant/webhooks")
            #expect(shopList.html.contains("http://shop.example.com/hook") && !shopList.html.contains("hooks.example.com/redress"))
            #expect(try await shop.post(c, "/merchant/webhooks/\(hook.id)/disabled", ["disabled": "true"]).status == .notFound)
            #expect(try await t.store.webhooks().first { $0.id == hook.id }?.disabled == false)
            // The admin sees both, names the merchant's owner, and switches the platform's off.
            #expect(try await admin.get(c, "/admin/webhooks").html.contains("某某卡盟"))
            #expect(try await admin.post(c, "/admin/webhooks/\(hook.id)/disabled", ["disabled": "true"]).status == .seeOther)
            #expect(try await t.store.webhooks().first { $0.id == hook.id }?.disabled == true)
            // Agents have no webhook pages.
            var agent = try await WebUser.login(c, "agent@x.cn")
            #expect(try await agent.get(c, "/admin/webhooks").status == .forbidden)
            #expect(try await agent.get(c, "/merchant/webhooks").status == .forbidden)
        }
    }

    @Test func theDeliveryLogShowsEveryFailedAttemptAndAReplayQueuesItAgain() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            var admin = try await WebUser.login(c, "admin@x.cn")
            _ = try await admin.get(c, "/admin/webhooks")
            // Nothing listens on port 9 here: every attempt fails with the connection refused.
            #expect(
                try await admin.post(c, "/admin/webhooks", ["url": "http://127.0.0.1:9/hook", "topic.complaint.created": "on"]).status == .created)
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            let caseNumber = try #require(try await t.store.complaint(id: id)?.caseNumber)
            let clock = t.clock
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            let outbox = Outbox(store: t.store, configuration: t.configuration, now: { clock.now }, logger: quiet)
            let ran = try await outbox.runOnce()
            #expect(ran.attempted == 1)
            let delivery = try #require(try await t.store.deliveries(status: nil, limit: 10, offset: 0).first)
            #expect(delivery.status == .pending && delivery.attempts == 1)

            let list = try await admin.get(c, "/admin/deliveries")
            #expect(list.status == .ok && list.html.contains(caseNumber) && list.html.contains("http://127.0.0.1:9/hook"))
            #expect(list.html.contains("新投诉") && list.html.contains("待投递"))
            #expect(!(try await admin.get(c, "/admin/deliveries?status=delivered")).html.contains(caseNumber))
            #expect(try await admin.get(c, "/admin/deliveries?status=pending").html.contains(caseNumber))
            let page = try await admin.get(c, "/admin/deliveries/\(delivery.id)")
            #expect(page.status == .ok && page.html.contains(#"<tr class="overdue"><td>1</td>"#))
            #expect(page.html.contains(try #require(delivery.lastError).prefix(20)))
            #expect(try await admin.get(c, "/admin/deliveries/999999").status == .notFound)
            // Replay: queued again now, its log kept.
            clock.advance(hours: 1)
            let replayed = try await admin.post(c, "/admin/deliveries/\(delivery.id)/replay", [:])
            #expect(replayed.status == .seeOther && replayed.headers[.location] == "/admin/deliveries/\(delivery.id)?replayed=1")
            let (after, attempts) = try #require(try await t.store.delivery(id: delivery.id))
            #expect(after.status == .pending && after.nextAttemptAt == clock.now && attempts.count == 1)
            // Members and merchants never see the log.
            var m = try await WebUser.login(c, "m@x.cn")
            #expect(try await m.get(c, "/admin/deliveries").status == .forbidden)
        }
    }

    @Test func aSpecialistNamesTheMerchantWhoAnswersForTheCaseFromItsPage() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        _ = try await t.staff(.specialist, login: "l2@x.cn")
        try await t.test { c in
            let adminToken = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: adminToken, login: "shop@x.cn")
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            #expect(try await t.store.complaint(id: id)?.respondent.kind == .platform)
            // Agents see who answers but may not change it.
            var agent = try await WebUser.login(c, "agent@x.cn")
            let agentPage = try await agent.get(c, "/work/cases/\(id)")
            #expect(agentPage.html.contains(#"<p id="respondent">平台</p>"#) && !agentPage.html.contains("/respondent\""))
            let l2Token = try await c.login("l2@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: l2Token, json: #"{"reason":"商家责任"}"#)
            var l2 = try await WebUser.login(c, "l2@x.cn")
            let page = try await l2.get(c, "/work/cases/\(id)")
            #expect(page.html.contains(#"action="/work/cases/\#(id)/respondent""#) && page.html.contains("某某卡盟（上海某某网络科技有限公司）"))
            // No reason: refused with the message on the case page.
            let noReason = try await l2.post(c, "/work/cases/\(id)/respondent", ["respondent": "merchant:\(merchantId)", "reason": ""])
            #expect(noReason.status == .unprocessableContent && noReason.html.contains(#"class="error""#))
            // A merchant that does not exist.
            let unknown = try await l2.post(c, "/work/cases/\(id)/respondent", ["respondent": "merchant:nope", "reason": "订单属于该商家"])
            #expect(unknown.status == .unprocessableContent && unknown.html.contains("没有这个商家"))
            let changed = try await l2.post(c, "/work/cases/\(id)/respondent", ["respondent": "merchant:\(merchantId)", "reason": "订单属于该商家"])
            #expect(changed.status == .seeOther)
            let c2 = try #require(try await t.store.complaint(id: id))
            #expect(c2.respondent.merchantId == merchantId)
            #expect(try await l2.get(c, "/work/cases/\(id)").html.contains("订单属于该商家"))
            // The merchant now sees the case.
            var shop = try await WebUser.login(c, "shop@x.cn")
            #expect(try await shop.get(c, "/merchant").html.contains("/merchant/cases/\(id)"))
        }
    }
}
