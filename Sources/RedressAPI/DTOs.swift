import Foundation
import RedressApp
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
    var merchantId: String?
    var email: String?

    init(_ u: User, viewer: Identity?) {
        id = u.id
        role = u.role
        login = u.login
        displayName = u.displayName
        let full = viewer?.userId == u.id || viewer?.role == .admin
        phone = u.phone.map { full ? $0 : AccountRules.maskPhone($0) }
        createdAt = u.createdAt
        disabled = u.disabled
        merchantId = u.merchantId
        email = full ? u.email : nil
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
    var owner: DeadlineOwner
    var ref: String?
    var remindedAt: Date?

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
        owner = d.kind.owner
        ref = d.ref
        remindedAt = d.remindedAt
    }
}

extension Complaint {
    /// The next instant at which the rendering of this case changes by itself (a deadline falls due), if any.
    func renderingChanges(after now: Date) -> Date? {
        openDeadlines.compactMap(\.dueAt).filter { $0 > now }.min()
    }
}

/// A case as the API shows it to one viewer, given as the viewer may read it (`CaseService.readable`: a merchant reads the
/// member's personal data masked); a member sees the
/// respondent merchant's registered details (消保法 Art. 44); internal matters (assignee, proposed ruling, reviewers) are staff-only.
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
    /// Whether the member may escalate now (a response deadline passed unmet, they disputed an answer, or the case is older than the promise).
    var memberMayEscalate: Bool
    /// The three-party process: respondent, records requests, rulings, freezes, external complaints, rating.
    var process: [String: CanonicalValue]

    init(
        _ c: Complaint, viewer: Identity, now: Date, chinese: Bool, workflow: CaseWorkflow, merchant: Merchant? = nil, member: User? = nil,
        taxonomy: Taxonomy = .standard
    ) {
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
        memberMayEscalate = workflow.memberMayEscalate(c, now: now)
        process = Self.process(c, viewer: viewer, merchant: merchant, member: member, workflow: workflow, chinese: chinese, now: now)
    }

    static func process(
        _ c: Complaint, viewer: Identity, merchant: Merchant?, member: User?, workflow: CaseWorkflow, chinese: Bool, now: Date
    ) -> [String: CanonicalValue] {
        func t(_ d: Date) -> CanonicalValue { .string(d.rfc3339) }
        func actor(_ a: CaseActor) -> CanonicalValue { .object(["id": a.id.map(CanonicalValue.string) ?? .null, "role": .string(a.role.rawValue)]) }
        func opt(_ o: inout [String: CanonicalValue], _ k: String, _ v: CanonicalValue?) { if let v { o[k] = v } }
        let staff = viewer.role.isStaff
        var out: [String: CanonicalValue] = [:]
        var respondent: [String: CanonicalValue] = ["kind": .string(c.respondent.kind.rawValue)]
        opt(&respondent, "merchantId", c.respondent.merchantId.map(CanonicalValue.string))
        if let m = merchant {
            // 消保法 Art. 44: the platform discloses the merchant's real name, address and contact.
            var d: [String: CanonicalValue] = [
                "registeredName": .string(m.registeredName), "shopName": .string(m.shopName),
                "businessLicenceNumber": .string(m.businessLicenceNumber),
                "registeredAddress": .string(m.registeredAddress), "contactName": .string(m.contactName), "contactPhone": .string(m.contactPhone),
                "verificationDue": .bool(m.needsReverification(at: now, policy: workflow.policy.merchant)),
            ]
            opt(&d, "icpFilingNumber", m.icpFilingNumber.map(CanonicalValue.string))
            opt(&d, "contactEmail", m.contactEmail.map(CanonicalValue.string))
            opt(&d, "verifiedAt", m.verifiedAt.map(t))
            respondent["merchant"] = .object(d)
        }
        out["respondent"] = .object(respondent)
        if let u = member, viewer.role != .member {
            var m: [String: CanonicalValue] = [
                "displayName": .string(viewer.role == .merchant ? PersonalData.maskName(u.displayName) : u.displayName)
            ]
            opt(&m, "phone", u.phone.map { CanonicalValue.string(viewer.role == .admin ? $0 : AccountRules.maskPhone($0)) })
            out["member"] = .object(m)
        }
        if !c.recordsRequests.isEmpty {
            out["recordsRequests"] = .array(
                c.recordsRequests.map { r in
                    var o: [String: CanonicalValue] = [
                        "id": .string(r.id), "needed": .string(r.needed), "requestedAt": t(r.requestedAt), "dueAt": t(r.dueAt),
                        "status": .string(
                            r.fulfilledAt != nil ? "fulfilled" : r.defaultedAt != nil ? "defaulted" : r.withdrawnAt != nil ? "withdrawn" : "open"),
                        "files": .array(r.files.map(CanonicalValue.string)), "requestedBy": actor(r.requestedBy),
                    ]
                    opt(&o, "fulfilledAt", r.fulfilledAt.map(t))
                    opt(&o, "defaultedAt", r.defaultedAt.map(t))
                    opt(&o, "withdrawnAt", r.withdrawnAt.map(t))
                    return .object(o)
                })
        }
        func ruling(_ r: Ruling) -> CanonicalValue {
            var o: [String: CanonicalValue] = [
                "outcome": .string(r.outcome.rawValue), "reason": .string(r.reason), "decidedBy": actor(r.decidedBy), "decidedAt": t(r.decidedAt),
                "basis": .string(r.basis),
            ]
            opt(&o, "remedy", r.remedy?.value)
            opt(&o, "amountFen", r.amountFen.map(CanonicalValue.int))
            return .object(o)
        }
        opt(&out, "ruling", c.ruling.map(ruling))
        if staff || viewer.role == .arbitrator { opt(&out, "proposedRuling", c.proposedRuling.map(ruling)) }
        if !c.freezes.isEmpty {
            out["freezes"] = .array(
                c.freezes.map { f in
                    var o: [String: CanonicalValue] = [
                        "id": .string(f.id), "target": .string(f.target.rawValue),
                        "reference": .string(f.reference),
                        "reason": .string(f.reason), "frozenAt": t(f.frozenAt), "active": .bool(f.isActive),
                    ]
                    opt(&o, "releasedAt", f.releasedAt.map(t))
                    opt(&o, "releaseReason", f.releaseReason.map(CanonicalValue.string))
                    return .object(o)
                })
        }
        if !c.externalComplaints.isEmpty {
            out["externalComplaints"] = .array(
                c.externalComplaints.map { x in
                    var o: [String: CanonicalValue] = [
                        "id": .string(x.id), "channel": .string(x.channel.rawValue),
                        "channelLabel": .string(chinese ? x.channel.labelZh : x.channel.labelEn),
                        "reference": .string(x.reference), "filedOn": .string(x.filedOn.description), "status": .string(x.status.rawValue),
                        "recordedAt": t(x.recordedAt), "updatedAt": t(x.updatedAt),
                    ]
                    opt(&o, "note", x.note.map(CanonicalValue.string))
                    return .object(o)
                })
        }
        if let r = c.rating {
            var o: [String: CanonicalValue] = [
                "attitude": .int(Int64(r.attitude)), "speed": .int(Int64(r.speed)), "overall": .int(Int64(r.overall)), "ratedAt": t(r.ratedAt),
            ]
            opt(&o, "comment", r.comment.map(CanonicalValue.string))
            out["rating"] = .object(o)
        }
        if staff && !c.reviewerIds.isEmpty { out["reviewerIds"] = .array(c.reviewerIds.map(CanonicalValue.string)) }
        return out
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

    /// `masked`: for a merchant, personal data in the texts is masked (the hashes stay those of the sealed event).
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
        func t(_ d: Date) -> CanonicalValue { .string(d.rfc3339) }
        var o: [String: CanonicalValue] = [
            "id": .string(id), "caseNumber": .string(caseNumber), "memberId": .string(memberId), "status": .string(status.rawValue),
            "statusLabel": .string(statusLabel),
            "category": .object(["code": .string(category.code), "dimension": .string(category.dimension.rawValue), "label": .string(category.label)]
            ),
            "tier": .string(tier.rawValue), "queue": .string(queue.rawValue), "emergency": .bool(emergency), "channel": .string(channel.rawValue),
            "order": order.value(time: t), "occurredAt": t(occurredAt), "narrative": .string(narrative), "remedy": remedy.value,
            "amountClaimedFen": .int(amountClaimedFen), "deadlines": .array(deadlines.map(\.value)), "overdue": .bool(overdue),
            "createdAt": t(createdAt), "updatedAt": t(updatedAt), "eventCount": .int(Int64(eventCount)), "headHash": .string(headHash),
            "memberMayEscalate": .bool(memberMayEscalate),
        ]
        o.merge(process) { a, _ in a }
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
        func t(_ d: Date) -> CanonicalValue { .string(d.rfc3339) }
        var o: [String: CanonicalValue] = [
            "kind": .string(kind.rawValue), "tier": .string(tier.rawValue), "mode": .string(mode.rawValue), "startedAt": t(startedAt),
            "paused": .bool(paused), "overdue": .bool(overdue), "owner": .string(owner.rawValue),
        ]
        if let v = dueAt { o["dueAt"] = t(v) }
        if let v = remainingSeconds { o["remainingSeconds"] = .int(Int64(v)) }
        if let v = metAt { o["metAt"] = t(v) }
        if let v = breachedAt { o["breachedAt"] = t(v) }
        if let v = supersededAt { o["supersededAt"] = t(v) }
        if let v = ref { o["ref"] = .string(v) }
        if let v = remindedAt { o["remindedAt"] = t(v) }
        return .object(o)
    }
}
