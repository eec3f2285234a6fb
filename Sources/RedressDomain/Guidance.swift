import Foundation

/// One thing the member can do next, with the rule behind it.
public struct NextStep: Sendable, Equatable, Encodable {
    /// What the step is, as a machine reads it.
    public enum Code: String, Sendable, Equatable, Encodable, CaseIterable {
        case respondToProposal = "respond_to_proposal"
        case escalateInternal = "escalate_internal"
        case external12315 = "external_12315"
        case externalBlackCat = "external_black_cat"
        case compensationFraud = "compensation_fraud"
        case court
        case reopen
        case rate
    }

    public var code: Code
    public var title: String
    public var detail: String
    /// The law or promise it rests on.
    public var rule: String
    /// Whether the member can do it now.
    public var available: Bool
    /// Whether Redress advises it now (the platform missed a promise or decided against the member).
    public var recommended: Bool
    /// When it becomes available, or by when it must be done.
    public var at: Date?
    /// For `compensation_fraud`: what the member may claim, in fen.
    public var amountFen: Int64?
}

/// Next-step guidance for the member, computed from the case's state, tier, amounts and elapsed time.
public struct Guidance: Sendable {
    public let workflow: CaseWorkflow

    public init(workflow: CaseWorkflow) { self.workflow = workflow }

    /// 消保法 Art. 55: three times the price, at least ¥500.
    public static func fraudCompensationFen(paidFen: Int64) -> Int64 { max(paidFen * 3, 50_000) }

    public func steps(for c: Complaint, now: Date, chinese: Bool) -> [NextStep] {
        func t(_ zh: String, _ en: String) -> String { chinese ? zh : en }
        var out: [NextStep] = []
        let open = Lifecycle.open.contains(c.status)
        let missed = c.deadlines.contains { $0.kind.owner == .platform && $0.breachedAt != nil && $0.kind != .odrNegotiation }
        let againstMember = c.status == .rejected || c.ruling?.outcome == .forRespondent
        let days = now.timeIntervalSince(c.createdAt) / 86_400

        if c.status == .resolutionProposed, let d = c.openDeadlines.first(where: { $0.kind == .memberConfirmation }) {
            out.append(
                NextStep(
                    code: .respondToProposal, title: t("确认或拒绝解决方案", "Accept or dispute the proposed resolution"),
                    detail: t(
                        "请在期限前答复；逾期未答复将视为接受该方案。如不满意，拒绝后可申请升级。",
                        "Answer before the deadline; silence counts as acceptance. If you dispute it you may escalate."),
                    rule: t(
                        "平台规则：会员 \(workflow.policy.member.silenceDays) 天未答复视为接受",
                        "Platform rule: \(workflow.policy.member.silenceDays) days of silence count as acceptance"),
                    available: true, recommended: true, at: d.dueAt, amountFen: nil))
        }
        if open, let next = c.tier.next {
            let may = workflow.memberMayEscalate(c, now: now)
            let from = c.createdAt.addingTimeInterval(Double(workflow.policy.member.escalateAfterHours) * 3600)
            let firstDue = c.openDeadlines.filter { $0.kind == .firstResponse || $0.kind == .escalationResponse }.compactMap(\.dueAt).min()
            out.append(
                NextStep(
                    code: .escalateInternal,
                    title: t("升级至\(next == .l2 ? "投诉处理专员" : "风控团队")", "Escalate to \(next == .l2 ? "a complaint specialist" : "risk control")"),
                    detail: t(
                        "升级后由更高一级处理，并在 \(workflow.policy.deadlines.escalationResponseHours) 小时内答复。",
                        "A higher tier takes the case and answers within \(workflow.policy.deadlines.escalationResponseHours) hours."),
                    rule: t(
                        "平台承诺：升级后 \(workflow.policy.deadlines.escalationResponseHours) 小时内答复",
                        "Platform promise: an answer within \(workflow.policy.deadlines.escalationResponseHours) h of escalation"),
                    available: may, recommended: may && (missed || c.memberDisputedAt != nil),
                    at: may ? nil : [from, firstDue].compactMap { $0 }.min(),
                    amountFen: nil))
        }
        if c.status != .withdrawn {
            let external = missed || againstMember || (open && days >= 7)
            let has12315 = c.externalComplaints.contains { $0.channel == .odr12315 || $0.channel == .regulator12315 }
            let hasBlackCat = c.externalComplaints.contains { $0.channel == .blackCat }
            out.append(
                NextStep(
                    code: .external12315, title: t("向全国12315平台投诉", "Complain on the national 12315 platform"),
                    detail: t(
                        has12315
                            ? "您已登记 12315 投诉，平台须在 \(workflow.policy.external.replyWorkingDays) 个工作日内答复。"
                            : "可通过 12315 网站、App 或小程序提交，本页下方已为您生成投诉文本，可复制使用。平台须在 \(workflow.policy.external.replyWorkingDays) 个工作日内答复。",
                        has12315
                            ? "Your 12315 complaint is recorded; the platform must reply within \(workflow.policy.external.replyWorkingDays) working days."
                            : "File on the 12315 website, app or mini-program; the complaint text further down this page is ready to copy. The platform must reply within \(workflow.policy.external.replyWorkingDays) working days."
                    ),
                    rule: t(
                        "《市场监督管理投诉举报处理暂行办法》第十四条：7 个工作日内决定是否受理",
                        "Interim Measures on complaints to market regulators, Art. 14: acceptance decided within 7 working days"),
                    available: true, recommended: external && !has12315, at: nil, amountFen: nil))
            out.append(
                NextStep(
                    code: .externalBlackCat, title: t("在黑猫投诉发布投诉", "Complain on Black Cat (黑猫投诉)"),
                    detail: t(
                        hasBlackCat ? "您已登记黑猫投诉。" : "黑猫投诉公开展示商家的回复率与完成率，下方投诉文本可直接使用。",
                        hasBlackCat
                            ? "Your Black Cat complaint is recorded."
                            : "Black Cat publishes merchants' response and completion rates; the text below can be used as is."),
                    rule: t(
                        "平台承诺：外部投诉 \(workflow.policy.external.replyWorkingDays) 个工作日内答复",
                        "Platform promise: a reply to external complaints within \(workflow.policy.external.replyWorkingDays) working days"),
                    available: true, recommended: external && !hasBlackCat, at: nil, amountFen: nil))
        }
        if c.dimension == .transaction && c.categoryCode != "transaction.forced_auto_renewal" || c.categoryCode == "service.membership_not_activated"
        {
            let amount = Self.fraudCompensationFen(paidFen: c.order.amountPaidFen)
            out.append(
                NextStep(
                    code: .compensationFraud, title: t("主张惩罚性赔偿", "Claim punitive compensation"),
                    detail: t(
                        "如经营者存在欺诈（如明知无法交付仍收款），除退款外可要求赔偿价款的三倍，不足 500 元的按 500 元计：本单可主张 ¥\(Yuan.plain(amount))。",
                        "If the seller acted fraudulently (e.g. took payment knowing it could not deliver), you may claim three times the price on top of a refund, at least ¥500: ¥\(Yuan.plain(amount)) for this order."
                    ),
                    rule: t("《消费者权益保护法》第五十五条", "Consumer Rights Protection Law, Art. 55"), available: true,
                    recommended: againstMember || (missed && c.status != .resolved && c.status != .closed), at: nil, amountFen: amount))
        }
        out.append(
            NextStep(
                code: .court, title: t("向人民法院起诉", "Sue in a people's court"),
                detail: t(
                    "可向被告住所地或合同履行地法院起诉；小额案件适用简易程序。本平台导出的案件档案可离线核验，可作为证据提交。诉讼时效为三年。",
                    "Sue where the defendant is domiciled or the contract was performed; small claims use the summary procedure. The case dossier exported by the platform verifies offline and can be filed as evidence. The limitation period is three years."
                ),
                rule: t("《民法典》第一百八十八条（诉讼时效三年）", "Civil Code, Art. 188 (three-year limitation)"), available: true,
                recommended: againstMember, at: Self.threeYears(after: c.occurredAt), amountFen: nil))
        if c.status == .resolved || c.status == .closed || c.status == .rejected {
            let since = c.closedAt ?? c.resolvedAt ?? c.updatedAt
            let until = since.addingTimeInterval(Double(workflow.policy.deadlines.reopenWindowDays) * 86_400)
            out.append(
                NextStep(
                    code: .reopen, title: t("申请重新处理", "Ask to reopen the case"),
                    detail: t(
                        "如问题再次出现或解决方案未兑现，可在期限内申请重新处理。", "If the problem comes back or the remedy is not delivered, ask to reopen before the deadline."
                    ),
                    rule: t(
                        "平台规则：结案后 \(workflow.policy.deadlines.reopenWindowDays) 天内可申请",
                        "Platform rule: within \(workflow.policy.deadlines.reopenWindowDays) days of closing"),
                    available: now <= until, recommended: false, at: until, amountFen: nil))
        }
        if (c.status == .resolved || c.status == .closed) && c.rating == nil {
            out.append(
                NextStep(
                    code: .rate, title: t("评价本次处理", "Rate how the case was handled"),
                    detail: t("请为服务态度、处理速度和整体满意度打分（1–5 分）。", "Score attitude, speed and overall satisfaction (1–5)."),
                    rule: t("平台公开各商家的满意度", "The platform publishes each merchant's satisfaction"), available: true, recommended: true, at: nil,
                    amountFen: nil))
        }
        return out
    }

    /// A complaint text for 12315 or 黑猫投诉, built from the case facts: parties, order, amounts, what happened,
    /// the demand, what the platform did and when.
    public func complaintText(
        for c: Complaint, events: [TimelineEvent], merchant: Merchant?, platformName: String, memberName: String, now: Date
    ) -> String {
        let cal = workflow.calendar
        func when(_ d: Date) -> String {
            let day = cal.civilDate(of: d)
            let secs = Int(d.timeIntervalSince(cal.instant(day, secondsIntoDay: 0)))
            return "\(day.year)年\(day.month)月\(day.day)日 \(Self.two(secs / 3600)):\(Self.two(secs / 60 % 60))"
        }
        let category = workflow.taxonomy.category(c.categoryCode)?.labelZh ?? c.categoryCode
        var respondent = platformName
        if let m = merchant {
            respondent = "\(m.registeredName)（店铺：\(m.shopName)，统一社会信用代码：\(m.businessLicenceNumber)，地址：\(m.registeredAddress)），经营平台：\(platformName)"
        } else if c.respondent.kind == .merchant, let name = c.order.merchantName {
            respondent = "\(name)（\(platformName) 平台商家）"
        }
        var lines: [String] = []
        lines.append("投诉人：\(memberName)")
        lines.append("被投诉方：\(respondent)")
        var order = "订单号：\(c.order.orderNumber)，实付金额：¥\(Yuan.plain(c.order.amountPaidFen))"
        if let p = c.order.paidAt { order += "，支付时间：\(when(p))" }
        lines.append(order)
        lines.append("问题类型：\(category)")
        lines.append("事情经过：\(when(c.occurredAt))，\(c.narrative)")
        var demand = "诉求：\(Self.remedyZh(c.remedy.kind))"
        if let t = c.remedy.text, !t.isEmpty { demand += "（\(t)）" }
        if c.amountClaimedFen > 0 { demand += "，金额 ¥\(Yuan.plain(c.amountClaimedFen))" }
        lines.append(demand)
        var history: [String] = ["\(when(c.createdAt)) 向\(platformName)提交投诉（编号 \(c.caseNumber)）"]
        for e in events where e.visibility == .public {
            switch e.kind {
            case .publicMessage where e.actor.role.isStaff: history.append("\(when(e.occurredAt)) 平台客服答复")
            case .publicMessage where e.actor.role == .merchant: history.append("\(when(e.occurredAt)) 商家答复")
            case .escalated: history.append("\(when(e.occurredAt)) 投诉升级至\(e.payload["toTier"]?.stringValue == "l2" ? "投诉处理专员" : "风控团队")")
            case .deadlineBreached where e.payload["owner"]?.stringValue != "member":
                history.append("\(when(e.occurredAt)) \(e.payload["owner"]?.stringValue == "merchant" ? "商家" : "平台")未在承诺期限内处理")
            case .recordsRequested: history.append("\(when(e.occurredAt)) 平台要求商家提供原始交易记录")
            case .recordsDefaulted: history.append("\(when(e.occurredAt)) 商家逾期未提供交易记录")
            case .remedyOffered: history.append("\(when(e.occurredAt)) 商家提出解决方案")
            case .ruled: history.append("\(when(e.occurredAt)) 平台作出处理决定")
            case .statusChanged where e.payload["to"]?.stringValue == "resolution_proposed": history.append("\(when(e.occurredAt)) 平台提出解决方案")
            case .statusChanged where e.payload["to"]?.stringValue == "rejected": history.append("\(when(e.occurredAt)) 平台不予受理")
            default: break
            }
        }
        lines.append("平台处理经过：" + history.joined(separator: "；") + "。")
        if Lifecycle.open.contains(c.status) {
            let days = Int(now.timeIntervalSince(c.createdAt) / 86_400)
            lines.append("截至 \(when(now))，问题仍未解决（已 \(days) 天）。")
        } else {
            lines.append("目前状态：\(c.status.labelZh)。")
        }
        lines.append("依据：《消费者权益保护法》第四十四条（网络交易平台应提供销售者的真实名称、地址和有效联系方式）、《电子商务法》第六十二条（电子商务经营者应提供原始合同和交易记录）。")
        lines.append("证据：订单与支付凭证、沟通记录；完整证据档案由平台导出，可离线核验（案件编号 \(c.caseNumber)）。")
        return lines.joined(separator: "\n")
    }

    /// The same moment three calendar years later in Beijing time (民法典 Art. 188/201: the period ends on the
    /// corresponding day; 29 February ends on 28 February when that year has none), not 3 × 365 days.
    public static func threeYears(after d: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return calendar.date(byAdding: .year, value: 3, to: d) ?? d.addingTimeInterval(3 * 365 * 86_400)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func remedyZh(_ k: RemedyKind) -> String {
        switch k {
        case .refund: "退款"
        case .delivery: "履行交付"
        case .compensation: "赔偿"
        case .accountRestored: "恢复账号"
        case .apology: "赔礼道歉"
        case .other: "其他"
        }
    }
}
