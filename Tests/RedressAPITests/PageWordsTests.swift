import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RedressAPI
import RedressDomain
import Testing

@testable import RedressDossier

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}

/// The pages as their people read them: each role's own words, nothing English or raw on a Chinese page, amounts
/// never silently wrong, a complaint that reaches the merchant it is about.
@Suite("Pages in each role's words")
struct PageWordsTests {
    /// Walks the wizard to step 5 with these values (step by step, as the browser sends it, an empty field taking what
    /// the page pre-filled) and files it.
    static func fileThroughWizard(_ c: Client, _ u: inout WebUser, _ values: [String: String]) async throws -> Reply {
        var v = values
        for step in 1...5 {
            v["step"] = "\(step)"
            let r = try await u.post(c, "/my/new", v)
            if r.status != .ok || step == 5 { return r }
            for (name, value) in v where value.isEmpty {
                if let shown = r.html.components(separatedBy: #"name="\#(name)" value=""#).dropFirst().first?.prefix(while: { $0 != "\"" }) {
                    v[name] = String(shown)
                }
            }
        }
        fatalError("unreachable")
    }

    static let topUp: [String: String] = [
        "category": "transaction.topup_not_credited", "orderNumber": "KM-1280", "amountPaid": "1,280", "productKind": "game_topup",
        "respondent": "platform", "occurredAt": "2026-11-28T10:00", "narrative": "充值未到账", "remedyKind": "refund", "amountClaimed": "",
    ]

    @Test func amountsAreReadAsPeopleTypeThemAndAnythingElseIsRefusedKeepingWhatWasTyped() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            // 1,280 is ¥1,280.00 (it was filed as ¥1.00), and what is claimed starts as what was paid.
            let filed = try await Self.fileThroughWizard(c, &u, Self.topUp)
            #expect(filed.status == .seeOther, "\(filed.html)")
            let id = try #require(filed.headers[.location]?.split(separator: "/").last?.split(separator: "?").first.map(String.init))
            let c1 = try #require(try await t.store.complaint(id: id))
            #expect(c1.order.amountPaidFen == 128_000 && c1.amountClaimedFen == 128_000)
            // 1,28 is refused on its step, with what was typed named and kept.
            var bad = Self.topUp
            bad["amountPaid"] = "1,28"
            bad["step"] = "2"
            let refused = try await u.post(c, "/my/new", bad)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.html.contains("1,28") && refused.html.contains(#"id="amountPaid""#) && refused.html.contains(#"value="1,28""#))
            // Step 4 shows the claim pre-filled from the amount paid.
            var toFour = Self.topUp
            toFour["amountPaid"] = "98元"
            toFour["step"] = "3"
            let four = try await u.post(c, "/my/new", toFour)
            #expect(four.html.contains(#"id="amountClaimed" name="amountClaimed" value="98元""#))
        }
    }

    @Test func aMemberPicksTheMerchantFromTheRegisteredOnesOrLeavesItToThePlatform() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let shop = try #require(try await t.store.merchant(id: merchantId))
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            var v = Self.topUp
            v["respondent"] = "merchant"
            v["step"] = "2"
            // A shop's name typed where an id was expected no longer files a case that reaches nobody.
            v["merchantId"] = shop.shopName
            let typed = try await u.post(c, "/my/new", v)
            #expect(typed.status == .unprocessableContent && typed.html.contains("由平台核实"))
            // Searching by part of the name or by the licence number finds the registered merchant, with its record.
            v["merchantId"] = ""
            v["find"] = "1"
            v["merchantQuery"] = String(shop.shopName.prefix(2))
            let found = try await u.post(c, "/my/new", v)
            #expect(found.html.contains(#"value="\#(merchantId)""#) && found.html.contains(shop.businessLicenceNumber))
            v["merchantQuery"] = String(shop.businessLicenceNumber.prefix(8))
            #expect(try await u.post(c, "/my/new", v).html.contains(#"value="\#(merchantId)""#))
            v["find"] = nil
            v["merchantId"] = merchantId
            let filed = try await Self.fileThroughWizard(c, &u, v)
            #expect(filed.status == .seeOther, "\(filed.html)")
            var merchant = try await WebUser.login(c, "shop@x.cn")
            #expect(try await merchant.get(c, "/merchant").html.contains("KM-1280"))
            // Not sure which merchant: the platform answers for the case, with the name the member typed.
            v["merchantId"] = "_unsure"
            v["merchantQuery"] = "某宝小店"
            v["orderNumber"] = "KM-UNSURE"
            let unsure = try await Self.fileThroughWizard(c, &u, v)
            let id = try #require(unsure.headers[.location]?.split(separator: "/").last?.split(separator: "?").first.map(String.init))
            let c2 = try #require(try await t.store.complaint(id: id))
            #expect(c2.respondent.kind == .platform && c2.order.merchantName == "某宝小店")
        }
    }

    @Test func theMembersCasePageConfirmsTheFilingAndShowsTheDemandTheDeadlinesAndTheProposal() async throws {
        let t = try await TestApp()
        // ¥1,280 is above the risk-control threshold: risk control answers.
        _ = try await t.staff(.riskControl, login: "agent@x.cn")
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            let filed = try await Self.fileThroughWizard(c, &u, Self.topUp)
            let location = try #require(filed.headers[.location])
            #expect(location.contains("filed=1"))
            let page = try await u.get(c, location)
            #expect(page.html.contains("提交成功"))
            #expect(page.html.contains("KM-1280") && page.html.contains("我的诉求") && page.html.contains("¥1280.00"))
            #expect(page.html.contains("首次响应期限") && page.html.contains("截止") && page.html.contains("剩余"))
            // Minutes after filing, the guidance does not push 12315, punitive damages or a lawsuit.
            #expect(!page.html.contains("向人民法院起诉") && !page.html.contains("惩罚性赔偿") && !page.html.contains("全国12315平台投诉"))
            // The proposal's card shows the proposal itself.
            let id = String(location.split(separator: "/").last!.split(separator: "?").first!)
            let agent = try await c.login("agent@x.cn")
            for action in ["acknowledge", "start_work"] {
                _ = try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"\#(action)"}"#)
            }
            let proposed = try await c.call(
                .post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"propose_resolution","note":"补发点券并赔偿 10 元"}"#)
            #expect(proposed.status == .ok, "\(proposed.html)")
            let withProposal = try await u.get(c, "/my/cases/\(id)")
            #expect(withProposal.html.contains(#"<blockquote id="proposal-text">补发点券并赔偿 10 元</blockquote>"#))
            // The receipts are a page, with the JSON offered as a download.
            let receipts = try await u.get(c, "/my/cases/\(id)/receipts")
            #expect(receipts.status == .ok && receipts.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(receipts.html.contains(#"download="receipts-"#) && receipts.html.contains("条目哈希"))
            // My complaints tells two cases of one category apart by order number and amount.
            let list = try await u.get(c, "/my")
            #expect(list.html.contains("KM-1280") && list.html.contains("¥1280.00"))
        }
    }

    @Test func theEvidenceStepTakesSeveralFilesAndDoesNotAskForTheOrderNumberAgain() async throws {
        let t = try await TestApp()
        try await t.test { c in
            _ = try await c.member("m@x.cn")
            var u = try await WebUser.login(c, "m@x.cn")
            var v = Self.topUp
            v["step"] = "4"
            let five = try await u.post(c, "/my/new", v)
            #expect(five.html.contains(#"type="file" multiple"#))
            let checklist = five.html.components(separatedBy: #"<ul class="checklist">"#).last?.components(separatedBy: "</ul>").first ?? ""
            #expect(checklist.contains("支付凭证") && !checklist.contains("订单号"))
            let boundary = "b0undary"
            var body = ""
            for (k, value) in v.merging(["step": "5", "_csrf": u.csrf], uniquingKeysWith: { $1 }) {
                body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(value)\r\n"
            }
            for name in ["one.txt", "two.txt"] {
                body +=
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: text/plain\r\n\r\n\(name) 的内容\r\n"
            }
            body += "--\(boundary)--\r\n"
            var h = u.header
            h[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let filed = try await c.call(.post, "/my/new", headers: h, body: ByteBuffer(string: body))
            #expect(filed.status == .seeOther, "\(filed.html)")
            let id = try #require(filed.headers[.location]?.split(separator: "/").last?.split(separator: "?").first.map(String.init))
            #expect(Set(try await t.store.evidence(complaintId: id).map(\.fileName)) == ["one.txt", "two.txt"])
        }
    }

    @Test func staffMerchantsAndReviewersReadTheirOwnWords() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.specialist, login: "l2@x.cn")
        let reviewer = try await t.staff(.arbitrator, login: "arb@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let member = try await c.member("m@x.cn")
            let id = try await c.file(
                member,
                #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-W","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"月卡未开通","remedy":{"kind":"delivery"},"amountClaimedFen":3000}"#
            )
            let l2Token = try await c.login("l2@x.cn")
            _ = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: l2Token, json: #"{"reason":"商家举证"}"#)
            var l2 = try await WebUser.login(c, "l2@x.cn")
            let staffPage = try await l2.get(c, "/work/cases/\(id)")
            // The agent replies (回复内容), reads actions by their names, and the conversation comes before the forms.
            #expect(staffPage.html.contains(#"<label for="body">回复内容</label>"#) && !staffPage.html.contains("补充说明"))
            for raw in [">acknowledge<", ">start_work<", ">propose_resolution<", "image/png", "text/plain"] { #expect(!staffPage.html.contains(raw)) }
            let timeline = try #require(staffPage.html.range(of: #"id="timeline""#))
            let reply = try #require(staffPage.html.range(of: #"action="/work/cases/\#(id)/messages""#))
            #expect(timeline.lowerBound < reply.lowerBound)
            #expect(staffPage.html.contains("裁决金额") && !staffPage.html.contains(#"<label for="ruling-amount">要求金额"#))
            // An admin gives the case to a reviewer from its page; L2 asks the merchant for records.
            #expect(!staffPage.html.contains("/reviewers"), "only admins give a case to a reviewer")
            var adminPages = try await WebUser.login(c, "admin@x.cn")
            let adminPage = try await adminPages.get(c, "/work/cases/\(id)")
            #expect(adminPage.html.contains(#"<option value="\#(reviewer)">"#))
            #expect(try await adminPages.post(c, "/work/cases/\(id)/reviewers", ["reviewerId": reviewer]).status == .seeOther)
            #expect(try await t.store.complaint(id: id)?.reviewerIds == [reviewer])
            _ = try await l2.post(c, "/work/cases/\(id)/records-requests", ["needed": "开通记录", "hours": "72"])
            // The merchant offers a remedy in its own words, and its records deadline is 举证截止, not a promise.
            var shop = try await WebUser.login(c, "shop@x.cn")
            let merchantPage = try await shop.get(c, "/merchant/cases/\(id)")
            #expect(merchantPage.html.contains("提出我方方案") && merchantPage.html.contains("退款或赔付金额") && merchantPage.html.contains("举证截止"))
            #expect(!merchantPage.html.contains("要求金额（元）") && !merchantPage.html.contains("承诺期限"))
            // The reviewer sees the demand, the respondent and the deadlines, and cannot rule while records are due.
            var arb = try await WebUser.login(c, "arb@x.cn")
            let reviewPage = try await arb.get(c, "/review/cases/\(id)")
            #expect(reviewPage.html.contains("会员诉求") && reviewPage.html.contains("被投诉方") && reviewPage.html.contains("举证期限"))
            #expect(!reviewPage.html.contains(#"action="/review/cases/\#(id)/rulings""#))
            let early = try await arb.post(c, "/review/cases/\(id)/rulings", ["outcome": "for_member", "reason": "商家未举证"])
            #expect(early.status == .unprocessableContent && early.html.contains("举证期限尚未届满"))
            t.clock.advance(hours: 73)
            arb = try await WebUser.login(c, "arb@x.cn")
            #expect(try await arb.get(c, "/review/cases/\(id)").html.contains(#"<label for="ruling-amount">裁决金额"#))
        }
    }

    @Test func errorsAndTheTimelineNameThingsInTheReadersLanguage() async throws {
        // A field and an action by their names, not their codes.
        let draft = ComplaintDraft(
            category: "transaction.topup_not_credited",
            order: OrderReference(orderNumber: "KM-1", amountPaidFen: 100, productKind: .gameTopup, respondent: .platform),
            occurredAt: Date(timeIntervalSince1970: 0), narrative: "充值未到账", remedy: Remedy(kind: .refund), amountClaimedFen: 100)
        let range = try #require(
            Result { try draft.validated(taxonomy: .standard, now: TestApp.start) }.failure as? DomainError)
        #expect(range.message(chinese: true).hasPrefix("发生时间") && !range.message(chinese: true).contains("occurredAt"))
        let transition = DomainError.illegalTransition(from: .resolutionProposed, action: "rate")
        #expect(transition.message(chinese: true) == "当前状态「已提出解决方案」下不能评价")
        #expect(!DomainError.actionNotPermitted(action: "escalate", role: .merchant).message(chinese: true).contains("merchant"))
        // The sweeper's escalation reads in one language on a Chinese page.
        let t = try await TestApp()
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            let id = try await c.file(member)
            t.clock.advance(hours: 30)
            _ = try await t.sweeper().sweepOnce()
            var u = try await WebUser.login(c, "m@x.cn")
            let page = try await u.get(c, "/my/cases/\(id)")
            #expect(page.html.contains("已自动升级") && !page.html.contains("deadline missed"))
        }
    }

    @Test func theDashboardAndPolicyEditorReadAsASupervisorExpects() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let member = try await c.member("m@x.cn")
            _ = try await c.file(member)
            var admin = try await WebUser.login(c, "admin@x.cn")
            let dashboard = try await admin.get(c, "/admin")
            #expect(dashboard.html.contains("<h2>每日投诉量（按维度）</h2>") && dashboard.html.contains("近 30 天"))
            #expect(!dashboard.html.contains("p90") && !dashboard.html.contains(", n=") && !dashboard.html.contains("&lt;1h"))
            #expect(dashboard.html.contains("1 小时内") && dashboard.html.contains("72 小时以上"))
            // The cases the platform answers for itself have their own row (one here, not yet finished or rated).
            #expect(dashboard.html.contains(#"<tr class="platform-row"><td>平台自身（被投诉方为平台的案件）</td><td>1</td>"#))
            let policy = try await admin.get(c, "/admin/policy")
            #expect(!policy.html.contains("）（") && policy.html.contains("工作时间开始") && policy.html.contains("单个证据文件大小上限"))
            var form: [String: String] = [:]
            for part in policy.html.components(separatedBy: "<input id=\"").dropFirst() {
                let name = String(part.prefix { $0 != "\"" })
                let value = part.components(separatedBy: #"value=""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) } ?? ""
                form[name] = value
            }
            form["firstResponseHours"] = "12"
            let saved = try await admin.post(c, "/admin/policy", form)
            #expect(saved.status == .seeOther, "\(saved.html)")
            let after = try await admin.get(c, "/admin/policy")
            let history = after.html.components(separatedBy: #"<ul class="history">"#).last ?? ""
            #expect(history.contains("首次响应 24 → 12 小时") && history.contains("· admin"), "\(history)")
        }
    }

    @Test func registrationAsksOneLogInAndConsentToThePrivacyNotice() async throws {
        let t = try await TestApp()
        try await t.test { c in
            var u = WebUser()
            let page = try await u.get(c, "/register")
            #expect(!page.html.contains(#"id="phone""#) && page.html.contains(#"href="/privacy""#))
            let without = try await u.post(c, "/register", ["login": "13700137000", "displayName": "王", "password": "password-123"])
            #expect(without.status == .unprocessableContent && without.html.contains("个人信息处理规则") && without.html.contains(#"value="13700137000""#))
            let with = try await u.post(c, "/register", ["login": "13700137000", "displayName": "王", "password": "password-123", "consent": "1"])
            #expect(with.status == .seeOther)
            #expect(try await t.store.user(login: "13700137000")?.user.phone == "13700137000")
            #expect(try await u.get(c, "/privacy").html.contains("保存多久"))
            let icon = try await c.call(.get, "/favicon.ico")
            #expect(icon.status == .ok && icon.headers[.contentType] == "image/x-icon")
        }
    }

    @Test func theCourtLimitationEndsOnTheSameDayThreeYearsLaterAcrossALeapDay() {
        let filed = Date(timeIntervalSince1970: 1_795_939_200)  // 2026-11-29 16:00 in Shanghai
        let end = Guidance.threeYears(after: filed.addingTimeInterval(86_400))
        #expect(WorkingDayCalendar.china(years: []).civilDate(of: end).description == "2029-11-30")
    }

    /// The dossier names who owed each deadline and what its breach led to: the merchant's records (a default ruling),
    /// the member's answer (silence is acceptance), a platform response (an escalation only when there was one).
    @Test func theDossierAttributesEachDeadlineToWhoOwedItAndSaysWhatItsBreachLedTo() {
        let start = Date(timeIntervalSince1970: 1_795_939_200)
        func deadline(_ kind: DeadlineKind, tier: Tier) -> CaseDeadline {
            var d = CaseDeadline(kind: kind, tier: tier, mode: .natural, startedAt: start, dueAt: start.addingTimeInterval(3600))
            d.breachedAt = start.addingTimeInterval(3601)
            d.supersededAt = start.addingTimeInterval(3601)
            return d
        }
        #expect(Labels.owes(deadline(.merchantEvidence, tier: .l2)) == "商家")
        #expect(Labels.owes(deadline(.memberConfirmation, tier: .l1)) == "会员")
        #expect(Labels.owes(deadline(.firstResponse, tier: .l1)) == "一线客服")
        #expect(Labels.superseded(deadline(.merchantEvidence, tier: .l2), caseTier: .l2).0.contains("默认规则"))
        #expect(Labels.superseded(deadline(.memberConfirmation, tier: .l1), caseTier: .l1).0.contains("视为接受"))
        #expect(Labels.superseded(deadline(.firstResponse, tier: .l1), caseTier: .l2).0 == "已超时，随后升级")
        #expect(Labels.superseded(deadline(.resolution, tier: .l2), caseTier: .l2).0 == "已超时，随后结案")
        #expect(Labels.detail(["from": "filed", "to": "platform_replied"]) == "已提交 → 平台已答复")
    }
}

@Suite("The published complaint guide")
struct GuideTests {
    @Test func theGuideIsWrittenFromThePolicyInForceAndEveryVersionStaysReadableByDate() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            // Anyone may read it, without logging in; it is linked from every page and from the wizard.
            var anyone = WebUser()
            let before = try await anyone.get(c, "/guide")
            #expect(before.status == .ok && before.html.contains("虚拟商品交易投诉指引"))
            #expect(before.html.contains("投诉提交后 24 小时内") && before.html.contains("¥500.00") && before.html.contains("充值未到账"))
            #expect(before.html.contains(#"<a href="/guide">投诉指引</a>"#))
            var reader = WebUser()
            let english = try await reader.get(c, "/guide?lang=en")
            #expect(english.html.contains("Within 24 hours of filing"))
            // The admin halves the first-response promise: the guide says so at once, and the day before still reads 24 h.
            let admin = try await c.login("admin@x.cn")
            var policy = try #require(try await c.call(.get, "/api/v1/policy", token: admin).json as? [String: Any])
            var deadlines = try #require(policy["deadlines"] as? [String: Any])
            deadlines["firstResponseHours"] = 12
            policy["deadlines"] = deadlines
            let body = String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self)
            #expect(try await c.call(.put, "/api/v1/policy", token: admin, json: body).status == .ok)
            let after = try await anyone.get(c, "/guide")
            #expect(after.html.contains("投诉提交后 12 小时内") && !after.html.contains("投诉提交后 24 小时内"))
            #expect(after.html.contains(#"href="/guide?date=2026-11-29""#))
            let old = try await anyone.get(c, "/guide?date=2026-11-28")
            #expect(old.html.contains("投诉提交后 24 小时内"))
            // The same through the API, in the OpenAPI document.
            let api = try await c.call(.get, "/api/v1/guide")
            #expect(api.status == .ok && String(buffer: api.body).contains("投诉提交后 12 小时内"))
            let oldAPI = try await c.call(.get, "/api/v1/guide?date=2026-11-28")
            #expect(String(buffer: oldAPI.body).contains("投诉提交后 24 小时内") && !String(buffer: oldAPI.body).contains("inForceSince"))
            #expect(try await c.call(.get, "/api/v1/guide?date=2026-02-30").status == .badRequest)
            // The wizard links to it.
            _ = try await c.member("m@x.cn")
            var m = try await WebUser.login(c, "m@x.cn")
            #expect(try await m.get(c, "/my/new").html.contains(#"<a href="/guide" target="_blank""#))
        }
    }
}

@Suite("The public merchant pages")
struct PublicMerchantTests {
    /// Files `count` complaints against the merchant with the narrative, each from its own member.
    static func file(_ c: Client, against merchantId: String, count: Int, narrative: String, first: Int) async throws -> [String] {
        var ids: [String] = []
        for i in first..<(first + count) {
            let member = try await c.member("m\(i)@x.cn")
            ids.append(
                try await c.file(
                    member,
                    #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-P\#(i)","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"\#(narrative)","remedy":{"kind":"delivery"},"amountClaimedFen":3000}"#
                ))
        }
        return ids
    }

    @Test func aMerchantsFiguresComeFromTheAggregatesAndNoneAreShownForFewerThanFiveCases() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (busy, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "busy@x.cn")
            let ids = try await Self.file(c, against: busy, count: 6, narrative: "月卡未开通", first: 0)
            // The merchant answers two of them, one of which the member then accepts.
            let shopToken = try await c.login("busy@x.cn")
            for id in ids.prefix(2) {
                let r = try await c.call(
                    .post, "/api/v1/complaints/\(id)/messages", token: shopToken, json: #"{"body":"已为您开通","visibility":"public"}"#)
                #expect(r.status == .created || r.status == .ok, "\(r.html)")
            }
            let offered = try await c.call(
                .post, "/api/v1/complaints/\(ids[0])/remedy-offers", token: shopToken, json: #"{"remedy":{"kind":"delivery"},"note":"已补开通"}"#)
            #expect(offered.status == .ok || offered.status == .created, "\(offered.html)")
            let m0 = try await c.login("m0@x.cn")
            let accepted = try await c.call(.post, "/api/v1/complaints/\(ids[0])/confirm", token: m0, json: #"{"accept":true}"#)
            #expect(accepted.status == .ok, "\(accepted.html)")

            var anyone = WebUser()
            let page = try await anyone.get(c, "/merchants/\(busy)")
            #expect(page.status == .ok)
            // 6 complaints, 2 answered (33 %), 1 completed (17 %); the platform-wide row beside it.
            let firstWindow = page.html.components(separatedBy: "<h3>近 30 天</h3>").dropFirst().first ?? ""
            #expect(firstWindow.contains("<th>本商家</th><td>6</td><td>33%</td>"), "\(firstWindow.prefix(600))")
            #expect(firstWindow.contains("<td>17%</td>") && firstWindow.contains("<th>全平台</th><td>6</td>"))
            let api = try await c.call(.get, "/api/v1/public/merchants/\(busy)")
            let figures = try #require((api.json as? [String: Any])?["figures"] as? [[String: Any]])
            let merchant = try #require(figures.first?["merchant"] as? [String: Any])
            #expect(merchant["complaints"] as? Int == 6 && merchant["answerRate"] as? Double == 2.0 / 6.0)

            // A merchant with 4 complaints shows none of its figures.
            let (quiet, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "quiet@x.cn", licence: "91440300MA5QUET775")
            _ = try await Self.file(c, against: quiet, count: 4, narrative: "未到账", first: 10)
            let quietPage = try await anyone.get(c, "/merchants/\(quiet)")
            #expect(quietPage.html.contains("案件少于 5 件，不公布统计") && !quietPage.html.contains("<th>本商家</th><td>4</td>"))
            let quietAPI = try await c.call(.get, "/api/v1/public/merchants/\(quiet)")
            let quietFigures = try #require((quietAPI.json as? [String: Any])?["figures"] as? [[String: Any]])
            #expect(quietFigures.allSatisfy { $0["merchant"] == nil })
            // The directory finds both, by name or by licence number.
            let directory = try await anyone.get(c, "/merchants")
            #expect(directory.html.contains("/merchants/\(busy)") && directory.html.contains("/merchants/\(quiet)"))
            let byLicence = try await c.call(.get, "/api/v1/public/merchants?q=91440300MA5Q")
            #expect((byLicence.json as? [String: Any])?["total"] as? Int == 1)
            // The member's case page names the merchant's registered details (电子商务法 Art. 27, 消保法 Art. 44) and links
            // to its record.
            var member = try await WebUser.login(c, "m0@x.cn")
            let casePage = try await member.get(c, "/my/cases/\(ids[0])").html
            let registered = try #require(try await t.store.merchant(id: busy))
            #expect(casePage.contains(registered.registeredName) && casePage.contains(registered.businessLicenceNumber))
            #expect(casePage.contains(registered.registeredAddress) && casePage.contains(#"href="/merchants/\#(busy)""#))
        }
    }

    /// Every route the OpenAPI document marks public, read without logging in, holds nothing of a member, of a case's
    /// text or of a merchant's contact person.
    @Test func noPublicRouteRevealsAMemberACaseOrAContactPerson() async throws {
        let t = try await TestApp()
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let (merchantId, _) = try await ProcessStoryTests.merchant(c, admin: admin, login: "shop@x.cn")
            let merchant = try #require(try await t.store.merchant(id: merchantId))
            _ = try await Self.file(c, against: merchantId, count: 6, narrative: "我是王小明，电话13912345678，充值的点券没到", first: 0)
            let secrets = ["王小明", "13912345678", "充值的点券没到", "m0@x.cn", "KM-P0", merchant.contactName, merchant.contactPhone]
            let document = try #require(try await c.call(.get, "/api/v1/openapi.json").json as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var walked = 0
            for (path, ops) in paths.sorted(by: { $0.key < $1.key }) {
                guard let get = ops["get"] as? [String: Any], (get["security"] as? [Any])?.isEmpty == true else { continue }
                var uri = path.replacingOccurrences(of: "{merchantId}", with: merchantId)
                if path.hasSuffix("inclusion") { uri += "?leafIndex=0&treeSize=1" }
                if path.hasSuffix("consistency") { uri += "?from=1&to=1" }
                if path.hasSuffix("deadline") { uri += "?start=2026-11-30T10:00:00%2B08:00&hours=24" }
                let r = try await c.call(.get, uri)
                let body = String(buffer: r.body)
                for s in secrets { #expect(!body.contains(s), "\(uri) shows \(s)") }
                walked += 1
            }
            #expect(walked >= 12)
            var anyone = WebUser()
            for page in ["/merchants", "/merchants/\(merchantId)", "/guide", "/merchants?q=\(WebUser.escape(merchant.shopName))"] {
                let r = try await anyone.get(c, page)
                #expect(r.status == .ok, "\(page)")
                for s in secrets { #expect(!r.html.contains(s), "\(page) shows \(s)") }
            }
        }
    }
}
