import Foundation

/// A member's request to erase their personal data (个人信息保护法 Art. 47), answered within 15 working days.
///
/// At the request the account is pseudonymised at once and its sessions end (`accountErasedAt`). An admin then carries
/// it out: the member's data key is destroyed (crypto-shredding), so what was sealed under it — the words of their
/// cases, file names, contact details — can no longer be read by anyone, while the record 电子商务法 Art. 31 requires
/// to be kept three years (what was bought, from whom, for how much, what happened when) stays under legal hold and
/// the evidence log still verifies: it commits to hashes, not to the words.
public struct ErasureRequest: Sendable, Codable, Equatable {
    public var id: String
    public var userId: String
    public var requestedAt: Date
    /// Fifteen working days from the request in the platform's calendar.
    public var dueAt: Date
    public var accountErasedAt: Date?
    public var completedAt: Date?
    public var completedBy: String?
    /// The member's cases kept under legal hold, counted when the request was carried out.
    public var casesHeld: Int

    public init(
        id: String, userId: String, requestedAt: Date, dueAt: Date, accountErasedAt: Date? = nil, completedAt: Date? = nil,
        completedBy: String? = nil, casesHeld: Int = 0
    ) {
        self.id = id
        self.userId = userId
        self.requestedAt = requestedAt
        self.dueAt = dueAt
        self.accountErasedAt = accountErasedAt
        self.completedAt = completedAt
        self.completedBy = completedBy
        self.casesHeld = casesHeld
    }

    public var isPending: Bool { completedAt == nil }

    /// The log-in and name an erased account keeps (nothing of the person is left in them).
    public static func pseudonym(of userId: String) -> (login: String, displayName: String) {
        ("erased-\(userId)@erased.invalid", erasedName)
    }

    /// The name an erased member's cases show.
    public static let erasedName = "已注销会员"
    public func isOverdue(at now: Date) -> Bool { isPending && now > dueAt }

    /// The working days the law gives (PIPL Art. 50 asks for a timely answer; the platform's rule is 15 working days).
    public static let workingDays = 15
}

extension Complaint {
    /// The case as it is kept under legal hold after its member's erasure: the transaction and the process (order,
    /// amounts, respondent, category, status, deadlines, dates) without a word the member or anyone else wrote.
    public func heldAfterErasure() -> Complaint {
        var c = self
        c.narrative = ""
        c.remedy.text = nil
        c.order.paymentReference = nil
        for i in c.recordsRequests.indices { c.recordsRequests[i].needed = "" }
        for i in c.freezes.indices {
            c.freezes[i].reason = ""
            c.freezes[i].reference = ""
            if c.freezes[i].releaseReason != nil { c.freezes[i].releaseReason = "" }
        }
        for i in c.externalComplaints.indices { c.externalComplaints[i].note = nil }
        c.rating?.comment = nil
        c.proposedRuling?.reason = ""
        c.ruling?.reason = ""
        return c
    }
}

extension TimelineEvent {
    /// The payload an event shows once the key its words were sealed under is destroyed.
    public static let erasedPayload: [String: CanonicalValue] = ["contentErased": .bool(true)]

    /// The event's words were erased with its member's data key: its hash (kept in the chain and the log) can no
    /// longer be recomputed from its content.
    public var isContentErased: Bool { payload == Self.erasedPayload }
}

extension EvidenceFile {
    /// The file's name was erased with its member's data key (names are never empty otherwise): the log entry is
    /// checked by its recorded hash.
    public var isNameErased: Bool { fileName.isEmpty }
}
