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

extension Complaint {
    /// The complaint as a JSON value, keys and shapes as its `Codable` form with instants in integer
    /// milliseconds: what storage writes. Built by hand because Foundation's encoder costs several
    /// times more on the filing path.
    public var storageValue: CanonicalValue {
        func ms(_ d: Date) -> CanonicalValue { .int(Int64((d.timeIntervalSince1970 * 1000).rounded(.down))) }
        var o: [String: CanonicalValue] = [
            "id": .string(id), "caseNumber": .string(caseNumber), "memberId": .string(memberId), "categoryCode": .string(categoryCode),
            "dimension": .string(dimension.rawValue), "order": order.storageValue, "occurredAt": ms(occurredAt), "narrative": .string(narrative),
            "remedy": remedy.value, "amountClaimedFen": .int(amountClaimedFen), "channel": .string(channel.rawValue), "emergency": .bool(emergency),
            "status": .string(status.rawValue), "tier": .string(tier.rawValue), "queue": .string(queue.rawValue),
            "deadlines": .array(deadlines.map(\.storageValue)), "createdAt": ms(createdAt), "updatedAt": ms(updatedAt),
            "eventCount": .int(Int64(eventCount)), "headHash": .string(headHash),
        ]
        if let v = assigneeId { o["assigneeId"] = .string(v) }
        if let v = rejectionReason { o["rejectionReason"] = .string(v.rawValue) }
        if let v = memberDisputedAt { o["memberDisputedAt"] = ms(v) }
        if let v = firstRespondedAt { o["firstRespondedAt"] = ms(v) }
        if let v = resolvedAt { o["resolvedAt"] = ms(v) }
        if let v = closedAt { o["closedAt"] = ms(v) }
        return .object(o)
    }
}

extension OrderReference {
    /// As `Codable` writes it, instants as `time` renders them.
    public func value(time: (Date) -> CanonicalValue) -> CanonicalValue {
        var o: [String: CanonicalValue] = [
            "orderNumber": .string(orderNumber), "amountPaidFen": .int(amountPaidFen), "productKind": .string(productKind.rawValue),
            "respondent": .string(respondent.rawValue),
        ]
        if let v = merchantId { o["merchantId"] = .string(v) }
        if let v = merchantName { o["merchantName"] = .string(v) }
        if let v = paidAt { o["paidAt"] = time(v) }
        if let v = paymentReference { o["paymentReference"] = .string(v) }
        return .object(o)
    }

    var storageValue: CanonicalValue { value { .int(Int64(($0.timeIntervalSince1970 * 1000).rounded(.down))) } }
}

extension Remedy {
    public var value: CanonicalValue {
        var o: [String: CanonicalValue] = ["kind": .string(kind.rawValue)]
        if let t = text { o["text"] = .string(t) }
        return .object(o)
    }
}

extension CaseDeadline {
    var storageValue: CanonicalValue {
        func ms(_ d: Date) -> CanonicalValue { .int(Int64((d.timeIntervalSince1970 * 1000).rounded(.down))) }
        var o: [String: CanonicalValue] = [
            "kind": .string(kind.rawValue), "tier": .string(tier.rawValue), "mode": .string(mode.rawValue), "startedAt": ms(startedAt),
        ]
        if let v = dueAt { o["dueAt"] = ms(v) }
        if let v = pausedRemainingSeconds { o["pausedRemainingSeconds"] = .int(Int64(v)) }
        if let v = metAt { o["metAt"] = ms(v) }
        if let v = breachedAt { o["breachedAt"] = ms(v) }
        if let v = supersededAt { o["supersededAt"] = ms(v) }
        return .object(o)
    }
}
