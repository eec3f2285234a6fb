import Foundation
import PostgresNIO
import RedressDomain

/// Erasure requests and crypto-shredding on PostgreSQL.
extension PostgresStore {
    static func erasureRequest(_ row: PostgresRow) throws -> ErasureRequest {
        let (id, user, requested, due, erased, completed, by, held) = try row.decode(
            (String, String, Int64, Int64, Int64?, Int64?, String?, Int64).self)
        return ErasureRequest(
            id: id, userId: user, requestedAt: Codec.date(requested), dueAt: Codec.date(due), accountErasedAt: erased.map(Codec.date),
            completedAt: completed.map(Codec.date), completedBy: by, casesHeld: Int(held))
    }

    public func createErasureRequest(_ r: ErasureRequest) async throws {
        var b = PostgresBindings()
        b.append(r.id)
        b.append(r.userId)
        b.append(Codec.ms(r.requestedAt))
        b.append(Codec.ms(r.dueAt))
        b.append(r.accountErasedAt.map(Codec.ms))
        try await rows(PostgresQuery(unsafeSQL: VaultSQL.insertRequest, binds: b))
    }

    public func erasureRequests(pendingOnly: Bool, limit: Int) async throws -> [ErasureRequest] {
        var b = PostgresBindings()
        b.append(limit)
        return try await rows(PostgresQuery(unsafeSQL: VaultSQL.requests(pendingOnly: pendingOnly), binds: b)).map(Self.erasureRequest)
    }

    public func erasureRequest(id: String) async throws -> ErasureRequest? {
        try await rows("SELECT \(unescaped: VaultSQL.requestColumns) FROM erasure_requests WHERE id = \(id)").first.map(Self.erasureRequest)
    }

    /// Runs through the group commit, so that no case write of this server interleaves with it.
    public func carryOutErasure(id: String, by: String, at: Date) async throws -> ErasureRequest {
        let (request, keyIds) = try await writer.submit { [vault] w -> (ErasureRequest, [String]) in
            guard
                let row = try await w.rows(
                    "SELECT \(unescaped: VaultSQL.requestColumns) FROM erasure_requests WHERE id = \(id) AND completed_at_ms IS NULL FOR UPDATE"
                ).first
            else { throw StoreError.notFound }
            var request = try Self.erasureRequest(row)
            let member = request.userId
            var held = 0
            for row in try await w.rows("SELECT id, body FROM complaints WHERE member_id = \(member) ORDER BY id FOR UPDATE") {
                let (caseId, body) = try row.decode((String, String).self)
                guard let c = try await Self.openComplaints([body], vault, w.rows).first else { continue }
                try await w.write(
                    "DELETE FROM search_text WHERE (row >> 24) IN (SELECT n FROM search_cases WHERE complaint_id = \(caseId))")
                try await w.write("DELETE FROM search_cases WHERE complaint_id = \(caseId)")
                try await w.write("UPDATE complaints SET body = \(Codec.string(c.heldAfterErasure())) WHERE id = \(caseId)")
                held += 1
            }
            let pseudonym = VaultSQL.pseudonym(member)
            try await w.write(
                """
                UPDATE users SET login = \(try vault.loginIndex(pseudonym.login)), login_sealed = \(pseudonym.login),
                  display_name = \(pseudonym.displayName), phone = NULL, email = NULL
                WHERE id = \(member)
                """)
            // The addresses the member confirmed for mail in: no longer theirs to file from.
            try await w.write("DELETE FROM mail_addresses WHERE user_id = \(member)")
            let keyIds = try await w.rows(
                "UPDATE data_keys SET wrapped = NULL, destroyed_at_ms = \(Codec.ms(at)) WHERE owner_id = \(member) AND destroyed_at_ms IS NULL RETURNING id"
            ).map { try $0.decode(String.self) }
            try await w.write(
                "UPDATE erasure_requests SET completed_at_ms = \(Codec.ms(at)), completed_by = \(by), cases_held = \(held) WHERE id = \(id)")
            request.completedAt = at
            request.completedBy = by
            request.casesHeld = held
            return (request, keyIds)
        }
        vault.forget(owner: request.userId, keyIds: keyIds)
        return request
    }
}
