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
    /// A staff queue's next page: the cases after this one in the queue's order (nearest deadline first).
    public var after: QueueCursor? = nil
    /// Only cases whose words match, best match first (`SearchText`); the other conditions narrow it.
    public var search: SearchText.Query? = nil
    /// Whether a search also reads internal notes (staff only).
    public var searchInternal = false

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
    /// How many cases match, counted up to `QueueCursor.countLimit` (`totalIsLowerBound` beyond it); for a search,
    /// among the passages it read.
    public var total: Int
    public var totalIsLowerBound: Bool
    /// Where the next page of a staff queue starts, when there are more cases.
    public var next: QueueCursor?
    /// For a search: each case's passage that matched, as the caller may read it (filled by the use case).
    public var snippets: [String: [SearchText.SnippetPart]] = [:]

    public init(items: [Complaint], total: Int, totalIsLowerBound: Bool = false, next: QueueCursor? = nil) {
        self.items = items
        self.total = total
        self.totalIsLowerBound = totalIsLowerBound
        self.next = next
    }
}

/// A place in a staff queue's order (deadline, filing time, id): the next page reads the queue's index from there,
/// however many cases came before, and a case filed or closed between two pages neither repeats nor skips another.
/// Opaque to clients: `q1.<due>.<filed>.<id>` in base64url.
public struct QueueCursor: Sendable, Equatable {
    /// A case without a deadline sorts last.
    public static let noDeadline = Int64.max
    /// Lists are counted up to this many cases; beyond it the page says "more than".
    public static let countLimit = 10_000

    public var due: Int64
    public var filedAtMs: Int64
    public var id: String

    public init(due: Int64, filedAtMs: Int64, id: String) {
        self.due = due
        self.filedAtMs = filedAtMs
        self.id = id
    }

    public var encoded: String {
        Data("q1.\(due).\(filedAtMs).\(id)".utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        ).replacingOccurrences(of: "=", with: "")
    }

    public init?(encoded: String) {
        guard encoded.count <= 200 else { return nil }
        var b = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "q1", let due = Int64(parts[1]), let filed = Int64(parts[2]), !parts[3].isEmpty,
            parts[3].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else { return nil }
        self.init(due: due, filedAtMs: filed, id: String(parts[3]))
    }
}
