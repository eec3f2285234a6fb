import Crypto
import Foundation
import Logging
import NIOPosix
import RedressDomain
import RedressStorage
import ServiceLifecycle

/// Delivers notices: fans each one out to its e-mail recipients and webhook subscribers, then sends every delivery
/// at least once — e-mail through a sendmail-compatible command, webhooks as signed POSTs — retrying with exponential
/// back-off and logging every attempt. A receiver tells a repeat by the `Redress-Delivery` header.
public struct Outbox: Service {
    /// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    static let signatureHeader = "Redress-Signature"
    static let maximumAttempts = 10
    static let maximumBackoff: Double = 6 * 3600
    /// Webhooks are POSTed without following redirects.

    let store: any RedressStore
    let configuration: AppConfiguration
    let now: @Sendable () -> Date
    let logger: Logger

    public init(store: any RedressStore, configuration: AppConfiguration, now: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.now = now
        self.logger = logger
        self.sealed = Result { try SecretBox.load(dataDirectory: configuration.dataDirectory) }
    }

    /// The data folder's secrets key, read once.
    let sealed: Result<SecretBox, any Error>
    func secrets() throws -> SecretBox { try sealed.get() }

    public func run() async throws {
        try await PeriodicService(name: "outbox pass", interval: configuration.outboxInterval, logger: logger) { _ = try await runOnce() }.run()
    }

    /// One pass: fans out pending notices, then sends what is due. Returns how many of each.
    @discardableResult
    public func runOnce() async throws -> (fannedOut: Int, attempted: Int) {
        let fanned = try await store.exclusively("outbox-fan-out") { try await self.fanOut() } ?? 0
        var attempted = 0
        while true {
            let batch = try await store.claimDeliveries(dueAt: now(), leaseUntil: now().addingTimeInterval(300), limit: 32)
            if batch.isEmpty { break }
            attempted += batch.count
            await withTaskGroup(of: Void.self) { group in
                for d in batch { group.addTask { await self.attempt(d) } }
            }
            if batch.count < 32 { break }
        }
        return (fanned, attempted)
    }

    // MARK: Fan-out

    /// Resolves each pending notice to its e-mail recipients and webhook subscribers, 500 notices to a transaction.
    /// Members and merchants are looked up as needed; staff (a few) are read once per pass.
    func fanOut() async throws -> Int {
        var done = 0
        while true {
            let hooks = try await store.webhooks().filter { !$0.disabled }
            let mailing = configuration.sendmailCommand != nil
            // Nothing to send to: the notices are settled in one statement, unread.
            if hooks.isEmpty && !mailing { return done + (try await store.dismissPendingNotices(at: now())) }
            let pending = try await store.pendingNotices(limit: 500)
            if pending.isEmpty { return done }
            var staff: [User] = []
            var merchantUsers: [User] = []
            if mailing {
                for role in [Role.agent, .specialist, .riskControl] { staff += try await store.users(role: role).filter { !$0.disabled } }
                merchantUsers = try await store.users(role: .merchant).filter { !$0.disabled }
            }
            var members: [String: User?] = [:]
            var merchants: [String: Merchant?] = [:]
            var plans: [(noticeId: Int64, deliveries: [DeliveryDraft])] = []
            for (id, n) in pending {
                var emails: [String] = []
                if mailing {
                    for a in n.audiences {
                        switch a {
                        case .member:
                            if members[n.memberId] == nil { members[n.memberId] = try await store.user(id: n.memberId)?.user }
                            if let u = members[n.memberId] ?? nil, !u.disabled, let e = u.email { emails.append(e) }
                        case .merchant:
                            guard let m = n.merchantId else { continue }
                            if merchants[m] == nil { merchants[m] = try await store.merchant(id: m) }
                            if let e = (merchants[m] ?? nil)?.contactEmail { emails.append(e) }
                            emails += merchantUsers.filter { $0.merchantId == m }.compactMap(\.email)
                        case .staff:
                            if let a = n.assigneeId {
                                if let e = staff.first(where: { $0.id == a })?.email { emails.append(e) }
                            } else {
                                // Unassigned: those who work the case's queue (admins see every queue and are not mailed for each case).
                                emails += staff.filter { $0.role.visibleQueues.contains(n.queue) }.compactMap(\.email)
                            }
                        }
                    }
                }
                var drafts = Set(emails).sorted().map { DeliveryDraft(channel: .email, destination: $0, sealedFor: n.memberId) }
                for h in hooks where h.wants(n.topic) && (h.merchantId == nil || h.merchantId == n.merchantId) {
                    drafts.append(DeliveryDraft(channel: .webhook, destination: h.id))
                }
                plans.append((id, drafts))
            }
            try await store.fanOut(plans, at: now())
            done += plans.count
        }
    }

    // MARK: Sending

    func attempt(_ d: Delivery) async {
        let started = ContinuousClock.now
        let at = now()
        let number = d.attempts + 1
        var ok = false
        var statusCode: Int?
        var error: String?
        switch d.channel {
        case .email:
            do {
                try await sendMail(d)
                ok = true
            } catch let e {
                error = "\(e)"
            }
        case .webhook:
            do {
                statusCode = try await post(d)
                ok = (200..<300).contains(statusCode ?? 0)
                if !ok { error = "HTTP \(statusCode ?? 0)" }
            } catch let e {
                error = e.localizedDescription
            }
        }
        let elapsed = ContinuousClock.now - started
        let ms = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        let outcome: DeliveryOutcome
        if ok {
            outcome = .delivered
        } else if number >= Self.maximumAttempts {
            outcome = .dead
        } else {
            outcome = .retry(at: at.addingTimeInterval(Self.backoff(after: number, base: configuration.deliveryRetryBase)))
        }
        // A mail server's refusal names the recipient ("recipient address member.…@… not accepted"): what is stored,
        // served on the delivery log and logged has contact details masked.
        let short = error.map { String(PersonalData.maskContacts($0).prefix(500)) }
        do {
            try await store.recordDeliveryAttempt(
                DeliveryAttempt(deliveryId: d.id, attempt: number, at: at, ok: ok, statusCode: statusCode, error: short, durationMs: ms),
                outcome: outcome,
                error: short)
        } catch {
            logger.error("could not record a delivery attempt", metadata: ["delivery": "\(d.id)", "error": "\(error)"])
        }
        let meta: Logger.Metadata = [
            "delivery": "\(d.id)", "channel": "\(d.channel.rawValue)", "topic": "\(d.notice.topic.rawValue)", "attempt": "\(number)",
        ]
        if ok {
            logger.info("notice delivered", metadata: meta)
        } else {
            logger.warning(
                "notice delivery failed", metadata: meta.merging(["error": "\(short ?? "")", "dead": "\(outcome == .dead)"]) { a, _ in a })
        }
    }

    /// 1×, 2×, 4×, … the base, capped at 6 hours.
    static func backoff(after attempt: Int, base: Duration) -> TimeInterval {
        let b = Double(base.components.seconds) + Double(base.components.attoseconds) / 1e18
        return min(b * pow(2, Double(max(0, attempt - 1))), maximumBackoff)
    }

    // MARK: Webhooks

    static func payload(_ d: Delivery) -> [UInt8] {
        let n = d.notice
        var complaint: [String: CanonicalValue] = [
            "id": .string(n.complaintId), "caseNumber": .string(n.caseNumber), "status": .string(n.status.rawValue),
            "queue": .string(n.queue.rawValue),
        ]
        if let m = n.merchantId { complaint["merchantId"] = .string(m) }
        let body: CanonicalValue = .object([
            "deliveryId": .int(d.id), "topic": .string(n.topic.rawValue), "createdAt": .string(n.createdAt.rfc3339),
            "eventSequence": .int(Int64(n.eventSequence)), "complaint": .object(complaint),
            "summary": .object(["zh": .string(n.summaryZh), "en": .string(n.summaryEn)]),
        ])
        return body.canonicalBytes
    }

    /// The signature header's value for a body sent at `timestamp`.
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    func post(_ d: Delivery) async throws -> Int {
        guard let hook = try await store.webhooks().first(where: { $0.id == d.destination }) else {
            throw OutboxError("the webhook no longer exists")
        }
        guard !hook.disabled else { throw OutboxError("the webhook is disabled") }
        guard let url = URL(string: hook.url), let host = url.host else { throw OutboxError("bad URL") }
        // The name is resolved once, here: a merchant's endpoint must be public at every address it names today, and
        // the delivery connects to the address that was checked (a name that answers differently a moment later
        // cannot lead it elsewhere).
        let addresses = PinnedHTTP.addresses(of: url)
        guard let address = addresses.first else { throw OutboxError("not sent: \(host) does not resolve") }
        if hook.merchantId != nil {
            if let refusal = WebhookAddress.refusal(host: host) { throw OutboxError("not sent: \(refusal)") }
            if let inside = addresses.first(where: WebhookAddress.isInternal) {
                throw OutboxError("not sent: \(host) resolves to \(WebhookAddress.text(inside)), not a public address")
            }
        }
        guard let secret = try secrets().open(hook.secret) else {
            throw OutboxError("not sent: the webhook's secret cannot be read with this data folder's secrets.key")
        }
        let body = Self.payload(d)
        let headers = [
            ("Content-Type", "application/json"), ("User-Agent", "Redress-Webhook/1"), ("Redress-Delivery", String(d.id)),
            ("Redress-Topic", d.notice.topic.rawValue),
            (Self.signatureHeader, Self.signature(secret: secret, timestamp: Int64(now().timeIntervalSince1970), body: body)),
        ]
        do {
            return try await PinnedHTTP.post(url, to: address, headers: headers, body: body)
        } catch {
            throw OutboxError("not delivered: \(error)")
        }
    }

    // MARK: E-mail

    func sendMail(_ d: Delivery) async throws {
        guard let command = configuration.sendmailCommand else { throw OutboxError("no sendmail command configured") }
        let threading = MailThreading(box: try secrets(), configuration: configuration)
        try await Sendmail.send(
            Self.mailMessage(d, from: configuration.mailFrom, platform: configuration.platformName, date: now(), threading: threading),
            command: command)
    }

    /// A notice by e-mail. Its Message-ID and reply address carry the case and a tag made for this recipient, so a
    /// reply joins the case (when mail in is set up); `Auto-Submitted` keeps auto-responders from answering it.
    static func mailMessage(_ d: Delivery, from: String, platform: String, date: Date, threading: MailThreading) -> String {
        let n = d.notice
        let replyTo = threading.replyTo(caseId: n.complaintId, for: d.destination)
        let replyZh = replyTo == nil ? "此邮件由系统自动发送，请勿直接回复。" : "直接回复此邮件，您的回复和附件会加入该投诉。"
        let replyEn =
            replyTo == nil ? "This message was sent automatically; do not reply." : "Reply to this message to add your words and files to the case."
        let text = """
            \(n.summaryZh)
            案件编号：\(n.caseNumber)
            当前状态：\(n.status.labelZh)

            请登录维权台查看详情并在期限内处理。\(replyZh)

            \(n.summaryEn)
            Case number: \(n.caseNumber)
            Status: \(n.status.labelEn)
            \(replyEn)
            """
        let thread = threading.threadId(caseId: n.complaintId)
        var headers = [
            ("From", from), ("To", d.destination),
            ("Message-ID", "<\(threading.messageId(deliveryId: d.id, caseId: n.complaintId, to: d.destination))>"),
            ("References", "<\(thread)>"), ("In-Reply-To", "<\(thread)>"), ("Auto-Submitted", "auto-generated"),
            ("X-Redress-Delivery", String(d.id)), ("X-Redress-Topic", n.topic.rawValue),
        ]
        if let r = replyTo { headers.append(("Reply-To", r)) }
        return Sendmail.message(headers: headers, subject: "[\(platform) 维权台] \(n.summaryZh)", text: text, date: date)
    }

    /// `zhang.san@example.com` → `z***@example.com` (addresses are personal data in the delivery log's views).
    static func maskEmail(_ e: String) -> String {
        guard let at = e.firstIndex(of: "@"), let first = e.first else { return "***" }
        return String(first) + "***" + e[at...]
    }
}

/// Why a delivery was not made, as the delivery log shows it.
struct OutboxError: LocalizedError, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
    var errorDescription: String? { description }
}
