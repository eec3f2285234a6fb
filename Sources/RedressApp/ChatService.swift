import Foundation
import RedressDomain
import RedressStorage

/// Online support (在线客服): a member opens a chat from any page; agents on duty see the waiting chats with their
/// waiting time and take one; both write live; an agent proposes a complaint from what was said and the member
/// confirms it, and the transcript is sealed into the case (an internal note: in the hash chain and the evidence log,
/// read by staff only). Merchants and reviewers never see a chat.
package struct ChatService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// Who may answer chats: every member of staff (agents first; specialists, risk control and admins help when needed).
    package static func isAgent(_ role: Role) -> Bool { role.isStaff }

    static let notFound = AppError(.notFound, "chat_not_found", zh: "找不到该会话", en: "No such chat")

    /// The chat, when the caller may see it: its member, or an agent. Anyone else is told it does not exist.
    package func load(_ id: String, for caller: Identity) async throws -> SupportChat {
        guard let c = try await store.chat(id: id), c.memberId == caller.userId && caller.role == .member || Self.isAgent(caller.role) else {
            throw Self.notFound
        }
        return c
    }

    package func messages(_ chat: SupportChat, after: Int) async throws -> [ChatMessage] {
        try await store.chatMessages(chatId: chat.id, after: after)
    }

    /// Opens a chat with the member's first words; about one of their cases when `complaintId` is given. With no agent
    /// on duty it waits as a message, and the member is told by when to expect an answer (two business hours,
    /// 9:00–18:00 on working days).
    package func open(_ body: String, about complaintId: String?, by caller: Identity) async throws -> SupportChat {
        guard caller.role == .member else {
            throw AppError(.forbidden, "members_only", zh: "只有会员可以发起在线客服会话", en: "Only members open support chats")
        }
        let text = try SupportChat.checkMessage(body)
        if let id = complaintId { _ = try await app.cases.load(id, for: caller) }
        let now = app.now()
        let open = try await store.chats(memberId: caller.userId, limit: 20).filter { $0.status.isOpen }
        guard open.count < 3 else {
            throw AppError(
                .conflict, "too_many_open_chats", zh: "您已有 3 个进行中的会话，请在原会话中继续", en: "You have three chats open already; continue in one of them")
        }
        let onDuty = try await store.onDuty(at: now)
        var expected: Date?
        if onDuty.isEmpty {
            let calendar = try await app.cases.workflow().calendar
            expected = calendar.addingBusinessTime(2 * 3600, to: now, opensAt: 9 * 3600, closesAt: 18 * 3600).deadline
        }
        let chat = SupportChat(
            id: TimeOrderedID.make(at: now), memberId: caller.userId, status: .waiting, complaintId: complaintId, openedAt: now,
            expectedReplyBy: expected)
        try await store.createChat(chat, first: ChatMessage(sequence: 0, author: caller.actor, body: text, at: now))
        app.chatSignals.publish([chat.id])
        app.logger.info("support chat opened", metadata: ["chat": "\(chat.id)", "onDuty": "\(onDuty.count)"])
        return chat
    }

    /// Runs a change on the chat as the caller, who must be allowed to see it.
    func change(
        _ id: String, by caller: Identity, _ apply: @escaping @Sendable (SupportChat, Date) throws -> (SupportChat, [ChatMessage])?
    ) async throws -> (SupportChat, [ChatMessage]) {
        _ = try await load(id, for: caller)
        let now = app.now()
        let result: (SupportChat, [ChatMessage])
        do {
            result = try await store.updateChat(id: id) { try apply($0, now) }
        } catch StoreError.notFound {
            throw Self.notFound
        }
        app.chatSignals.publish([id])
        return result
    }

    static let ended = AppError(.conflict, "chat_ended", zh: "该会话已结束", en: "This chat has ended")

    /// A message by the member or an agent. An agent's first message takes a waiting chat and is its first reply.
    package func post(_ id: String, body: String, by caller: Identity) async throws -> ChatMessage {
        let text = try SupportChat.checkMessage(body)
        let actor = caller.actor
        let agent = Self.isAgent(caller.role)
        let (_, added) = try await change(id, by: caller) { c, now in
            guard c.status.isOpen else { throw Self.ended }
            var c = c
            if agent {
                if c.status == .waiting {
                    (c.status, c.takenBy, c.takenAt) = (.active, actor.id, now)
                }
                if c.firstReplyAt == nil { c.firstReplyAt = now }
            }
            return (c, [ChatMessage(sequence: 0, author: actor, body: text, at: now)])
        }
        return added[0]
    }

    /// An agent takes a waiting chat (one agent per chat; a second gets 409).
    package func take(_ id: String, by caller: Identity) async throws -> SupportChat {
        guard Self.isAgent(caller.role) else { throw AppError.forbidden }
        let actor = caller.actor
        return try await change(id, by: caller) { c, now in
            guard c.status == .waiting else {
                throw AppError(.conflict, "chat_taken", zh: "该会话已有客服接入", en: "Another agent has taken this chat")
            }
            var c = c
            (c.status, c.takenBy, c.takenAt) = (.active, actor.id, now)
            return (c, [ChatMessage(sequence: 0, author: .system, body: "taken", at: now)])
        }.0
    }

    /// Ends the chat (the member or an agent). A chat about a case leaves its transcript on the case.
    package func close(_ id: String, by caller: Identity) async throws -> SupportChat {
        let (c, _) = try await change(id, by: caller) { c, now in
            guard c.status.isOpen else { throw Self.ended }
            var c = c
            (c.status, c.closedAt) = (.closed, now)
            return (c, [ChatMessage(sequence: 0, author: .system, body: "ended", at: now)])
        }
        if let caseId = c.complaintId { try await keepTranscript(c, on: caseId) }
        return c
    }

    /// An agent proposes a complaint from the chat: category chosen, order number and narrative as the agent checked
    /// them (pre-filled from what the member said). The member confirms it with `confirm`.
    package func propose(_ id: String, category: String, orderNumber: String?, narrative: String?, by caller: Identity) async throws -> SupportChat {
        guard Self.isAgent(caller.role) else { throw AppError.forbidden }
        let chat = try await load(id, for: caller)
        guard chat.status.isOpen else { throw Self.ended }
        let said = SupportChat.memberWords(try await messages(chat, after: 0))
        let workflow = try await app.cases.workflow()
        let now = app.now()
        let facts = TextFacts(said)
        let draft = ComplaintDraft(
            category: category,
            order: OrderReference(
                orderNumber: orderNumber.flatMap { $0.isEmpty ? nil : $0 } ?? facts.orderNumber ?? "在线客服未注明订单号", amountPaidFen: facts.amountFen ?? 0,
                productKind: .other, respondent: .platform),
            occurredAt: now, narrative: String((narrative.flatMap { $0.isEmpty ? nil : $0 } ?? said).prefix(ComplaintDraft.maximumNarrative)),
            remedy: facts.wantsRefund ? Remedy(kind: .refund) : Remedy(kind: .other, text: "见在线客服对话"), amountClaimedFen: facts.amountFen ?? 0,
            channel: .chat)
        _ = try draft.validated(taxonomy: workflow.taxonomy, now: now)
        return try await change(id, by: caller) { c, now in
            guard c.status.isOpen else { throw Self.ended }
            var c = c
            (c.status, c.proposal) = (.proposed, draft)
            if c.firstReplyAt == nil { c.firstReplyAt = now }
            return (
                c, [ChatMessage(sequence: 0, author: .system, body: "proposed", at: now)]
            )
        }.0
    }

    /// The member confirms the proposed complaint: it is filed (channel chat, routed and clocked as any filing) and the
    /// transcript sealed into the case.
    package func confirm(_ id: String, by caller: Identity) async throws -> Complaint {
        let chat = try await load(id, for: caller)
        guard caller.role == .member, chat.memberId == caller.userId else { throw AppError.forbidden }
        guard chat.status == .proposed, let draft = chat.proposal else {
            throw AppError(.conflict, "no_proposal", zh: "客服尚未整理投诉", en: "No complaint has been proposed in this chat")
        }
        let filed = try await app.cases.file(draft, by: caller, idempotencyKey: "chat:\(chat.id)", requestHash: chat.id)
        let c = filed.complaint
        let (done, _) = try await change(id, by: caller) { current, now in
            guard current.status == .proposed else { return nil }
            var s = current
            (s.status, s.complaintId, s.closedAt) = (.converted, c.id, now)
            return (s, [ChatMessage(sequence: 0, author: .system, body: "filed:\(c.caseNumber)", at: now)])
        }
        if done.status == .converted { try await keepTranscript(done, on: c.id) }
        return c
    }

    /// The transcript as internal notes on the case (staff read it; the hash chain and the evidence log keep it).
    func keepTranscript(_ chat: SupportChat, on caseId: String) async throws {
        let text = SupportChat.transcript(chat, try await messages(chat, after: 0))
        let system = Identity(userId: chat.takenBy ?? "system", role: .admin)
        var rest = Substring(text)
        while !rest.isEmpty {
            let part = String(rest.prefix(CaseWorkflow.maximumMessage))
            rest = rest.dropFirst(part.count)
            _ = try await app.cases.change(caseId, by: system) { wf, c, now in
                try wf.message(on: c, by: .system, body: part, visibility: .internal, now: now)
            }
        }
    }

    /// The chats a caller sees: a member's own, newest first; an agent's waiting and active ones, longest waiting first.
    package func list(for caller: Identity) async throws -> [SupportChat] {
        if caller.role == .member { return try await store.chats(memberId: caller.userId, limit: 50) }
        guard Self.isAgent(caller.role) else { throw AppError.forbidden }
        return try await store.chats(statuses: [.waiting, .active, .proposed], limit: 200)
    }

    /// On or off duty for `SupportChat.dutyMinutes` (the agents' page renews it while it is open).
    package func setOnDuty(_ on: Bool, by caller: Identity) async throws -> Date? {
        guard Self.isAgent(caller.role) else { throw AppError.forbidden }
        let until = on ? app.now().addingTimeInterval(Double(SupportChat.dutyMinutes) * 60) : nil
        try await store.setOnDuty(userId: caller.userId, until: until)
        app.chatSignals.publish([""])
        return until
    }

    package func onDuty(_ caller: Identity) async throws -> (me: Bool, agents: Int) {
        let ids = try await store.onDuty(at: app.now())
        return (ids.contains(caller.userId), ids.count)
    }
}

/// Tells live streams that a chat changed (the empty id: the list of chats or who is on duty). Streams on other
/// servers find the change by reading again every second.
package typealias ChatSignals = Broadcast<String>
