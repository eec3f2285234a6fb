import Foundation
import HTTPTypes
import RedressAPI
import RedressDomain
import RedressDossier
import RedressStorage
import Testing

/// The seed's stories end to end through the HTTP API, on a real SQLite store, with the clock moved by hand and the
/// sweeper run as the server runs it.
@Suite("Process stories")
struct ProcessStoryTests {
    static let licence = BusinessLicence.withCheck("91310115MA1K4XY80")!

    /// Registers a merchant and a user for it; returns the merchant id and the user's token.
    static func merchant(_ c: Client, admin: String, login: String, licence: String = licence) async throws -> (String, String) {
        let m = try await c.call(
            .post, "/api/v1/merchants", token: admin,
            json:
                #"{"registeredName":"上海某某网络科技有限公司","shopName":"某某卡盟","businessLicenceNumber":"\#(licence)","icpFilingNumber":"沪ICP备2026000001号-1","registeredAddress":"上海市浦东新区","contactName":"李经理","contactPhone":"02112345678","contactEmail":"shop@example.com"}"#
        )
        #expect(m.status == .created, "\(String(buffer: m.body))")
        let id = (m["merchant"] as? [String: Any])?["id"] as? String ?? ""
        let u = try await c.call(
            .post, "/api/v1/users", token: admin,
            json: #"{"login":"\#(login)","password":"password-123","displayName":"商家客服","role":"merchant","merchantId":"\#(id)"}"#)
        #expect(u.status == .created, "\(String(buffer: u.body))")
        return (id, try await c.login(login))
    }

    static func status(_ c: Client, _ id: String, _ token: String) async throws -> [String: Any] {
        try await c.call(.get, "/api/v1/complaints/\(id)", token: token).object
    }

    @Test(arguments: Engine.allCases) func membershipNeverSwitchedOnStalledSupportEscalationAndTheMerchantsDefault(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        _ = try await t.staff(.specialist, login: "l2@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let agent = try await c.login("agent@x.cn")
            var l2 = try await c.login("l2@x.cn")
            var (merchantId, shop) = try await Self.merchant(c, admin: admin, login: "shop@x.cn")
            var (_, otherShop) = try await Self.merchant(
                c, admin: admin, login: "other@x.cn", licence: BusinessLicence.withCheck("91440300MA5FABCD1")!)
            var member = try await c.member("13900001111")
            // Tokens last 12 h: everyone signs in again after the clock moves a day or more.
            func signInAgain() async throws {
                l2 = try await c.login("l2@x.cn")
                shop = try await c.login("shop@x.cn")
                otherShop = try await c.login("other@x.cn")
                member = try await c.login("13900001111")
            }
            let id = try await c.file(
                member,
                #"{"category":"service.membership_not_activated","order":{"orderNumber":"KM-CARD-1","amountPaidFen":3000,"productKind":"membership","respondent":"merchant","merchantId":"\#(merchantId)","merchantName":"某某卡盟"},"occurredAt":"2026-11-28T10:00:00+08:00","narrative":"月卡付款后权益一直未开通，联系电话 13900001111","remedy":{"kind":"delivery"},"amountClaimedFen":3000}"#
            )
            // The member sees who answers for the case, with its registered details (消保法 Art. 44).
            let filed = try await Self.status(c, id, member)
            let disclosed = ((filed["respondent"] as? [String: Any])?["merchant"] as? [String: Any])
            #expect(disclosed?["registeredName"] as? String == "上海某某网络科技有限公司")
            #expect(disclosed?["businessLicenceNumber"] as? String == Self.licence)

            // Support stalls: a reply that meets the first-response clock but solves nothing.
            #expect(try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: agent, json: #"{"body":"系统维护中，请耐心等待"}"#).status == .created)
            t.clock.advance(hours: 20)
            try await signInAgain()
            let early = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: member, json: #"{"reason":"一直说系统维护"}"#)
            #expect(early.status == .conflict && early.errorCode == "escalation_not_yet_allowed")
            t.clock.advance(hours: 29)  // 49 h after filing: the platform's 48 h promise has passed
            try await signInAgain()
            let up = try await c.call(.post, "/api/v1/complaints/\(id)/escalate", token: member, json: #"{"reason":"48 小时仍未解决"}"#)
            #expect(up.status == .ok, "\(String(buffer: up.body))")
            #expect((up["complaint"] as? [String: Any])?["tier"] as? String == "l2")

            // L2 asks the merchant for its activation records (电子商务法 Art. 62).
            let past = try await c.call(
                .post, "/api/v1/complaints/\(id)/records-requests", token: l2, json: #"{"needed":"开通记录","dueAt":"2026-11-01T00:00:00Z"}"#)
            #expect(past.status == .unprocessableContent && past.errorCode == "deadline_in_past" && past.errorField == "dueAt")
            let req = try await c.call(.post, "/api/v1/complaints/\(id)/records-requests", token: l2, json: #"{"needed":"会员开通与激活日志"}"#)
            #expect(req.status == .created, "\(String(buffer: req.body))")
            let asked = req["complaint"] as? [String: Any]
            #expect(asked?["status"] as? String == "awaiting_merchant")
            let requestId = ((asked?["recordsRequests"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
            // L2 answers within its 48 h (otherwise the case would move up to risk control by itself).
            #expect(
                try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: l2, json: #"{"body":"已要求商家在 72 小时内提供开通记录"}"#).status
                    == .created)

            // The merchant sees the case, with the member's phone masked; another merchant does not.
            let mine = try await c.call(.get, "/api/v1/merchant/cases", token: shop)
            let item = (mine["items"] as? [[String: Any]])?.first
            #expect(item?["id"] as? String == id)
            #expect((item?["narrative"] as? String)?.contains("139****1111") == true)
            #expect((item?["narrative"] as? String)?.contains("13900001111") == false)
            let theirs = try await c.call(.get, "/api/v1/merchant/cases", token: otherShop)
            #expect((theirs["items"] as? [Any])?.isEmpty == true)
            let trespass = try await c.call(.post, "/api/v1/complaints/\(id)/messages", token: otherShop, json: #"{"body":"不是我们的问题"}"#)
            #expect(trespass.status == .notFound)
            let timeline = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: shop)
            #expect(!String(buffer: timeline.body).contains("13900001111"))
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/dossier", token: shop).errorCode == "not_for_merchants")

            // The merchant lets the 72 h pass; the sweeper records the default and proposes a ruling for the member.
            t.clock.advance(hours: 73)
            try await signInAgain()
            #expect(try await t.sweeper().sweepOnce() == 1)
            let defaulted = try await Self.status(c, id, l2)
            #expect(((defaulted["recordsRequests"] as? [[String: Any]])?.first?["status"] as? String) == "defaulted")
            #expect((defaulted["proposedRuling"] as? [String: Any])?["outcome"] as? String == "for_member")
            let late = try await c.call(
                .post, "/api/v1/complaints/\(id)/records-requests/\(requestId)/submission", token: shop, json: #"{"note":"补交","files":["aa"]}"#)
            #expect(late.status == .unprocessableContent && late.errorCode == "request_closed")
            let ruled = try await c.call(.post, "/api/v1/complaints/\(id)/rulings/confirm-proposed", token: l2)
            #expect(ruled.status == .created, "\(String(buffer: ruled.body))")
            let decided = ruled["complaint"] as? [String: Any]
            #expect(decided?["status"] as? String == "resolved")
            #expect((decided?["ruling"] as? [String: Any])?["basis"] as? String == "merchant_default")

            // Closed is closed: a further ruling is refused; the member rates.
            #expect(try await c.call(.post, "/api/v1/complaints/\(id)/transitions", token: l2, json: #"{"action":"close"}"#).status == .ok)
            let again = try await c.call(
                .post, "/api/v1/complaints/\(id)/rulings", token: l2, json: #"{"outcome":"for_respondent","reason":"复议"}"#)
            #expect(again.status == .conflict && again.errorCode == "illegal_transition")
            let bad = try await c.call(.post, "/api/v1/complaints/\(id)/rating", token: member, json: #"{"attitude":6,"speed":3,"overall":3}"#)
            #expect(bad.status == .unprocessableContent && bad.errorField == "attitude")
            let rated = try await c.call(
                .post, "/api/v1/complaints/\(id)/rating", token: member, json: #"{"attitude":2,"speed":1,"overall":3,"comment":"拖了很久"}"#)
            #expect(rated.status == .created)
            let kinds = (try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: l2).json as? [[String: Any]] ?? []).compactMap {
                $0["kind"] as? String
            }
            for k in ["records_requested", "deadline_breached", "records_defaulted", "ruling_proposed", "ruled", "rated"] {
                #expect(kinds.contains(k), "timeline lacks \(k)")
            }
            // The log covers every step; the member's dossier verifies and names the merchant and the ruling.
            #expect(try await c.call(.get, "/api/v1/complaints/\(id)/verify", token: l2)["valid"] as? Bool == true)
            let zip = Data(buffer: try await c.call(.get, "/api/v1/complaints/\(id)/dossier", token: member).body)
            guard case .success = DossierArchive.verify(zip: zip, trustedKey: nil) else { Issue.record("dossier does not verify"); return }
            let summary = String(decoding: try DossierArchive.read(zip)["summary.html"] ?? [], as: UTF8.self)
            #expect(summary.contains(Self.licence) && summary.contains("沪ICP备2026000001号-1"))
            #expect(summary.contains("支持投诉人诉求") && summary.contains("商家逾期未举证"))
        }
    }

    @Test(arguments: Engine.allCases) func autoRenewalChargedWithoutNoticeIsRefundedAfterABlackCatComplaint(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let agent = try await c.login("agent@x.cn")
            var member = try await c.member("renewal@x.cn")
            let id = try await c.file(
                member,
                #"{"category":"transaction.forced_auto_renewal","order":{"orderNumber":"KM-AUTO-7","amountPaidFen":2500,"productKind":"membership","respondent":"platform"},"occurredAt":"2026-11-28T03:00:00+08:00","narrative":"未经提醒自动续费扣款 25 元","remedy":{"kind":"refund"},"amountClaimedFen":2500}"#
            )
            let future = try await c.call(
                .post, "/api/v1/complaints/\(id)/external-complaints", token: member,
                json: #"{"channel":"black_cat","reference":"17354210000","filedOn":"2026-12-30"}"#)
            #expect(future.status == .unprocessableContent && future.errorField == "filedOn")
            let ext = try await c.call(
                .post, "/api/v1/complaints/\(id)/external-complaints", token: member,
                json: #"{"channel":"black_cat","reference":"17354210000","filedOn":"2026-11-29"}"#)
            #expect(ext.status == .created, "\(String(buffer: ext.body))")
            let recorded = ext["complaint"] as? [String: Any]
            let externalId = ((recorded?["externalComplaints"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
            // 7 working days from Sunday 29 Nov 2026, the start day not counted: Tuesday 8 Dec, end of day Beijing time.
            let reply = (recorded?["deadlines"] as? [[String: Any]])?.first { $0["kind"] as? String == "external_reply" }
            #expect(reply?["dueAt"] as? String == "2026-12-08T15:59:59.000Z")

            let guidance = try await c.call(.get, "/api/v1/complaints/\(id)/guidance", token: member)
            let text = guidance["complaintText"] as? String ?? ""
            #expect(text.contains("KM-AUTO-7") && text.contains("¥25.00") && text.contains("退款"))
            let codes = (guidance["steps"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("external_12315") && codes.contains("court"))

            #expect(
                try await c.call(
                    .post, "/api/v1/complaints/\(id)/external-complaints/\(externalId)", token: agent,
                    json: #"{"status":"platform_replied","note":"已联系会员"}"#
                ).status == .ok)
            let proposed = try await c.call(
                .post, "/api/v1/complaints/\(id)/transitions", token: agent, json: #"{"action":"propose_resolution","note":"全额退款 25 元"}"#)
            #expect((proposed["complaint"] as? [String: Any])?["status"] as? String == "resolution_proposed")
            // The member stays silent: reminded a day before the 7 days end, then taken to accept.
            t.clock.advance(hours: 6 * 24 + 1)
            #expect(try await t.sweeper().sweepOnce() == 1)
            t.clock.advance(hours: 24)
            #expect(try await t.sweeper().sweepOnce() == 1)
            member = try await c.login("renewal@x.cn")
            let done = try await Self.status(c, id, member)
            #expect(done["status"] as? String == "resolved")
            let events = try await c.call(.get, "/api/v1/complaints/\(id)/timeline", token: member).json as? [[String: Any]] ?? []
            #expect(events.contains { $0["kind"] as? String == "deadline_approaching" })
            #expect(events.contains { ($0["payload"] as? [String: Any])?["trigger"] as? String == "member_silence" })
            let closedExt = try await c.call(
                .post, "/api/v1/complaints/\(id)/external-complaints/\(externalId)", token: member, json: #"{"status":"resolved"}"#)
            #expect(closedExt.status == .ok)
        }
    }

    @Test(arguments: Engine.allCases) func aDrainedAccountGoesToTheEmergencyChannelAndIsFrozenWithinTheHour(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.riskControl, login: "risk@x.cn")
        _ = try await t.staff(.agent, login: "agent@x.cn")
        try await t.test { c in
            let risk = try await c.login("risk@x.cn")
            let agent = try await c.login("agent@x.cn")
            let member = try await c.member("drained@x.cn")
            let id = try await c.file(
                member, Client.complaint(category: "security.account_stolen", paid: "0", claimed: "120000", narrative: "账号正在被盗刷", emergency: true))
            let filed = try await Self.status(c, id, risk)
            #expect(filed["queue"] as? String == "emergency")
            let first = (filed["deadlines"] as? [[String: Any]])?.first { $0["kind"] as? String == "first_response" }
            #expect(first?["mode"] as? String == "natural")
            let notAllowed = try await c.call(
                .post, "/api/v1/complaints/\(id)/freezes", token: agent, json: #"{"target":"account","reference":"U-778","reason":"盗刷"}"#)
            #expect(notAllowed.status == .notFound || notAllowed.status == .forbidden)
            t.clock.advance(hours: 0.3)
            let frozen = try await c.call(
                .post, "/api/v1/complaints/\(id)/freezes", token: risk, json: #"{"target":"account","reference":"U-778","reason":"异地登录连续消费，疑似盗刷"}"#)
            #expect(frozen.status == .created, "\(String(buffer: frozen.body))")
            let after = frozen["complaint"] as? [String: Any]
            let met = (after?["deadlines"] as? [[String: Any]])?.first { $0["kind"] as? String == "first_response" }
            #expect(met?["metAt"] != nil)
            let again = try await c.call(
                .post, "/api/v1/complaints/\(id)/freezes", token: risk, json: #"{"target":"account","reference":"U-778","reason":"重复"}"#)
            #expect(again.errorCode == "already_frozen")
            t.clock.advance(hours: 2)
            _ = try await t.sweeper().sweepOnce()
            let later = try await Self.status(c, id, risk)
            #expect(((later["deadlines"] as? [[String: Any]])?.first { $0["kind"] as? String == "first_response" })?["breachedAt"] == nil)
            let freezeId = ((later["freezes"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
            let released = try await c.call(
                .post, "/api/v1/complaints/\(id)/freezes/\(freezeId)/release", token: risk, json: #"{"reason":"已找回账号并修改密码"}"#)
            #expect(((released["complaint"] as? [String: Any])?["freezes"] as? [[String: Any]])?.first?["active"] as? Bool == false)
        }
    }

    @Test(arguments: Engine.allCases) func policiesChangeWithoutARestartAndEveryChangeIsRecorded(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            var policy = try await c.call(.get, "/api/v1/policy", token: admin).object
            var merchant = policy["merchant"] as? [String: Any] ?? [:]
            merchant["evidenceHours"] = 48
            merchant["defaultRuling"] = "apply_immediately"
            policy["merchant"] = merchant
            let body = String(decoding: try JSONSerialization.data(withJSONObject: policy), as: UTF8.self)
            #expect(try await c.call(.put, "/api/v1/policy", token: admin, json: body).status == .ok)
            let history = try await c.call(.get, "/api/v1/policy/history", token: admin).json as? [[String: Any]] ?? []
            let changes = history.first?["changes"] as? [[String: Any]] ?? []
            #expect(changes.contains { $0["field"] as? String == "merchant.evidenceHours" && $0["old"] as? Int == 72 && $0["new"] as? Int == 48 })
            #expect(changes.contains { $0["field"] as? String == "merchant.defaultRuling" && $0["new"] as? String == "apply_immediately" })
            #expect(history.first?["by"] as? String != nil)
            let hook = try await c.call(.post, "/api/v1/webhooks", token: admin, json: #"{"url":"ftp://example.com/hook"}"#)
            #expect(hook.status == .unprocessableContent && hook.errorCode == "invalid_url" && hook.errorField == "url")
            let topic = try await c.call(.post, "/api/v1/webhooks", token: admin, json: #"{"url":"https://example.com/hook","topics":["nope"]}"#)
            #expect(topic.errorField == "topics[0]")
            let bad = try await c.call(
                .post, "/api/v1/merchants", token: admin,
                json:
                    #"{"registeredName":"x","shopName":"x","businessLicenceNumber":"91310115MA1K4XY809","registeredAddress":"x","contactName":"x","contactPhone":"02112345678"}"#
            )
            #expect(bad.errorField == "businessLicenceNumber")
        }
    }

    @Test(arguments: Engine.allCases) func anExternalReviewerReadsOnlyTheCasesGivenToThemAndRecordsADecision(_ engine: Engine) async throws {
        let t = try await TestApp(engine)
        _ = try await t.staff(.admin, login: "admin@x.cn")
        try await t.test { c in
            let admin = try await c.login("admin@x.cn")
            let made = try await c.call(
                .post, "/api/v1/users", token: admin,
                json: #"{"login":"arbiter@x.cn","password":"password-123","displayName":"仲裁员","role":"arbitrator"}"#)
            #expect(made.status == .created)
            let reviewerId = made["id"] as? String ?? ""
            let arbiter = try await c.login("arbiter@x.cn")
            let member = try await c.member("m@x.cn")
            let given = try await c.file(member)
            let other = try await c.file(member)
            #expect(try await c.call(.get, "/api/v1/complaints/\(given)", token: arbiter).status == .notFound)
            let assigned = try await c.call(.post, "/api/v1/complaints/\(given)/reviewers", token: admin, json: #"{"reviewerId":"\#(reviewerId)"}"#)
            #expect(assigned.status == .created, "\(String(buffer: assigned.body))")
            let listed = try await c.call(.get, "/api/v1/reviewer/cases", token: arbiter)
            #expect((listed["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [given])
            #expect(try await c.call(.get, "/api/v1/complaints/\(given)", token: arbiter).status == .ok)
            #expect(try await c.call(.get, "/api/v1/complaints/\(other)", token: arbiter).status == .notFound)
            let talk = try await c.call(.post, "/api/v1/complaints/\(given)/messages", token: arbiter, json: #"{"body":"意见"}"#)
            #expect(talk.status == .forbidden)
            let long = String(repeating: "退", count: 1_001)
            let tooLong = try await c.call(
                .post, "/api/v1/complaints/\(given)/rulings", token: arbiter,
                json: #"{"outcome":"partial","reason":"x","remedy":{"kind":"refund","text":"\#(long)"}}"#)
            #expect(tooLong.status == .unprocessableContent && tooLong.errorField == "remedy.text")
            let decided = try await c.call(
                .post, "/api/v1/complaints/\(given)/rulings", token: arbiter, json: #"{"outcome":"partial","amountFen":4900,"reason":"双方各担一半"}"#)
            #expect(decided.status == .created)
            #expect(((decided["complaint"] as? [String: Any])?["ruling"] as? [String: Any])?["outcome"] as? String == "partial")
            let elsewhere = try await c.call(
                .post, "/api/v1/complaints/\(other)/rulings", token: arbiter, json: #"{"outcome":"partial","reason":"x"}"#)
            #expect(elsewhere.status == .notFound)
        }
    }
}
