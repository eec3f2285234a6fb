import Foundation
import HTTPTypes
import Hummingbird
import RedressDomain
import RedressStorage

/// Log-in, registration, the signed-in user, and (admins) user management.
struct AccountRoutes {
    let services: RedressServices

    struct LoginRequest: Decodable {
        var login: String
        var password: String
    }

    struct LoginResponse: Encodable {
        var token: String
        var tokenType = "Bearer"
        var expiresAt: Date
        var user: UserDTO
    }

    struct RegistrationRequest: Decodable {
        var login: String
        var password: String
        var displayName: String
        var phone: String?
    }

    struct NewUserRequest: Decodable {
        var login: String
        var password: String
        var displayName: String
        var role: Role
        var phone: String?
        /// Required for (and only for) the merchant role.
        var merchantId: String?
        var email: String?
    }

    struct DisableRequest: Decodable {
        var disabled: Bool
    }


    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("auth/login", use: login)
        api.post("members", use: registerMember)
        api.get("me", use: me)
        api.get("users", use: listUsers)
        api.post("users", use: createUser)
        api.post("users/:userId/disabled", use: setDisabled)
    }

    @Sendable func login(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(LoginRequest.self, from: request, context: context)
        let (stored, issued) = try await authenticate(login: body.login, password: body.password)
        let identity = Identity(userId: stored.user.id, role: stored.user.role)
        return try JSONBody.response(LoginResponse(token: issued.token, expiresAt: issued.expiresAt, user: UserDTO(stored.user, viewer: identity)))
    }

    /// Checks a log-in and password (throttled per log-in, timing the same for unknown log-ins) and issues a token.
    func authenticate(login raw: String, password: String) async throws -> (StoredUser, (token: String, expiresAt: Date)) {
        let login = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !login.isEmpty else { throw APIError.invalid("login", "required", zh: "请输入登录名", en: "The field login is required") }
        let now = services.now()
        if let wait = try await services.throttle.retryAfter(login, now: now) {
            var e = APIError(.tooManyRequests, "too_many_attempts", zh: "登录失败次数过多，请 \(wait / 60 + 1) 分钟后再试", en: "Too many failed log-ins; try again in \(wait / 60 + 1) minutes")
            e.headers[.retryAfter] = String(wait)
            throw e
        }
        let stored = try await services.store.user(login: login)
        let ok = try await services.verifyPassword(password, hash: stored?.passwordHash ?? services.decoyHash)
        guard ok, let stored, stored.user.role != .system else {
            try await services.throttle.recordFailure(login, now: now)
            services.metrics.loginFailures.increment()
            throw APIError(.unauthorized, "invalid_credentials", zh: "登录名或密码错误", en: "Wrong log-in or password")
        }
        guard !stored.user.disabled else {
            throw APIError(.unauthorized, "account_disabled", zh: "该账号已被停用", en: "This account has been disabled")
        }
        try await services.throttle.recordSuccess(login, now: now)
        let issued = services.signer.issue(
            userId: stored.user.id, role: stored.user.role, merchantId: stored.user.merchantId, now: now, lifetime: services.configuration.tokenLifetime)
        return (stored, issued)
    }

    @Sendable func registerMember(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(RegistrationRequest.self, from: request, context: context)
        let user = try await create(login: body.login, password: body.password, displayName: body.displayName, role: .member, phone: body.phone)
        return try JSONBody.response(UserDTO(user, viewer: Identity(userId: user.id, role: .member)), status: .created)
    }

    @Sendable func me(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let stored = try await services.store.user(id: identity.userId) else { throw APIError.invalidToken }
        return try JSONBody.response(UserDTO(stored.user, viewer: identity))
    }

    @Sendable func listUsers(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try requireAdmin(context)
        var role: Role?
        if let r = request.uri.queryParameters.get("role") {
            guard let parsed = Role(rawValue: r), parsed != .system else {
                throw APIError.badQuery("role", zh: "未知的角色：\(r)", en: "Unknown role: \(r)")
            }
            role = parsed
        }
        let users = try await services.store.users(role: role)
        return try JSONBody.response(users.map { UserDTO($0, viewer: identity) })
    }

    @Sendable func createUser(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try requireAdmin(context)
        let body = try await JSONBody.decode(NewUserRequest.self, from: request, context: context)
        let user = try await createAccount(body)
        services.logger.info("user created", metadata: ["userId": "\(user.id)", "role": "\(user.role.rawValue)", "by": "\(identity.userId)"])
        return try JSONBody.response(UserDTO(user, viewer: identity), status: .created)
    }

    /// An account made by an admin (from the API or the users page): any role but the system's; a merchant user names
    /// its merchant, no one else does; the e-mail address, when given, receives notices.
    func createAccount(_ body: NewUserRequest) async throws -> User {
        guard body.role != .system else {
            throw APIError.invalid("role", zh: "不能创建系统角色的账号", en: "The system role cannot be given to a user")
        }
        let merchantId = body.merchantId.flatMap { $0.isEmpty ? nil : $0 }
        if body.role == .merchant {
            guard let m = merchantId else {
                throw APIError.invalid("merchantId", "required", zh: "商家账号须指定所属商家", en: "A merchant user needs merchantId")
            }
            guard try await services.store.merchant(id: m) != nil else {
                throw APIError.invalid("merchantId", "unknown_merchant", zh: "没有这个商家", en: "No merchant with this id")
            }
        } else if merchantId != nil {
            throw APIError.invalid("merchantId", "not_allowed", zh: "只有商家账号可以指定所属商家", en: "Only a merchant user has a merchantId")
        }
        var email: String?
        if let e = body.email?.trimmingCharacters(in: .whitespaces), !e.isEmpty {
            guard e.contains("@"), (try? AccountRules.normalisedLogin(e)) != nil else {
                throw APIError.invalid("email", "invalid_email", zh: "邮箱地址格式不正确", en: "Not an e-mail address")
            }
            email = e.lowercased()
        }
        return try await create(
            login: body.login, password: body.password, displayName: body.displayName, role: body.role, phone: body.phone,
            merchantId: merchantId, email: email)
    }

    @Sendable func setDisabled(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try requireAdmin(context)
        let id = try context.parameters.require("userId")
        let body = try await JSONBody.decode(DisableRequest.self, from: request, context: context)
        guard id != identity.userId else {
            throw APIError(.conflict, "cannot_disable_self", zh: "不能停用自己的账号", en: "You cannot disable your own account")
        }
        do {
            try await services.store.setUserDisabled(id: id, disabled: body.disabled)
        } catch StoreError.notFound {
            throw APIError(.notFound, "user_not_found", zh: "找不到该用户", en: "No such user")
        }
        services.accounts.update(id, disabled: body.disabled)
        guard let user = try await services.store.user(id: id) else { throw APIError.notFound }
        return try JSONBody.response(UserDTO(user.user, viewer: identity))
    }

    func requireAdmin(_ context: RedressRequestContext) throws -> Identity {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw APIError.forbidden }
        return identity
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
                throw APIError.invalid("phone", zh: "请输入 11 位手机号", en: "Enter an 11-digit mobile number")
            }
            cleanedPhone = p
        }
        if try await services.store.user(login: login) != nil {
            throw APIError(.conflict, "login_taken", zh: "该登录名已被注册", en: "This log-in is already registered", field: "login")
        }
        let user = User(
            id: UUID().uuidString.lowercased(), role: role, login: login, displayName: name, phone: cleanedPhone, createdAt: services.now(),
            merchantId: merchantId, email: email)
        try await services.store.createUser(StoredUser(user: user, passwordHash: try await services.hashPassword(password)))
        return user
    }
}
