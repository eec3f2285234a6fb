import Foundation

/// What became of a message that came in by e-mail.
public enum InboundMailStatus: String, Sendable, Codable, CaseIterable {
    /// It opened a case.
    case filed
    /// It was added to a case as a message.
    case appended
    /// Kept until its sender confirms the address (or it expires); nothing was opened.
    case held
    /// Written by a machine (a bounce, an auto-reply, bulk mail) or over the sender's rate: kept, not answered.
    case ignored
    /// It could not be read or placed; kept with the reason for an admin.
    case keptAside = "kept_aside"
    /// Held and never confirmed.
    case expired

    public var labelZh: String {
        switch self {
        case .filed: "已立案"
        case .appended: "已加入案件"
        case .held: "待确认发件地址"
        case .ignored: "自动邮件，未处理"
        case .keptAside: "已搁置"
        case .expired: "已过期"
        }
    }

    public var labelEn: String {
        switch self {
        case .filed: "Filed as a case"
        case .appended: "Added to a case"
        case .held: "Awaiting address confirmation"
        case .ignored: "Automatic mail, not answered"
        case .keptAside: "Kept aside"
        case .expired: "Expired"
        }
    }
}

/// A message received by e-mail, as the store keeps it: its raw bytes are kept (sealed) until they are evidence on a
/// case, and a message is taken once, whatever the number of times the mail system hands it over.
public struct InboundMail: Sendable, Codable, Equatable {
    public var id: String
    /// SHA-256 of the Message-ID (of the raw bytes when the message has none): one message, one row.
    public var messageKey: String
    public var receivedAt: Date
    public var status: InboundMailStatus
    /// Why it was held, ignored or kept aside (a code of `InboundMailReason`).
    public var reason: String?
    public var complaintId: String?
    public var sizeBytes: Int
    /// SHA-256 of the raw message.
    public var sha256: String
    /// The subject as received (personal data: sealed in the store).
    public var subject: String
    /// Held mail: when it is dropped unless confirmed.
    public var expiresAt: Date?

    public init(
        id: String, messageKey: String, receivedAt: Date, status: InboundMailStatus, reason: String? = nil, complaintId: String? = nil,
        sizeBytes: Int, sha256: String, subject: String, expiresAt: Date? = nil
    ) {
        self.id = id
        self.messageKey = messageKey
        self.receivedAt = receivedAt
        self.status = status
        self.reason = reason
        self.complaintId = complaintId
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.subject = subject
        self.expiresAt = expiresAt
    }

    /// How long held mail waits for its sender to confirm.
    public static let holdDays = 14
}

/// Why a message was not simply filed or added: what the kept-aside list and the gateway's answer say.
public enum InboundMailReason: String, Sendable, Codable, CaseIterable {
    case bounce
    case autoReply = "auto_reply"
    case bulk
    case rateLimited = "rate_limited"
    case unknownSender = "unknown_sender"
    case notAParty = "not_a_party"
    case replyNotVerified = "reply_not_verified"
    case caseClosed = "case_closed"
    case unreadable
    case noText = "no_text"

    public var labelZh: String {
        switch self {
        case .bounce: "退信"
        case .autoReply: "自动回复"
        case .bulk: "群发或邮件列表"
        case .rateLimited: "发件人一小时内来信过多"
        case .unknownSender: "发件地址未与会员账号确认"
        case .notAParty: "发件人不是该案件的当事方"
        case .replyNotVerified: "回复未带案件回信凭证"
        case .caseClosed: "案件已结案"
        case .unreadable: "邮件无法解析"
        case .noText: "邮件没有正文"
        }
    }

    public var labelEn: String {
        switch self {
        case .bounce: "Bounce"
        case .autoReply: "Automatic reply"
        case .bulk: "Bulk or list mail"
        case .rateLimited: "Too many messages from this sender in an hour"
        case .unknownSender: "The address is not confirmed for a member's account"
        case .notAParty: "The sender is not a party to the case"
        case .replyNotVerified: "The reply carries no case reply token"
        case .caseClosed: "The case is closed"
        case .unreadable: "The message cannot be read"
        case .noText: "The message has no text"
        }
    }
}
