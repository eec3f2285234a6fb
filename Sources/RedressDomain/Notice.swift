import Foundation

/// What a notification is about. Webhook subscribers choose topics by these names.
public enum NoticeTopic: String, Sendable, Codable, CaseIterable {
    case complaintCreated = "complaint.created"
    case reply = "complaint.reply"
    case statusChanged = "complaint.status_changed"
    case escalated = "complaint.escalated"
    case resolutionProposed = "complaint.resolution_proposed"
    case ruling = "complaint.ruling"
    case deadlineApproaching = "deadline.approaching"
    case deadlineMissed = "deadline.missed"
    case recordsRequested = "records.requested"
    case recordsSubmitted = "records.submitted"
    case recordsDefaulted = "records.defaulted"
    case freezeApplied = "freeze.applied"
    case freezeReleased = "freeze.released"
    case externalRecorded = "external.recorded"
}

/// Who a notice concerns; resolved to addresses when it is sent.
public enum NoticeAudience: String, Sendable, Codable, CaseIterable {
    /// The member who filed.
    case member
    /// The respondent merchant's users and contact address.
    case merchant
    /// The case's assignee, or the staff who work its queue when it has none.
    case staff
}

/// A notification owed because of a change to a case: written with the change, in the same transaction, and
/// delivered afterwards by the outbox (e-mail, webhooks) at least once.
public struct Notice: Sendable, Equatable, Codable {
    public var complaintId: String
    public var caseNumber: String
    public var eventSequence: Int
    public var topic: NoticeTopic
    public var audiences: [NoticeAudience]
    public var memberId: String
    public var merchantId: String?
    public var assigneeId: String?
    public var queue: Queue
    public var status: ComplaintStatus
    public var summaryZh: String
    public var summaryEn: String
    public var createdAt: Date

    /// The notices a change calls for, one per event that concerns someone.
    public static func plan(_ c: Complaint, events: [TimelineEvent]) -> [Notice] {
        var out: [Notice] = []
        func add(_ e: TimelineEvent, _ topic: NoticeTopic, _ audiences: [NoticeAudience], _ zh: String, _ en: String) {
            var a = audiences
            if c.respondentMerchantId == nil { a.removeAll { $0 == .merchant } }
            out.append(
                Notice(
                    complaintId: c.id, caseNumber: c.caseNumber, eventSequence: e.sequence, topic: topic, audiences: a, memberId: c.memberId,
                    merchantId: c.respondentMerchantId, assigneeId: c.assigneeId, queue: c.queue, status: c.status, summaryZh: zh, summaryEn: en,
                    createdAt: e.occurredAt))
        }
        for e in events {
            let owner = e.payload["owner"]?.stringValue
            let kind = e.payload["deadline"]?.stringValue.flatMap(DeadlineKind.init(rawValue:))
            let deadlineZh = kind?.labelZh ?? "处理期限", deadlineEn = kind?.labelEn.lowercased() ?? "a deadline"
            switch e.kind {
            case .submitted:
                add(e, .complaintCreated, [.member, .staff, .merchant], "投诉 \(c.caseNumber) 已提交", "Complaint \(c.caseNumber) was filed")
            case .publicMessage:
                let to: [NoticeAudience] =
                    e.actor.role == .member ? [.staff, .merchant] : e.actor.role == .merchant ? [.member, .staff] : [.member, .merchant]
                add(e, .reply, to, "投诉 \(c.caseNumber) 有新的回复", "New reply on complaint \(c.caseNumber)")
            case .escalated:
                add(e, .escalated, [.member, .staff], "投诉 \(c.caseNumber) 已升级", "Complaint \(c.caseNumber) was escalated")
            case .statusChanged where e.payload["to"]?.stringValue == ComplaintStatus.resolutionProposed.rawValue:
                add(
                    e, .resolutionProposed, [.member, .merchant], "投诉 \(c.caseNumber) 有待您确认的解决方案",
                    "A resolution awaits your answer on \(c.caseNumber)")
            case .statusChanged where e.actor.role != .member || e.payload["automatic"] == .bool(true):
                let to = e.payload["to"]?.stringValue.flatMap(ComplaintStatus.init(rawValue:))
                add(
                    e, .statusChanged, [.member, .merchant], "投诉 \(c.caseNumber) 状态：\(to?.labelZh ?? "")",
                    "Complaint \(c.caseNumber) is now \(to?.labelEn ?? "")")
            case .ruled, .rulingProposed:
                add(
                    e, .ruling, e.kind == .ruled ? [.member, .merchant, .staff] : [.staff],
                    e.kind == .ruled ? "投诉 \(c.caseNumber) 已作出处理决定" : "投诉 \(c.caseNumber) 有待确认的默认裁决",
                    e.kind == .ruled ? "A ruling was made on \(c.caseNumber)" : "A default ruling awaits confirmation on \(c.caseNumber)")
            case .deadlineApproaching:
                let to: [NoticeAudience] = owner == "merchant" ? [.merchant] : owner == "member" ? [.member] : [.staff]
                add(e, .deadlineApproaching, to, "投诉 \(c.caseNumber) 的\(deadlineZh)即将到期", "\(c.caseNumber): \(deadlineEn) is near")
            case .deadlineBreached:
                let to: [NoticeAudience] = owner == "merchant" ? [.merchant, .staff] : owner == "member" ? [.member] : [.staff, .member]
                add(e, .deadlineMissed, to, "投诉 \(c.caseNumber) 的\(deadlineZh)已届满", "\(c.caseNumber): \(deadlineEn) has passed")
            case .recordsRequested:
                add(
                    e, .recordsRequested, [.merchant, .member], "投诉 \(c.caseNumber)：平台要求商家举证",
                    "Records requested from the merchant on \(c.caseNumber)")
            case .recordsSubmitted:
                add(e, .recordsSubmitted, [.staff], "投诉 \(c.caseNumber)：商家已提交记录", "The merchant submitted records on \(c.caseNumber)")
            case .recordsDefaulted:
                add(
                    e, .recordsDefaulted, [.merchant, .staff, .member], "投诉 \(c.caseNumber)：商家逾期未举证",
                    "The merchant missed its evidence deadline on \(c.caseNumber)")
            case .remedyOffered:
                add(e, .resolutionProposed, [.member, .staff], "投诉 \(c.caseNumber)：商家提出了解决方案", "The merchant offered a remedy on \(c.caseNumber)")
            case .frozen:
                add(e, .freezeApplied, [.member, .staff], "投诉 \(c.caseNumber)：风控已冻结相关对象", "Risk control applied a freeze on \(c.caseNumber)")
            case .freezeReleased:
                add(e, .freezeReleased, [.member, .staff], "投诉 \(c.caseNumber)：冻结已解除", "A freeze was released on \(c.caseNumber)")
            case .externalComplaintRecorded:
                add(e, .externalRecorded, [.staff], "投诉 \(c.caseNumber) 登记了外部投诉", "An external complaint was recorded on \(c.caseNumber)")
            default: break
            }
        }
        return out
    }
}
