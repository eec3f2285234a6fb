import Foundation
import HummingbirdBcrypt
import RedressDomain
import RedressStorage

/// Demo accounts and complaints in several states, so a newcomer can try every role at once.
public enum DemoData {
    public struct Login: Sendable {
        public var role: Role
        public var login: String
        public var password: String
        public var displayName: String
        /// For a merchant's user: the demo merchant it answers for.
        public var merchantId: String? = nil
    }

    /// The demo merchants, registered with their qualification records (the demo complaints name them).
    public static let merchants: [(id: String, shop: String, registered: String, licence: String, address: String, verified: Bool)] = [
        ("M-10086", "星辰游戏充值店", "杭州星辰网络科技有限公司", "91330106MA2K100863", "浙江省杭州市西湖区文三路 100 号", true),
        ("M-20231", "正版软件授权商城", "深圳正版软件服务有限公司", "91440300MA5F202318", "广东省深圳市南山区科技园 8 栋", true),
        ("M-30442", "优选数码卡券", "北京优选数码科技有限公司", "91110108MA01304425", "北京市海淀区中关村大街 27 号", false),
    ]

    public static let logins: [Login] = [
        .init(role: .admin, login: "admin@demo.redress", password: "demo-admin-2026", displayName: "平台管理员"),
        .init(role: .agent, login: "agent@demo.redress", password: "demo-agent-2026", displayName: "客服 小李"),
        .init(role: .specialist, login: "specialist@demo.redress", password: "demo-specialist-2026", displayName: "投诉处理专员 王敏"),
        .init(role: .riskControl, login: "risk@demo.redress", password: "demo-risk-2026", displayName: "风控 陈刚"),
        .init(role: .member, login: "13800138000", password: "demo-member-2026", displayName: "会员 张三"),
        .init(role: .member, login: "member2@demo.redress", password: "demo-member-2026", displayName: "会员 李四"),
        .init(role: .merchant, login: "merchant@demo.redress", password: "demo-merchant-2026", displayName: "星辰游戏充值店 客服", merchantId: "M-10086"),
        .init(role: .arbitrator, login: "reviewer@demo.redress", password: "demo-reviewer-2026", displayName: "外部审查人 周律师"),
    ]

    /// Creates the demo accounts and complaints unless they exist. Returns false when the data was already there.
    @discardableResult
    public static func seed(into store: any RedressStore, now: Date, bcryptCost: UInt8 = 10) async throws -> Bool {
        if try await store.user(login: logins[0].login) != nil { return false }
        for m in merchants where try await store.merchant(id: m.id) == nil {
            try await store.createMerchant(
                Merchant(
                    id: m.id, registeredName: m.registered, shopName: m.shop, businessLicenceNumber: m.licence, icpFilingNumber: nil,
                    registeredAddress: m.address, contactName: "客服主管", contactPhone: "4008001234", contactEmail: nil,
                    verifiedAt: m.verified ? now.addingTimeInterval(-30 * 86_400) : nil, createdAt: now, updatedAt: now))
        }
        var ids: [String: String] = [:]
        for l in logins {
            var user = User(
                id: UUID().uuidString.lowercased(), role: l.role, login: l.login, displayName: l.displayName,
                phone: AccountRules.isMobile(l.login) ? l.login : nil, createdAt: now)
            user.merchantId = l.merchantId
            try await store.createUser(StoredUser(user: user, passwordHash: Bcrypt.hash(l.password, cost: bcryptCost)))
            ids[l.login] = user.id
        }
        guard let zhang = ids["13800138000"], let li = ids["member2@demo.redress"], let agent = ids["agent@demo.redress"],
            let specialist = ids["specialist@demo.redress"]
        else { return true }
        let workflow = CaseWorkflow(policy: try await store.policy(), calendar: .china(years: try await store.calendarYears()))
        let agentActor = CaseActor(id: agent, role: .agent)

        func file(_ member: String, _ draft: ComplaintDraft, hoursAgo: Double) async throws -> Complaint {
            let at = now.addingTimeInterval(-hoursAgo * 3600)
            let outcome = try await store.createComplaint(day: workflow.calendar.civilDate(of: at), idempotency: nil) { number in
                try workflow.file(draft, id: TimeOrderedID.make(at: at), caseNumber: number, memberId: member, now: at)
            }
            guard case .created(let c, _) = outcome else { throw StoreError.notFound }
            return c
        }
        func step(_ c: Complaint, hoursAgo: Double, _ f: @escaping @Sendable (Complaint, Date) throws -> CaseChange) async throws -> Complaint {
            let at = now.addingTimeInterval(-hoursAgo * 3600)
            return try await store.update(complaintId: c.id) { try f($0, at) }.0
        }

        // 1. A fresh top-up complaint waiting for first response (L1).
        _ = try await file(
            zhang,
            ComplaintDraft(
                category: "transaction.topup_not_credited",
                order: OrderReference(
                    orderNumber: "KM202611280012", amountPaidFen: 9_800, productKind: .gameTopup, respondent: .merchant, merchantId: "M-10086",
                    merchantName: "星辰游戏充值店", paidAt: now.addingTimeInterval(-26 * 3600), paymentReference: "WX4200001234202611"),
                occurredAt: now.addingTimeInterval(-26 * 3600), narrative: "11 月 28 日充值 98 元游戏点券，支付成功但账号一直未到账，联系商家客服无人回复。",
                remedy: Remedy(kind: .delivery), amountClaimedFen: 9_800, channel: .web), hoursAgo: 2)

        // 2. A membership case answered by the agent and now waiting for the member.
        let c2 = try await file(
            li,
            ComplaintDraft(
                category: "service.membership_not_activated",
                order: OrderReference(orderNumber: "KM202611250331", amountPaidFen: 2_500, productKind: .membership, respondent: .platform),
                occurredAt: now.addingTimeInterval(-80 * 3600), narrative: "购买月度会员后权益未开通，已过去三天。", remedy: Remedy(kind: .refund),
                amountClaimedFen: 2_500, channel: .web), hoursAgo: 30)
        _ = try await step(c2, hoursAgo: 20) { c, at in try workflow.act(.acknowledge, on: c, by: agentActor, now: at) }
        _ = try await step(c2, hoursAgo: 19) { c, at in
            try workflow.act(.requestInfo, on: c, by: agentActor, input: .init(note: "请提供会员购买页面截图和支付凭证。"), now: at)
        }

        // 3. A large licence-key case routed to risk control, with an internal note.
        let c3 = try await file(
            zhang,
            ComplaintDraft(
                category: "transaction.goods_not_as_described",
                order: OrderReference(
                    orderNumber: "KM202611200077", amountPaidFen: 129_900, productKind: .licenceKey, respondent: .merchant, merchantId: "M-20231",
                    merchantName: "正版软件授权商城"),
                occurredAt: now.addingTimeInterval(-200 * 3600), narrative: "购买的专业版授权码激活后显示为家庭版，与商品描述不符。",
                remedy: Remedy(kind: .refund), amountClaimedFen: 129_900, channel: .api), hoursAgo: 10)
        let risk = CaseActor(id: ids["risk@demo.redress"], role: .riskControl)
        _ = try await step(c3, hoursAgo: 9) { c, at in
            try workflow.message(on: c, by: risk, body: "商家此前有两起同类投诉，需核查授权来源。", visibility: .internal, now: at)
        }

        // 4. A resolved and closed case.
        let c4 = try await file(
            li,
            ComplaintDraft(
                category: "transaction.forced_auto_renewal",
                order: OrderReference(orderNumber: "KM202611010009", amountPaidFen: 1_500, productKind: .membership, respondent: .platform),
                occurredAt: now.addingTimeInterval(-700 * 3600), narrative: "会员到期后未经提醒自动续费扣款 15 元。", remedy: Remedy(kind: .refund),
                amountClaimedFen: 1_500, channel: .email), hoursAgo: 600)
        _ = try await step(c4, hoursAgo: 590) { c, at in
            try workflow.message(on: c, by: agentActor, body: "已核实续费前未发送提醒，我们将全额退款。", visibility: .public, now: at)
        }
        _ = try await step(c4, hoursAgo: 589) { c, at in
            try workflow.act(.proposeResolution, on: c, by: agentActor, input: .init(note: "退款 15 元至原支付账户"), now: at)
        }
        _ = try await step(c4, hoursAgo: 580) { c, at in try workflow.act(.accept, on: c, by: CaseActor(id: li, role: .member), now: at) }
        _ = try await step(c4, hoursAgo: 579) { c, at in try workflow.act(.close, on: c, by: agentActor, now: at) }

        // 5. An L1 case whose first response is overdue (the sweeper will escalate it to L2).
        _ = try await file(
            zhang,
            ComplaintDraft(
                category: "service.slow_support_response",
                order: OrderReference(orderNumber: "KM202611260101", amountPaidFen: 5_000, productKind: .giftCard, respondent: .platform),
                occurredAt: now.addingTimeInterval(-40 * 3600), narrative: "礼品卡兑换失败，在线客服排队两天仍无人接入。", remedy: Remedy(kind: .delivery),
                amountClaimedFen: 5_000, channel: .web), hoursAgo: 30)

        // 6. An escalated case already with the specialist.
        let c6 = try await file(
            li,
            ComplaintDraft(
                category: "service.after_sales_not_honoured",
                order: OrderReference(
                    orderNumber: "KM202611150044", amountPaidFen: 19_900, productKind: .licenceKey, respondent: .merchant, merchantId: "M-30442"),
                occurredAt: now.addingTimeInterval(-300 * 3600), narrative: "商家承诺 7 天无理由退款，申请后一直拖延不处理。", remedy: Remedy(kind: .refund),
                amountClaimedFen: 19_900, channel: .web), hoursAgo: 50)
        _ = try await step(c6, hoursAgo: 45) { c, at in
            try workflow.escalate(c, by: agentActor, reason: "需专员联系商家核实售后承诺", now: at)
        }
        _ = try await step(c6, hoursAgo: 44) { c, at in
            try workflow.assign(c, to: specialist, by: CaseActor(id: specialist, role: .specialist), now: at)
        }
        // The admin gives it to the external reviewer, who can try their pages on it.
        if let reviewer = ids["reviewer@demo.redress"], let admin = ids["admin@demo.redress"] {
            _ = try await step(c6, hoursAgo: 43) { c, at in
                try workflow.assignReviewer(c, reviewerId: reviewer, by: CaseActor(id: admin, role: .admin), now: at)
            }
        }
        return true
    }
}
