import Foundation
import Hummingbird
import RedressDomain
import RedressStorage

/// Webhooks (an admin's for every case, a merchant's for its own) and the delivery log with replay (admins).
struct IntegrationPages {
    let web: WebRoutes
    var services: RedressServices { web.services }
    var pages: WebPages { web.pages }
    var admin: AdminRoutes { AdminRoutes(services: services) }
    static let pageSize = 50

    func register(on router: Router<RedressRequestContext>) {
        router.get("admin/webhooks", use: webhooksPage)
        router.post("admin/webhooks", use: createWebhook)
        router.post("admin/webhooks/:webhookId/disabled", use: setWebhook)
        router.get("merchant/webhooks", use: webhooksPage)
        router.post("merchant/webhooks", use: createWebhook)
        router.post("merchant/webhooks/:webhookId/disabled", use: setWebhook)
        router.get("admin/deliveries", use: deliveriesPage)
        router.get("admin/deliveries/:deliveryId", use: deliveryPage)
        router.post("admin/deliveries/:deliveryId/replay", use: replay)
    }

    /// Admins under /admin, merchants' users under /merchant: each sees and changes only its own webhooks.
    func gate(_ request: Request, _ context: RedressRequestContext) -> (WebRoutes.Gate, base: String) {
        if request.uri.path.hasPrefix("/merchant") { return (web.require(request, context, .merchant), "/merchant/webhooks") }
        switch web.require(request, context, .staff) {
        case .denied(let r): return (.denied(r), "/admin/webhooks")
        case .allowed(let i):
            return (i.role == .admin ? .allowed(i) : .denied(web.notFound(request, context, status: .forbidden)), "/admin/webhooks")
        }
    }

    // MARK: Webhooks

    func webhooksModel(_ identity: Identity, base: String, chinese zh: Bool, typed: [String: String] = [:]) async throws -> [String: Any] {
        let hooks = try await admin.webhooks(of: identity)
        var shops: [String: String] = [:]
        for id in Set(hooks.compactMap(\.merchantId)) { shops[id] = try await services.store.merchant(id: id)?.shopName ?? id }
        let all = WebText.words(chinese: zh)["allTopics"]!
        return [
            "admin": identity.role == .admin, "base": base, "hasHooks": !hooks.isEmpty,
            "hooks": hooks.map { w -> [String: Any] in
                [
                    "id": w.id, "url": w.url, "topics": w.topics.isEmpty ? all : w.topics.joined(separator: ", "), "disabled": w.disabled,
                    "owner": w.merchantId.map { shops[$0] ?? $0 } ?? WebText.words(chinese: zh)["platformWide"]!, "created": WebFormat.instant(w.createdAt),
                ]
            },
            "topics": NoticeTopic.allCases.map { t -> [String: Any] in ["value": t.rawValue, "checked": typed["topic." + t.rawValue] != nil] },
            "url": typed["url"] ?? "",
        ]
    }

    @Sendable func webhooksPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (gate, base) = gate(request, context)
        let identity: Identity
        switch gate {
        case .denied(let r): return r
        case .allowed(let i): identity = i
        }
        let zh = WebSession.chinese(request)
        return pages.page("webhooks", title: "Webhook", model: try await webhooksModel(identity, base: base, chinese: zh), request: request, context: context)
    }

    /// A new subscription; its signing secret is shown on this one page and never again.
    @Sendable func createWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (gate, base) = gate(request, context)
        let identity: Identity
        switch gate {
        case .denied(let r): return r
        case .allowed(let i): identity = i
        }
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await web.submit(request, form: form) {
            let topics = NoticeTopic.allCases.map(\.rawValue).filter { form["topic." + $0] != nil }
            let w = try await admin.subscribe(url: form["url"] ?? "", topics: topics, by: identity, logger: context.logger)
            var m = try await webhooksModel(identity, base: base, chinese: zh)
            m["secret"] = w.secret
            return pages.page("webhooks", title: "Webhook", model: m, request: request, context: context, status: .created)
        } refused: { failure in
            var m = try await webhooksModel(identity, base: base, chinese: zh, typed: form)
            m["error"] = failure
            return pages.page("webhooks", title: "Webhook", model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func setWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let (gate, base) = gate(request, context)
        let identity: Identity
        switch gate {
        case .denied(let r): return r
        case .allowed(let i): identity = i
        }
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let id = context.parameters.get("webhookId") else { return WebSession.redirect(base) }
        do {
            _ = try await admin.setWebhook(id: id, disabled: form["disabled"] == "true", by: identity)
        } catch let e as APIError where e.status == .notFound {
            return web.notFound(request, context)
        }
        return WebSession.redirect(base)
    }

    // MARK: Deliveries

    static func statusLabel(_ s: DeliveryStatus, chinese zh: Bool) -> String {
        let w = WebText.words(chinese: zh)
        switch s {
        case .pending: return w["deliveryPending"]!
        case .delivered: return w["deliveryDelivered"]!
        case .dead: return w["deliveryDead"]!
        }
    }

    /// What an admin may see of a destination: a webhook's address, or an e-mail address masked.
    func destination(_ d: Delivery, hooks: [String: String]) -> String {
        d.channel == .email ? Outbox.maskEmail(d.destination) : hooks[d.destination] ?? d.destination
    }

    /// The outbox, newest first, by status; failures marked.
    @Sendable func deliveriesPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        switch gate(request, context).0 {
        case .denied(let r): return r
        case .allowed: break
        }
        let zh = WebSession.chinese(request)
        let q = request.uri.queryParameters
        let status = q.get("status").flatMap { DeliveryStatus(rawValue: String($0)) }
        let offset = max(0, q.get("offset").flatMap { Int(String($0)) } ?? 0)
        // One more than a page tells whether there is a next one.
        let found = try await services.store.deliveries(status: status, limit: Self.pageSize + 1, offset: offset)
        let shown = found.prefix(Self.pageSize)
        let hooks = Dictionary(uniqueKeysWithValues: try await services.store.webhooks().map { ($0.id, $0.url) })
        func query(_ s: DeliveryStatus?, _ offset: Int) -> String {
            var parts: [String] = []
            if let s { parts.append("status=\(s.rawValue)") }
            if offset > 0 { parts.append("offset=\(offset)") }
            return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
        }
        var filters: [[String: Any]] = [["label": WebText.words(chinese: zh)["allStatuses"]!, "query": "", "current": status == nil]]
        filters += DeliveryStatus.allCases.map { s in ["label": Self.statusLabel(s, chinese: zh), "query": query(s, 0), "current": status == s] }
        var model: [String: Any] = [
            "filters": filters, "empty": shown.isEmpty,
            "items": shown.map { d -> [String: Any] in
                var row: [String: Any] = [
                    "id": d.id, "complaintId": d.notice.complaintId, "caseNumber": d.notice.caseNumber, "topic": d.notice.topic.rawValue,
                    "channel": d.channel == .email ? (zh ? "邮件" : "E-mail") : "Webhook", "destination": destination(d, hooks: hooks),
                    "status": Self.statusLabel(d.status, chinese: zh), "dead": d.status == .dead, "attempts": d.attempts, "lastError": d.lastError ?? "",
                ]
                if d.status == .pending { row["nextAt"] = WebFormat.instant(d.nextAttemptAt) }
                return row
            },
        ]
        if offset > 0 {
            let previous = query(status, max(0, offset - Self.pageSize))
            model["previousPage"] = previous.isEmpty ? "?" : previous
        }
        if found.count > Self.pageSize { model["nextPage"] = query(status, offset + Self.pageSize) }
        return pages.page("deliveries", title: WebText.words(chinese: zh)["deliveries"]!, model: model, request: request, context: context)
    }

    func deliveryModel(_ d: Delivery, _ attempts: [DeliveryAttempt], chinese zh: Bool) async throws -> [String: Any] {
        let hooks = Dictionary(uniqueKeysWithValues: try await services.store.webhooks().map { ($0.id, $0.url) })
        var m: [String: Any] = [
            "id": d.id, "complaintId": d.notice.complaintId, "caseNumber": d.notice.caseNumber, "topic": d.notice.topic.rawValue,
            "channel": d.channel == .email ? (zh ? "邮件" : "E-mail") : "Webhook", "destination": destination(d, hooks: hooks),
            "status": Self.statusLabel(d.status, chinese: zh), "created": WebFormat.instant(d.createdAt), "hasLog": !attempts.isEmpty,
            "log": attempts.map { a -> [String: Any] in
                ["attempt": a.attempt, "at": WebFormat.instant(a.at), "ok": a.ok, "code": a.statusCode.map(String.init) ?? "—", "ms": a.durationMs, "error": a.error ?? ""]
            },
        ]
        if let at = d.deliveredAt { m["delivered"] = WebFormat.instant(at) }
        if d.status == .pending { m["nextAttempt"] = WebFormat.instant(d.nextAttemptAt) }
        return m
    }

    /// One delivery with every attempt (when, HTTP status, error, time taken).
    @Sendable func deliveryPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        switch gate(request, context).0 {
        case .denied(let r): return r
        case .allowed: break
        }
        let zh = WebSession.chinese(request)
        guard let id = context.parameters.get("deliveryId").flatMap({ Int64($0) }), let (d, attempts) = try await services.store.delivery(id: id) else {
            return web.notFound(request, context)
        }
        var m = try await deliveryModel(d, attempts, chinese: zh)
        if request.uri.queryParameters.get("replayed") == "1" { m["replayed"] = true }
        return pages.page("delivery", title: "#\(d.id)", model: m, request: request, context: context)
    }

    /// Sends a delivery again, delivered or given up; its log is kept.
    @Sendable func replay(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch gate(request, context).0 {
        case .denied(let r): return r
        case .allowed(let i): identity = i
        }
        let zh = WebSession.chinese(request)
        guard let id = context.parameters.get("deliveryId").flatMap({ Int64($0) }), let (d, attempts) = try await services.store.delivery(id: id) else {
            return web.notFound(request, context)
        }
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form) else {
            var m = try await deliveryModel(d, attempts, chinese: zh)
            m["error"] = WebText.words(chinese: zh)["csrfFailed"]!
            return pages.page("delivery", title: "#\(d.id)", model: m, request: request, context: context, status: .unprocessableContent)
        }
        _ = try await admin.replay(deliveryId: id, by: identity, logger: context.logger)
        return WebSession.redirect("/admin/deliveries/\(id)?replayed=1")
    }
}
