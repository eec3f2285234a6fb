import Foundation

/// What the member wants.
public enum RemedyKind: String, Sendable, Codable, CaseIterable {
    case refund, delivery, compensation
    case accountRestored = "account_restored"
    case apology, other
}

public enum ProductKind: String, Sendable, Codable, CaseIterable {
    case gameTopup = "game_topup"
    case licenceKey = "licence_key"
    case membership
    case giftCard = "gift_card"
    case other
}

/// How the complaint reached Redress.
public enum Channel: String, Sendable, Codable, CaseIterable {
    case web, api, email
}

/// Who answers for the problem: the platform itself or a third-party merchant.
public enum RespondentKind: String, Sendable, Codable {
    case platform, merchant
}

/// The order the complaint is about.
public struct OrderReference: Sendable, Codable, Equatable {
    public var orderNumber: String
    public var amountPaidFen: Int64
    public var productKind: ProductKind
    public var respondent: RespondentKind
    /// The merchant's identifier on the platform, when the respondent is a merchant.
    public var merchantId: String?
    public var merchantName: String?
    public var paidAt: Date?
    public var paymentReference: String?

    public init(
        orderNumber: String, amountPaidFen: Int64, productKind: ProductKind, respondent: RespondentKind, merchantId: String? = nil,
        merchantName: String? = nil, paidAt: Date? = nil, paymentReference: String? = nil
    ) {
        self.orderNumber = orderNumber
        self.amountPaidFen = amountPaidFen
        self.productKind = productKind
        self.respondent = respondent
        self.merchantId = merchantId
        self.merchantName = merchantName
        self.paidAt = paidAt
        self.paymentReference = paymentReference
    }
}

public struct Remedy: Sendable, Codable, Equatable {
    public var kind: RemedyKind
    public var text: String?
    public init(kind: RemedyKind, text: String? = nil) {
        self.kind = kind
        self.text = text
    }
}

/// A complaint and the state of its case.
public struct Complaint: Sendable, Codable, Equatable {
    public var id: String
    public var caseNumber: String
    public var memberId: String
    public var categoryCode: String
    public var dimension: Dimension
    public var order: OrderReference
    public var occurredAt: Date
    public var narrative: String
    public var remedy: Remedy
    public var amountClaimedFen: Int64
    public var channel: Channel
    public var emergency: Bool

    public var status: ComplaintStatus
    public var tier: Tier
    public var queue: Queue
    public var assigneeId: String?
    public var deadlines: [CaseDeadline]
    public var rejectionReason: RejectionReason?
    /// When the member last disputed an answer; entitles them to escalate.
    public var memberDisputedAt: Date?
    public var firstRespondedAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// The number of events in the case's chain and the hash of the last one.
    public var eventCount: Int
    public var headHash: String

    /// The larger of the amount paid and the amount claimed: what routing compares with the threshold.
    public var amountAtStakeFen: Int64 { max(order.amountPaidFen, amountClaimedFen) }

    /// Deadlines still owed (not met, not superseded).
    public var openDeadlines: [CaseDeadline] { deadlines.filter(\.isOpen) }

    /// The nearest due instant among deadlines still owed, overdue ones included: the queue's sort key.
    public var nextDueAt: Date? { openDeadlines.compactMap(\.dueAt).min() }

    /// The nearest due instant the sweeper has still to act on (open, not yet breached, not paused).
    public var sweepDueAt: Date? { openDeadlines.filter { $0.breachedAt == nil }.compactMap(\.dueAt).min() }

    public func isOverdue(at now: Date) -> Bool { nextDueAt.map { $0 <= now } ?? false }
}

/// A case number such as `RD-20261129-000123`: the filing date in the platform's zone and that day's sequence.
public enum CaseNumber {
    public static func make(date: CivilDate, sequence: Int) -> String {
        let seq = String(sequence)
        let padded = seq.count >= 6 ? seq : String(repeating: "0", count: 6 - seq.count) + seq
        let d = date.description.replacingOccurrences(of: "-", with: "")
        return "RD-\(d)-\(padded)"
    }
}
