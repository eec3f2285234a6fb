import Foundation

/// Which complaints to list.
public struct ComplaintQuery: Sendable, Equatable {
    public var memberId: String?
    public var queues: Set<Queue>?
    public var statuses: Set<ComplaintStatus>?
    public var tier: Tier?
    public var category: String?
    /// Only cases with a deadline due at or before this instant and unmet.
    public var overdueAt: Date?
    /// Only cases against this merchant.
    public var respondentMerchantId: String?
    /// Only cases given to this external reviewer.
    public var reviewerId: String?
    /// Only cases filed at or after this instant (newest first).
    public var createdAfter: Date?
    /// Leave out resolved, closed, rejected and withdrawn cases unless statuses asks for them.
    public var openOnly: Bool
    public var limit: Int
    public var offset: Int

    public init(
        memberId: String? = nil, queues: Set<Queue>? = nil, statuses: Set<ComplaintStatus>? = nil, tier: Tier? = nil, category: String? = nil,
        overdueAt: Date? = nil, openOnly: Bool = false, limit: Int = 50, offset: Int = 0
    ) {
        self.memberId = memberId
        self.queues = queues
        self.statuses = statuses
        self.tier = tier
        self.category = category
        self.overdueAt = overdueAt
        self.openOnly = openOnly
        self.limit = limit
        self.offset = offset
    }
}

/// The few columns needed to authorise a read and to tell whether a cached rendering is current.
public struct ComplaintHead: Sendable, Equatable {
    public var id: String
    public var memberId: String
    public var queue: Queue
    public var assigneeId: String?
    /// Grows with every change to the case: a version number.
    public var eventCount: Int
    public init(id: String, memberId: String, queue: Queue, assigneeId: String?, eventCount: Int) {
        self.id = id
        self.memberId = memberId
        self.queue = queue
        self.assigneeId = assigneeId
        self.eventCount = eventCount
    }
}

public struct ComplaintPage: Sendable {
    public var items: [Complaint]
    public var total: Int

    public init(items: [Complaint], total: Int) {
        self.items = items
        self.total = total
    }
}
