import Crypto
import Foundation
import Hummingbird
import Logging
import RedressDomain
import RedressStorage

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
        let m = try await registerMerchant(draft, by: identity, logger: context.logger)
        return try JSONBody.response(try await dto(m), status: .created, headers: [.location: "/api/v1/merchants/\(m.id)"])
    }

    /// Registers a merchant from its checked draft (the API and the merchants page); a licence number already
    /// registered is refused.
    func registerMerchant(_ draft: MerchantDraft, by identity: Identity, logger: Logger) async throws -> Merchant {
        let draft = try draft.validated()
        let now = services.now()
        let m = Merchant(id: TimeOrderedID.make(at: now), draft: draft, verifiedAt: nil, createdAt: now, updatedAt: now)
        do {
            try await services.store.createMerchant(m)
        } catch StoreError.duplicate {
            throw licenceTaken
        }
        logger.info("merchant registered", metadata: ["merchant": "\(m.id)", "by": "\(identity.userId)"])
        return m
    }

    /// Changes a merchant's records; a new licence number or registered name has not been checked yet.
    func reviseMerchant(id: String, _ draft: MerchantDraft, by identity: Identity, logger: Logger) async throws -> Merchant {
        let draft = try draft.validated()
        guard let old = try await services.store.merchant(id: id) else { throw merchantNotFound }
        let changedLicence = old.businessLicenceNumber != draft.businessLicenceNumber || old.registeredName != draft.registeredName
        let m = Merchant(id: id, draft: draft, verifiedAt: changedLicence ? nil : old.verifiedAt, createdAt: old.createdAt, updatedAt: services.now())
        do {
            try await services.store.saveMerchant(m)
        } catch StoreError.duplicate {
            throw licenceTaken
        }
        logger.info("merchant updated", metadata: ["merchant": "\(m.id)", "by": "\(identity.userId)"])
        return m
    }

    let licenceTaken = APIError(.conflict, "licence_taken", zh: "该统一社会信用代码已登记", en: "A merchant with this licence number exists", field: "businessLicenceNumber")

    @Sendable func listMerchants(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role.isStaff else { throw APIError.forbidden }
        let policy = try await services.policies.workflow().policy.merchant
        let now = services.now()
        var all = try await services.store.merchants()
        switch request.uri.queryParameters.get("verificationDue") {
        case nil: break
        case "true": all = all.filter { $0.needsReverification(at: now, policy: policy) }
        case "false": all = all.filter { !$0.needsReverification(at: now, policy: policy) }
        case let v?: throw APIError.badQuery("verificationDue", zh: "verificationDue 只能是 true 或 false", en: "verificationDue must be true or false, not \(v)")
        }
        var out: [MerchantDTO] = []
        for m in all { out.append(try await dto(m)) }
        return try JSONBody.response(out)
    }

    @Sendable func showMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("merchantId")
        guard identity.role.isStaff || identity.merchantId == id else { throw APIError.forbidden }
        guard let m = try await services.store.merchant(id: id) else { throw merchantNotFound }
        return try JSONBody.response(try await dto(m))
    }

    @Sendable func updateMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let id = try context.parameters.require("merchantId")
        let draft = try await JSONBody.decode(MerchantDraft.self, from: request, context: context)
        return try JSONBody.response(try await dto(try await reviseMerchant(id: id, draft, by: identity, logger: context.logger)))
    }

    /// Records that the platform checked the qualification records today (电子商务法 Art. 27).
    @Sendable func verifyMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let id = try context.parameters.require("merchantId")
        guard var m = try await services.store.merchant(id: id) else { throw merchantNotFound }
        m.verifiedAt = services.now()
        m.updatedAt = m.verifiedAt ?? m.updatedAt
        try await services.store.saveMerchant(m)
        context.logger.info("merchant verified", metadata: ["merchant": "\(m.id)", "by": "\(identity.userId)"])
        return try JSONBody.response(try await dto(m))
    }

    struct MerchantDTO: Encodable {
        var merchant: Merchant
        var verificationDue: Bool
        var nextVerificationDue: Date?
    }

    func dto(_ m: Merchant) async throws -> MerchantDTO {
        let policy = try await services.policies.workflow().policy.merchant
        return MerchantDTO(merchant: m, verificationDue: m.needsReverification(at: services.now(), policy: policy), nextVerificationDue: m.reverificationDue(policy: policy))
    }

    let merchantNotFound = APIError(.notFound, "merchant_not_found", zh: "找不到该商家", en: "No such merchant")

    // MARK: Policy history

    /// Every change of the policy: who, when, and each changed setting old → new.
    @Sendable func policyHistory(_ request: Request, context: RedressRequestContext) async throws -> Response {
        _ = try admin(context)
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
        for h in try await services.store.policyHistory(limit: limit) {
            let old = try Self.flatten(h.previous ?? .default)
            let new = try Self.flatten(h.policy)
            let changes = Set(old.keys).union(new.keys).sorted().compactMap { k in old[k] == new[k] ? nil : Change(field: k, old: old[k], new: new[k]) }
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
        let w = try await subscribe(url: body.url, topics: body.topics ?? [], by: identity, logger: context.logger)
        return try JSONBody.response(WebhookDTO(w, showSecret: true), status: .created)
    }

    /// A webhook subscription by an admin (every case) or a merchant (its own cases), with a new signing secret.
    /// No topics: every topic.
    func subscribe(url raw: String, topics: [String], by identity: Identity, logger: Logger) async throws -> WebhookSubscription {
        guard identity.role == .admin || identity.role == .merchant else { throw APIError.forbidden }
        let url = raw.trimmingCharacters(in: .whitespaces)
        guard url.count <= 2_000, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw APIError.invalid("url", "invalid_url", zh: "Webhook 地址必须是 http:// 或 https:// 开头的完整网址", en: "The webhook URL must be an absolute http:// or https:// URL")
        }
        if identity.role == .merchant, let refusal = WebhookAddress.refusal(host: host) {
            throw APIError.invalid(
                "url", "private_address", zh: "商家的 Webhook 地址必须是公网地址，不能是本机、内网或链路本地地址",
                en: "A merchant's webhook must be a public address, not loopback, private or link-local (\(refusal))")
        }
        for (i, t) in topics.enumerated() where NoticeTopic(rawValue: t) == nil {
            throw APIError.invalid(
                "topics[\(i)]", "unknown_topic", zh: "未知的通知主题：\(t)",
                en: "Unknown topic \(t); known: \(NoticeTopic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var secretBytes = [UInt8](repeating: 0, count: 32)
        for i in secretBytes.indices { secretBytes[i] = UInt8.random(in: 0...255) }
        let now = services.now()
        let w = WebhookSubscription(
            id: TimeOrderedID.make(at: now), url: url, secret: "whsec_" + secretBytes.map { String(format: "%02x", $0) }.joined(), topics: topics,
            merchantId: identity.role == .merchant ? identity.merchantId : nil, createdBy: identity.userId, createdAt: now)
        try await services.store.createWebhook(w)
        logger.info("webhook created", metadata: ["webhook": "\(w.id)", "by": "\(identity.userId)"])
        return w
    }

    @Sendable func listWebhooks(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        return try JSONBody.response(try await webhooks(of: identity).map { WebhookDTO($0, showSecret: false) })
    }

    @Sendable func disableWebhook(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("webhookId")
        struct Body: Decodable { var disabled: Bool }
        let body = try await JSONBody.decode(Body.self, from: request, context: context)
        return try JSONBody.response(WebhookDTO(try await setWebhook(id: id, disabled: body.disabled, by: identity), showSecret: false))
    }

    /// Webhooks an identity may see: an admin every one, a merchant its own.
    func webhooks(of identity: Identity) async throws -> [WebhookSubscription] {
        guard identity.role == .admin || identity.role == .merchant else { throw APIError.forbidden }
        return try await services.store.webhooks().filter { identity.role == .admin || $0.merchantId == identity.merchantId }
    }

    func setWebhook(id: String, disabled: Bool, by identity: Identity) async throws -> WebhookSubscription {
        guard var w = try await services.store.webhooks().first(where: { $0.id == id }),
            identity.role == .admin || (identity.role == .merchant && w.merchantId == identity.merchantId)
        else { throw APIError(.notFound, "webhook_not_found", zh: "找不到该 Webhook", en: "No such webhook") }
        try await services.store.setWebhookDisabled(id: id, disabled: disabled)
        w.disabled = disabled
        return w
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
        var signatureHeader = Outbox.signatureHeader

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
        _ = try admin(context)
        let q = request.uri.queryParameters
        var status: DeliveryStatus?
        if let s = q.get("status") {
            guard let parsed = DeliveryStatus(rawValue: s) else {
                throw APIError.badQuery("status", zh: "status 只能是 pending、delivered 或 dead", en: "status must be pending, delivered or dead")
            }
            status = parsed
        }
        let limit = try ComplaintRoutes.intParameter(q.get("limit"), name: "limit", range: 1...500) ?? 100
        let offset = try ComplaintRoutes.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        return try JSONBody.response(try await services.store.deliveries(status: status, limit: limit, offset: offset).map { DeliveryDTO($0, attempts: nil) })
    }

    @Sendable func showDelivery(_ request: Request, context: RedressRequestContext) async throws -> Response {
        _ = try admin(context)
        guard let (d, attempts) = try await services.store.delivery(id: try deliveryId(context)) else { throw deliveryNotFound }
        return try JSONBody.response(DeliveryDTO(d, attempts: attempts))
    }

    /// Sends a delivery again (a receiver lost it, or it died after its retries); its log is kept.
    @Sendable func replay(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try admin(context)
        let d = try await replay(deliveryId: try deliveryId(context), by: identity, logger: context.logger)
        return try JSONBody.response(DeliveryDTO(d, attempts: nil), status: .accepted)
    }

    func replay(deliveryId id: Int64, by identity: Identity, logger: Logger) async throws -> Delivery {
        do {
            let d = try await services.store.replayDelivery(id: id, at: services.now())
            logger.info("delivery replayed", metadata: ["delivery": "\(id)", "by": "\(identity.userId)"])
            return d
        } catch StoreError.notFound {
            throw deliveryNotFound
        }
    }

    func deliveryId(_ context: RedressRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("deliveryId")), id > 0 else { throw deliveryNotFound }
        return id
    }

    let deliveryNotFound = APIError(.notFound, "delivery_not_found", zh: "找不到该投递记录", en: "No such delivery")

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
            destination = d.channel == .email ? Outbox.maskEmail(d.destination) : d.destination
            status = d.status
            self.attempts = d.attempts
            nextAttemptAt = d.status == .pending ? d.nextAttemptAt : nil
            lastError = d.lastError
            deliveredAt = d.deliveredAt
            createdAt = d.createdAt
            log = attempts?.map { AttemptDTO(attempt: $0.attempt, at: $0.at, ok: $0.ok, statusCode: $0.statusCode, error: $0.error, durationMs: $0.durationMs) }
        }
    }

    func admin(_ context: RedressRequestContext) throws -> Identity {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw APIError.forbidden }
        return identity
    }
}
