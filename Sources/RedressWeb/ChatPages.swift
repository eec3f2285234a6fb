import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Online support (在线客服) on the pages: a member opens a chat from any page (phone first) and follows it live;
/// agents go on duty, see the waiting chats with their waiting time, take one, write, and turn it into a complaint the
/// member confirms. Without JavaScript every form works and the page shows the conversation as it was when loaded.
struct ChatPages {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    func register(member my: RouterGroup<RedressRequestContext>, staff work: RouterGroup<RedressRequestContext>) {
        my.get("chat", use: memberChats)
        my.post("chat", use: openChat)
        my.get("chat/:chatId") { request, context in try await chatPage(request, context, agent: false) }
        my.post("chat/:chatId/messages") { request, context in try await post(request, context, agent: false) }
        my.post("chat/:chatId/confirm", use: confirm)
        my.post("chat/:chatId/close") { request, context in try await close(request, context, agent: false) }
        work.get("chats", use: desk)
        work.post("chats/duty", use: duty)
        work.post("chats/:chatId/take", use: take)
        work.get("chats/:chatId") { request, context in try await chatPage(request, context, agent: true) }
        work.post("chats/:chatId/messages") { request, context in try await post(request, context, agent: true) }
        work.post("chats/:chatId/proposal", use: propose)
        work.post("chats/:chatId/close") { request, context in try await close(request, context, agent: true) }
    }

    static func path(_ id: String, agent: Bool) -> String { agent ? "/work/chats/\(id)" : "/my/chat/\(id)" }

    // MARK: The member's list and a new chat

    struct ChatsPage: PageModel {
        struct Row: Sendable {
            var url: String
            var opened: String
            var state: String
            var open: Bool
        }
        var items: [Row]
        var complaintId: String?
        var agentsOnDuty: Bool
        var typed: String
        var error: String?
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    func chatsModel(_ identity: Identity, chinese zh: Bool, about: String?) async throws -> ChatsPage {
        let chats = try await services.chat.list(for: identity)
        return ChatsPage(
            items: chats.map {
                .init(
                    url: Self.path($0.id, agent: false), opened: WebFormat.instant($0.openedAt), state: $0.status.label(chinese: zh),
                    open: $0.status.isOpen)
            }, complaintId: about, agentsOnDuty: try await services.chat.onDuty(identity).agents > 0, typed: "")
    }

    @Sendable func memberChats(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let model = try await chatsModel(identity, chinese: zh, about: request.uri.queryParameters.get("case"))
        return pages.page("chats", title: WebText.word("onlineSupport", chinese: zh), model: model, request: request, context: context)
    }

    @Sendable func openChat(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        let about = form["complaintId"].flatMap { $0.isEmpty ? nil : $0 }
        var model = try await chatsModel(identity, chinese: zh, about: about)
        model.typed = form["body"] ?? ""
        guard WebSession.csrfValid(request, form: form) else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "chats", title: WebText.word("onlineSupport", chinese: zh), model: model, request: request, context: context,
                status: .unprocessableContent)
        }
        do {
            let c = try await services.chat.open(form["body"] ?? "", about: about, by: identity)
            return WebSession.redirect(Self.path(c.id, agent: false))
        } catch let e as AppError {
            model.error = zh ? e.zh : e.en
            return pages.page(
                "chats", title: WebText.word("onlineSupport", chinese: zh), model: model, request: request, context: context,
                status: .unprocessableContent)
        }
    }

    // MARK: One chat

    struct ChatPage: PageModel {
        struct Line: Sendable {
            var who: String
            var mine: Bool
            var system: Bool
            var body: String
            var at: String
        }
        struct Category: Sendable {
            var code: String
            var label: String
            var selected: Bool
        }
        var id: String
        var agent: Bool
        var state: String
        var open: Bool
        var waiting: Bool
        var expected: String?
        var lines: [Line]
        var last: Int
        var liveURL: String
        var fragmentURL: String
        var actionBase: String
        var caseURL: String?
        var proposal: String?
        var proposalOrder: String?
        var canConfirm: Bool
        var canPropose: Bool
        var categories: [Category]
        var suggestedOrder: String
        var suggestedNarrative: String
        var error: String?
        var derived: [String: Any] { ["hasProposal": proposal != nil] }
    }

    func chatModel(_ id: String, _ identity: Identity, agent: Bool, chinese zh: Bool) async throws -> ChatPage {
        let chat = try await services.chat.load(id, for: identity)
        let messages = try await services.chat.messages(chat, after: 0)
        let taxonomy = try await services.cases.workflow().taxonomy
        let said = SupportChat.memberWords(messages)
        let facts = TextFacts(said)
        let lines = messages.map { m in
            ChatPage.Line(
                who: m.author.role == .member
                    ? WebText.word(agent ? "chatMember" : "chatYou", chinese: zh)
                    : m.author.role == .system ? "" : WebText.word("chatAgent", chinese: zh),
                mine: agent ? ChatService.isAgent(m.author.role) : m.author.role == .member, system: m.author.role == .system,
                body: m.author.role == .system ? SupportChat.systemText(m.body, chinese: zh) : m.body,
                at: WebFormat.instant(m.at))
        }
        let base = Self.path(id, agent: agent)
        let caseURL = chat.complaintId.map { agent ? SiteURL.staffCase($0).path : SiteURL.memberCase($0).path }
        return ChatPage(
            id: id, agent: agent, state: chat.status.label(chinese: zh), open: chat.status.isOpen, waiting: chat.status == .waiting,
            expected: chat.status == .waiting ? chat.expectedReplyBy.map(WebFormat.instant) : nil, lines: lines,
            last: messages.last?.sequence ?? 0, liveURL: "/api/v1/chats/\(id)/live?after=\(messages.last?.sequence ?? 0)",
            fragmentURL: base + "?fragment=1", actionBase: base, caseURL: caseURL,
            proposal: chat.proposal.map { p in
                (taxonomy.category(p.category)?.label(chinese: zh) ?? p.category) + " · " + p.narrative
            }, proposalOrder: chat.proposal?.order.orderNumber, canConfirm: !agent && chat.status == .proposed,
            canPropose: agent && chat.status.isOpen,
            categories: taxonomy.categories.map { .init(code: $0.code, label: $0.label(chinese: zh), selected: $0.code == chat.proposal?.category) },
            suggestedOrder: chat.proposal?.order.orderNumber ?? facts.orderNumber ?? "", suggestedNarrative: chat.proposal?.narrative ?? said)
    }

    func chatPage(_ request: Request, _ context: RedressRequestContext, agent: Bool, error: String? = nil) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let id = try context.parameters.require("chatId")
        var model: ChatPage
        do {
            model = try await chatModel(id, identity, agent: agent, chinese: zh)
        } catch let e as AppError where e.kind == .notFound {
            return pages.page(
                "message", title: WebText.word("onlineSupport", chinese: zh), model: ["message": zh ? e.zh : e.en], request: request,
                context: context,
                status: .notFound)
        }
        if request.uri.queryParameters.get("fragment") == "1" { return pages.fragment("chat-lines", model: model.fields, request: request) }
        model.error = error
        return pages.page(
            "chat", title: WebText.word("onlineSupport", chinese: zh), model: model, request: request, context: context,
            status: error == nil ? .ok : .unprocessableContent)
    }

    /// Runs a form's action, then back to the chat (or the chat again with the refusal).
    func act(
        _ request: Request, _ context: RedressRequestContext, agent: Bool,
        _ action: @Sendable (Identity, String, [String: String]) async throws -> String?
    ) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let id = try context.parameters.require("chatId")
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form) else {
            return try await chatPage(request, context, agent: agent, error: WebText.word("csrfFailed", chinese: zh))
        }
        do {
            let next = try await action(identity, id, form)
            return WebSession.redirect(next ?? Self.path(id, agent: agent))
        } catch let e as AppError {
            return try await chatPage(request, context, agent: agent, error: zh ? e.zh : e.en)
        }
    }

    func post(_ request: Request, _ context: RedressRequestContext, agent: Bool) async throws -> Response {
        try await act(request, context, agent: agent) { identity, id, form in
            _ = try await services.chat.post(id, body: form["body"] ?? "", by: identity)
            return nil
        }
    }

    func close(_ request: Request, _ context: RedressRequestContext, agent: Bool) async throws -> Response {
        try await act(request, context, agent: agent) { identity, id, _ in
            _ = try await services.chat.close(id, by: identity)
            return nil
        }
    }

    @Sendable func confirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await act(request, context, agent: false) { identity, id, _ in
            let c = try await services.chat.confirm(id, by: identity)
            return SiteURL.memberCase(c.id, filed: true).path
        }
    }

    @Sendable func propose(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await act(request, context, agent: true) { identity, id, form in
            _ = try await services.chat.propose(
                id, category: form["category"] ?? "", orderNumber: form["orderNumber"], narrative: form["narrative"], by: identity)
            return nil
        }
    }

    @Sendable func take(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await act(request, context, agent: true) { identity, id, _ in
            _ = try await services.chat.take(id, by: identity)
            return nil
        }
    }

    // MARK: The agents' desk

    struct DeskPage: PageModel {
        struct Row: Sendable {
            var url: String
            var take: String
            var waited: String
            var state: String
            var waiting: Bool
            var long: Bool
            var first: String
        }
        var onDuty: Bool
        var agentsOnDuty: Int
        var items: [Row]
        var error: String?
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    func deskModel(_ identity: Identity, chinese zh: Bool) async throws -> DeskPage {
        let now = services.now()
        let chats = try await services.chat.list(for: identity)
        var rows: [DeskPage.Row] = []
        for c in chats {
            let first = try await services.chat.messages(c, after: 0).first { $0.author.role == .member }?.body ?? ""
            let waited = Int(now.timeIntervalSince(c.openedAt))
            rows.append(
                .init(
                    url: Self.path(c.id, agent: true), take: Self.path(c.id, agent: true) + "/take",
                    waited: WebFormat.waited(seconds: waited, chinese: zh),
                    state: c.status.label(chinese: zh), waiting: c.status == .waiting, long: c.status == .waiting && waited > 300,
                    first: String(first.prefix(80))))
        }
        let (me, agents) = try await services.chat.onDuty(identity)
        return DeskPage(onDuty: me, agentsOnDuty: agents, items: rows)
    }

    @Sendable func desk(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let model = try await deskModel(identity, chinese: zh)
        if request.uri.queryParameters.get("fragment") == "1" { return pages.fragment("chat-desk-list", model: model.fields, request: request) }
        return pages.page("chat-desk", title: WebText.word("chatDesk", chinese: zh), model: model, request: request, context: context)
    }

    @Sendable func duty(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form) else {
            var model = try await deskModel(identity, chinese: zh)
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "chat-desk", title: WebText.word("chatDesk", chinese: zh), model: model, request: request, context: context,
                status: .unprocessableContent)
        }
        _ = try await services.chat.setOnDuty(form["onDuty"] == "1", by: identity)
        return WebSession.redirect("/work/chats")
    }
}
