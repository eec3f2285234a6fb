/// How cases are routed to tiers and queues. Stored as data; an admin changes it without a rebuild.
public struct RoutingPolicy: Sendable, Codable, Equatable {
    /// Cases whose amount (the larger of paid and claimed) is above this go to risk control. Default ¥500.
    public var riskControlThresholdFen: Int64
    /// Security-dimension cases go to risk control.
    public var securityToRiskControl: Bool
    /// Emergency cases go to the emergency queue (worked by risk control).
    public var emergencyQueueEnabled: Bool

    public init(riskControlThresholdFen: Int64 = 50_000, securityToRiskControl: Bool = true, emergencyQueueEnabled: Bool = true) {
        self.riskControlThresholdFen = riskControlThresholdFen
        self.securityToRiskControl = securityToRiskControl
        self.emergencyQueueEnabled = emergencyQueueEnabled
    }
}

/// How hours are counted for the response clocks.
public enum HourMode: String, Sendable, Codable, CaseIterable {
    /// Every hour of the day counts.
    case natural
    /// Only the business hours of working days count.
    case business
}

/// The promised response times.
public struct DeadlinePolicy: Sendable, Codable, Equatable {
    /// First response to a new complaint (WeChat Pay merchant rule: 24 h).
    public var firstResponseHours: Int
    /// First response on the emergency channel; always natural hours.
    public var emergencyFirstResponseHours: Int
    /// Response after escalation (the platform's promise: 48 h).
    public var escalationResponseHours: Int
    /// A resolution proposed, resolved or rejected within this many hours of filing (WeChat Pay: 72 h).
    public var resolutionHours: Int
    public var hourMode: HourMode
    /// Business day, seconds after local midnight (used when `hourMode` is `business`).
    public var businessOpensAt: Int
    public var businessClosesAt: Int
    /// A closed case can be reopened within this many days (eBay: 30).
    public var reopenWindowDays: Int

    public init(
        firstResponseHours: Int = 24, emergencyFirstResponseHours: Int = 1, escalationResponseHours: Int = 48, resolutionHours: Int = 72,
        hourMode: HourMode = .natural, businessOpensAt: Int = 9 * 3600, businessClosesAt: Int = 18 * 3600, reopenWindowDays: Int = 30
    ) {
        self.firstResponseHours = firstResponseHours
        self.emergencyFirstResponseHours = emergencyFirstResponseHours
        self.escalationResponseHours = escalationResponseHours
        self.resolutionHours = resolutionHours
        self.hourMode = hourMode
        self.businessOpensAt = businessOpensAt
        self.businessClosesAt = businessClosesAt
        self.reopenWindowDays = reopenWindowDays
    }
}

/// The merchant's side of a case: evidence requests and the consequence of silence.
public struct MerchantPolicy: Sendable, Codable, Equatable {
    /// Hours a merchant has to produce its records when asked (电子商务法 Art. 62; Taobao/WeChat practice: 72 h).
    public var evidenceHours: Int
    /// What happens when the merchant produces nothing in time.
    public var defaultRuling: DefaultRulingMode
    /// Qualification records older than this are due for re-verification (电子商务法 Art. 27; 网络交易监督管理办法 Art. 24: at least every six months).
    public var reverifyDays: Int

    public init(evidenceHours: Int = 72, defaultRuling: DefaultRulingMode = .proposeForReview, reverifyDays: Int = 180) {
        self.evidenceHours = evidenceHours
        self.defaultRuling = defaultRuling
        self.reverifyDays = reverifyDays
    }
}

/// How a missed merchant evidence deadline turns into a ruling for the member.
public enum DefaultRulingMode: String, Sendable, Codable, CaseIterable {
    /// A ruling for the member is proposed; an L2 specialist (or above) confirms it.
    case proposeForReview = "propose_for_review"
    /// The ruling for the member is applied at once.
    case applyImmediately = "apply_immediately"
}

/// The member's clocks after the platform answers.
public struct MemberPolicy: Sendable, Codable, Equatable {
    /// A proposed resolution the member does not answer is taken as accepted after this many days (PayPal 10 d, Taobao 5 d).
    public var silenceDays: Int
    /// Hours before any deadline at which whoever owes it is reminded.
    public var reminderHours: Int
    /// The member may escalate a case still open this many hours after filing, whatever the replies (the platform's promise: 48 h).
    public var escalateAfterHours: Int

    public init(silenceDays: Int = 7, reminderHours: Int = 24, escalateAfterHours: Int = 48) {
        self.silenceDays = silenceDays
        self.reminderHours = reminderHours
        self.escalateAfterHours = escalateAfterHours
    }
}

/// Clocks of complaints filed in parallel on other channels, in working days.
public struct ExternalPolicy: Sendable, Codable, Equatable {
    /// The platform replies to a complaint forwarded by 12315, 黑猫投诉 or an association within this many working days.
    public var replyWorkingDays: Int
    /// 12315 ODR: the negotiation window.
    public var odrNegotiationWorkingDays: Int

    public init(replyWorkingDays: Int = 7, odrNegotiationWorkingDays: Int = 10) {
        self.replyWorkingDays = replyWorkingDays
        self.odrNegotiationWorkingDays = odrNegotiationWorkingDays
    }
}

/// Limits on evidence files: one file's size, and what one case and one member may store in all (so one member
/// cannot fill the disk).
public struct EvidencePolicy: Sendable, Codable, Equatable {
    public var maxFileBytes: Int
    /// Files on one case, from every party.
    public var maxFilesPerCase: Int
    /// Bytes one member's uploads may take over all their cases.
    public var maxBytesPerMember: Int
    /// What an upload meets when the virus scanner does not answer.
    public var whenScannerDown: ScannerDown

    public init(
        maxFileBytes: Int = 20 * 1_048_576, maxFilesPerCase: Int = 100, maxBytesPerMember: Int = 500 * 1_048_576,
        whenScannerDown: ScannerDown = .refuse
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxFilesPerCase = maxFilesPerCase
        self.maxBytesPerMember = maxBytesPerMember
        self.whenScannerDown = whenScannerDown
    }

    /// Limits added after a policy was stored take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvidencePolicy()
        maxFileBytes = try c.decode(Int.self, forKey: .maxFileBytes)
        maxFilesPerCase = try c.decodeIfPresent(Int.self, forKey: .maxFilesPerCase) ?? d.maxFilesPerCase
        maxBytesPerMember = try c.decodeIfPresent(Int.self, forKey: .maxBytesPerMember) ?? d.maxBytesPerMember
        whenScannerDown = try c.decodeIfPresent(ScannerDown.self, forKey: .whenScannerDown) ?? d.whenScannerDown
    }
}

/// An upload when the virus scanner does not answer: refused (the member tries again later), or kept in quarantine —
/// stored and sealed, but served to no one until a rescan finds it clean.
public enum ScannerDown: String, Sendable, Codable, CaseIterable {
    case refuse
    case quarantine
}

/// How long a log-in lasts: a web session ends after `idleMinutes` without use (each use renews it) and in any case
/// `absoluteHours` after the password was given; a bearer token lasts `absoluteHours`.
public struct SessionPolicy: Sendable, Codable, Equatable {
    public var idleMinutes: Int
    public var absoluteHours: Int
    public init(idleMinutes: Int = 120, absoluteHours: Int = 12) {
        self.idleMinutes = idleMinutes
        self.absoluteHours = absoluteHours
    }
}

/// Everything an admin can change at run time.
public struct Policy: Sendable, Codable, Equatable {
    public var routing: RoutingPolicy
    public var deadlines: DeadlinePolicy
    public var evidence: EvidencePolicy
    public var merchant: MerchantPolicy
    public var member: MemberPolicy
    public var external: ExternalPolicy
    public var sessions: SessionPolicy

    public init(
        routing: RoutingPolicy = .init(), deadlines: DeadlinePolicy = .init(), evidence: EvidencePolicy = .init(), merchant: MerchantPolicy = .init(),
        member: MemberPolicy = .init(), external: ExternalPolicy = .init(), sessions: SessionPolicy = .init()
    ) {
        self.sessions = sessions
        self.routing = routing
        self.deadlines = deadlines
        self.evidence = evidence
        self.merchant = merchant
        self.member = member
        self.external = external
    }

    /// Sections added after a policy was stored take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        routing = try c.decode(RoutingPolicy.self, forKey: .routing)
        deadlines = try c.decode(DeadlinePolicy.self, forKey: .deadlines)
        evidence = try c.decode(EvidencePolicy.self, forKey: .evidence)
        merchant = try c.decodeIfPresent(MerchantPolicy.self, forKey: .merchant) ?? .init()
        member = try c.decodeIfPresent(MemberPolicy.self, forKey: .member) ?? .init()
        external = try c.decodeIfPresent(ExternalPolicy.self, forKey: .external) ?? .init()
        sessions = try c.decodeIfPresent(SessionPolicy.self, forKey: .sessions) ?? .init()
    }

    public static let `default` = Policy()

    /// Checks the numbers make sense; returns the first problem as a field error.
    public func validate() throws(DomainError) {
        func hours(_ v: Int, _ field: String) throws(DomainError) {
            guard (1...24 * 365).contains(v) else { throw .outOfRange(field, "1–8760 小时", "1–8760 hours") }
        }
        guard (0...1_000_000_000_000).contains(routing.riskControlThresholdFen) else {
            throw .outOfRange("routing.riskControlThresholdFen", "0–1,000,000,000,000 分", "0–1,000,000,000,000 fen")
        }
        try hours(deadlines.firstResponseHours, "deadlines.firstResponseHours")
        try hours(deadlines.emergencyFirstResponseHours, "deadlines.emergencyFirstResponseHours")
        try hours(deadlines.escalationResponseHours, "deadlines.escalationResponseHours")
        try hours(deadlines.resolutionHours, "deadlines.resolutionHours")
        guard (0..<86_400).contains(deadlines.businessOpensAt), (1...86_400).contains(deadlines.businessClosesAt),
            deadlines.businessClosesAt > deadlines.businessOpensAt
        else { throw .outOfRange("deadlines.businessClosesAt", "需晚于开门时间且在一天之内", "after opening, within one day") }
        guard (1...3650).contains(deadlines.reopenWindowDays) else { throw .outOfRange("deadlines.reopenWindowDays", "1–3650 天", "1–3650 days") }
        guard (1024...512 * 1_048_576).contains(evidence.maxFileBytes) else {
            throw .outOfRange("evidence.maxFileBytes", "1 KiB–512 MiB", "1 KiB–512 MiB")
        }
        guard (1...10_000).contains(evidence.maxFilesPerCase) else { throw .outOfRange("evidence.maxFilesPerCase", "1–10000 个", "1–10000 files") }
        guard (evidence.maxFileBytes...1 << 40).contains(evidence.maxBytesPerMember) else {
            throw .outOfRange("evidence.maxBytesPerMember", "不小于单个文件上限，最多 1 TiB", "at least one file's limit, at most 1 TiB")
        }
        guard (5...24 * 60).contains(sessions.idleMinutes) else { throw .outOfRange("sessions.idleMinutes", "5–1440 分钟", "5–1440 minutes") }
        guard (1...24 * 90).contains(sessions.absoluteHours), sessions.absoluteHours * 60 >= sessions.idleMinutes else {
            throw .outOfRange("sessions.absoluteHours", "1–2160 小时，且不短于闲置时限", "1–2160 hours, not shorter than the idle limit")
        }
        try hours(merchant.evidenceHours, "merchant.evidenceHours")
        guard (1...3650).contains(merchant.reverifyDays) else { throw .outOfRange("merchant.reverifyDays", "1–3650 天", "1–3650 days") }
        guard (1...365).contains(member.silenceDays) else { throw .outOfRange("member.silenceDays", "1–365 天", "1–365 days") }
        guard (0...24 * 30).contains(member.reminderHours) else { throw .outOfRange("member.reminderHours", "0–720 小时", "0–720 hours") }
        try hours(member.escalateAfterHours, "member.escalateAfterHours")
        guard (1...365).contains(external.replyWorkingDays) else {
            throw .outOfRange("external.replyWorkingDays", "1–365 个工作日", "1–365 working days")
        }
        guard (1...365).contains(external.odrNegotiationWorkingDays) else {
            throw .outOfRange("external.odrNegotiationWorkingDays", "1–365 个工作日", "1–365 working days")
        }
    }
}

/// Where a new case goes and why.
public struct RoutingDecision: Sendable, Equatable {
    public var tier: Tier
    public var queue: Queue
    /// Machine codes of the rules that applied (`amount_over_threshold`, `security_dimension`, `emergency`, `default`).
    public var reasons: [String]
}

extension RoutingPolicy {
    /// Routes a new case. Emergency wins; then risk-control rules; otherwise L1.
    public func route(dimension: Dimension, amountFen: Int64, emergency: Bool) -> RoutingDecision {
        var reasons: [String] = []
        if amountFen > riskControlThresholdFen { reasons.append("amount_over_threshold") }
        if securityToRiskControl && dimension == .security { reasons.append("security_dimension") }
        if emergency && emergencyQueueEnabled {
            return RoutingDecision(tier: .riskControl, queue: .emergency, reasons: ["emergency"] + reasons)
        }
        if !reasons.isEmpty { return RoutingDecision(tier: .riskControl, queue: .riskControl, reasons: reasons) }
        return RoutingDecision(tier: .l1, queue: .l1, reasons: ["default"])
    }
}
