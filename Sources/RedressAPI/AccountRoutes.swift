import Foundation
import HTTPTypes
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

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

    struct DisableRequest: Decodable {
        var disabled: Bool
    }

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    struct PasswordReset: Decodable {
        var newPassword: String
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("auth/login", use: login)
        api.post("auth/logout", use: logout)
        api.post("members", use: registerMember)
        api.get("me", use: me)
        api.get("users", use: listUsers)
        api.post("users", use: createUser)
        api.post("users/:userId/disabled", use: setDisabled)
        api.post("me/password", use: changePassword)
        api.post("users/:userId/password", use: resetPassword)
    }

    /// The caller's new password: every other session and token of theirs ends; the answer carries a new token.
    @Sendable func changePassword(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(PasswordChange.self, from: request, context: context)
        let issued = try await services.accounts.changePassword(current: body.currentPassword, new: body.newPassword, by: identity)
        return try JSONBody.response(LoginResponse(token: issued.token, expiresAt: issued.expiresAt, user: UserDTO(issued.user, viewer: identity)))
    }

    /// An admin sets a new password for a user; the user's sessions and tokens end.
    @Sendable func resetPassword(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("userId")
        try AccountService.requireAdmin(identity)
        let body = try await JSONBody.decode(PasswordReset.self, from: request, context: context)
        return try JSONBody.response(UserDTO(try await services.accounts.resetPassword(of: id, to: body.newPassword, by: identity), viewer: identity))
    }

    @Sendable func login(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(LoginRequest.self, from: request, context: context)
        let issued = try await services.accounts.authenticate(login: body.login, password: body.password, client: context.clientAddress)
        let identity = Identity(userId: issued.user.id, role: issued.user.role)
        return try JSONBody.response(LoginResponse(token: issued.token, expiresAt: issued.expiresAt, user: UserDTO(issued.user, viewer: identity)))
    }

    /// Ends the bearer token the request carries: it answers 401 from now on, on every server within seconds.
    @Sendable func logout(_ request: Request, context: RedressRequestContext) async throws -> Response {
        _ = try context.requireIdentity()
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.badRequest, "bearer_required", zh: "请使用 Bearer 令牌退出登录", en: "Log out with the bearer token")
        }
        try await services.accounts.logout(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    @Sendable func registerMember(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(RegistrationRequest.self, from: request, context: context)
        let user = try await services.accounts.registerMember(
            login: body.login, password: body.password, displayName: body.displayName, phone: body.phone, client: context.clientAddress)
        return try JSONBody.response(UserDTO(user, viewer: Identity(userId: user.id, role: .member)), status: .created)
    }

    @Sendable func me(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let user = try await services.accounts.me(identity) else { throw APIError.invalidToken }
        return try JSONBody.response(UserDTO(user, viewer: identity))
    }

    @Sendable func listUsers(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try AccountService.requireAdmin(identity)
        var role: Role?
        if let r = request.uri.queryParameters.get("role") {
            guard let parsed = Role(rawValue: r), parsed != .system else {
                throw AppError.badQuery("role", zh: "未知的角色：\(r)", en: "Unknown role: \(r)")
            }
            role = parsed
        }
        return try JSONBody.response(try await services.accounts.users(role: role, by: identity).map { UserDTO($0, viewer: identity) })
    }

    @Sendable func createUser(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try AccountService.requireAdmin(identity)
        let body = try await JSONBody.decode(AccountService.NewAccount.self, from: request, context: context)
        let user = try await services.accounts.createAccount(body, by: identity)
        return try JSONBody.response(UserDTO(user, viewer: identity), status: .created)
    }

    @Sendable func setDisabled(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("userId")
        try AccountService.requireAdmin(identity)
        let body = try await JSONBody.decode(DisableRequest.self, from: request, context: context)
        return try JSONBody.response(UserDTO(try await services.accounts.setDisabled(id, disabled: body.disabled, by: identity), viewer: identity))
    }
}
