/// The statuses of a case.
public enum ComplaintStatus: String, Sendable, Codable, CaseIterable {
    case submitted
    case acknowledged
    case inProgress = "in_progress"
    case awaitingMember = "awaiting_member"
    case awaitingMerchant = "awaiting_merchant"
    case resolutionProposed = "resolution_proposed"
    case resolved
    case closed
    case rejected
    case withdrawn

    /// Terminal for the working queues (a reopen can still bring the case back).
    public var isFinished: Bool { self == .resolved || self == .closed || self == .rejected || self == .withdrawn }

    public var labelZh: String {
        switch self {
        case .submitted: "已提交"
        case .acknowledged: "已受理"
        case .inProgress: "处理中"
        case .awaitingMember: "待会员补充"
        case .awaitingMerchant: "待商家答复"
        case .resolutionProposed: "已提出解决方案"
        case .resolved: "已解决"
        case .closed: "已结案"
        case .rejected: "不予受理"
        case .withdrawn: "已撤回"
        }
    }

    public var labelEn: String {
        switch self {
        case .submitted: "Submitted"
        case .acknowledged: "Acknowledged"
        case .inProgress: "In progress"
        case .awaitingMember: "Awaiting member"
        case .awaitingMerchant: "Awaiting merchant"
        case .resolutionProposed: "Resolution proposed"
        case .resolved: "Resolved"
        case .closed: "Closed"
        case .rejected: "Rejected"
        case .withdrawn: "Withdrawn"
        }
    }
}

/// Grounds for not accepting a complaint, modelled on 市场监督管理投诉举报处理暂行办法 Art. 15.
public enum RejectionReason: String, Sendable, Codable, CaseIterable {
    /// Already filed and being handled, or already handled (重复投诉).
    case duplicate
    /// Not a dispute this platform handles (不属于本平台处理范围).
    case outsideScope = "outside_scope"
    /// No clear complainant, facts or demand, after being asked (信息不全).
    case insufficientInformation = "insufficient_information"
    /// A court, arbitration body or regulator has already accepted the dispute.
    case handledElsewhere = "handled_elsewhere"
    /// Older than the period the platform can act on (three years, 电子商务法 record keeping).
    case timeBarred = "time_barred"
    /// The complainant is not a party to the transaction.
    case notAParty = "not_a_party"
}

/// The actions that move a case.
public enum CaseAction: String, Sendable, Codable, CaseIterable {
    case acknowledge
    case startWork = "start_work"
    case requestInfo = "request_info"
    case awaitMerchant = "await_merchant"
    case resume
    case proposeResolution = "propose_resolution"
    case resolve
    case close
    case reject
    case reopen
    /// Member: accept a proposed resolution.
    case accept
    /// Member: dispute a proposed resolution.
    case dispute
    case withdraw
}

/// The state machine: which action leads from which status to which, and who may take it.
public enum Lifecycle {
    public static let open: Set<ComplaintStatus> = [.submitted, .acknowledged, .inProgress, .awaitingMember, .awaitingMerchant, .resolutionProposed]

    /// The status an action leads to from `status`, or nil when it is not allowed there.
    public static func target(of action: CaseAction, from status: ComplaintStatus) -> ComplaintStatus? {
        switch (action, status) {
        case (.acknowledge, .submitted): .acknowledged
        case (.startWork, .submitted), (.startWork, .acknowledged): .inProgress
        case (.requestInfo, .acknowledged), (.requestInfo, .inProgress), (.requestInfo, .awaitingMerchant), (.requestInfo, .submitted):
            .awaitingMember
        case (.awaitMerchant, .acknowledged), (.awaitMerchant, .inProgress), (.awaitMerchant, .awaitingMember), (.awaitMerchant, .submitted):
            .awaitingMerchant
        case (.resume, .awaitingMember), (.resume, .awaitingMerchant): .inProgress
        case (.proposeResolution, let s) where [.submitted, .acknowledged, .inProgress, .awaitingMember, .awaitingMerchant].contains(s):
            .resolutionProposed
        case (.resolve, let s) where [.acknowledged, .inProgress, .awaitingMerchant, .resolutionProposed].contains(s): .resolved
        case (.accept, .resolutionProposed): .resolved
        case (.dispute, .resolutionProposed): .inProgress
        case (.close, .resolved): .closed
        case (.reject, let s) where [.submitted, .acknowledged, .inProgress, .awaitingMember, .awaitingMerchant].contains(s): .rejected
        case (.withdraw, let s) where open.contains(s): .withdrawn
        case (.reopen, .resolved), (.reopen, .closed), (.reopen, .rejected): .inProgress
        default: nil
        }
    }

    /// The roles that may take an action.
    public static func roles(for action: CaseAction) -> Set<Role> {
        let staff: Set<Role> = [.agent, .specialist, .riskControl, .admin]
        switch action {
        case .accept, .dispute, .withdraw: return [.member]
        case .reopen: return staff.union([.member])
        case .close, .resume: return staff.union([.system])
        default: return staff
        }
    }

    /// Checks an action and returns the status it leads to.
    public static func apply(_ action: CaseAction, to status: ComplaintStatus, by role: Role) throws(DomainError) -> ComplaintStatus {
        guard roles(for: action).contains(role) else { throw .actionNotPermitted(action: action.rawValue, role: role) }
        guard let next = target(of: action, from: status) else { throw .illegalTransition(from: status, action: action.rawValue) }
        return next
    }

    /// Actions that answer the member and so meet a response deadline.
    static let responding: Set<CaseAction> = [.requestInfo, .proposeResolution, .resolve, .reject]
}
