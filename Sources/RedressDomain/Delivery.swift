import Foundation

/// A webhook endpoint: notices of the chosen topics are POSTed to it, signed with its secret.
public struct WebhookSubscription: Sendable, Equatable {
    public var id: String
    public var url: String
    /// HMAC-SHA256 key; shown once, when the subscription is made.
    public var secret: String
    /// Topic names (`complaint.created`, …); empty means every topic.
    public var topics: [String]
    /// A merchant's own endpoint receives notices of cases against that merchant only.
    public var merchantId: String?
    public var createdBy: String
    public var createdAt: Date
    public var disabled: Bool
    public init(
        id: String, url: String, secret: String, topics: [String], merchantId: String?, createdBy: String, createdAt: Date, disabled: Bool = false
    ) {
        self.id = id
        self.url = url
        self.secret = secret
        self.topics = topics
        self.merchantId = merchantId
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.disabled = disabled
    }

    public func wants(_ topic: NoticeTopic) -> Bool { topics.isEmpty || topics.contains(topic.rawValue) }
}

public enum DeliveryChannel: String, Sendable, Codable, CaseIterable {
    case email, webhook
}

public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, delivered, dead
}

/// Where one notice goes: an e-mail address, or a webhook subscription's id.
public struct DeliveryDraft: Sendable, Equatable {
    public var channel: DeliveryChannel
    public var destination: String
    /// Whose data key seals the destination at rest (an e-mail address: the case's member, so that their erasure
    /// takes the addresses their case was mailed to with it); nil: stored as it is (a webhook's id).
    public var sealedFor: String?
    public init(channel: DeliveryChannel, destination: String, sealedFor: String? = nil) {
        self.channel = channel
        self.destination = destination
        self.sealedFor = sealedFor
    }
}

/// One entry of the outbox.
public struct Delivery: Sendable, Equatable {
    public var id: Int64
    public var noticeId: Int64
    public var notice: Notice
    public var channel: DeliveryChannel
    public var destination: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    public var createdAt: Date

    public init(
        id: Int64, noticeId: Int64, notice: Notice, channel: DeliveryChannel, destination: String, status: DeliveryStatus, attempts: Int,
        nextAttemptAt: Date, lastError: String?, deliveredAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.noticeId = noticeId
        self.notice = notice
        self.channel = channel
        self.destination = destination
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
        self.createdAt = createdAt
    }
}

/// One try at delivering, as the delivery log keeps it.
public struct DeliveryAttempt: Sendable, Equatable {
    public var deliveryId: Int64
    public var attempt: Int
    public var at: Date
    public var ok: Bool
    public var statusCode: Int?
    public var error: String?
    public var durationMs: Int
    public init(deliveryId: Int64, attempt: Int, at: Date, ok: Bool, statusCode: Int?, error: String?, durationMs: Int) {
        self.deliveryId = deliveryId
        self.attempt = attempt
        self.at = at
        self.ok = ok
        self.statusCode = statusCode
        self.error = error
        self.durationMs = durationMs
    }
}

/// What follows an attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    case retry(at: Date)
    /// No more attempts (until replayed).
    case dead
}

/// One change of the policy: who, when, and what it was before.
public struct PolicyChange: Sendable {
    public var at: Date
    public var by: String
    public var previous: Policy?
    public var policy: Policy

    public init(at: Date, by: String, previous: Policy?, policy: Policy) {
        self.at = at
        self.by = by
        self.previous = previous
        self.policy = policy
    }
}
