/// A value a person reads the name of: its name in zh-CN and in English.
///
/// Every domain value shown to a person takes its words from this one table (statuses, channels and categories carry
/// theirs beside their cases), so a page, a dossier, a notice and an error name a thing the same way, and a Chinese
/// page never shows an enum's raw value.
public protocol Labelled {
    var labelZh: String { get }
    var labelEn: String { get }
}

extension Labelled {
    public func label(chinese: Bool) -> String { chinese ? labelZh : labelEn }
}

extension ComplaintStatus: Labelled {}
extension ExternalChannel: Labelled {}
extension Dimension: Labelled {}

extension Role: Labelled {
    public var labelZh: String {
        switch self {
        case .member: "会员"
        case .agent: "一线客服"
        case .specialist: "投诉处理专员"
        case .riskControl: "风控"
        case .admin: "管理员"
        case .merchant: "商家"
        case .arbitrator: "外部审查人"
        case .system: "系统"
        }
    }

    public var labelEn: String {
        switch self {
        case .member: "Member"
        case .agent: "L1 agent"
        case .specialist: "L2 specialist"
        case .riskControl: "Risk control"
        case .admin: "Admin"
        case .merchant: "Merchant"
        case .arbitrator: "External reviewer"
        case .system: "System"
        }
    }
}

extension Tier: Labelled {
    public var labelZh: String {
        switch self {
        case .l1: "一线客服"
        case .l2: "投诉处理专员"
        case .riskControl: "风控"
        }
    }

    public var labelEn: String {
        switch self {
        case .l1: "L1 support"
        case .l2: "L2 specialist"
        case .riskControl: "Risk control"
        }
    }
}

extension Queue: Labelled {
    public var labelZh: String {
        switch self {
        case .l1: "一线客服队列"
        case .l2: "投诉专员队列"
        case .riskControl: "风控队列"
        case .emergency: "紧急通道"
        }
    }

    public var labelEn: String {
        switch self {
        case .l1: "L1 queue"
        case .l2: "L2 queue"
        case .riskControl: "Risk control queue"
        case .emergency: "Emergency channel"
        }
    }
}

extension CaseAction: Labelled {
    public var labelZh: String {
        switch self {
        case .acknowledge: "受理"
        case .startWork: "开始处理"
        case .requestInfo: "请会员补充材料"
        case .awaitMerchant: "等待商家答复"
        case .resume: "恢复处理"
        case .proposeResolution: "提出解决方案"
        case .resolve: "办结"
        case .close: "结案"
        case .reject: "不予受理"
        case .reopen: "重新处理"
        case .accept: "接受方案"
        case .dispute: "不接受方案"
        case .withdraw: "撤回投诉"
        }
    }

    public var labelEn: String {
        switch self {
        case .acknowledge: "Acknowledge"
        case .startWork: "Start work"
        case .requestInfo: "Ask the member for more"
        case .awaitMerchant: "Wait for the merchant"
        case .resume: "Resume"
        case .proposeResolution: "Propose a resolution"
        case .resolve: "Resolve"
        case .close: "Close"
        case .reject: "Reject"
        case .reopen: "Reopen"
        case .accept: "Accept the proposal"
        case .dispute: "Dispute the proposal"
        case .withdraw: "Withdraw"
        }
    }
}

extension EventKind: Labelled {
    public var labelZh: String {
        switch self {
        case .submitted: "提交投诉"
        case .routed: "分派处理"
        case .publicMessage: "留言"
        case .internalNote: "内部备注"
        case .statusChanged: "状态变更"
        case .assigned: "指派"
        case .escalated: "升级处理"
        case .evidenceAdded: "上传证据"
        case .deadlineBreached: "期限超时"
        case .automaticAction: "自动处理"
        case .respondentChanged: "变更被投诉方"
        case .recordsRequested: "要求商家举证"
        case .recordsSubmitted: "商家提交材料"
        case .recordsDefaulted: "商家逾期未举证"
        case .remedyOffered: "商家提出方案"
        case .rulingProposed: "拟定裁决"
        case .ruled: "裁决"
        case .frozen: "冻结"
        case .freezeReleased: "解除冻结"
        case .externalComplaintRecorded: "外部投诉登记"
        case .externalComplaintUpdated: "外部投诉更新"
        case .rated: "评价"
        case .reviewerAssigned: "指定外部审查人"
        case .deadlineApproaching: "期限提醒"
        }
    }

    public var labelEn: String {
        switch self {
        case .submitted: "Filed"
        case .routed: "Routed"
        case .publicMessage: "Message"
        case .internalNote: "Internal note"
        case .statusChanged: "Status changed"
        case .assigned: "Assigned"
        case .escalated: "Escalated"
        case .evidenceAdded: "Evidence added"
        case .deadlineBreached: "Deadline missed"
        case .automaticAction: "Automatic action"
        case .respondentChanged: "Respondent changed"
        case .recordsRequested: "Records requested"
        case .recordsSubmitted: "Records submitted"
        case .recordsDefaulted: "Records not provided"
        case .remedyOffered: "Merchant's offer"
        case .rulingProposed: "Ruling proposed"
        case .ruled: "Ruling"
        case .frozen: "Frozen"
        case .freezeReleased: "Freeze released"
        case .externalComplaintRecorded: "External complaint recorded"
        case .externalComplaintUpdated: "External complaint updated"
        case .rated: "Rated"
        case .reviewerAssigned: "External reviewer assigned"
        case .deadlineApproaching: "Deadline reminder"
        }
    }
}

extension DeadlineKind: Labelled {
    public var labelZh: String {
        switch self {
        case .firstResponse: "首次响应期限"
        case .escalationResponse: "升级后响应期限"
        case .resolution: "办结期限"
        case .merchantEvidence: "商家举证期限"
        case .memberConfirmation: "会员确认方案期限"
        case .externalReply: "外部投诉答复期限"
        case .odrNegotiation: "在线纠纷协商期限"
        }
    }

    public var labelEn: String {
        switch self {
        case .firstResponse: "First response due"
        case .escalationResponse: "Response after escalation due"
        case .resolution: "Resolution due"
        case .merchantEvidence: "Merchant's records due"
        case .memberConfirmation: "Member's answer to the proposal due"
        case .externalReply: "Reply to the external complaint due"
        case .odrNegotiation: "Online dispute negotiation due"
        }
    }
}

extension ProductKind: Labelled {
    public var labelZh: String {
        switch self {
        case .gameTopup: "游戏充值"
        case .licenceKey: "软件激活码"
        case .membership: "会员服务"
        case .giftCard: "礼品卡/点卡"
        case .other: "其他"
        }
    }

    public var labelEn: String {
        switch self {
        case .gameTopup: "Game top-up"
        case .licenceKey: "Software licence key"
        case .membership: "Membership"
        case .giftCard: "Gift card"
        case .other: "Other"
        }
    }
}

extension RemedyKind: Labelled {
    public var labelZh: String {
        switch self {
        case .refund: "退款"
        case .delivery: "补发/履约"
        case .compensation: "赔偿"
        case .accountRestored: "恢复账号"
        case .apology: "道歉"
        case .other: "其他"
        }
    }

    public var labelEn: String {
        switch self {
        case .refund: "Refund"
        case .delivery: "Deliver what was bought"
        case .compensation: "Compensation"
        case .accountRestored: "Restore the account"
        case .apology: "Apology"
        case .other: "Other"
        }
    }
}

extension RulingOutcome: Labelled {
    public var labelZh: String {
        switch self {
        case .forMember: "支持会员诉求"
        case .forRespondent: "不支持（被投诉方无责）"
        case .partial: "部分支持"
        }
    }

    public var labelEn: String {
        switch self {
        case .forMember: "For the member"
        case .forRespondent: "For the respondent"
        case .partial: "In part"
        }
    }
}

extension ExternalStatus: Labelled {
    public var labelZh: String {
        switch self {
        case .filed: "已提交"
        case .accepted: "已受理"
        case .platformReplied: "平台已答复"
        case .mediating: "调解中"
        case .resolved: "已解决"
        case .rejected: "不予受理"
        case .withdrawn: "已撤回"
        }
    }

    public var labelEn: String {
        switch self {
        case .filed: "Filed"
        case .accepted: "Accepted"
        case .platformReplied: "The platform replied"
        case .mediating: "In mediation"
        case .resolved: "Resolved"
        case .rejected: "Not accepted"
        case .withdrawn: "Withdrawn"
        }
    }
}

extension RejectionReason: Labelled {
    public var labelZh: String {
        switch self {
        case .duplicate: "重复投诉"
        case .outsideScope: "不属于本平台处理范围"
        case .insufficientInformation: "信息不全"
        case .handledElsewhere: "已由法院、仲裁或监管机构受理"
        case .timeBarred: "超过可处理期限"
        case .notAParty: "投诉人并非交易当事人"
        }
    }

    public var labelEn: String {
        switch self {
        case .duplicate: "A duplicate complaint"
        case .outsideScope: "Outside what the platform handles"
        case .insufficientInformation: "Not enough information"
        case .handledElsewhere: "Already before a court, an arbitrator or a regulator"
        case .timeBarred: "Too late to handle"
        case .notAParty: "The complainant is not a party to the transaction"
        }
    }
}

extension FreezeTarget: Labelled {
    public var labelZh: String {
        switch self {
        case .order: "订单"
        case .account: "账号"
        }
    }

    public var labelEn: String {
        switch self {
        case .order: "Order"
        case .account: "Account"
        }
    }
}
extension ComplaintCategory: Labelled {}
extension EvidenceKind: Labelled {}

/// What a field of a form or a request is called where a person reads its name (an error naming it): the field's
/// path as the API spells it, in the reader's words.
public enum FieldName {
    static let table: [String: (zh: String, en: String)] = [
        "category": ("问题类型", "the kind of problem"),
        "occurredAt": ("发生时间", "when it happened"),
        "narrative": ("事情经过", "what happened"),
        "order.orderNumber": ("订单号", "the order number"),
        "order.paidAt": ("支付时间", "when it was paid"),
        "order.amountPaidFen": ("实付金额", "the amount paid"),
        "order.merchantId": ("商家", "the merchant"),
        "amountClaimedFen": ("要求金额", "the amount claimed"),
        "amountFen": ("金额", "the amount"),
        "remedy.text": ("具体诉求", "the remedy's details"),
        "dueAt": ("截止时间", "the deadline"),
        "filedOn": ("提交日期", "the date it was filed"),
        "reference": ("编号", "the reference"),
        "reason": ("理由", "the reason"),
        "note": ("说明", "the note"),
        "body": ("内容", "the message"),
        "needed": ("需要提供的材料", "what is needed"),
        "attitude": ("服务态度评分", "the attitude score"),
        "speed": ("处理速度评分", "the speed score"),
        "overall": ("总体满意度评分", "the overall score"),
        "comment": ("意见", "the comment"),
        "deadlines.firstResponseHours": ("首次响应时限", "the first-response time"),
        "deadlines.emergencyFirstResponseHours": ("紧急通道首次响应时限", "the emergency first-response time"),
        "deadlines.escalationResponseHours": ("升级后响应时限", "the response time after escalation"),
        "deadlines.resolutionHours": ("办结时限", "the resolution time"),
        "deadlines.businessOpensAt": ("营业开始时间", "the opening time"),
        "deadlines.businessClosesAt": ("营业结束时间", "the closing time"),
        "deadlines.reopenWindowDays": ("结案后可重新开启的天数", "the reopen window"),
        "routing.riskControlThresholdFen": ("转风控金额", "the risk-control threshold"),
        "evidence.maxFileBytes": ("证据文件大小上限", "the evidence file size limit"),
        "merchant.evidenceHours": ("商家举证时限", "the merchant's time for records"),
        "merchant.reverifyDays": ("商家资质复核周期", "the merchant re-verification period"),
        "member.silenceDays": ("会员沉默视为接受的天数", "the member's silence period"),
        "member.reminderHours": ("提醒会员的提前时间", "the member reminder time"),
        "member.escalateAfterHours": ("会员可自行升级的时间", "the time after which a member may escalate"),
        "external.replyWorkingDays": ("外部投诉答复期限", "the reply time for external complaints"),
        "external.odrNegotiationWorkingDays": ("在线纠纷协商期限", "the online negotiation time"),
    ]

    /// The field's name in the reader's language; a field not in the table reads as "this field".
    public static func name(_ field: String, chinese: Bool) -> String {
        guard let words = table[field] else { return chinese ? "该项" : "this field" }
        return chinese ? words.zh : words.en
    }
}

/// What an action on a case is called in an error that refuses it: the workflow's actions by their labels, and the
/// other things done to a case.
public enum ActionName {
    static let others: [String: (zh: String, en: String)] = [
        "message": ("留言", "write a message"),
        "escalate": ("升级处理", "escalate"),
        "assign": ("指派", "assign"),
        "add_evidence": ("补充证据", "add evidence"),
        "change_respondent": ("变更被投诉方", "change the respondent"),
        "request_records": ("要求商家举证", "ask for records"),
        "submit_records": ("提交举证材料", "submit records"),
        "rate": ("评价", "rate"),
        "rule": ("裁决", "rule"),
        "offer_remedy": ("提出方案", "offer a remedy"),
        "freeze": ("冻结", "freeze"),
        "release_freeze": ("解除冻结", "release a freeze"),
        "record_external": ("登记外部投诉", "record an external complaint"),
        "assign_reviewer": ("指定外部审查人", "give the case to a reviewer"),
    ]

    public static func name(_ code: String, chinese: Bool) -> String {
        if let action = CaseAction(rawValue: code) { return action.label(chinese: chinese) }
        guard let words = others[code] else { return chinese ? "该操作" : "this action" }
        return chinese ? words.zh : words.en
    }
}

extension NoticeTopic: Labelled {
    public var labelZh: String {
        switch self {
        case .complaintCreated: "新投诉"
        case .reply: "新回复"
        case .statusChanged: "状态变化"
        case .escalated: "升级处理"
        case .resolutionProposed: "提出解决方案"
        case .ruling: "作出裁决"
        case .deadlineApproaching: "期限临近"
        case .deadlineMissed: "期限已过"
        case .recordsRequested: "要求商家举证"
        case .recordsSubmitted: "商家提交材料"
        case .recordsDefaulted: "商家逾期未举证"
        case .freezeApplied: "冻结"
        case .freezeReleased: "解除冻结"
        case .externalRecorded: "登记外部投诉"
        }
    }

    public var labelEn: String {
        switch self {
        case .complaintCreated: "New complaint"
        case .reply: "New reply"
        case .statusChanged: "Status changed"
        case .escalated: "Escalated"
        case .resolutionProposed: "Resolution proposed"
        case .ruling: "Ruling"
        case .deadlineApproaching: "Deadline approaching"
        case .deadlineMissed: "Deadline missed"
        case .recordsRequested: "Records requested"
        case .recordsSubmitted: "Records submitted"
        case .recordsDefaulted: "Records not provided"
        case .freezeApplied: "Freeze applied"
        case .freezeReleased: "Freeze released"
        case .externalRecorded: "External complaint recorded"
        }
    }
}

extension ScannerDown: Labelled {
    public var labelZh: String {
        switch self {
        case .refuse: "拒收，请会员稍后再传"
        case .quarantine: "先收下并隔离，复扫无毒后才能查看"
        }
    }

    public var labelEn: String {
        switch self {
        case .refuse: "refused; the member uploads it again later"
        case .quarantine: "kept in quarantine, shown once a rescan finds it clean"
        }
    }
}
