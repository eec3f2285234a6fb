import Foundation

/// Who answers for the case: the platform itself or a merchant. Set at intake from the order; an L2
/// specialist may change it with a recorded reason.
public struct CaseRespondent: Sendable, Codable, Equatable {
    public var kind: RespondentKind
    public var merchantId: String?

    public init(kind: RespondentKind, merchantId: String? = nil) {
        self.kind = kind
        self.merchantId = kind == .merchant ? merchantId : nil
    }

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = ["kind": .string(kind.rawValue)]
        if let m = merchantId { o["merchantId"] = .string(m) }
        return .object(o)
    }
}

/// A request for the merchant's original records (电子商务法 Art. 62: the burden of proof lies with the party holding them).
public struct RecordsRequest: Sendable, Codable, Equatable {
    public var id: String
    /// What is needed, in the requester's words (delivery, activation, access logs, …).
    public var needed: String
    public var requestedBy: CaseActor
    public var requestedAt: Date
    public var dueAt: Date
    public var fulfilledAt: Date?
    /// SHA-256 of the evidence files the merchant named as its answer.
    public var files: [String]
    public var defaultedAt: Date?
    /// The request lapsed without fault: the respondent changed or the case was decided first.
    public var withdrawnAt: Date?

    public var isOpen: Bool { fulfilledAt == nil && defaultedAt == nil && withdrawnAt == nil }

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "id": .string(id), "needed": .string(needed), "requestedBy": requestedBy.value, "requestedAt": ms(requestedAt), "dueAt": ms(dueAt),
            "files": .array(files.map(CanonicalValue.string)),
        ]
        if let v = fulfilledAt { o["fulfilledAt"] = ms(v) }
        if let v = defaultedAt { o["defaultedAt"] = ms(v) }
        if let v = withdrawnAt { o["withdrawnAt"] = ms(v) }
        return .object(o)
    }
}

public enum RulingOutcome: String, Sendable, Codable, CaseIterable {
    /// The member's demand is granted.
    case forMember = "for_member"
    /// The respondent is not at fault.
    case forRespondent = "for_respondent"
    /// Granted in part.
    case partial
}

/// A decision on the case, by L2 and above, risk control, or an assigned external reviewer.
public struct Ruling: Sendable, Codable, Equatable {
    public var outcome: RulingOutcome
    public var remedy: Remedy?
    /// What the respondent pays or refunds, in fen.
    public var amountFen: Int64?
    public var reason: String
    public var decidedBy: CaseActor
    public var decidedAt: Date
    /// `review` (decided on the merits) or `merchant_default` (the merchant produced no records in time).
    public var basis: String

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "outcome": .string(outcome.rawValue), "reason": .string(reason), "decidedBy": decidedBy.value, "decidedAt": ms(decidedAt),
            "basis": .string(basis),
        ]
        if let r = remedy { o["remedy"] = r.value }
        if let a = amountFen { o["amountFen"] = .int(a) }
        return .object(o)
    }
}

public enum FreezeTarget: String, Sendable, Codable, CaseIterable {
    case order, account
}

/// A freeze ordered by risk control on an order or an account, until released. Redress records it and tells the
/// platform's systems (webhook `freeze.applied` / `freeze.released`); the platform enforces it.
public struct Freeze: Sendable, Codable, Equatable {
    public var id: String
    public var target: FreezeTarget
    /// The order number or account identifier.
    public var reference: String
    public var reason: String
    public var frozenBy: CaseActor
    public var frozenAt: Date
    public var releasedAt: Date?
    public var releasedBy: CaseActor?
    public var releaseReason: String?

    public var isActive: Bool { releasedAt == nil }

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "id": .string(id), "target": .string(target.rawValue), "reference": .string(reference), "reason": .string(reason),
            "frozenBy": frozenBy.value, "frozenAt": ms(frozenAt),
        ]
        if let v = releasedAt { o["releasedAt"] = ms(v) }
        if let v = releasedBy { o["releasedBy"] = v.value }
        if let v = releaseReason { o["releaseReason"] = .string(v) }
        return .object(o)
    }
}

/// Where else the member has complained.
public enum ExternalChannel: String, Sendable, Codable, CaseIterable {
    /// 全国12315平台 online dispute resolution (the enterprise negotiates first).
    case odr12315 = "12315_odr"
    /// A complaint to the market regulator through 12315.
    case regulator12315 = "12315_regulator"
    case blackCat = "black_cat"
    case consumerAssociation = "consumer_association"
    case industryAssociation = "industry_association"
    case arbitration
    case court

    public var labelZh: String {
        switch self {
        case .odr12315: "全国12315平台（在线纠纷解决 ODR）"
        case .regulator12315: "12315 市场监管投诉"
        case .blackCat: "黑猫投诉"
        case .consumerAssociation: "消费者协会"
        case .industryAssociation: "行业协会"
        case .arbitration: "仲裁"
        case .court: "人民法院"
        }
    }

    public var labelEn: String {
        switch self {
        case .odr12315: "12315 online dispute resolution (ODR)"
        case .regulator12315: "12315 complaint to the market regulator"
        case .blackCat: "Black Cat Complaints"
        case .consumerAssociation: "Consumer association"
        case .industryAssociation: "Industry association"
        case .arbitration: "Arbitration"
        case .court: "Court"
        }
    }

    /// Channels on which the platform is expected to reply within the policy's working days.
    var platformReplies: Bool { self != .arbitration && self != .court }
}

public enum ExternalStatus: String, Sendable, Codable, CaseIterable {
    case filed
    case accepted
    case platformReplied = "platform_replied"
    case mediating
    case resolved
    case rejected
    case withdrawn

    var isFinished: Bool { self == .resolved || self == .rejected || self == .withdrawn }
}

/// A complaint about the same dispute on another channel, tracked against the case.
public struct ExternalComplaint: Sendable, Codable, Equatable {
    public var id: String
    public var channel: ExternalChannel
    public var reference: String
    public var filedOn: CivilDate
    public var status: ExternalStatus
    public var recordedBy: CaseActor
    public var recordedAt: Date
    public var updatedAt: Date
    public var note: String?

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "id": .string(id), "channel": .string(channel.rawValue), "reference": .string(reference), "filedOn": .string(filedOn.description),
            "status": .string(status.rawValue), "recordedBy": recordedBy.value, "recordedAt": ms(recordedAt), "updatedAt": ms(updatedAt),
        ]
        if let n = note { o["note"] = .string(n) }
        return .object(o)
    }
}

/// The member's rating after the case is finished, as 黑猫投诉 asks it: 1–5 for each.
public struct SatisfactionRating: Sendable, Codable, Equatable {
    public var attitude: Int
    public var speed: Int
    public var overall: Int
    public var comment: String?
    public var ratedAt: Date

    public init(attitude: Int, speed: Int, overall: Int, comment: String?, ratedAt: Date) {
        self.attitude = attitude
        self.speed = speed
        self.overall = overall
        self.comment = comment
        self.ratedAt = ratedAt
    }

    package var value: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "attitude": .int(Int64(attitude)), "speed": .int(Int64(speed)), "overall": .int(Int64(overall)), "ratedAt": ms(ratedAt),
        ]
        if let c = comment { o["comment"] = .string(c) }
        return .object(o)
    }
}

extension CaseActor {
    package var value: CanonicalValue { .object(["id": id.map(CanonicalValue.string) ?? .null, "role": .string(role.rawValue)]) }
}

func ms(_ d: Date) -> CanonicalValue { .int(d.millisecondsSince1970) }
