import Foundation
import GRDB
import RedressDomain

/// Merchants, the policy's history, and the outbox of notices and deliveries.
extension SQLiteStore {
    // MARK: Merchants

    public func createMerchant(_ m: Merchant) async throws {
        let body = try Codec.json(m)
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        INSERT INTO merchants(id, registered_name, shop_name, business_licence_number, verified_at_ms, created_at_ms, updated_at_ms, body)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        m.id, m.registeredName, m.shopName, m.businessLicenceNumber, m.verifiedAt.map(Codec.ms), Codec.ms(m.createdAt),
                        Codec.ms(m.updatedAt), body,
                    ])
            } catch let e as DatabaseError
                where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            {
                throw StoreError.duplicate(field: "businessLicenceNumber")
            }
        }
    }

    public func merchant(id: String) async throws -> Merchant? {
        try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM merchants WHERE id = ?", arguments: [id]).map { try Codec.decode(Merchant.self, $0) }
        }
    }

    public func merchants() async throws -> [Merchant] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM merchants ORDER BY created_at_ms, id").map { try Codec.decode(Merchant.self, $0) }
        }
    }

    public func saveMerchant(_ m: Merchant) async throws {
        let body = try Codec.json(m)
        try await write { db in
            do {
                try db.execute(
                    sql: """
                        UPDATE merchants SET registered_name = ?, shop_name = ?, business_licence_number = ?, verified_at_ms = ?, updated_at_ms = ?, body = ?
                        WHERE id = ?
                        """,
                    arguments: [m.registeredName, m.shopName, m.businessLicenceNumber, m.verifiedAt.map(Codec.ms), Codec.ms(m.updatedAt), body, m.id])
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.duplicate(field: "businessLicenceNumber")
            }
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func policyHistory(limit: Int) async throws -> [PolicyChange] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT body, previous_body, updated_at_ms, updated_by FROM policy_history ORDER BY id DESC LIMIT ?", arguments: [limit]
            ).map { row in
                let previous: String? = row["previous_body"]
                return PolicyChange(
                    at: Codec.date(row["updated_at_ms"]), by: row["updated_by"], previous: try previous.map { try Codec.decode(Policy.self, $0) },
                    policy: try Codec.decode(Policy.self, row["body"]))
            }
        }
    }

    // MARK: Notices and deliveries

    public func pendingNotices(limit: Int) async throws -> [(id: Int64, notice: Notice)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, body FROM notices WHERE fanned_out_at_ms IS NULL ORDER BY id LIMIT ?", arguments: [limit]).map {
                (id: $0["id"], notice: try Codec.decode(Notice.self, $0["body"]))
            }
        }
    }

    public func fanOut(_ plans: [(noticeId: Int64, deliveries: [DeliveryDraft])], at: Date) async throws {
        try await liveKeys(owners: Array(Set(plans.flatMap { $0.deliveries.compactMap(\.sealedFor) })))
        try await retryingForKeys { try await fanOutRows(plans, at: at) }
    }

    private func fanOutRows(_ plans: [(noticeId: Int64, deliveries: [DeliveryDraft])], at: Date) async throws {
        try await write { [vault] db in
            let now = Codec.ms(at)
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO deliveries(notice_id, channel, destination, destination_sealed, status, attempts, next_attempt_at_ms, created_at_ms)
                    VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT DO NOTHING
                    """)
            let mark = try db.cachedStatement(sql: "UPDATE notices SET fanned_out_at_ms = ? WHERE id = ? AND fanned_out_at_ms IS NULL")
            for (noticeId, deliveries) in plans {
                for d in deliveries {
                    let (destination, sealed) = try VaultSQL.destination(d, vault)
                    try insert.execute(arguments: [noticeId, d.channel.rawValue, destination, sealed, now, now])
                }
                try mark.execute(arguments: [now, noticeId])
            }
        }
    }

    public func dismissPendingNotices(at: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "UPDATE notices SET fanned_out_at_ms = ? WHERE fanned_out_at_ms IS NULL", arguments: [Codec.ms(at)])
            return db.changesCount
        }
    }

    public func claimDeliveries(dueAt: Date, leaseUntil: Date, limit: Int) async throws -> [Delivery] {
        try await write { [vault] db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    UPDATE deliveries SET next_attempt_at_ms = ?
                    WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at_ms <= ? ORDER BY next_attempt_at_ms LIMIT ?)
                    RETURNING *
                    """, arguments: [Codec.ms(leaseUntil), Codec.ms(dueAt), limit])
            return try Self.deliveries(db, vault, rows)
        }
    }

    public func recordDeliveryAttempt(_ a: DeliveryAttempt, outcome: DeliveryOutcome, error: String?) async throws {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO delivery_attempts(delivery_id, attempt, at_ms, ok, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [a.deliveryId, a.attempt, Codec.ms(a.at), a.ok, a.statusCode, a.error, a.durationMs])
            switch outcome {
            case .delivered:
                try db.execute(
                    sql: "UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at_ms = ?, last_error = NULL WHERE id = ?",
                    arguments: [a.attempt, Codec.ms(a.at), a.deliveryId])
            case .retry(let next):
                try db.execute(
                    sql: "UPDATE deliveries SET status = 'pending', attempts = ?, next_attempt_at_ms = ?, last_error = ? WHERE id = ?",
                    arguments: [a.attempt, Codec.ms(next), error, a.deliveryId])
            case .dead:
                try db.execute(
                    sql: "UPDATE deliveries SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?",
                    arguments: [a.attempt, error, a.deliveryId])
            }
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }

    public func deliveries(status: DeliveryStatus?, limit: Int, offset: Int) async throws -> [Delivery] {
        try await pool.read { [vault] db in
            let rows =
                if let status {
                    try Row.fetchAll(
                        db, sql: "SELECT * FROM deliveries WHERE status = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                        arguments: [status.rawValue, limit, offset])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM deliveries ORDER BY id DESC LIMIT ? OFFSET ?", arguments: [limit, offset])
                }
            return try Self.deliveries(db, vault, rows)
        }
    }

    public func delivery(id: Int64) async throws -> (Delivery, [DeliveryAttempt])? {
        try await pool.read { [vault] db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM deliveries WHERE id = ?", arguments: [id]),
                let d = try Self.deliveries(db, vault, [row]).first
            else { return nil }
            let attempts = try Row.fetchAll(db, sql: "SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt", arguments: [id]).map {
                DeliveryAttempt(
                    deliveryId: $0["delivery_id"], attempt: $0["attempt"], at: Codec.date($0["at_ms"]), ok: $0["ok"], statusCode: $0["status_code"],
                    error: $0["error"], durationMs: $0["duration_ms"])
            }
            return (d, attempts)
        }
    }

    public func replayDelivery(id: Int64, at: Date) async throws -> Delivery {
        try await write { [vault] db in
            let rows = try Row.fetchAll(
                db, sql: "UPDATE deliveries SET status = 'pending', next_attempt_at_ms = ?, delivered_at_ms = NULL WHERE id = ? RETURNING *",
                arguments: [Codec.ms(at), id])
            guard let d = try Self.deliveries(db, vault, rows).first else { throw StoreError.notFound }
            return d
        }
    }

    static func deliveries(_ db: Database, _ vault: PersonalDataVault, _ rows: [Row]) throws -> [Delivery] {
        guard !rows.isEmpty else { return [] }
        try loadKeys(db, vault, for: rows.compactMap { $0["destination_sealed"] as String? })
        var notices: [Int64: Notice] = [:]
        for id in Set(rows.map { $0["notice_id"] as Int64 }) {
            if let body = try String.fetchOne(db, sql: "SELECT body FROM notices WHERE id = ?", arguments: [id]) {
                notices[id] = try Codec.decode(Notice.self, body)
            }
        }
        return try rows.map { row in
            let noticeId: Int64 = row["notice_id"]
            guard let notice = notices[noticeId], let channel = DeliveryChannel(rawValue: row["channel"]),
                let status = DeliveryStatus(rawValue: row["status"])
            else { throw StoreError.unavailable("unreadable delivery row") }
            let delivered: Int64? = row["delivered_at_ms"]
            return Delivery(
                id: row["id"], noticeId: noticeId, notice: notice, channel: channel,
                destination: try VaultSQL.destination(row["destination"], sealed: row["destination_sealed"], vault), status: status,
                attempts: row["attempts"], nextAttemptAt: Codec.date(row["next_attempt_at_ms"]), lastError: row["last_error"],
                deliveredAt: delivered.map(Codec.date), createdAt: Codec.date(row["created_at_ms"]))
        }
    }

    // MARK: Webhooks

    public func createWebhook(_ w: WebhookSubscription) async throws {
        let topics = try Codec.json(w.topics)
        try await write { db in
            try db.execute(
                sql:
                    "INSERT INTO webhooks(id, url, secret, topics, merchant_id, created_by, created_at_ms, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [w.id, w.url, w.secret, topics, w.merchantId, w.createdBy, Codec.ms(w.createdAt), w.disabled])
        }
    }

    public func setWebhookSecret(id: String, secret: String) async throws {
        try await write { db in try db.execute(sql: "UPDATE webhooks SET secret = ? WHERE id = ?", arguments: [secret, id]) }
    }

    public func webhooks() async throws -> [WebhookSubscription] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM webhooks ORDER BY created_at_ms, id").map { row in
                WebhookSubscription(
                    id: row["id"], url: row["url"], secret: row["secret"], topics: try Codec.decode([String].self, row["topics"]),
                    merchantId: row["merchant_id"], createdBy: row["created_by"], createdAt: Codec.date(row["created_at_ms"]),
                    disabled: row["disabled"])
            }
        }
    }

    public func setWebhookDisabled(id: String, disabled: Bool) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE webhooks SET disabled = ? WHERE id = ?", arguments: [disabled, id])
            if db.changesCount == 0 { throw StoreError.notFound }
        }
    }
}

// MARK: Log-in throttle

extension SQLiteStore {
    public func revokeToken(digest: String, expiresAt: Date) async throws {
        try await write { db in try db.execute(sql: RevokedTokens.revoke, arguments: [digest, expiresAt.millisecondsSince1970]) }
    }

    public func revokedTokens(now: Date) async throws -> Set<String> {
        try await write { db in
            try db.execute(sql: RevokedTokens.forget, arguments: [now.millisecondsSince1970])
            return Set(try String.fetchAll(db, sql: RevokedTokens.read, arguments: [now.millisecondsSince1970]))
        }
    }

    public func endSessions(userId: String, notBefore: Date) async throws {
        try await write { db in try db.execute(sql: SessionFloors.raise, arguments: [userId, notBefore.millisecondsSince1970]) }
    }

    public func sessionFloors() async throws -> [String: Date] {
        try await pool.read { db in
            var out: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: SessionFloors.read) {
                out[row["user_id"]] = Date(millisecondsSince1970: row["not_before_ms"])
            }
            return out
        }
    }

    public func recordLoginFailure(key: String, at: Date, window: TimeInterval) async throws -> (failures: Int, since: Date) {
        let now = LoginFailures.milliseconds(at), span = Int64(window * 1000)
        return try await write { db in
            let row = try Row.fetchOne(db, sql: LoginFailures.record, arguments: [key, now, span])
            guard let row else { throw StoreError.notFound }
            return (row[0], LoginFailures.date(row[1]))
        }
    }

    public func loginFailures(key: String) async throws -> (failures: Int, since: Date)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: LoginFailures.read, arguments: [key]).map { ($0[0], LoginFailures.date($0[1])) }
        }
    }

    public func clearLoginFailures(key: String, staleBefore: Date) async throws {
        try await write { db in try db.execute(sql: LoginFailures.clear, arguments: [key, LoginFailures.milliseconds(staleBefore)]) }
    }
}

// MARK: Evidence quotas

extension SQLiteStore {
    public func evidenceUsage(complaintId: String, uploaderId: String) async throws -> (filesOnCase: Int, bytesByUploader: Int64) {
        try await pool.read { db in
            (
                try Int.fetchOne(db, sql: EvidenceUsage.filesOnCase, arguments: [complaintId]) ?? 0,
                try Int64.fetchOne(db, sql: EvidenceUsage.bytesByUploader, arguments: [uploaderId]) ?? 0
            )
        }
    }

    public func recordScan(sha256: String, status: String, signature: String?, at: Date) async throws {
        try await write { db in try db.execute(sql: EvidenceScans.record, arguments: [sha256, status, signature, at.millisecondsSince1970]) }
    }

    public func scan(sha256: String) async throws -> (status: String, signature: String?)? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: EvidenceScans.read, arguments: [sha256]).map { ($0["status"], $0["signature"]) }
        }
    }

    public func evidenceHashes(after: String, limit: Int) async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: EvidenceScans.page, arguments: [after, limit]) }
    }

    public func evidenceBytes(sha256: String) async throws -> [UInt8]? {
        try await pool.read { db in try Data.fetchOne(db, sql: EvidenceScans.bytes, arguments: [sha256]).map { [UInt8]($0) } }
    }
}
