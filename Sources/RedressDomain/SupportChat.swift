import Foundation

/// Where an online support chat (在线客服) stands.
public enum ChatStatus: String, Sendable, Codable, CaseIterable {
    /// Opened by the member, not yet taken by an agent (with nobody on duty: a message left for later).
    case waiting
    /// An agent has taken it.
    case active
    /// The agent proposed a complaint from it; the member has not yet confirmed.
    case proposed
    /// The member confirmed the proposal: it is a complaint now.
    case converted
    /// Ended without a complaint.
    case closed

    public var isOpen: Bool { self == .waiting || self == .active || self == .proposed }
}

extension ChatStatus: Labelled {
    public var labelZh: String {
        switch self {
        case .waiting: "等待客服接入"
        case .active: "客服已接入"
        case .proposed: "待您确认投诉"
        case .converted: "已转为投诉"
        case .closed: "已结束"
        }
    }

    public var labelEn: String {
        switch self {
        case .waiting: "Waiting for an agent"
        case .active: "With an agent"
        case .proposed: "Complaint awaiting confirmation"
        case .converted: "Turned into a complaint"
        case .closed: "Ended"
        }
    }
}

/// One line of a chat. Members and agents write; the system notes what happened (taken, proposed, ended).
public struct ChatMessage: Sendable, Codable, Equatable {
    public var sequence: Int
    public var author: CaseActor
    public var body: String
    public var at: Date

    public init(sequence: Int, author: CaseActor, body: String, at: Date) {
        self.sequence = sequence
        self.author = author
        self.body = body
        self.at = at
    }
}

/// An online support conversation between a member and the platform's agents. Merchants never see one.
public struct SupportChat: Sendable, Codable, Equatable {
    public var id: String
    public var memberId: String
    public var status: ChatStatus
    /// The case it is about (opened from a case page), or the complaint it became.
    public var complaintId: String?
    public var openedAt: Date
    public var takenBy: String?
    public var takenAt: Date?
    /// The first answer by an agent: the time to first reply is measured from `openedAt`.
    public var firstReplyAt: Date?
    public var closedAt: Date?
    /// Opened while no agent was on duty: when the member was told to expect an answer.
    public var expectedReplyBy: Date?
    /// The complaint the agent proposed, awaiting the member's confirmation.
    public var proposal: ComplaintDraft?

    public init(
        id: String, memberId: String, status: ChatStatus, complaintId: String? = nil, openedAt: Date, takenBy: String? = nil, takenAt: Date? = nil,
        firstReplyAt: Date? = nil, closedAt: Date? = nil, expectedReplyBy: Date? = nil, proposal: ComplaintDraft? = nil
    ) {
        self.id = id
        self.memberId = memberId
        self.status = status
        self.complaintId = complaintId
        self.openedAt = openedAt
        self.takenBy = takenBy
        self.takenAt = takenAt
        self.firstReplyAt = firstReplyAt
        self.closedAt = closedAt
        self.expectedReplyBy = expectedReplyBy
        self.proposal = proposal
    }

    public static let maximumMessage = 2_000
    /// How long an agent stays on duty after saying so (the agents' page renews it while it is open).
    public static let dutyMinutes = 10

    /// Checks a message's text.
    public static func checkMessage(_ body: String) throws(DomainError) -> String {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        try ComplaintDraft.text(text, "body", max: maximumMessage)
        return text
    }

    /// A system line is stored as what happened (`taken`, `ended`, `proposed`, `filed:<case number>`) and read in the
    /// reader's language.
    public static func systemText(_ body: String, chinese zh: Bool) -> String {
        switch body {
        case "taken": return zh ? "客服已接入" : "An agent has joined"
        case "ended": return zh ? "会话已结束" : "The chat has ended"
        case "proposed": return zh ? "客服为您整理了投诉，请确认后提交" : "A complaint is ready for you to confirm"
        default:
            if body.hasPrefix("filed:") {
                let n = body.dropFirst(6)
                return zh ? "已提交投诉 \(n)" : "Filed as complaint \(n)"
            }
            return body
        }
    }

    /// What the member said, in order: the narrative a proposal starts from.
    public static func memberWords(_ messages: [ChatMessage]) -> String {
        messages.filter { $0.author.role == .member }.map(\.body).joined(separator: "\n")
    }

    /// The transcript as kept with the case: one line per message, each with its time (UTC) and who wrote it.
    public static func transcript(_ chat: SupportChat, _ messages: [ChatMessage]) -> String {
        var lines = ["在线客服记录 Online support transcript", "会话 Chat: \(chat.id)", "开始 Opened: \(chat.openedAt.rfc3339)", ""]
        for m in messages {
            let text = m.author.role == .system ? systemText(m.body, chinese: true) + " / " + systemText(m.body, chinese: false) : m.body
            lines.append("[\(m.at.rfc3339)] \(m.author.role.labelZh) \(m.author.role.labelEn): \(text)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The time to a chat's first reply by an agent, over the chats opened in a window: the dashboard's figure.
public struct ChatReplyFigures: Sendable, Equatable {
    public var opened: Int
    public var answered: Int
    /// Median and 90th percentile of the seconds from opening to the first reply (nil: none answered).
    public var medianSeconds: Int?
    public var p90Seconds: Int?

    public init(_ chats: [SupportChat]) {
        opened = chats.count
        let waits = chats.compactMap { c in c.firstReplyAt.map { max(0, Int($0.timeIntervalSince(c.openedAt))) } }.sorted()
        answered = waits.count
        func rank(_ q: Double) -> Int? { waits.isEmpty ? nil : waits[min(waits.count - 1, Int((Double(waits.count) * q).rounded(.up)) - 1)] }
        medianSeconds = rank(0.5)
        p90Seconds = rank(0.9)
    }
}
