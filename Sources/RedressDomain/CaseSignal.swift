import Foundation

/// A case changed: enough for a live page or stream to decide whom to tell and to fetch the case again.
public struct CaseSignal: Sendable, Equatable, Codable {
    public var complaintId: String
    public var eventCount: Int
    public var memberId: String
    public var queue: String
    public var respondentMerchantId: String?

    public init(complaintId: String, eventCount: Int, memberId: String, queue: String, respondentMerchantId: String?) {
        self.complaintId = complaintId
        self.eventCount = eventCount
        self.memberId = memberId
        self.queue = queue
        self.respondentMerchantId = respondentMerchantId
    }

    public init(_ c: Complaint) {
        self.init(
            complaintId: c.id, eventCount: c.eventCount, memberId: c.memberId, queue: c.queue.rawValue, respondentMerchantId: c.respondentMerchantId)
    }
}
