import Crypto
import Foundation
import RedressDomain
import RedressStorage

/// A member's rights over their personal data (个人信息保护法 Art. 44–47): correcting the account's details and erasing
/// the account. The copy of their data (Art. 45) is assembled by the edges from what the member may read.
extension AccountService {
    /// What a member may correct of their account: the name shown, the phone, the e-mail for notices. Absent: left as it
    /// is; empty: removed (the name cannot be removed).
    package struct ProfileChange: Decodable, Sendable {
        package var displayName: String?
        package var phone: String?
        package var email: String?

        package init(displayName: String? = nil, phone: String? = nil, email: String? = nil) {
            self.displayName = displayName
            self.phone = phone
            self.email = email
        }
    }

    /// Corrects the caller's own account; every change is in the log (without the values).
    package func correct(_ change: ProfileChange, by caller: Identity) async throws -> User {
        guard let stored = try await store.user(id: caller.userId) else { throw AppError.userNotFound }
        var user = stored.user
        if let name = change.displayName {
            let n = name.trimmingCharacters(in: .whitespacesAndNewlines)
            try AccountRules.checkDisplayName(n)
            user.displayName = n
        }
        if let phone = change.phone?.trimmingCharacters(in: .whitespaces) {
            guard phone.isEmpty || AccountRules.isMobile(phone) else {
                throw AppError.invalid("phone", zh: "请输入 11 位手机号", en: "Enter an 11-digit mobile number")
            }
            user.phone = phone.isEmpty ? nil : phone
        }
        if let email = change.email?.trimmingCharacters(in: .whitespaces) {
            if email.isEmpty {
                user.email = nil
            } else {
                guard let e = try? AccountRules.normalisedLogin(email), !AccountRules.isMobile(e) else {
                    throw AppError.invalid("email", zh: "请输入有效的邮箱地址", en: "Enter a valid e-mail address")
                }
                user.email = e
            }
        }
        try await store.saveProfile(id: user.id, login: user.login, displayName: user.displayName, phone: user.phone, email: user.email)
        app.logger.notice(
            "account corrected by its holder",
            metadata: [
                "userId": "\(user.id)",
                "fields":
                    "\([change.displayName.map { _ in "displayName" }, change.phone.map { _ in "phone" }, change.email.map { _ in "email" }].compactMap { $0 }.joined(separator: ","))",
            ])
        return user
    }

    /// Erases the caller's account (members, giving their password): the log-in, name, phone and e-mail are replaced
    /// at once by a pseudonym, the password by a random one, every session ends and the account is disabled. The cases
    /// filed stay under legal hold (电子商务法 Art. 31: three years) with the words written in them, shown under the
    /// pseudonym.
    package func erase(password: String, by caller: Identity) async throws {
        guard caller.role == .member else {
            throw AppError(
                .forbidden, "members_only", zh: "只有会员可以自行注销账号，工作人员与商家账号由管理员停用",
                en: "Only members erase their own account; staff and merchant accounts are disabled by an admin")
        }
        guard let stored = try await store.user(id: caller.userId) else { throw AppError.userNotFound }
        guard try await app.verifyPassword(password, hash: stored.passwordHash) else {
            throw AppError(.forbidden, "wrong_password", zh: "密码不正确", en: "The password is wrong", field: "password")
        }
        let random = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        let pseudonym = ErasureRequest.pseudonym(of: stored.user.id)
        try await store.saveProfile(id: stored.user.id, login: pseudonym.login, displayName: pseudonym.displayName, phone: nil, email: nil)
        try await store.setPasswordHash(id: stored.user.id, hash: try await app.hashPassword(random))
        try await store.setUserDisabled(id: stored.user.id, disabled: true)
        app.disabledAccounts.update(stored.user.id, disabled: true)
        try await endSessions(of: stored.user.id, reason: "account erased by its holder")
        // What is left (the words of the cases, file names) is destroyed when an admin carries the request out.
        let now = app.now()
        let due = try await app.policies.workflow().calendar.deadline(after: now, workingDays: ErasureRequest.workingDays).deadline
        let request = ErasureRequest(
            id: UUID().uuidString.lowercased(), userId: stored.user.id, requestedAt: now, dueAt: due, accountErasedAt: now)
        try await store.createErasureRequest(request)
        app.logger.notice(
            "account erased by its holder; erasure request queued", metadata: ["userId": "\(stored.user.id)", "request": "\(request.id)"])
    }

    /// Erasure requests for admins: pending ones nearest deadline first, or all of them newest first.
    package func erasureRequests(pendingOnly: Bool, by caller: Identity) async throws -> [ErasureRequest] {
        guard caller.role == .admin else { throw AppError.forbidden }
        return try await store.erasureRequests(pendingOnly: pendingOnly, limit: 500)
    }

    /// Carries out a member's erasure request (admins): the member's data key is destroyed, their cases kept under legal
    /// hold without their words. Recorded in the log with who did it.
    package func carryOutErasure(_ id: String, by caller: Identity) async throws -> ErasureRequest {
        guard caller.role == .admin else { throw AppError.forbidden }
        guard let r = try await store.erasureRequest(id: id) else {
            throw AppError(.notFound, "erasure_request_not_found", zh: "找不到这个删除请求", en: "No such erasure request")
        }
        guard r.isPending else {
            throw AppError(.conflict, "erasure_already_done", zh: "这个删除请求已经执行过了", en: "This erasure request has already been carried out")
        }
        let done = try await store.carryOutErasure(id: id, by: caller.userId, at: app.now())
        app.logger.notice(
            "erasure carried out: the member's data key destroyed, cases kept under legal hold",
            metadata: ["request": "\(id)", "userId": "\(done.userId)", "by": "\(caller.userId)", "casesHeld": "\(done.casesHeld)"])
        return done
    }

}
