import Foundation
import RedressDomain

/// A user as the API shows them. The phone number is shown in full only to the user themself and admins.
struct UserDTO: Encodable {
    var id: String
    var role: Role
    var login: String
    var displayName: String
    var phone: String?
    var createdAt: Date
    var disabled: Bool

    init(_ u: User, viewer: Identity?) {
        id = u.id
        role = u.role
        login = u.login
        displayName = u.displayName
        let full = viewer?.userId == u.id || viewer?.role == .admin
        phone = u.phone.map { full ? $0 : AccountRules.maskPhone($0) }
        createdAt = u.createdAt
        disabled = u.disabled
    }
}

struct DeadlineDTO: Encodable {
    var kind: DeadlineKind
    var tier: Tier
    var mode: HourMode
    var startedAt: Date
    var dueAt: Date?
    var paused: Bool
    var remainingSeconds: Int?
    var metAt: Date?
    var breachedAt: Date?
    var supersededAt: Date?
    var overdue: Bool

    init(_ d: CaseDeadline, now: Date) {
        kind = d.kind
        tier = d.tier
        mode = d.mode
        startedAt = d.startedAt
        dueAt = d.dueAt
        paused = d.isPaused
        // Only a paused clock reports what is left: a running one is read from dueAt, so the rendering
        // of a case stays the same until its next deadline falls due.
        remainingSeconds = d.isPaused ? d.pausedRemainingSeconds : nil
        metAt = d.metAt
        breachedAt = d.breachedAt
        supersededAt = d.supersededAt
        overdue = d.isOpen && (d.dueAt.map { $0 <= now } ?? false)
    }
}

extension Complaint {
    /// The next instant at which the rendering of this case changes by itself (a deadline falls due), if any.
    func renderingChanges(after now: Date) -> Date? {
        openDeadlines.compactMap(\.dueAt).filter { $0 > now }.min()
    }
}

struct ComplaintDTO: Encodable {
    struct Category: Encodable {
        var code: String
        var dimension: RedressDomain.Dimension
        var label: String
    }
    var id: String
    var caseNumber: String
    var memberId: String
    var status: ComplaintStatus
    var statusLabel: String
    var category: Category
    var tier: Tier
    var queue: Queue
    var assigneeId: String?
    var emergency: Bool
    var channel: Channel
    var order: OrderReference
    var occurredAt: Date
    var narrative: String
    var remedy: Remedy
    var amountClaimedFen: Int64
    var deadlines: [DeadlineDTO]
    var nextDueAt: Date?
    var overdue: Bool
    var rejectionReason: RejectionReason?
    var firstRespondedAt: Date?
    var resolvedAt: Date?
    var closedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var eventCount: Int
    var headHash: String
    /// Whether the member may escalate now (a response deadline passed unmet, or they disputed an answer).
    var memberMayEscalate: Bool

    init(_ c: Complaint, viewer: Identity, now: Date, chinese: Bool, taxonomy: Taxonomy = .standard) {
        id = c.id
        caseNumber = c.caseNumber
        memberId = c.memberId
        status = c.status
        statusLabel = chinese ? c.status.labelZh : c.status.labelEn
        let cat = taxonomy.category(c.categoryCode)
        category = Category(code: c.categoryCode, dimension: c.dimension, label: (chinese ? cat?.labelZh : cat?.labelEn) ?? c.categoryCode)
        tier = c.tier
        queue = c.queue
        assigneeId = viewer.role.isStaff ? c.assigneeId : nil
        emergency = c.emergency
        channel = c.channel
        order = c.order
        occurredAt = c.occurredAt
        narrative = c.narrative
        remedy = c.remedy
        amountClaimedFen = c.amountClaimedFen
        deadlines = c.deadlines.map { DeadlineDTO($0, now: now) }
        nextDueAt = c.nextDueAt
        overdue = c.isOverdue(at: now)
        rejectionReason = c.rejectionReason
        firstRespondedAt = c.firstRespondedAt
        resolvedAt = c.resolvedAt
        closedAt = c.closedAt
        createdAt = c.createdAt
        updatedAt = c.updatedAt
        eventCount = c.eventCount
        headHash = c.headHash
        let responseOverdue = c.openDeadlines.contains {
            ($0.kind == .firstResponse || $0.kind == .escalationResponse) && ($0.dueAt.map { $0 <= now } ?? false)
        }
        memberMayEscalate = !c.status.isFinished && c.tier.next != nil && (responseOverdue || c.memberDisputedAt != nil)
    }
}

struct EventDTO: Encodable {
    var sequence: Int
    var kind: EventKind
    var actor: CaseActor
    var visibility: Visibility
    var occurredAt: Date
    var payload: [String: CanonicalValue]
    var previousHash: String
    var hash: String

    init(_ e: TimelineEvent) {
        sequence = e.sequence
        kind = e.kind
        actor = e.actor
        visibility = e.visibility
        occurredAt = e.occurredAt
        payload = e.payload
        previousHash = e.previousHash
        hash = e.hash
    }
}

struct EvidenceDTO: Encodable {
    var sha256: String
    var sizeBytes: Int
    var mediaType: String
    var fileName: String
    var uploadedBy: CaseActor
    var uploadedAt: Date
    var url: String

    init(_ f: EvidenceFile, complaintId: String) {
        sha256 = f.sha256
        sizeBytes = f.sizeBytes
        mediaType = f.mediaType.rawValue
        fileName = f.fileName
        uploadedBy = f.uploadedBy
        uploadedAt = f.uploadedAt
        url = "/api/v1/complaints/\(complaintId)/evidence/\(f.sha256)"
    }
}


extension ComplaintDTO {
    /// The same JSON as the `Encodable` conformance (sorted keys, nil fields left out), written without
    /// Foundation's encoder, which dominated the cost of filing and reading a case.
    var value: CanonicalValue {
        func t(_ d: Date) -> CanonicalValue { .string(JSONBody.rfc3339(d)) }
        var o: [String: CanonicalValue] = [
            "id": .string(id), "caseNumber": .string(caseNumber), "memberId": .string(memberId), "status": .string(status.rawValue),
            "statusLabel": .string(statusLabel),
            "category": .object(["code": .string(category.code), "dimension": .string(category.dimension.rawValue), "label": .string(category.label)]),
            "tier": .string(tier.rawValue), "queue": .string(queue.rawValue), "emergency": .bool(emergency), "channel": .string(channel.rawValue),
            "order": order.value(time: t), "occurredAt": t(occurredAt), "narrative": .string(narrative), "remedy": remedy.value,
            "amountClaimedFen": .int(amountClaimedFen), "deadlines": .array(deadlines.map(\.value)), "overdue": .bool(overdue),
            "createdAt": t(createdAt), "updatedAt": t(updatedAt), "eventCount": .int(Int64(eventCount)), "headHash": .string(headHash),
            "memberMayEscalate": .bool(memberMayEscalate),
        ]
        if let v = assigneeId { o["assigneeId"] = .string(v) }
        if let v = nextDueAt { o["nextDueAt"] = t(v) }
        if let v = rejectionReason { o["rejectionReason"] = .string(v.rawValue) }
        if let v = firstRespondedAt { o["firstRespondedAt"] = t(v) }
        if let v = resolvedAt { o["resolvedAt"] = t(v) }
        if let v = closedAt { o["closedAt"] = t(v) }
        return .object(o)
    }
}

extension DeadlineDTO {
    var value: CanonicalValue {
        func t(_ d: Date) -> CanonicalValue { .string(JSONBody.rfc3339(d)) }
        var o: [String: CanonicalValue] = [
            "kind": .string(kind.rawValue), "tier": .string(tier.rawValue), "mode": .string(mode.rawValue), "startedAt": t(startedAt),
            "paused": .bool(paused), "overdue": .bool(overdue),
        ]
        if let v = dueAt { o["dueAt"] = t(v) }
        if let v = remainingSeconds { o["remainingSeconds"] = .int(Int64(v)) }
        if let v = metAt { o["metAt"] = t(v) }
        if let v = breachedAt { o["breachedAt"] = t(v) }
        if let v = supersededAt { o["supersededAt"] = t(v) }
        return .object(o)
    }
}
