import Foundation
import RedressDomain
import RedressStorage

/// Merchants and their qualification records (电子商务法 Art. 27: the platform checks and discloses them).
package struct MerchantService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    static let licenceTaken = AppError(
        .conflict, "licence_taken", zh: "该统一社会信用代码已登记", en: "A merchant with this licence number exists", field: "businessLicenceNumber")

    /// A merchant with what its re-verification needs.
    package struct Record: Sendable {
        package var merchant: Merchant
        package var verificationDue: Bool
        package var nextVerificationDue: Date?

        package init(merchant: Merchant, verificationDue: Bool, nextVerificationDue: Date?) {
            self.merchant = merchant
            self.verificationDue = verificationDue
            self.nextVerificationDue = nextVerificationDue
        }
    }

    package func record(_ m: Merchant) async throws -> Record {
        let policy = try await app.policies.workflow().policy.merchant
        return Record(
            merchant: m, verificationDue: m.needsReverification(at: app.now(), policy: policy),
            nextVerificationDue: m.reverificationDue(policy: policy))
    }

    /// Registered merchants a member may name in a complaint: those whose shop name or registered name contains `text`,
    /// or whose licence number starts with it (case and width ignored), shop name order, at most `limit`. What every
    /// member may read of a merchant (电子商务法 Art. 15, 27: the platform discloses it); anyone signed in may search.
    package func find(_ text: String, limit: Int = 8) async throws -> [Record] {
        guard !MerchantIndex.fold(text).isEmpty else { return [] }
        let index = try await app.publicDirectory.index { try await store.merchants() }
        var out: [Record] = []
        for m in index.search(text).prefix(limit) { out.append(try await record(m)) }
        return out
    }

    /// A registered merchant by id, for a member naming it (nil when there is none).
    package func registered(_ id: String) async throws -> Record? {
        guard let m = try await store.merchant(id: id) else { return nil }
        return try await record(m)
    }

    /// Registers a merchant from its checked draft (admins); a licence number already registered is refused.
    package func register(_ draft: MerchantDraft, by caller: Identity) async throws -> Merchant {
        try AccountService.requireAdmin(caller)
        let draft = try draft.validated()
        let now = app.now()
        let m = Merchant(id: TimeOrderedID.make(at: now), draft: draft, verifiedAt: nil, createdAt: now, updatedAt: now)
        do {
            try await store.createMerchant(m)
        } catch StoreError.duplicate {
            throw Self.licenceTaken
        }
        app.publicDirectory.invalidate()
        app.logger.info("merchant registered", metadata: ["merchant": "\(m.id)", "by": "\(caller.userId)"])
        return m
    }

    /// Changes a merchant's records (admins); a new licence number or registered name has not been checked yet.
    package func revise(_ id: String, _ draft: MerchantDraft, by caller: Identity) async throws -> Merchant {
        try AccountService.requireAdmin(caller)
        let draft = try draft.validated()
        guard let old = try await store.merchant(id: id) else { throw AppError.merchantNotFound }
        let changedLicence = old.businessLicenceNumber != draft.businessLicenceNumber || old.registeredName != draft.registeredName
        let m = Merchant(id: id, draft: draft, verifiedAt: changedLicence ? nil : old.verifiedAt, createdAt: old.createdAt, updatedAt: app.now())
        do {
            try await store.saveMerchant(m)
        } catch StoreError.duplicate {
            throw Self.licenceTaken
        }
        app.publicDirectory.invalidate()
        app.logger.info("merchant updated", metadata: ["merchant": "\(m.id)", "by": "\(caller.userId)"])
        return m
    }

    /// Records that the platform checked the qualification records now (admins).
    package func markVerified(_ id: String, by caller: Identity) async throws -> Merchant {
        try AccountService.requireAdmin(caller)
        guard var m = try await store.merchant(id: id) else { throw AppError.merchantNotFound }
        m.verifiedAt = app.now()
        m.updatedAt = m.verifiedAt ?? m.updatedAt
        try await store.saveMerchant(m)
        app.publicDirectory.invalidate()
        app.logger.info("merchant verified", metadata: ["merchant": "\(m.id)", "by": "\(caller.userId)"])
        return m
    }

    /// Every merchant (staff), optionally only those due (or not due) for re-verification.
    package func list(verificationDue: Bool? = nil, by caller: Identity) async throws -> [Merchant] {
        guard caller.role.isStaff else { throw AppError.forbidden }
        let all = try await store.merchants()
        guard let due = verificationDue else { return all }
        let policy = try await app.policies.workflow().policy.merchant
        let now = app.now()
        return all.filter { $0.needsReverification(at: now, policy: policy) == due }
    }

    /// One merchant: staff see any, a merchant's user its own.
    package func merchant(_ id: String, by caller: Identity) async throws -> Merchant {
        guard caller.role.isStaff || caller.merchantId == id else { throw AppError.forbidden }
        guard let m = try await store.merchant(id: id) else { throw AppError.merchantNotFound }
        return m
    }

    /// A merchant's shop name, for labels (no access rule: shop names are public).
    package func shopName(_ id: String) async throws -> String? { try await store.merchant(id: id)?.shopName }

    /// A merchant's user accounts (admins).
    package func users(of id: String, by caller: Identity) async throws -> [User] {
        try AccountService.requireAdmin(caller)
        return try await store.users(role: .merchant).filter { $0.merchantId == id }
    }
}
