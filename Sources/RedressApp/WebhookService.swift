import Foundation
import RedressDomain
import RedressStorage

/// Webhook subscriptions (an admin's for every case, a merchant's for the cases against it) and the delivery log.
package struct WebhookService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    package static let webhookNotFound = AppError(.notFound, "webhook_not_found", zh: "找不到该 Webhook", en: "No such webhook")
    package static let deliveryNotFound = AppError(.notFound, "delivery_not_found", zh: "找不到该投递记录", en: "No such delivery")
    /// The header a receiver checks the signature in.
    package static let signatureHeader = Outbox.signatureHeader

    /// A webhook subscription by an admin (every case) or a merchant (its own cases), with a new signing secret.
    /// No topics: every topic.
    package func subscribe(url raw: String, topics: [String], by caller: Identity) async throws -> WebhookSubscription {
        guard caller.role == .admin || caller.role == .merchant else { throw AppError.forbidden }
        let url = raw.trimmingCharacters(in: .whitespaces)
        guard url.count <= 2_000, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw AppError.invalid(
                "url", "invalid_url", zh: "Webhook 地址必须是 http:// 或 https:// 开头的完整网址",
                en: "The webhook URL must be an absolute http:// or https:// URL")
        }
        if caller.role == .merchant, let refusal = WebhookAddress.refusal(host: host) {
            throw AppError.invalid(
                "url", "private_address", zh: "商家的 Webhook 地址必须是公网地址，不能是本机、内网或链路本地地址",
                en: "A merchant's webhook must be a public address, not loopback, private or link-local (\(refusal))")
        }
        for (i, t) in topics.enumerated() where NoticeTopic(rawValue: t) == nil {
            throw AppError.invalid(
                "topics[\(i)]", "unknown_topic", zh: "未知的通知主题：\(t)",
                en: "Unknown topic \(t); known: \(NoticeTopic.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var secretBytes = [UInt8](repeating: 0, count: 32)
        for i in secretBytes.indices { secretBytes[i] = UInt8.random(in: 0...255) }
        let now = app.now()
        let w = WebhookSubscription(
            id: TimeOrderedID.make(at: now), url: url, secret: "whsec_" + secretBytes.map { String(format: "%02x", $0) }.joined(), topics: topics,
            merchantId: caller.role == .merchant ? caller.merchantId : nil, createdBy: caller.userId, createdAt: now)
        // Stored sealed; the caller gets the secret this once.
        var stored = w
        stored.secret = try app.secrets.seal(w.secret)
        try await store.createWebhook(stored)
        app.logger.info("webhook created", metadata: ["webhook": "\(w.id)", "by": "\(caller.userId)"])
        return w
    }

    /// Webhooks the caller may see: an admin every one, a merchant its own.
    package func webhooks(of caller: Identity) async throws -> [WebhookSubscription] {
        guard caller.role == .admin || caller.role == .merchant else { throw AppError.forbidden }
        return try await store.webhooks().filter { caller.role == .admin || $0.merchantId == caller.merchantId }
    }

    package func setDisabled(_ id: String, disabled: Bool, by caller: Identity) async throws -> WebhookSubscription {
        guard var w = try await store.webhooks().first(where: { $0.id == id }),
            caller.role == .admin || (caller.role == .merchant && w.merchantId == caller.merchantId)
        else { throw Self.webhookNotFound }
        try await store.setWebhookDisabled(id: id, disabled: disabled)
        w.disabled = disabled
        return w
    }

    /// The outbox by status (admins).
    package func deliveries(status: DeliveryStatus?, limit: Int, offset: Int, by caller: Identity) async throws -> [Delivery] {
        try AccountService.requireAdmin(caller)
        return try await store.deliveries(status: status, limit: limit, offset: offset)
    }

    /// One delivery with every attempt (admins).
    package func delivery(_ id: Int64, by caller: Identity) async throws -> (Delivery, [DeliveryAttempt]) {
        try AccountService.requireAdmin(caller)
        guard let found = try await store.delivery(id: id) else { throw Self.deliveryNotFound }
        return found
    }

    /// Sends a delivery again (a receiver lost it, or it died after its retries); its log is kept (admins).
    package func replay(_ id: Int64, by caller: Identity) async throws -> Delivery {
        try AccountService.requireAdmin(caller)
        do {
            let d = try await store.replayDelivery(id: id, at: app.now())
            app.logger.info("delivery replayed", metadata: ["delivery": "\(id)", "by": "\(caller.userId)"])
            return d
        } catch StoreError.notFound {
            throw Self.deliveryNotFound
        }
    }

    /// An e-mail address as the delivery log shows it.
    package static func maskEmail(_ address: String) -> String { Outbox.maskEmail(address) }
}
