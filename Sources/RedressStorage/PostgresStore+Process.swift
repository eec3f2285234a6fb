import Foundation
import PostgresNIO
import RedressDomain

/// Merchants, the policy's history, and the outbox on PostgreSQL. Deliveries are claimed with `FOR UPDATE SKIP
/// LOCKED` and a lease, so servers sharing the database never hand the same delivery out twice at once.
extension PostgresStore {
    // MARK: Merchants

    public func createMerchant(_ m: Merchant) async throws {
        let body = try Codec.json(m)
        do {
            try await rawRows(
                """
                INSERT INTO merchants(id, registered_name, shop_name, business_licence_number, verified_at_ms, created_at_ms, updated_at_ms, body)
                VALUES (\(m.id), \(m.registeredName), \(m.shopName), \(m.businessLicenceNumber), \(m.verifiedAt.map(Codec.ms)), \(Codec.ms(m.createdAt)),
                        \(Codec.ms(m.updatedAt)), \(body))
                """)
        } catch {
            throw Self.sqlState(error) == "23505" ? StoreError.duplicate(field: "businessLicenceNumber") : Self.storeError(error)
        }
    }

    public func merchant(id: String) async throws -> Merchant? {
        try await rows("SELECT body FROM merchants WHERE id = \(id)").first.map { try Codec.decode(Merchant.self, try $0.decode(String.self)) }
    }

    public func merchants() async throws -> [Merchant] {
        try await rows("SELECT body FROM merchants ORDER BY created_at_ms, id").map { try Codec.decode(Merchant.self, try $0.decode(String.self)) }
    }

    public func saveMerchant(_ m: Merchant) async throws {
        let body = try Codec.json(m)
        let updated: [PostgresRow]
        do {
            updated = try await rawRows(
                """
                UPDATE merchants SET registered_name = \(m.registeredName), shop_name = \(m.shopName), business_licence_number = \(m.businessLicenceNumber),
                  verified_at_ms = \(m.verifiedAt.map(Codec.ms)), updated_at_ms = \(Codec.ms(m.updatedAt)), body = \(body)
                WHERE id = \(m.id) RETURNING 1
                """)
        } catch {
            throw Self.sqlState(error) == "23505" ? StoreError.duplicate(field: "businessLicenceNumber") : Self.storeError(error)
        }
        if updated.isEmpty { throw StoreError.notFound }
    }

    public func policyHistory(limit: Int) async throws -> [PolicyChange] {
        try await rows("SELECT body, previous_body, updated_at_ms, updated_by FROM policy_history ORDER BY id DESC LIMIT \(limit)").map { row in
            let (body, previous, at, by) = try row.decode((String, String?, Int64, String).self)
            return PolicyChange(
                at: Codec.date(at), by: by, previous: try previous.map { try Codec.decode(Policy.self, $0) },
                policy: try Codec.decode(Policy.self, body))
        }
    }

    // MARK: Notices and deliveries

    public func pendingNotices(limit: Int) async throws -> [(id: Int64, notice: Notice)] {
        try await rows("SELECT id, body FROM notices WHERE fanned_out_at_ms IS NULL ORDER BY id LIMIT \(limit)").map { row in
            let (id, body) = try row.decode((Int64, String).self)
            return (id: id, notice: try Codec.decode(Notice.self, body))
        }
    }

    public func fanOut(_ plans: [(noticeId: Int64, deliveries: [DeliveryDraft])], at: Date) async throws {
        let now = Codec.ms(at)
        var noticeIds: [Int64] = []
        var channels: [String] = []
        var destinations: [String] = []
        var sealed: [String] = []  // '' for none (arrays bind without nulls)
        try await liveKeys(owners: Array(Set(plans.flatMap { $0.deliveries.compactMap(\.sealedFor) })))
        for (id, deliveries) in plans {
            for d in deliveries {
                noticeIds.append(id)
                channels.append(d.channel.rawValue)
                let (destination, s) = try VaultSQL.destination(d, vault)
                destinations.append(destination)
                sealed.append(s ?? "")
            }
        }
        let marked = plans.map(\.noticeId)
        let (ids, chs, dests, seals) = (noticeIds, channels, destinations, sealed)
        try await transaction { [logger] c in
            // The unique key keeps a notice fanned out twice (by two servers at once) from owing a destination twice.
            if !ids.isEmpty {
                try await c.query(
                    """
                    INSERT INTO deliveries(notice_id, channel, destination, destination_sealed, status, attempts, next_attempt_at_ms, created_at_ms)
                    SELECT n, ch, d, NULLIF(s, ''), 'pending', 0, \(now), \(now) FROM unnest(\(ids), \(chs), \(dests), \(seals)) AS t(n, ch, d, s)
                    ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
            try await c.query("UPDATE notices SET fanned_out_at_ms = \(now) WHERE id = ANY(\(marked)) AND fanned_out_at_ms IS NULL", logger: logger)
        }
    }

    public func dismissPendingNotices(at: Date) async throws -> Int {
        try await rows("UPDATE notices SET fanned_out_at_ms = \(Codec.ms(at)) WHERE fanned_out_at_ms IS NULL RETURNING 1").count
    }

    static let deliveryColumns =
        "id, notice_id, channel, destination, status, attempts, next_attempt_at_ms, last_error, delivered_at_ms, created_at_ms, destination_sealed"

    public func claimDeliveries(dueAt: Date, leaseUntil: Date, limit: Int) async throws -> [Delivery] {
        let claimed = try await rows(
            """
            UPDATE deliveries SET next_attempt_at_ms = \(Codec.ms(leaseUntil))
            WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at_ms <= \(Codec.ms(dueAt))
                         ORDER BY next_attempt_at_ms LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.deliveryColumns)
            """)
        return try await deliveries(claimed)
    }

    public func recordDeliveryAttempt(_ a: DeliveryAttempt, outcome: DeliveryOutcome, error: String?) async throws {
        let found = try await transaction { [logger] c in
            try await c.query(
                """
                INSERT INTO delivery_attempts(delivery_id, attempt, at_ms, ok, status_code, error, duration_ms)
                VALUES (\(a.deliveryId), \(a.attempt), \(Codec.ms(a.at)), \(a.ok), \(a.statusCode), \(a.error), \(a.durationMs))
                """, logger: logger)
            let updated: PostgresQuery =
                switch outcome {
                case .delivered:
                    """
                    UPDATE deliveries SET status = 'delivered', attempts = \(a.attempt), delivered_at_ms = \(Codec.ms(a.at)), last_error = NULL
                    WHERE id = \(a.deliveryId) RETURNING 1
                    """
                case .retry(let next):
                    """
                    UPDATE deliveries SET status = 'pending', attempts = \(a.attempt), next_attempt_at_ms = \(Codec.ms(next)), last_error = \(error)
                    WHERE id = \(a.deliveryId) RETURNING 1
                    """
                case .dead:
                    "UPDATE deliveries SET status = 'dead', attempts = \(a.attempt), last_error = \(error) WHERE id = \(a.deliveryId) RETURNING 1"
                }
            return try await !c.query(updated, logger: logger).collect().isEmpty
        }
        if !found { throw StoreError.notFound }
    }

    public func deliveries(status: DeliveryStatus?, limit: Int, offset: Int) async throws -> [Delivery] {
        let found =
            if let status {
                try await rows(
                    "SELECT \(unescaped: Self.deliveryColumns) FROM deliveries WHERE status = \(status.rawValue) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)"
                )
            } else {
                try await rows("SELECT \(unescaped: Self.deliveryColumns) FROM deliveries ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)")
            }
        return try await deliveries(found)
    }

    public func delivery(id: Int64) async throws -> (Delivery, [DeliveryAttempt])? {
        guard let d = try await deliveries(try await rows("SELECT \(unescaped: Self.deliveryColumns) FROM deliveries WHERE id = \(id)")).first else {
            return nil
        }
        let attempts = try await rows(
            "SELECT delivery_id, attempt, at_ms, ok, status_code, error, duration_ms FROM delivery_attempts WHERE delivery_id = \(id) ORDER BY attempt"
        ).map { row in
            let (deliveryId, attempt, at, ok, code, error, duration) = try row.decode((Int64, Int, Int64, Bool, Int?, String?, Int).self)
            return DeliveryAttempt(
                deliveryId: deliveryId, attempt: attempt, at: Codec.date(at), ok: ok, statusCode: code, error: error, durationMs: duration)
        }
        return (d, attempts)
    }

    public func replayDelivery(id: Int64, at: Date) async throws -> Delivery {
        let found = try await rows(
            """
            UPDATE deliveries SET status = 'pending', next_attempt_at_ms = \(Codec.ms(at)), delivered_at_ms = NULL WHERE id = \(id)
            RETURNING \(unescaped: Self.deliveryColumns)
            """)
        guard let d = try await deliveries(found).first else { throw StoreError.notFound }
        return d
    }

    func deliveries(_ found: [PostgresRow]) async throws -> [Delivery] {
        guard !found.isEmpty else { return [] }
        typealias Columns = (Int64, Int64, String, String, String, Int, Int64, String?, Int64?, Int64, String?)
        let decoded = try found.map { try $0.decode(Columns.self) }
        try await loadKeys(for: decoded.compactMap(\.10))
        var notices: [Int64: Notice] = [:]
        for row in try await rows("SELECT id, body FROM notices WHERE id = ANY(\(Array(Set(decoded.map(\.1)))))") {
            let (id, body) = try row.decode((Int64, String).self)
            notices[id] = try Codec.decode(Notice.self, body)
        }
        return try decoded.map { id, noticeId, channel, column, status, attempts, next, lastError, delivered, created, sealed in
            let destination = try VaultSQL.destination(column, sealed: sealed, vault)
            guard let notice = notices[noticeId], let ch = DeliveryChannel(rawValue: channel), let st = DeliveryStatus(rawValue: status) else {
                throw StoreError.unavailable("unreadable delivery row")
            }
            return Delivery(
                id: id, noticeId: noticeId, notice: notice, channel: ch, destination: destination, status: st, attempts: attempts,
                nextAttemptAt: Codec.date(next), lastError: lastError, deliveredAt: delivered.map(Codec.date), createdAt: Codec.date(created))
        }
    }

    // MARK: Webhooks

    public func createWebhook(_ w: WebhookSubscription) async throws {
        try await rows(
            """
            INSERT INTO webhooks(id, url, secret, topics, merchant_id, created_by, created_at_ms, disabled)
            VALUES (\(w.id), \(w.url), \(w.secret), \(try Codec.json(w.topics)), \(w.merchantId), \(w.createdBy), \(Codec.ms(w.createdAt)), \(w.disabled))
            """)
    }

    public func setWebhookSecret(id: String, secret: String) async throws {
        _ = try await rows("UPDATE webhooks SET secret = \(secret) WHERE id = \(id)")
    }

    public func webhooks() async throws -> [WebhookSubscription] {
        try await rows("SELECT id, url, secret, topics, merchant_id, created_by, created_at_ms, disabled FROM webhooks ORDER BY created_at_ms, id")
            .map {
                row in
                let (id, url, secret, topics, merchant, by, at, disabled) = try row.decode(
                    (String, String, String, String, String?, String, Int64, Bool).self)
                return WebhookSubscription(
                    id: id, url: url, secret: secret, topics: try Codec.decode([String].self, topics), merchantId: merchant, createdBy: by,
                    createdAt: Codec.date(at), disabled: disabled)
            }
    }

    public func setWebhookDisabled(id: String, disabled: Bool) async throws {
        if try await rows("UPDATE webhooks SET disabled = \(disabled) WHERE id = \(id) RETURNING 1").isEmpty { throw StoreError.notFound }
    }
}

// MARK: Log-in throttle

extension PostgresStore {
    public func revokeToken(digest: String, expiresAt: Date) async throws {
        var binds = PostgresBindings()
        binds.append(digest)
        binds.append(expiresAt.millisecondsSince1970)
        _ = try await rows(PostgresQuery(unsafeSQL: RevokedTokens.revoke, binds: binds))
    }

    public func revokedTokens(now: Date) async throws -> Set<String> {
        var forget = PostgresBindings()
        forget.append(now.millisecondsSince1970)
        _ = try await rows(PostgresQuery(unsafeSQL: RevokedTokens.forget, binds: forget))
        var binds = PostgresBindings()
        binds.append(now.millisecondsSince1970)
        return Set(try await rows(PostgresQuery(unsafeSQL: RevokedTokens.read, binds: binds)).map { try $0.decode(String.self) })
    }

    public func endSessions(userId: String, notBefore: Date) async throws {
        var binds = PostgresBindings()
        binds.append(userId)
        binds.append(notBefore.millisecondsSince1970)
        _ = try await rows(PostgresQuery(unsafeSQL: SessionFloors.raise, binds: binds))
    }

    public func sessionFloors() async throws -> [String: Date] {
        var out: [String: Date] = [:]
        for row in try await rows(PostgresQuery(unsafeSQL: SessionFloors.read, binds: PostgresBindings())) {
            let (id, ms) = try row.decode((String, Int64).self)
            out[id] = Date(millisecondsSince1970: ms)
        }
        return out
    }

    public func recordLoginFailure(key: String, at: Date, window: TimeInterval) async throws -> (failures: Int, since: Date) {
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(LoginFailures.milliseconds(at))
        binds.append(Int64(window * 1000))
        guard let row = try await rows(PostgresQuery(unsafeSQL: LoginFailures.record, binds: binds)).first else { throw StoreError.notFound }
        let (failures, since) = try row.decode((Int, Int64).self)
        return (failures, LoginFailures.date(since))
    }

    public func loginFailures(key: String) async throws -> (failures: Int, since: Date)? {
        var binds = PostgresBindings()
        binds.append(key)
        guard let row = try await rows(PostgresQuery(unsafeSQL: LoginFailures.read, binds: binds)).first else { return nil }
        let (failures, since) = try row.decode((Int, Int64).self)
        return (failures, LoginFailures.date(since))
    }

    public func clearLoginFailures(key: String, staleBefore: Date) async throws {
        var binds = PostgresBindings()
        binds.append(key)
        binds.append(LoginFailures.milliseconds(staleBefore))
        _ = try await rows(PostgresQuery(unsafeSQL: LoginFailures.clear, binds: binds))
    }
}

// MARK: Evidence quotas

extension PostgresStore {
    public func evidenceUsage(complaintId: String, uploaderId: String) async throws -> (filesOnCase: Int, bytesByUploader: Int64) {
        var a = PostgresBindings()
        a.append(complaintId)
        let files = try await rows(PostgresQuery(unsafeSQL: EvidenceUsage.filesOnCase, binds: a)).first?.decode(Int64.self) ?? 0
        var b = PostgresBindings()
        b.append(uploaderId)
        let bytes = try await rows(PostgresQuery(unsafeSQL: EvidenceUsage.bytesByUploader, binds: b)).first?.decode(Int64.self) ?? 0
        return (Int(files), bytes)
    }

    public func recordScan(sha256: String, status: String, signature: String?, at: Date) async throws {
        var b = PostgresBindings()
        b.append(sha256)
        b.append(status)
        b.append(signature)
        b.append(at.millisecondsSince1970)
        _ = try await rows(PostgresQuery(unsafeSQL: EvidenceScans.record, binds: b))
    }

    public func scan(sha256: String) async throws -> (status: String, signature: String?)? {
        var b = PostgresBindings()
        b.append(sha256)
        return try await rows(PostgresQuery(unsafeSQL: EvidenceScans.read, binds: b)).first.map { try $0.decode((String, String?).self) }
    }

    public func evidenceHashes(after: String, limit: Int) async throws -> [String] {
        var b = PostgresBindings()
        b.append(after)
        b.append(limit)
        return try await rows(PostgresQuery(unsafeSQL: EvidenceScans.page, binds: b)).map { try $0.decode(String.self) }
    }

    public func evidenceBytes(sha256: String) async throws -> [UInt8]? {
        var b = PostgresBindings()
        b.append(sha256)
        guard let row = try await rows(PostgresQuery(unsafeSQL: EvidenceScans.bytes, binds: b)).first else { return nil }
        return Array(try row.decode(ByteBuffer.self).readableBytesView)
    }
}

// MARK: Staff queues

extension PostgresStore {
    /// A staff queue's page through the queue index, its bodies read by id, and its bounded count.
    /// A list's bound values as PostgresNIO takes them.
    static func binds(_ values: [ComplaintListSQL.Value]) -> PostgresBindings {
        var b = PostgresBindings()
        for v in values {
            switch v {
            case .text(let t): b.append(t)
            case .integer(let n): b.append(n)
            }
        }
        return b
    }

    func openQueue(_ sql: ComplaintListSQL.OpenQueue, limit: Int) async throws -> ComplaintPage {
        let found = try await rows(PostgresQuery(unsafeSQL: sql.pageSQL, binds: Self.binds(sql.values))).map {
            try $0.decode((String, Int64, Int64).self)
        }
        let counted = try await largeCounts.count(sql: sql.countSQL, values: sql.countValues) {
            try await rows(PostgresQuery(unsafeSQL: sql.countSQL, binds: Self.binds(sql.countValues))).first?.decode(Int.self) ?? 0
        }
        let next = found.count == limit ? found.last.map { QueueCursor(due: $0.1, filedAtMs: $0.2, id: $0.0) } : nil
        return ComplaintPage(
            items: try await complaints(ids: found.map(\.0)), total: min(counted, QueueCursor.countLimit),
            totalIsLowerBound: counted > QueueCursor.countLimit, next: next)
    }

    /// The cases with these ids, in the order given (a page's ids found through an index, then their bodies by key).
    func complaints(ids: [String]) async throws -> [Complaint] {
        guard !ids.isEmpty else { return [] }
        var bodies: [String: String] = [:]
        var b = PostgresBindings()
        b.append(ids)
        for row in try await rows(PostgresQuery(unsafeSQL: "SELECT id, body FROM complaints WHERE id = ANY($1)", binds: b)) {
            let (id, body) = try row.decode((String, String).self)
            bodies[id] = body
        }
        return try await Self.openComplaints(ids.compactMap { bodies[$0] }, vault, pooled)
    }
}
