/// Who acts on a case.
public enum Role: String, Sendable, Codable, CaseIterable {
    case member
    /// 客服 (L1): first response.
    case agent
    /// 投诉处理专员 (L2): escalated cases.
    case specialist
    /// 风控: cases over the threshold, security cases, the emergency channel.
    case riskControl = "risk_control"
    case admin
    /// 商家: answers the cases against its merchant account; sees members' personal data masked.
    case merchant
    /// External reviewer (regulator, arbitrator, court): reads the cases assigned to them and records a decision.
    case arbitrator
    /// Redress itself: sweeps, automatic escalations.
    case system

    public var isStaff: Bool { self == .agent || self == .specialist || self == .riskControl || self == .admin }

    /// L2 and above: may change the respondent, confirm a default ruling and rule on a case.
    public var decides: Bool { self == .specialist || self == .riskControl || self == .admin }

    /// The queues a role works (admins see all).
    public var visibleQueues: Set<Queue> {
        switch self {
        case .agent: [.l1]
        case .specialist: [.l1, .l2]
        case .riskControl: [.riskControl, .emergency]
        case .admin, .system: Set(Queue.allCases)
        case .member, .merchant, .arbitrator: []
        }
    }
}

/// The escalation ladder: L1 → L2 → risk control.
public enum Tier: String, Sendable, Codable, CaseIterable, Comparable {
    case l1
    case l2
    case riskControl = "risk_control"

    var rank: Int {
        switch self {
        case .l1: 0
        case .l2: 1
        case .riskControl: 2
        }
    }

    public var next: Tier? {
        switch self {
        case .l1: .l2
        case .l2: .riskControl
        case .riskControl: nil
        }
    }

    public static func < (a: Tier, b: Tier) -> Bool { a.rank < b.rank }
}

/// The work queues. The emergency queue is worked by risk control around the clock.
public enum Queue: String, Sendable, Codable, CaseIterable {
    case l1
    case l2
    case riskControl = "risk_control"
    case emergency

    public static func forTier(_ tier: Tier) -> Queue {
        switch tier {
        case .l1: .l1
        case .l2: .l2
        case .riskControl: .riskControl
        }
    }
}

/// Who did something: a user (with their role) or Redress itself.
public struct CaseActor: Sendable, Codable, Equatable {
    public var id: String?
    public var role: Role

    public init(id: String?, role: Role) {
        self.id = id
        self.role = role
    }

    public static let system = CaseActor(id: nil, role: .system)
}
