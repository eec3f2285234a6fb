import Foundation
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP
import ServiceLifecycle

/// Online support (在线客服) in the API: members open chats and write; agents on duty take them, write, propose a
/// complaint; the member confirms it. `GET /chats/{id}/live` streams new messages as server-sent events.
struct ChatRoutes {
    let services: RedressServices
    let open = OpenStreams()
    static let streamLifetime: Duration = .seconds(600)

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("chats", use: openChat)
        api.get("chats", use: list)
        api.get("chats/:chatId", use: show)
        api.get("chats/:chatId/live", use: live)
        api.post("chats/:chatId/messages", use: post)
        api.post("chats/:chatId/take", use: take)
        api.post("chats/:chatId/close", use: close)
        api.post("chats/:chatId/proposal", use: propose)
        api.post("chats/:chatId/confirm", use: confirm)
        api.get("duty", use: duty)
        api.put("duty", use: setDuty)
    }

    struct MessageDTO: Encodable {
        var sequence: Int
        var role: String
        var roleLabel: String
        var body: String
        var at: String

        init(_ m: ChatMessage, chinese: Bool) {
            sequence = m.sequence
            role = m.author.role.rawValue
            roleLabel = m.author.role.label(chinese: chinese)
            body = m.author.role == .system ? SupportChat.systemText(m.body, chinese: chinese) : m.body
            at = m.at.rfc3339
        }
    }

    struct ProposalDTO: Encodable {
        var category: String
        var categoryLabel: String
        var orderNumber: String
        var amountClaimedFen: Int64
        var narrative: String
    }

    struct ChatDTO: Encodable {
        var id: String
        var status: String
        var statusLabel: String
        var complaintId: String?
        var openedAt: String
        var waitingSeconds: Int?
        var taken: Bool
        var firstReplyAt: String?
        var expectedReplyBy: String?
        var proposal: ProposalDTO?
        var messages: [MessageDTO]?
    }

    func dto(_ c: SupportChat, messages: [ChatMessage]?, chinese: Bool) async throws -> ChatDTO {
        let taxonomy = try await services.cases.workflow().taxonomy
        return ChatDTO(
            id: c.id, status: c.status.rawValue, statusLabel: c.status.label(chinese: chinese), complaintId: c.complaintId,
            openedAt: c.openedAt.rfc3339,
            waitingSeconds: c.status == .waiting ? max(0, Int(services.now().timeIntervalSince(c.openedAt))) : nil, taken: c.takenBy != nil,
            firstReplyAt: c.firstReplyAt?.rfc3339, expectedReplyBy: c.expectedReplyBy?.rfc3339,
            proposal: c.proposal.map { p in
                ProposalDTO(
                    category: p.category, categoryLabel: taxonomy.category(p.category)?.label(chinese: chinese) ?? p.category,
                    orderNumber: p.order.orderNumber, amountClaimedFen: p.amountClaimedFen, narrative: p.narrative)
            }, messages: messages.map { $0.map { MessageDTO($0, chinese: chinese) } })
    }

    struct OpenRequest: Decodable {
        var body: String
        var complaintId: String?
    }

    @Sendable func openChat(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(OpenRequest.self, from: request, context: context)
        let c = try await services.chat.open(body.body, about: body.complaintId, by: identity)
        let messages = try await services.chat.messages(c, after: 0)
        return try JSONBody.response(
            try await dto(c, messages: messages, chinese: context.chinese), status: .created, headers: [.location: "/api/v1/chats/\(c.id)"])
    }

    @Sendable func list(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        var out: [ChatDTO] = []
        for c in try await services.chat.list(for: identity) { out.append(try await dto(c, messages: nil, chinese: context.chinese)) }
        return try JSONBody.response(out)
    }

    func after(_ request: Request) throws -> Int {
        guard let v = request.uri.queryParameters.get("after") else { return 0 }
        guard let n = Int(v), n >= 0 else { throw AppError.badQuery("after", zh: "after 须为非负整数", en: "after must be a whole number, 0 or more") }
        return n
    }

    @Sendable func show(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await services.chat.load(try context.parameters.require("chatId"), for: identity)
        let messages = try await services.chat.messages(c, after: try after(request))
        return try JSONBody.response(try await dto(c, messages: messages, chinese: context.chinese))
    }

    struct PostRequest: Decodable {
        var body: String
    }

    @Sendable func post(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(PostRequest.self, from: request, context: context)
        let m = try await services.chat.post(try context.parameters.require("chatId"), body: body.body, by: identity)
        return try JSONBody.response(MessageDTO(m, chinese: context.chinese), status: .created)
    }

    @Sendable func take(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await services.chat.take(try context.parameters.require("chatId"), by: identity)
        return try JSONBody.response(try await dto(c, messages: nil, chinese: context.chinese))
    }

    @Sendable func close(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await services.chat.close(try context.parameters.require("chatId"), by: identity)
        return try JSONBody.response(try await dto(c, messages: nil, chinese: context.chinese))
    }

    struct ProposalRequest: Decodable {
        var category: String
        var orderNumber: String?
        var narrative: String?
    }

    @Sendable func propose(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(ProposalRequest.self, from: request, context: context)
        let c = try await services.chat.propose(
            try context.parameters.require("chatId"), category: body.category, orderNumber: body.orderNumber, narrative: body.narrative, by: identity)
        return try JSONBody.response(try await dto(c, messages: nil, chinese: context.chinese))
    }

    @Sendable func confirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await services.chat.confirm(try context.parameters.require("chatId"), by: identity)
        let workflow = try await services.cases.workflow()
        return JSONBody.response(
            ComplaintDTO(c, viewer: identity, now: services.now(), chinese: context.chinese, workflow: workflow).value, status: .created,
            headers: [.location: "/api/v1/complaints/\(c.id)"])
    }

    struct DutyDTO: Encodable {
        var onDuty: Bool
        var until: String?
        var agentsOnDuty: Int
    }

    struct DutyRequest: Decodable {
        var onDuty: Bool
    }

    @Sendable func duty(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let (me, agents) = try await services.chat.onDuty(identity)
        return try JSONBody.response(DutyDTO(onDuty: me, until: nil, agentsOnDuty: agents))
    }

    @Sendable func setDuty(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(DutyRequest.self, from: request, context: context)
        let until = try await services.chat.setOnDuty(body.onDuty, by: identity)
        let (me, agents) = try await services.chat.onDuty(identity)
        return try JSONBody.response(DutyDTO(onDuty: me, until: until?.rfc3339, agentsOnDuty: agents))
    }

    /// New messages and changes of state as they are committed: `event: message` (a message) and `event: chat` (the
    /// chat's status). Woken at once by a change on this server, and every second to find changes made on others.
    @Sendable func live(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let chat = try await services.chat.load(try context.parameters.require("chatId"), for: identity)
        let start = try after(request)
        guard open.acquire(identity.userId, limit: LiveRoutes.streamsPerUser) else {
            throw APIError(
                .tooManyRequests, "too_many_streams", zh: "您打开的实时更新过多，请关闭其他页面后再试",
                en: "Too many live streams are open for you; close other pages and try again")
        }
        let (open, services, zh, user) = (self.open, self.services, context.chinese, identity.userId)
        let signals = services.chatSignals.subscribe()
        let (wake, poke) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let pump = Task {
            for await id in signals where id == chat.id { poke.yield() }
        }
        let ticker = Task {
            await withGracefulShutdownHandler {
                let end = ContinuousClock.now + Self.streamLifetime
                while ContinuousClock.now < end && !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    poke.yield()
                }
                poke.finish()
            } onGracefulShutdown: {
                poke.finish()
            }
        }
        return LiveRoutes.eventStream(cleanup: {
            pump.cancel()
            ticker.cancel()
            open.release(user)
        }) { writer in
            var status = chat.status
            var beats = 0
            var last = start
            for await _ in wake {
                let messages = try await services.chat.messages(chat, after: last)
                for m in messages {
                    let data = try JSONEncoder().encode(MessageDTO(m, chinese: zh))
                    try await writer.write(
                        ByteBuffer(string: "event: message\nid: \(m.sequence)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                    last = m.sequence
                }
                if !messages.isEmpty, let now = try? await services.chat.load(chat.id, for: identity), now.status != status {
                    status = now.status
                    try await writer.write(
                        ByteBuffer(
                            string: #"event: chat\#ndata: {"status":"\#(status.rawValue)","statusLabel":"\#(status.label(chinese: zh))"}\#n\#n"#))
                }
                beats += 1
                if beats % 15 == 0 { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
            }
        }
    }
}
