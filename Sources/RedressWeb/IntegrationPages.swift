import Foundation
import HTTPTypes
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Webhooks (an admin's for every case, a merchant's for its own) and the delivery log with replay (admins).
struct IntegrationPages {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }
    static let pageSize = 50

    /// Admins' pages under `/admin` and merchants' under `/merchant`, each group behind its gate: each sees and changes
    /// only its own webhooks.
    func register(admin: RouterGroup<RedressRequestContext>, merchant: RouterGroup<RedressRequestContext>) {
        for group in [admin, merchant] {
            group.get("webhooks", use: webhooksPage)
            group.post("webhooks", use: createWebhook)
            group.post("webhooks/:webhookId/disabled", use: setWebhook)
        }
        admin.get("deliveries", use: deliveriesPage)
        admin.get("deliveries/:deliveryId", use: deliveryPage)
        admin.post("deliveries/:deliveryId/replay", use: replay)
    }

    /// The webhooks page of the caller's portal.
    static func base(_ identity: Identity) -> String { SiteURL.webhooks(merchant: identity.role == .merchant).path }

    // MARK: Webhooks

    /// The caller's webhooks, and the form for a new one (its signing secret shown once, after it is made).
    struct WebhooksPage: PageModel {
        struct Hook: Sendable {
            var id: String
            var url: String
            var topics: String
            var disabled: Bool
            var owner: String
            var created: String
        }
        struct Topic: Sendable {
            var value: String
            var label: String
            var checked: Bool
        }
        var admin: Bool
        var base: String
        var hooks: [Hook]
        var topics: [Topic]
        var url: String
        var secret: String?
        var error: String?
        var derived: [String: Any] { ["hasHooks": !hooks.isEmpty] }
    }

    func webhooksModel(_ identity: Identity, base: String, chinese zh: Bool, typed: [String: String] = [:]) async throws -> WebhooksPage {
        let hooks = try await services.webhooks.webhooks(of: identity)
        var shops: [String: String] = [:]
        for id in Set(hooks.compactMap(\.merchantId)) { shops[id] = try await services.merchants.shopName(id) ?? id }
        let all = WebText.word("allTopics", chinese: zh)
        return WebhooksPage(
            admin: identity.role == .admin, base: base,
            hooks: hooks.map { w in
                WebhooksPage.Hook(
                    id: w.id, url: w.url,
                    topics: w.topics.isEmpty
                        ? all : w.topics.map { NoticeTopic(rawValue: $0)?.label(chinese: zh) ?? $0 }.joined(separator: zh ? "、" : ", "),
                    disabled: w.disabled,
                    owner: w.merchantId.map { shops[$0] ?? $0 } ?? WebText.word("platformWide", chinese: zh), created: WebFormat.instant(w.createdAt))
            },
            topics: NoticeTopic.allCases.map {
                WebhooksPage.Topic(value: $0.rawValue, label: $0.label(chinese: zh), checked: typed["topic." + $0.rawValue] != nil)
            },
            url: typed["url"] ?? "")
    }

    @Sendable func webhooksPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let base = Self.base(identity)
        let zh = WebSession.chinese(request)
        return pages.page(
            "webhooks", title: WebText.word("webhooks", chinese: zh), model: try await webhooksModel(identity, base: base, chinese: zh),
            request: request, context: context)
    }

    /// A new subscription; its signing secret is shown on this one page and never again.
    @Sendable func createWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let base = Self.base(identity)
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            let topics = NoticeTopic.allCases.map(\.rawValue).filter { form["topic." + $0] != nil }
            let w = try await services.webhooks.subscribe(url: form["url"] ?? "", topics: topics, by: identity)
            var m = try await webhooksModel(identity, base: base, chinese: zh)
            m.secret = w.secret
            return pages.page(
                "webhooks", title: WebText.word("webhooks", chinese: zh), model: m, request: request, context: context, status: .created)
        } refused: { failure in
            var m = try await webhooksModel(identity, base: base, chinese: zh, typed: form)
            m.error = failure
            return pages.page(
                "webhooks", title: WebText.word("webhooks", chinese: zh), model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func setWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let base = Self.base(identity)
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let id = context.parameters.get("webhookId") else { return WebSession.redirect(base) }
        do {
            _ = try await services.webhooks.setDisabled(id, disabled: form["disabled"] == "true", by: identity)
        } catch let e as AppError where e.kind == .notFound {
            return site.notFound(request, context)
        }
        return WebSession.redirect(base)
    }

    // MARK: Deliveries

    static func statusLabel(_ s: DeliveryStatus, chinese zh: Bool) -> String {
        switch s {
        case .pending: WebText.word("deliveryPending", chinese: zh)
        case .delivered: WebText.word("deliveryDelivered", chinese: zh)
        case .dead: WebText.word("deliveryDead", chinese: zh)
        }
    }

    static func channelLabel(_ c: DeliveryChannel, chinese zh: Bool) -> String {
        c == .email ? WebText.word("channelEmail", chinese: zh) : "Webhook"
    }

    /// The outbox by status, a page at a time.
    struct DeliveriesPage: PageModel {
        struct Filter: Sendable {
            var label: String
            var url: String
            var current: Bool
        }
        struct Row: Sendable {
            var id: Int64
            var url: String
            var caseURL: String
            var complaintId: String
            var caseNumber: String
            var topic: String
            var channel: String
            var destination: String
            var status: String
            var dead: Bool
            var attempts: Int
            var lastError: String
            var nextAt: String?
        }
        var filters: [Filter]
        var items: [Row]
        var previousPage: String?
        var nextPage: String?
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    /// One delivery with every attempt.
    struct DeliveryPage: PageModel {
        struct Attempt: Sendable {
            var attempt: Int
            var at: String
            var ok: Bool
            var code: String
            var ms: Int
            var error: String
        }
        var id: Int64
        var replayURL: String
        var caseURL: String
        var complaintId: String
        var caseNumber: String
        var topic: String
        var topicCode: String
        var channel: String
        var destination: String
        var status: String
        var created: String
        var log: [Attempt]
        var delivered: String?
        var nextAttempt: String?
        var replayed = false
        var error: String?
        var derived: [String: Any] { ["hasLog": !log.isEmpty] }
    }

    /// What an admin may see of a destination: a webhook's address, or an e-mail address masked.
    func destination(_ d: Delivery, hooks: [String: String]) -> String {
        d.channel == .email ? WebhookService.maskEmail(d.destination) : hooks[d.destination] ?? d.destination
    }

    /// The outbox, newest first, by status; failures marked.
    @Sendable func deliveriesPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let q = request.uri.queryParameters
        let status = q.get("status").flatMap { DeliveryStatus(rawValue: String($0)) }
        let offset = max(0, q.get("offset").flatMap { Int(String($0)) } ?? 0)
        // One more than a page tells whether there is a next one.
        let found = try await services.webhooks.deliveries(status: status, limit: Self.pageSize + 1, offset: offset, by: identity)
        let shown = found.prefix(Self.pageSize)
        let hooks = Dictionary(uniqueKeysWithValues: try await services.webhooks.webhooks(of: identity).map { ($0.id, $0.url) })
        var filters = [DeliveriesPage.Filter(label: WebText.word("allStatuses", chinese: zh), url: SiteURL.deliveries().path, current: status == nil)]
        filters += DeliveryStatus.allCases.map {
            DeliveriesPage.Filter(label: Self.statusLabel($0, chinese: zh), url: SiteURL.deliveries($0).path, current: status == $0)
        }
        let model = DeliveriesPage(
            filters: filters,
            items: shown.map { d in
                DeliveriesPage.Row(
                    id: d.id, url: SiteURL.delivery(d.id).path, caseURL: SiteURL.staffCase(d.notice.complaintId).path,
                    complaintId: d.notice.complaintId,
                    caseNumber: d.notice.caseNumber, topic: d.notice.topic.label(chinese: zh), channel: Self.channelLabel(d.channel, chinese: zh),
                    destination: destination(d, hooks: hooks), status: Self.statusLabel(d.status, chinese: zh), dead: d.status == .dead,
                    attempts: d.attempts,
                    lastError: d.lastError ?? "", nextAt: d.status == .pending ? WebFormat.instant(d.nextAttemptAt) : nil)
            },
            previousPage: offset > 0 ? SiteURL.deliveries(status, offset: max(0, offset - Self.pageSize)).path : nil,
            nextPage: found.count > Self.pageSize ? SiteURL.deliveries(status, offset: offset + Self.pageSize).path : nil)
        return pages.page("deliveries", title: WebText.word("deliveries", chinese: zh), model: model, request: request, context: context)
    }

    func deliveryModel(_ d: Delivery, _ attempts: [DeliveryAttempt], by identity: Identity, chinese zh: Bool) async throws -> DeliveryPage {
        let hooks = Dictionary(uniqueKeysWithValues: try await services.webhooks.webhooks(of: identity).map { ($0.id, $0.url) })
        return DeliveryPage(
            id: d.id, replayURL: SiteURL.deliveryReplay(d.id).path, caseURL: SiteURL.staffCase(d.notice.complaintId).path,
            complaintId: d.notice.complaintId, caseNumber: d.notice.caseNumber, topic: d.notice.topic.label(chinese: zh),
            topicCode: d.notice.topic.rawValue,
            channel: Self.channelLabel(d.channel, chinese: zh), destination: destination(d, hooks: hooks),
            status: Self.statusLabel(d.status, chinese: zh),
            created: WebFormat.instant(d.createdAt),
            log: attempts.map {
                DeliveryPage.Attempt(
                    attempt: $0.attempt, at: WebFormat.instant($0.at), ok: $0.ok, code: $0.statusCode.map(String.init) ?? "—", ms: $0.durationMs,
                    error: $0.error ?? "")
            },
            delivered: d.deliveredAt.map(WebFormat.instant), nextAttempt: d.status == .pending ? WebFormat.instant(d.nextAttemptAt) : nil)
    }

    /// The page's delivery (`deliveryId`) with its attempts, or nil when there is none.
    func delivery(_ context: RedressRequestContext, _ identity: Identity) async -> (Delivery, [DeliveryAttempt])? {
        guard let id = context.parameters.get("deliveryId").flatMap({ Int64($0) }) else { return nil }
        return try? await services.webhooks.delivery(id, by: identity)
    }

    /// One delivery with every attempt (when, HTTP status, error, time taken).
    @Sendable func deliveryPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        guard let (d, attempts) = await delivery(context, identity) else { return site.notFound(request, context) }
        var m = try await deliveryModel(d, attempts, by: identity, chinese: zh)
        m.replayed = request.uri.queryParameters.get("replayed") == "1"
        return pages.page("delivery", title: "#\(d.id)", model: m, request: request, context: context)
    }

    /// Sends a delivery again, delivered or given up; its log is kept.
    @Sendable func replay(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        guard let (d, attempts) = await delivery(context, identity) else { return site.notFound(request, context) }
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form) else {
            var m = try await deliveryModel(d, attempts, by: identity, chinese: zh)
            m.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page("delivery", title: "#\(d.id)", model: m, request: request, context: context, status: .unprocessableContent)
        }
        _ = try await services.webhooks.replay(d.id, by: identity)
        return WebSession.redirect(SiteURL.delivery(d.id, replayed: true).path)
    }
}
