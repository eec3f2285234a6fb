import Foundation
import HummingbirdBcrypt
import RedressDomain
import RedressStorage

/// A store filled with many realistic cases for capacity measurements (`redress fill`): filed through the store, as
/// the API files them (routing, clocks, evidence log, search index, aggregates), without HTTP, so that ten million
/// cases take minutes. The text is Chinese complaint prose built from parts, with order numbers, amounts, QQ and
/// Steam ids and now and then a phone number, so search and masking meet what members write.
public struct SyntheticCases: Sendable {
    public var cases: Int
    public var members: Int
    public var merchants: Int
    /// Cases filed at once (the writer commits them in groups).
    public var concurrency = 64
    /// The filing times are spread over this many hours before `now`.
    public var spreadHours: Double = 20
    public var seed: UInt64 = 20_261_207

    /// The password of every synthetic account (`fill-m<n>@bench.redress`, `fill-shop<n>@bench.redress`, `fill-agent@bench.redress`).
    public static let password = "bench-password-1"

    public init(cases: Int, members: Int? = nil, merchants: Int = 200) {
        self.cases = cases
        self.members = members ?? max(1, min(20_000, cases / 5))
        self.merchants = merchants
    }

    public struct Report: Sendable {
        public var filed: Int
        public var answered: Int
        public var withdrawn: Int
        public var seconds: Double
    }

    /// Adds `cases` cases (and the accounts they need, once) to the store; `progress` is told every 10,000 cases.
    public func fill(into store: any RedressStore, now: Date, progress: @escaping @Sendable (Int, Double) -> Void) async throws -> Report {
        let started = Date()
        let hash = Bcrypt.hash(Self.password, cost: 4)
        let workflow = CaseWorkflow(policy: try await store.policy(), calendar: .china(years: try await store.calendarYears()))
        var merchantIds: [String] = []
        for i in 0..<merchants {
            let id = "fill-merchant-\(i)"
            merchantIds.append(id)
            if try await store.merchant(id: id) != nil { continue }
            try await store.createMerchant(
                Merchant(
                    id: id, registeredName: "压测商贸有限公司\(i)", shopName: Self.shops[i % Self.shops.count] + "\(i)号店",
                    businessLicenceNumber: String(format: "91310000MA1FL%05d", i), icpFilingNumber: nil, registeredAddress: "上海市浦东新区",
                    contactName: "客服主管", contactPhone: "4008001234", contactEmail: nil, verifiedAt: now, createdAt: now, updatedAt: now))
        }
        // Members and an agent; existing ones (a second fill) are reused.
        let memberIds = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var ids = [String](repeating: "", count: members)
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    let login = "fill-m\(i)@bench.redress"
                    if let u = try await store.user(login: login) { return (i, u.user.id) }
                    let u = User(id: TimeOrderedID.make(at: now), role: .member, login: login, displayName: "压测会员\(i)", createdAt: now)
                    try await store.createUser(StoredUser(user: u, passwordHash: hash))
                    return (i, u.id)
                }
            }
            for _ in 0..<min(concurrency, members) { add() }
            while let (i, id) = try await group.next() {
                ids[i] = id
                if next < members { add() }
            }
            return ids
        }
        // Log-ins for the first ten merchants (fill-shop<n>@bench.redress), to read their lists.
        for i in 0..<min(10, merchants) where try await store.user(login: "fill-shop\(i)@bench.redress") == nil {
            var u = User(
                id: TimeOrderedID.make(at: now), role: .merchant, login: "fill-shop\(i)@bench.redress", displayName: "压测商家\(i)", createdAt: now)
            u.merchantId = merchantIds[i]
            try await store.createUser(StoredUser(user: u, passwordHash: hash))
        }
        let agentLogin = "fill-agent@bench.redress"
        let agentId: String
        if let u = try await store.user(login: agentLogin) {
            agentId = u.user.id
        } else {
            let u = User(id: TimeOrderedID.make(at: now), role: .agent, login: agentLogin, displayName: "压测客服", createdAt: now)
            try await store.createUser(StoredUser(user: u, passwordHash: hash))
            agentId = u.id
        }
        let agent = CaseActor(id: agentId, role: .agent)
        let stats = Counter()
        let (seed, spread, total, shopIds) = (seed, spreadHours, cases, merchantIds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    var rng = SplitMix(seed: seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
                    let at = now.addingTimeInterval(-Double(rng.next(below: Int(spread * 3600))))
                    let member = memberIds[rng.next(below: memberIds.count)]
                    let draft = Self.draft(&rng, merchants: shopIds, at: at)
                    let outcome = try await store.createComplaint(day: workflow.calendar.civilDate(of: at), idempotency: nil) { number in
                        try workflow.file(draft, id: TimeOrderedID.make(at: at), caseNumber: number, memberId: member, now: at)
                    }
                    guard case .created(let c, _) = outcome else { return }
                    // A quarter answered by an agent; one in ten withdrawn by the member (closed cases to find).
                    let roll = rng.next(below: 100)
                    if roll < 25 {
                        let body = Self.replies[rng.next(below: Self.replies.count)]
                        _ = try await store.update(complaintId: c.id) { x in
                            try workflow.message(on: x, by: agent, body: body, visibility: .public, now: at.addingTimeInterval(600))
                        }
                        stats.add(answered: 1)
                    } else if roll < 35 {
                        _ = try await store.update(complaintId: c.id) { x in
                            try workflow.act(.withdraw, on: x, by: CaseActor(id: member, role: .member), now: at.addingTimeInterval(900))
                        }
                        stats.add(withdrawn: 1)
                    }
                    let filed = stats.add(filed: 1)
                    if filed % 10_000 == 0 { progress(filed, Date().timeIntervalSince(started)) }
                }
            }
            for _ in 0..<min(concurrency, total) { add() }
            while try await group.next() != nil { if next < total { add() } }
        }
        let totals = stats.totals
        return Report(filed: totals.filed, answered: totals.answered, withdrawn: totals.withdrawn, seconds: Date().timeIntervalSince(started))
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var filed = 0, answered = 0, withdrawn = 0
        @discardableResult func add(filed f: Int = 0, answered a: Int = 0, withdrawn w: Int = 0) -> Int {
            lock.withLock {
                filed += f
                answered += a
                withdrawn += w
                return filed
            }
        }
        var totals: (filed: Int, answered: Int, withdrawn: Int) { lock.withLock { (filed, answered, withdrawn) } }
    }

    // MARK: The words

    static let shops = ["星辰游戏", "速充小铺", "云端会员", "极客软件", "畅玩数码", "金牌代充", "乐享卡券", "蓝鲸点卡"]
    static let games = ["王者荣耀", "和平精英", "原神", "英雄联盟", "梦幻西游", "阴阳师", "崩坏：星穹铁道", "QQ飞车", "穿越火线", "我的世界"]
    static let memberships = ["爱奇艺黄金会员", "腾讯视频VIP", "优酷会员", "网易云音乐黑胶VIP", "B站大会员", "QQ音乐绿钻"]
    static let software = ["Windows 11 专业版激活码", "Office 2021 密钥", "Steam 钱包充值卡", "Adobe 全家桶授权", "WPS 超级会员", "迅雷白金会员"]
    static let problems = [
        "付款后一直没有到账，已经过去{h}个小时", "充值到账的金额不对，少了{y}元", "激活码显示已被使用，无法兑换", "账号被盗刷了{n}次，每次{y}元",
        "会员没有开通，页面显示支付成功", "订单显示已发货但是我没有收到卡密", "同一笔订单被扣款两次", "充值后账号被封号，客服说是违规",
        "卖家发的卡密是错的，换了一张还是不行", "代充的时候要了我的账号密码，之后账号被改了密码",
    ]
    static let contacts = ["", "", "", "", "我的QQ号是{qq}，", "Steam ID {steam}，", "联系电话 1{phone}，", "游戏内角色名叫风雨{n}号，"]
    static let demands = [
        "请尽快退款。", "要求补发或者退款。", "希望平台介入处理，赔偿损失。", "请给个说法，不然我去12315投诉。", "联系客服三次都没有回复，请平台处理。",
        "已经在黑猫投诉发帖了，希望尽快解决。",
    ]
    static let replies = [
        "您好，已收到您的投诉，我们正在联系商家核实订单情况，请耐心等待。", "您好，经核实该订单确实未到账，已安排商家在24小时内补发。",
        "您好，请提供付款截图和订单详情页截图，以便我们核实。", "您好，退款申请已提交，预计1-3个工作日原路退回。",
    ]

    static func draft(_ rng: inout SplitMix, merchants: [String], at: Date) -> ComplaintDraft {
        func pick(_ list: [String]) -> String { list[rng.next(below: list.count)] }
        func fill(_ s: String) -> String {
            s.replacingOccurrences(of: "{h}", with: String(2 + rng.next(below: 70))).replacingOccurrences(
                of: "{y}", with: String(6 + rng.next(below: 640))
            )
            .replacingOccurrences(of: "{n}", with: String(2 + rng.next(below: 9))).replacingOccurrences(
                of: "{qq}", with: String(10_000_000 + rng.next(below: 900_000_000))
            )
            .replacingOccurrences(of: "{steam}", with: "7656119\(8_000_000_000 + rng.next(below: 999_999_999))").replacingOccurrences(
                of: "{phone}", with: "3\(rng.next(below: 10))\(10_000_000 + rng.next(below: 89_999_999))")
        }
        let kind = rng.next(below: 3)
        let (product, productKind, category): (String, ProductKind, String) =
            switch kind {
            case 0: ("\(pick(games))的点券", .gameTopup, "transaction.topup_not_credited")
            case 1: (pick(memberships), .membership, "service.membership_not_activated")
            default: (pick(software), .licenceKey, "transaction.goods_not_as_described")
            }
        let orderNumber = "KM\(Int(at.timeIntervalSince1970))\(rng.next(below: 10_000))"
        let paid = Int64(600 + rng.next(below: 64_000))
        let problem = rng.next(below: problems.count)
        let narrative =
            "我在\(at.formatted(.dateTime.month().day()))购买了\(product)，订单号\(orderNumber)，\(fill(problems[problem]))。\(fill(pick(contacts)))\(pick(demands))"
        // Stolen accounts are a security matter (the risk-control queue).
        let chosen = problem == 3 ? "security.account_stolen" : category
        let toMerchant = rng.next(below: 10) < 6
        return ComplaintDraft(
            category: chosen,
            order: OrderReference(
                orderNumber: orderNumber, amountPaidFen: paid, productKind: productKind, respondent: toMerchant ? .merchant : .platform,
                merchantId: toMerchant ? merchants[rng.next(below: merchants.count)] : nil),
            occurredAt: at.addingTimeInterval(-3600), narrative: narrative, remedy: Remedy(kind: .refund), amountClaimedFen: paid)
    }
}

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same store.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}
