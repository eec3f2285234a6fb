import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Merchants and their qualification records, webhook subscriptions, the delivery log, and the policy's history.
struct AdminRoutes {
    let services: RedressServices

    struct WebhookRequest: Decodable {
        var url: String
        var topics: [String]?
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("merchants", use: createMerchant)
        api.get("merchants", use: listMerchants)
        api.get("merchants/:merchantId", use: showMerchant)
        api.put("merchants/:merchantId", use: updateMerchant)
        api.post("merchants/:merchantId/verification", use: verifyMerchant)
        api.get("policy/history", use: policyHistory)
        api.post("webhooks", use: createWebhook)
        api.get("webhooks", use: listWebhooks)
        api.post("webhooks/:webhookId/disabled", use: disableWebhook)
        api.get("deliveries", use: listDeliveries)
        api.get("deliveries/:deliveryId", use: showDelivery)
        api.post("deliveries/:deliveryId/replay", use: replay)
    }

    // MARK: Merchants

    @Sendable func createMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let draft = try await JSONBody.decode(MerchantDraft.self, from: request, context: context)
        let m = try await services.merchants.register(draft, by: identity)
        return try JSONBody.response(try await dto(m), status: .created, headers: [.location: "/api/v1/merchants/\(m.id)"])
    }

    @Sendable func listMerchants(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role.isStaff else { throw AppError.forbidden }
        let due: Bool?
        switch request.uri.queryParameters.get("verificationDue") {
        case nil: due = nil
        case "true": due = true
        case "false": due = false
        case let v?:
            throw AppError.badQuery("verificationDue", zh: "verificationDue 只能是 true 或 false", en: "verificationDue must be true or false, not \(v)")
        }
        var out: [MerchantDTO] = []
        for m in try await services.merchants.list(verificationDue: due, by: identity) { out.append(try await dto(m)) }
        return try JSONBody.response(out)
    }

    @Sendable func showMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("merchantId")
        return try JSONBody.response(try await dto(try await services.merchants.merchant(id, by: identity)))
    }

    @Sendable func updateMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let id = try context.parameters.require("merchantId")
        let draft = try await JSONBody.decode(MerchantDraft.self, from: request, context: context)
        return try JSONBody.response(try await dto(try await services.merchants.revise(id, draft, by: identity)))
    }

    /// Records that the platform checked the qualification records today (电子商务法 Art. 27).
    @Sendable func verifyMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let id = try context.parameters.require("merchantId")
        return try JSONBody.response(try await dto(try await services.merchants.markVerified(id, by: identity)))
    }

    struct MerchantDTO: Encodable {
        var merchant: Merchant
        var verificationDue: Bool
        var nextVerificationDue: Date?
    }

    func dto(_ m: Merchant) async throws -> MerchantDTO {
        let r = try await services.merchants.record(m)
        return MerchantDTO(merchant: r.merchant, verificationDue: r.verificationDue, nextVerificationDue: r.nextVerificationDue)
    }

    // MARK: Policy history

    /// Every change of the policy: who, when, and each changed setting old → new.
    @Sendable func policyHistory(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let limit = try ComplaintRoutes.intParameter(request.uri.queryParameters.get("limit"), name: "limit", range: 1...500) ?? 100
        struct Change: Encodable {
            var field: String
            var old: CanonicalValue?
            var new: CanonicalValue?
        }
        struct Entry: Encodable {
            var at: Date
            var by: String
            var changes: [Change]
        }
        var out: [Entry] = []
        for h in try await services.policy.history(limit: limit, by: identity) {
            let old = try Self.flatten(h.previous ?? .default)
            let new = try Self.flatten(h.policy)
            let changes = Set(old.keys).union(new.keys).sorted().compactMap { k in old[k] == new[k] ? nil : Change(field: k, old: old[k], new: new[k])
            }
            out.append(Entry(at: h.at, by: h.by, changes: changes))
        }
        return try JSONBody.response(out)
    }

    /// `{"a": {"b": 1}}` → `["a.b": 1]`.
    static func flatten(_ p: Policy) throws -> [String: CanonicalValue] {
        let v = try JSONDecoder().decode(CanonicalValue.self, from: JSONEncoder().encode(p))
        var out: [String: CanonicalValue] = [:]
        func walk(_ v: CanonicalValue, _ path: String) {
            if case .object(let o) = v {
                for (k, x) in o { walk(x, path.isEmpty ? k : path + "." + k) }
            } else {
                out[path] = v
            }
        }
        walk(v, "")
        return out
    }

    // MARK: Webhooks and deliveries

    @Sendable func createWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(WebhookRequest.self, from: request, context: context)
        let w = try await services.webhooks.subscribe(url: body.url, topics: body.topics ?? [], by: identity)
        return try JSONBody.response(WebhookDTO(w, showSecret: true), status: .created)
    }

    @Sendable func listWebhooks(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        return try JSONBody.response(try await services.webhooks.webhooks(of: identity).map { WebhookDTO($0, showSecret: false) })
    }

    @Sendable func disableWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("webhookId")
        struct Body: Decodable { var disabled: Bool }
        let body = try await JSONBody.decode(Body.self, from: request, context: context)
        return try JSONBody.response(
            WebhookDTO(try await services.webhooks.setDisabled(id, disabled: body.disabled, by: identity), showSecret: false))
    }

    struct WebhookDTO: Encodable {
        var id: String
        var url: String
        var topics: [String]
        var merchantId: String?
        var createdAt: Date
        var disabled: Bool
        /// Shown once, at creation.
        var secret: String?
        var signatureHeader = WebhookService.signatureHeader

        init(_ w: WebhookSubscription, showSecret: Bool) {
            id = w.id
            url = w.url
            topics = w.topics
            merchantId = w.merchantId
            createdAt = w.createdAt
            disabled = w.disabled
            secret = showSecret ? w.secret : nil
        }
    }

    @Sendable func listDeliveries(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let q = request.uri.queryParameters
        var status: DeliveryStatus?
        if let s = q.get("status") {
            guard let parsed = DeliveryStatus(rawValue: s) else {
                throw AppError.badQuery("status", zh: "status 只能是 pending、delivered 或 dead", en: "status must be pending, delivered or dead")
            }
            status = parsed
        }
        let limit = try ComplaintRoutes.intParameter(q.get("limit"), name: "limit", range: 1...500) ?? 100
        let offset = try ComplaintRoutes.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        return try JSONBody.response(
            try await services.webhooks.deliveries(status: status, limit: limit, offset: offset, by: identity).map { DeliveryDTO($0, attempts: nil) })
    }

    @Sendable func showDelivery(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let (d, attempts) = try await services.webhooks.delivery(try deliveryId(context), by: identity)
        return try JSONBody.response(DeliveryDTO(d, attempts: attempts))
    }

    /// Sends a delivery again (a receiver lost it, or it died after its retries); its log is kept.
    @Sendable func replay(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let d = try await services.webhooks.replay(try deliveryId(context), by: identity)
        return try JSONBody.response(DeliveryDTO(d, attempts: nil), status: .accepted)
    }

    func deliveryId(_ context: RedressRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("deliveryId")), id > 0 else { throw WebhookService.deliveryNotFound }
        return id
    }

    struct DeliveryDTO: Encodable {
        struct AttemptDTO: Encodable {
            var attempt: Int
            var at: Date
            var ok: Bool
            var statusCode: Int?
            var error: String?
            var durationMs: Int
        }
        var id: Int64
        var topic: String
        var complaintId: String
        var caseNumber: String
        var channel: DeliveryChannel
        /// A webhook's id, or an e-mail address masked.
        var destination: String
        var status: DeliveryStatus
        var attempts: Int
        var nextAttemptAt: Date?
        var lastError: String?
        var deliveredAt: Date?
        var createdAt: Date
        var log: [AttemptDTO]?

        init(_ d: Delivery, attempts: [DeliveryAttempt]?) {
            id = d.id
            topic = d.notice.topic.rawValue
            complaintId = d.notice.complaintId
            caseNumber = d.notice.caseNumber
            channel = d.channel
            destination = d.channel == .email ? WebhookService.maskEmail(d.destination) : d.destination
            status = d.status
            self.attempts = d.attempts
            nextAttemptAt = d.status == .pending ? d.nextAttemptAt : nil
            lastError = d.lastError
            deliveredAt = d.deliveredAt
            createdAt = d.createdAt
            log = attempts?.map {
                AttemptDTO(attempt: $0.attempt, at: $0.at, ok: $0.ok, statusCode: $0.statusCode, error: $0.error, durationMs: $0.durationMs)
            }
        }
    }

    func admin(_ context: RedressRequestContext) throws -> Identity {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw AppError.forbidden }
        return identity
    }
}
