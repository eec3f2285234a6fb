import Foundation
import PostgresNIO
import RedressDomain

/// Mail received through the gateway, on PostgreSQL.
extension PostgresStore {
    static let rawColumns = "\(InboundMailSQL.columns), raw"

    func inboundMail(_ row: PostgresRow) throws -> InboundMail {
        let (id, key, received, status, reason, caseId, size, sha, subject, expires) = try row.decode(
            (String, String, Int64, String, String?, String?, Int64, String, String, Int64?).self)
        return InboundMail(
            id: id, messageKey: key, receivedAt: Codec.date(received), status: InboundMailStatus(rawValue: status) ?? .keptAside, reason: reason,
            complaintId: caseId, sizeBytes: Int(size), sha256: sha, subject: try vault.open(subject) ?? "", expiresAt: expires.map(Codec.date))
    }

    /// The rows, with the data keys their sealed values need read first (a server that just started has none).
    func mailRows(_ query: PostgresQuery, raw: Bool = false) async throws -> [PostgresRow] {
        let found = try await rows(query)
        var sealed: [String] = []
        for row in found {
            let r = try row.makeRandomAccess()
            sealed.append(try r["subject"].decode(String.self))
            if raw, let v = try r["raw"].decode(String?.self) { sealed.append(v) }
        }
        try await loadKeys(for: sealed)
        return found
    }

    func withRaw(_ row: PostgresRow) throws -> (mail: InboundMail, raw: [UInt8]?) {
        let raw = try row.decode(
            (String, String, Int64, String, String?, String?, Int64, String, String, Int64?, String?).self
        ).10
        let bytes = try raw.flatMap { try vault.open($0) }.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
        return (try inboundMail(row), bytes)
    }

    public func keepInboundMail(_ m: InboundMail, sender: String, raw: [UInt8], confirmDigest: String?) async throws -> (InboundMail, isNew: Bool) {
        let owner = InboundMailSQL.owner(m.id)
        try await liveKeys(owners: [owner])
        var b = PostgresBindings()
        b.append(m.id)
        b.append(m.messageKey)
        b.append(Codec.ms(m.receivedAt))
        b.append(try vault.loginIndex(sender))
        b.append(m.status.rawValue)
        b.append(m.reason)
        b.append(m.complaintId)
        b.append(Int64(m.sizeBytes))
        b.append(m.sha256)
        b.append(try vault.seal(m.subject, owner: owner))
        b.append(try vault.seal(Data(raw).base64EncodedString(), owner: owner))
        b.append(confirmDigest)
        b.append(m.expiresAt.map(Codec.ms))
        let inserted = try await rows(PostgresQuery(unsafeSQL: InboundMailSQL.insert + " RETURNING id", binds: b))
        guard let kept = try await inboundMail(messageKey: m.messageKey) else { throw StoreError.notFound }
        return (kept, !inserted.isEmpty)
    }

    public func settleInboundMail(id: String, status: InboundMailStatus, reason: String?, complaintId: String?, keepRaw: Bool) async throws {
        var b = PostgresBindings()
        b.append(status.rawValue)
        b.append(reason)
        b.append(complaintId)
        b.append(keepRaw)
        b.append(id)
        try await rows(PostgresQuery(unsafeSQL: InboundMailSQL.settle, binds: b))
    }

    public func holdInboundMail(id: String, confirmDigest: String, expiresAt: Date) async throws {
        var b = PostgresBindings()
        b.append(confirmDigest)
        b.append(Codec.ms(expiresAt))
        b.append(id)
        try await rows(PostgresQuery(unsafeSQL: InboundMailSQL.hold, binds: b))
    }

    public func inboundMail(id: String) async throws -> (mail: InboundMail, raw: [UInt8]?)? {
        try await mailRows("SELECT \(unescaped: Self.rawColumns) FROM inbound_mail WHERE id = \(id)", raw: true).first.map(withRaw)
    }

    public func inboundMail(messageKey: String) async throws -> InboundMail? {
        try await mailRows("SELECT \(unescaped: InboundMailSQL.columns) FROM inbound_mail WHERE message_key = \(messageKey)").first.map(inboundMail)
    }

    public func inboundMail(confirmDigest: String) async throws -> (mail: InboundMail, raw: [UInt8]?)? {
        try await mailRows("SELECT \(unescaped: Self.rawColumns) FROM inbound_mail WHERE confirm_digest = \(confirmDigest)", raw: true).first.map(
            withRaw)
    }

    public func inboundMails(status: InboundMailStatus?, limit: Int) async throws -> [InboundMail] {
        let found =
            if let status {
                try await mailRows(
                    """
                    SELECT \(unescaped: InboundMailSQL.columns) FROM inbound_mail WHERE status = \(status.rawValue)
                    ORDER BY received_at_ms DESC, id DESC LIMIT \(limit)
                    """)
            } else {
                try await mailRows(
                    "SELECT \(unescaped: InboundMailSQL.columns) FROM inbound_mail ORDER BY received_at_ms DESC, id DESC LIMIT \(limit)")
            }
        return try found.map(inboundMail)
    }

    public func inboundMailCount(sender: String, since: Date) async throws -> Int {
        let index = try vault.loginIndex(sender)
        let n = try await rows("SELECT COUNT(*) FROM inbound_mail WHERE sender = \(index) AND received_at_ms >= \(Codec.ms(since))").first?.decode(
            Int64.self)
        return Int(n ?? 0)
    }

    public func confirmMailAddress(_ address: String, userId: String, at: Date) async throws {
        var b = PostgresBindings()
        b.append(try vault.loginIndex(address))
        b.append(userId)
        b.append(Codec.ms(at))
        try await rows(PostgresQuery(unsafeSQL: InboundMailSQL.confirm, binds: b))
    }

    public func mailAddressOwner(_ address: String) async throws -> String? {
        let index = try vault.loginIndex(address)
        return try await rows("SELECT user_id FROM mail_addresses WHERE address = \(index)").first?.decode(String.self)
    }

    public func expireHeldMail(at: Date) async throws -> Int {
        try await rows(
            """
            UPDATE inbound_mail SET status = 'expired', raw = NULL, confirm_digest = NULL
            WHERE status = 'held' AND expires_at_ms <= \(Codec.ms(at)) RETURNING id
            """
        ).count
    }
}
