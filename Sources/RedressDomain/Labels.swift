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
        case .firstResponse: "首次响应"
        case .escalationResponse: "升级后响应"
        case .resolution: "处理结果"
        case .merchantEvidence: "商家举证"
        case .memberConfirmation: "会员确认方案"
        case .externalReply: "外部投诉答复"
        case .odrNegotiation: "ODR 协商"
        }
    }

    public var labelEn: String {
        switch self {
        case .firstResponse: "First response"
        case .escalationResponse: "Response after escalation"
        case .resolution: "Resolution"
        case .merchantEvidence: "Merchant's records"
        case .memberConfirmation: "Member's answer to the proposal"
        case .externalReply: "Reply to the external complaint"
        case .odrNegotiation: "ODR negotiation"
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
