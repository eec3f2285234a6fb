import Foundation
import RedressDomain
import RedressStorage

/// Log-in, registration and accounts. Passwords are kept as bcrypt hashes; failed log-ins are throttled per log-in.
package struct AccountService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// A bearer token (also the web session's cookie value) and when it expires.
    package struct Issued: Sendable {
        package var user: User
        package var token: String
        package var expiresAt: Date
    }

    /// Checks a log-in and password from `client` (the caller's address; see `LoginThrottle`, timing the same for
    /// unknown log-ins) and issues a token.
    package func authenticate(login raw: String, password: String, client: String) async throws -> Issued {
        let login = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !login.isEmpty else { throw AppError.invalid("login", "required", zh: "请输入登录名", en: "The field login is required") }
        let now = app.now()
        if let wait = try await app.throttle.retryAfter(login, client: client, now: now) {
            var e = AppError(
                .tooManyRequests, "too_many_attempts", zh: "此设备登录失败次数过多，请 \(wait / 60 + 1) 分钟后再试",
                en: "Too many failed log-ins from this device; try again in \(wait / 60 + 1) minutes")
            e.retryAfterSeconds = wait
            throw e
        }
        if try await app.throttle.isSlowed(login, now: now) { try await Task.sleep(for: LoginThrottle.delay) }
        let stored = try await store.user(login: login)
        let ok = try await app.verifyPassword(password, hash: stored?.passwordHash ?? app.decoyHash)
        guard ok, let stored, stored.user.role != .system else {
            try await app.throttle.recordFailure(login, client: client, now: now)
            app.metrics.loginFailures.increment()
            throw AppError(.unauthorized, "invalid_credentials", zh: "登录名或密码错误", en: "Wrong log-in or password")
        }
        guard !stored.user.disabled else { throw AppError.accountDisabled }
        try await app.throttle.recordSuccess(login, client: client, now: now)
        let issued = try await issue(
            Identity(userId: stored.user.id, role: stored.user.role, merchantId: stored.user.merchantId), authenticatedAt: now)
        return Issued(user: stored.user, token: issued.token, expiresAt: issued.expiresAt)
    }

    /// A token for `identity`, valid until the policy's absolute lifetime from when the password was given.
    package func issue(_ identity: Identity, authenticatedAt: Date) async throws -> (token: String, expiresAt: Date) {
        let sessions = try await app.policies.workflow().policy.sessions
        let now = app.now()
        let end = authenticatedAt.addingTimeInterval(TimeInterval(sessions.absoluteHours) * 3600)
        return app.signer.issue(
            userId: identity.userId, role: identity.role, merchantId: identity.merchantId, now: now, lifetime: end.timeIntervalSince(now),
            authenticatedAt: authenticatedAt)
    }

    /// How long a web session may go unused (the policy's idle lifetime).
    package func sessionIdleLimit() async throws -> TimeInterval { TimeInterval(try await app.policies.workflow().policy.sessions.idleMinutes) * 60 }

    /// The identity a bearer token or session cookie carries, when it was issued and when it expires.
    package func verify(token: String) throws(TokenSigner.Failure) -> TokenSigner.Verified {
        try app.signer.verify(token, now: app.now())
    }

    /// Whether a verified token still opens a session: its account is enabled, it was not logged out, and no password
    /// change, reset or disable ended the account's sessions after it was issued (all known in memory; other servers'
    /// changes arrive within seconds).
    package func accepts(_ v: TokenSigner.Verified, token: String) -> Bool {
        !app.disabledAccounts.isDisabled(v.identity.userId) && !app.disabledAccounts.isEnded(v.identity.userId, issuedAt: v.issuedAt)
            && !isRevoked(token)
    }

    /// Ends a session or bearer token now: on this server at once, on the others within seconds (they read the list
    /// with the disabled accounts). A token that is not valid anyway is left alone.
    package func logout(token: String) async throws {
        guard let v = try? verify(token: token) else { return }
        let digest = RevokedTokenList.digest(token)
        try await store.revokeToken(digest: digest, expiresAt: v.expiresAt)
        app.revokedTokens.insert(digest)
        app.logger.info("logged out", metadata: ["userId": "\(v.identity.userId)"])
    }

    /// Ends every session and token of an account issued until now, on this server at once and on the others within seconds.
    package func endSessions(of userId: String, reason: String) async throws {
        // Milliseconds, as tokens carry their issue time: the token issued with this change is not ended by it.
        let now = Date(millisecondsSince1970: app.now().millisecondsSince1970)
        try await store.endSessions(userId: userId, notBefore: now)
        app.disabledAccounts.raiseFloor(userId, to: now)
        app.logger.info("sessions ended", metadata: ["userId": "\(userId)", "reason": "\(reason)"])
    }

    /// The caller changes their own password, giving the current one: every other session and token of theirs ends,
    /// and the caller gets a new one.
    package func changePassword(current: String, new: String, by caller: Identity) async throws -> Issued {
        guard let stored = try await store.user(id: caller.userId) else { throw AppError.userNotFound }
        guard try await app.verifyPassword(current, hash: stored.passwordHash) else {
            throw AppError(.forbidden, "wrong_password", zh: "当前密码不正确", en: "The current password is wrong", field: "currentPassword")
        }
        try Self.checkNewPassword(new)
        try await store.setPasswordHash(id: caller.userId, hash: try await app.hashPassword(new))
        try await endSessions(of: caller.userId, reason: "password changed")
        let issued = try await issue(
            Identity(userId: stored.user.id, role: stored.user.role, merchantId: stored.user.merchantId), authenticatedAt: app.now())
        return Issued(user: stored.user, token: issued.token, expiresAt: issued.expiresAt)
    }

    /// An admin sets a new password for an account (a member or staff member who lost theirs); its sessions end.
    package func resetPassword(of userId: String, to new: String, by caller: Identity) async throws -> User {
        try Self.requireAdmin(caller)
        // One's own password is changed with the current one: a copied admin token must not be enough to take the account.
        guard userId != caller.userId else {
            throw AppError(
                .conflict, "reset_own_password", zh: "不能重置自己的密码，请在“修改密码”中输入当前密码后修改",
                en: "You cannot reset your own password; change it with your current one")
        }
        try Self.checkNewPassword(new)
        do {
            try await store.setPasswordHash(id: userId, hash: try await app.hashPassword(new))
        } catch StoreError.notFound {
            throw AppError.userNotFound
        }
        try await endSessions(of: userId, reason: "password reset")
        guard let user = try await store.user(id: userId) else { throw AppError.userNotFound }
        return user.user
    }

    /// A new password for the account with this log-in, from the server's machine (`redress admin reset-password`).
    package func resetPassword(login raw: String, to new: String) async throws -> User {
        let login = try AccountRules.normalisedLogin(raw)
        guard let stored = try await store.user(login: login) else { throw AppError.userNotFound }
        try Self.checkNewPassword(new)
        try await store.setPasswordHash(id: stored.user.id, hash: try await app.hashPassword(new))
        try await endSessions(of: stored.user.id, reason: "password reset on the server's machine")
        return stored.user
    }

    static func checkNewPassword(_ p: String) throws(AppError) {
        do {
            try AccountRules.checkPassword(p)
        } catch {
            throw AppError(
                .unprocessableContent, error.code, zh: error.message(chinese: true), en: error.message(chinese: false), field: "newPassword")
        }
    }

    /// Whether a token was ended by a log-out (known in memory).
    package func isRevoked(_ token: String) -> Bool {
        !app.revokedTokens.isEmpty && app.revokedTokens.contains(RevokedTokenList.digest(token))
    }

    /// Whether an account is disabled (known in memory, refreshed every few seconds from the store).
    package func isDisabled(_ userId: String) -> Bool { app.isDisabled(userId) }

    /// A member registering themselves.
    /// A member registering themselves (ten registrations per client an hour).
    package func registerMember(login: String, password: String, displayName: String, phone: String?, client: String) async throws -> User {
        if let wait = try await app.throttle.admitRegistration(client: client, now: app.now()) {
            var e = AppError(
                .tooManyRequests, "too_many_registrations", zh: "此设备注册次数过多，请 \(wait / 60 + 1) 分钟后再试",
                en: "Too many registrations from this device; try again in \(wait / 60 + 1) minutes")
            e.retryAfterSeconds = wait
            throw e
        }
        return try await create(login: login, password: password, displayName: displayName, role: .member, phone: phone)
    }

    /// The signed-in user's own record.
    package func me(_ caller: Identity) async throws -> User? { try await store.user(id: caller.userId)?.user }

    /// An account as an admin asks for it (from the API or the users page).
    package struct NewAccount: Sendable, Decodable {
        package var login: String
        package var password: String
        package var displayName: String
        package var role: Role
        package var phone: String?
        /// Required for (and only for) the merchant role.
        package var merchantId: String?
        package var email: String?

        package init(login: String, password: String, displayName: String, role: Role, phone: String?, merchantId: String?, email: String?) {
            self.login = login
            self.password = password
            self.displayName = displayName
            self.role = role
            self.phone = phone
            self.merchantId = merchantId
            self.email = email
        }
    }

    /// An account made by an admin: any role but the system's; a merchant user names its merchant, no one else does;
    /// the e-mail address, when given, receives notices.
    package func createAccount(_ body: NewAccount, by caller: Identity) async throws -> User {
        try Self.requireAdmin(caller)
        guard body.role != .system else {
            throw AppError.invalid("role", zh: "不能创建系统角色的账号", en: "The system role cannot be given to a user")
        }
        let merchantId = body.merchantId.flatMap { $0.isEmpty ? nil : $0 }
        if body.role == .merchant {
            guard let m = merchantId else {
                throw AppError.invalid("merchantId", "required", zh: "商家账号须指定所属商家", en: "A merchant user needs merchantId")
            }
            guard try await store.merchant(id: m) != nil else {
                throw AppError.invalid("merchantId", "unknown_merchant", zh: "没有这个商家", en: "No merchant with this id")
            }
        } else if merchantId != nil {
            throw AppError.invalid("merchantId", "not_allowed", zh: "只有商家账号可以指定所属商家", en: "Only a merchant user has a merchantId")
        }
        var email: String?
        if let e = body.email?.trimmingCharacters(in: .whitespaces), !e.isEmpty {
            guard e.contains("@"), (try? AccountRules.normalisedLogin(e)) != nil else {
                throw AppError.invalid("email", "invalid_email", zh: "邮箱地址格式不正确", en: "Not an e-mail address")
            }
            email = e.lowercased()
        }
        let user = try await create(
            login: body.login, password: body.password, displayName: body.displayName, role: body.role, phone: body.phone,
            merchantId: merchantId, email: email)
        app.logger.info("user created", metadata: ["userId": "\(user.id)", "role": "\(user.role.rawValue)", "by": "\(caller.userId)"])
        return user
    }

    /// Every account of a role (all when nil), for admins.
    package func users(role: Role?, by caller: Identity) async throws -> [User] {
        try Self.requireAdmin(caller)
        return try await store.users(role: role)
    }

    /// An admin account made on the server's machine (`redress admin create`): the way into an installation without
    /// the demo data and its published passwords. No caller: whoever runs the command holds the data folder.
    package func createAdmin(login: String, password: String, displayName: String) async throws -> User {
        let user = try await create(login: login, password: password, displayName: displayName, role: .admin, phone: nil)
        app.logger.notice("admin created from the command line", metadata: ["userId": "\(user.id)"])
        return user
    }

    /// The names of the platform's staff by user id, for staff reading who owns a case (a queue's owner column).
    package func staffNames(by caller: Identity) async throws -> [String: String] {
        guard caller.role.isStaff else { throw AppError.forbidden }
        var names: [String: String] = [:]
        for role in [Role.agent, .specialist, .riskControl, .admin] {
            for u in try await store.users(role: role) { names[u.id] = u.displayName }
        }
        return names
    }

    /// Members' names by id, for staff reading a queue (one read per member on the page).
    package func memberNames(_ ids: Set<String>, by caller: Identity) async throws -> [String: String] {
        guard caller.role.isStaff else { throw AppError.forbidden }
        var names: [String: String] = [:]
        for id in ids { if let u = try await store.user(id: id)?.user { names[id] = u.displayName } }
        return names
    }

    /// The external reviewers a case may be given to, for the staff who decide.
    package func reviewers(by caller: Identity) async throws -> [User] {
        guard caller.role.decides else { throw AppError.forbidden }
        return try await store.users(role: .arbitrator).filter { !$0.disabled }
    }

    /// Disables or enables an account (admins, never their own); applies on this server at once, on others within seconds.
    package func setDisabled(_ userId: String, disabled: Bool, by caller: Identity) async throws -> User {
        try Self.requireAdmin(caller)
        guard userId != caller.userId else {
            throw AppError(.conflict, "cannot_disable_self", zh: "不能停用自己的账号", en: "You cannot disable your own account")
        }
        do {
            try await store.setUserDisabled(id: userId, disabled: disabled)
        } catch StoreError.notFound {
            throw AppError.userNotFound
        }
        app.disabledAccounts.update(userId, disabled: disabled)
        // Enabling the account again does not bring back the sessions it had.
        if disabled { try await endSessions(of: userId, reason: "account disabled") }
        guard let user = try await store.user(id: userId) else { throw AppError.userNotFound }
        return user.user
    }

    package static func requireAdmin(_ caller: Identity) throws(AppError) {
        guard caller.role == .admin else { throw .forbidden }
    }

    func create(
        login rawLogin: String, password: String, displayName: String, role: Role, phone: String?, merchantId: String? = nil, email: String? = nil
    ) async throws -> User {
        let login = try AccountRules.normalisedLogin(rawLogin)
        try AccountRules.checkPassword(password)
        let name = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        try AccountRules.checkDisplayName(name)
        var cleanedPhone: String?
        if let p = phone?.trimmingCharacters(in: .whitespaces), !p.isEmpty {
            guard AccountRules.isMobile(p) else {
                throw AppError.invalid("phone", zh: "请输入 11 位手机号", en: "Enter an 11-digit mobile number")
            }
            cleanedPhone = p
        }
        if try await store.user(login: login) != nil {
            throw AppError(.conflict, "login_taken", zh: "该登录名已被注册", en: "This log-in is already registered", field: "login")
        }
        let user = User(
            id: UUID().uuidString.lowercased(), role: role, login: login, displayName: name, phone: cleanedPhone, createdAt: app.now(),
            merchantId: merchantId, email: email)
        try await store.createUser(StoredUser(user: user, passwordHash: try await app.hashPassword(password)))
        return user
    }
}
