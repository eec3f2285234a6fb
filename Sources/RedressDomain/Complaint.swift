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
    /// Turned into a complaint from an online support chat (在线客服).
    case chat
}

/// Who answers for the problem: the platform itself or a third-party merchant.
public enum RespondentKind: String, Sendable, Codable, CaseIterable {
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
    /// When the member accepted a proposal (not silence): with a ruling, what counts as completed on the public pages.
    public var memberAcceptedAt: Date? = nil
    /// When the respondent merchant first answered (a reply, an offer or records).
    public var merchantAnsweredAt: Date? = nil
    /// When the member last reopened the case after it finished (the problem came back).
    public var reopenedAt: Date? = nil
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// The number of events in the case's chain and the hash of the last one.
    public var eventCount: Int
    public var headHash: String

    /// Who answers for the problem (from the order at intake; an L2 specialist may change it).
    public var respondent: CaseRespondent
    public var recordsRequests: [RecordsRequest] = []
    /// A ruling for the member proposed after a merchant default, awaiting an L2 confirmation.
    public var proposedRuling: Ruling? = nil
    public var ruling: Ruling? = nil
    public var freezes: [Freeze] = []
    public var externalComplaints: [ExternalComplaint] = []
    public var rating: SatisfactionRating? = nil
    /// External reviewers (arbitrators, regulators) given read access to the case.
    public var reviewerIds: [String] = []

    /// Every stored property, for the stored form's reader (`RedressStorage`).
    package init(
        id: String, caseNumber: String, memberId: String, categoryCode: String, dimension: Dimension, order: OrderReference, occurredAt: Date,
        narrative: String, remedy: Remedy, amountClaimedFen: Int64, channel: Channel, emergency: Bool, status: ComplaintStatus, tier: Tier,
        queue: Queue, assigneeId: String? = nil, deadlines: [CaseDeadline], rejectionReason: RejectionReason? = nil, memberDisputedAt: Date? = nil,
        firstRespondedAt: Date? = nil, memberAcceptedAt: Date? = nil, merchantAnsweredAt: Date? = nil, reopenedAt: Date? = nil,
        resolvedAt: Date? = nil, closedAt: Date? = nil, createdAt: Date, updatedAt: Date, eventCount: Int,
        headHash: String, respondent: CaseRespondent, recordsRequests: [RecordsRequest] = [], proposedRuling: Ruling? = nil, ruling: Ruling? = nil,
        freezes: [Freeze] = [], externalComplaints: [ExternalComplaint] = [], rating: SatisfactionRating? = nil, reviewerIds: [String] = []
    ) {
        self.id = id
        self.caseNumber = caseNumber
        self.memberId = memberId
        self.categoryCode = categoryCode
        self.dimension = dimension
        self.order = order
        self.occurredAt = occurredAt
        self.narrative = narrative
        self.remedy = remedy
        self.amountClaimedFen = amountClaimedFen
        self.channel = channel
        self.emergency = emergency
        self.status = status
        self.tier = tier
        self.queue = queue
        self.assigneeId = assigneeId
        self.deadlines = deadlines
        self.rejectionReason = rejectionReason
        self.memberDisputedAt = memberDisputedAt
        self.firstRespondedAt = firstRespondedAt
        self.memberAcceptedAt = memberAcceptedAt
        self.merchantAnsweredAt = merchantAnsweredAt
        self.reopenedAt = reopenedAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.eventCount = eventCount
        self.headHash = headHash
        self.respondent = respondent
        self.recordsRequests = recordsRequests
        self.proposedRuling = proposedRuling
        self.ruling = ruling
        self.freezes = freezes
        self.externalComplaints = externalComplaints
        self.rating = rating
        self.reviewerIds = reviewerIds
    }

    /// The merchant answering for the case, if any.
    public var respondentMerchantId: String? { respondent.kind == .merchant ? respondent.merchantId : nil }

    /// The larger of the amount paid and the amount claimed: what routing compares with the threshold.
    public var amountAtStakeFen: Int64 { max(order.amountPaidFen, amountClaimedFen) }

    /// Deadlines still owed (not met, not superseded).
    public var openDeadlines: [CaseDeadline] { deadlines.filter(\.isOpen) }

    /// The nearest due instant among deadlines still owed, overdue ones included: the queue's sort key.
    public var nextDueAt: Date? { openDeadlines.compactMap(\.dueAt).min() }

    /// The nearest instant the sweeper has still to act on: a reminder to send or a deadline to record as breached
    /// (open, not yet breached, not paused). This indexed column is the case's durable timer.
    public var sweepDueAt: Date? {
        var next: Date?
        for d in deadlines where d.isOpen && d.breachedAt == nil {
            for t in [d.remindAt, d.dueAt] {
                if let t, next.map({ t < $0 }) ?? true { next = t }
            }
        }
        return next
    }

    /// Deadlines still owed by the platform: what the queues sort and mark by.
    public var platformDeadlines: [CaseDeadline] { openDeadlines.filter { $0.kind.owner == .platform } }

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
    enum CodingKeys: String, CodingKey {
        case id, caseNumber, memberId, categoryCode, dimension, order, occurredAt, narrative, remedy, amountClaimedFen, channel, emergency
        case status, tier, queue, assigneeId, deadlines, rejectionReason, memberDisputedAt, firstRespondedAt, resolvedAt, closedAt
        case memberAcceptedAt, merchantAnsweredAt, reopenedAt
        case createdAt, updatedAt, eventCount, headHash
        case respondent, recordsRequests, proposedRuling, ruling, freezes, externalComplaints, rating, reviewerIds
    }

    /// Cases stored before a section existed read it as empty; a case stored without a respondent takes the order's.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        caseNumber = try c.decode(String.self, forKey: .caseNumber)
        memberId = try c.decode(String.self, forKey: .memberId)
        categoryCode = try c.decode(String.self, forKey: .categoryCode)
        dimension = try c.decode(Dimension.self, forKey: .dimension)
        order = try c.decode(OrderReference.self, forKey: .order)
        occurredAt = try c.decode(Date.self, forKey: .occurredAt)
        narrative = try c.decode(String.self, forKey: .narrative)
        remedy = try c.decode(Remedy.self, forKey: .remedy)
        amountClaimedFen = try c.decode(Int64.self, forKey: .amountClaimedFen)
        channel = try c.decode(Channel.self, forKey: .channel)
        emergency = try c.decode(Bool.self, forKey: .emergency)
        status = try c.decode(ComplaintStatus.self, forKey: .status)
        tier = try c.decode(Tier.self, forKey: .tier)
        queue = try c.decode(Queue.self, forKey: .queue)
        assigneeId = try c.decodeIfPresent(String.self, forKey: .assigneeId)
        deadlines = try c.decode([CaseDeadline].self, forKey: .deadlines)
        rejectionReason = try c.decodeIfPresent(RejectionReason.self, forKey: .rejectionReason)
        memberDisputedAt = try c.decodeIfPresent(Date.self, forKey: .memberDisputedAt)
        firstRespondedAt = try c.decodeIfPresent(Date.self, forKey: .firstRespondedAt)
        memberAcceptedAt = try c.decodeIfPresent(Date.self, forKey: .memberAcceptedAt)
        merchantAnsweredAt = try c.decodeIfPresent(Date.self, forKey: .merchantAnsweredAt)
        reopenedAt = try c.decodeIfPresent(Date.self, forKey: .reopenedAt)
        resolvedAt = try c.decodeIfPresent(Date.self, forKey: .resolvedAt)
        closedAt = try c.decodeIfPresent(Date.self, forKey: .closedAt)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        eventCount = try c.decode(Int.self, forKey: .eventCount)
        headHash = try c.decode(String.self, forKey: .headHash)
        respondent =
            try c.decodeIfPresent(CaseRespondent.self, forKey: .respondent) ?? CaseRespondent(kind: order.respondent, merchantId: order.merchantId)
        recordsRequests = try c.decodeIfPresent([RecordsRequest].self, forKey: .recordsRequests) ?? []
        proposedRuling = try c.decodeIfPresent(Ruling.self, forKey: .proposedRuling)
        ruling = try c.decodeIfPresent(Ruling.self, forKey: .ruling)
        freezes = try c.decodeIfPresent([Freeze].self, forKey: .freezes) ?? []
        externalComplaints = try c.decodeIfPresent([ExternalComplaint].self, forKey: .externalComplaints) ?? []
        rating = try c.decodeIfPresent(SatisfactionRating.self, forKey: .rating)
        reviewerIds = try c.decodeIfPresent([String].self, forKey: .reviewerIds) ?? []
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
}

extension Remedy {
    /// The text is at most 1,000 characters, and required when the kind is `other`. `field` is the remedy's JSON path.
    public func validate(field: String) throws(DomainError) {
        if let t = text {
            try ComplaintDraft.text(t, field + ".text", max: ComplaintDraft.maximumRemedyText, required: kind == .other)
        } else if kind == .other {
            throw .invalidField(field: field + ".text", code: "required", zh: "诉求为「其他」时请说明具体诉求", en: "Describe the remedy when its kind is 'other'")
        }
    }

    public var value: CanonicalValue {
        var o: [String: CanonicalValue] = ["kind": .string(kind.rawValue)]
        if let t = text { o["text"] = .string(t) }
        return .object(o)
    }
}
