import Foundation
import HTTPTypes
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Staff, external reviewers' and merchants' accounts for admins (members register themselves): create one,
/// disable or enable one.
struct UserAdminPages: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    static let assignableRoles: [Role] = [.agent, .specialist, .riskControl, .admin, .arbitrator, .merchant]

    /// Staff, external reviewers and merchants' users (members register themselves); `typed` is a refused form.
    func usersModel(by identity: Identity, chinese zh: Bool, typed: [String: String] = [:]) async throws -> [String: Any] {
        let users = try await services.accounts.users(role: nil, by: identity).filter { $0.role != .member && $0.role != .system }
        let merchants = try await services.merchants.list(by: identity)
        let names = Dictionary(uniqueKeysWithValues: merchants.map { ($0.id, $0.shopName) })
        return [
            "users": users.map { u -> [String: Any] in
                var row: [String: Any] = [
                    "id": u.id, "login": u.login, "name": u.displayName, "roleLabel": u.role.label(chinese: zh), "disabled": u.disabled,
                ]
                if let m = u.merchantId { row["merchantName"] = names[m] ?? m }
                return row
            },
            "roles": Self.assignableRoles.map { r -> [String: Any] in
                ["value": r.rawValue, "label": r.label(chinese: zh), "selected": typed["role"] == r.rawValue]
            },
            "merchants": merchants.map { m -> [String: Any] in ["id": m.id, "name": m.shopName, "selected": typed["merchantId"] == m.id] },
            "login": typed["login"] ?? "", "displayName": typed["displayName"] ?? "", "email": typed["email"] ?? "",
        ]
    }

    @Sendable func usersPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        // From a merchant's page: the form is for that merchant's user.
        var preset: [String: String] = [:]
        if let m = request.uri.queryParameters.get("merchant") { preset = ["role": Role.merchant.rawValue, "merchantId": String(m)] }
        return pages.page(
            "users", title: zh ? "用户管理" : "Users", model: try await usersModel(by: identity, chinese: zh, typed: preset), request: request,
            context: context)
    }

    @Sendable func createUser(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            guard let role = Role(rawValue: form["role"] ?? ""), Self.assignableRoles.contains(role) else {
                throw DomainError.invalidField(field: "role", code: "invalid_role", zh: "请选择角色", en: "Choose a role")
            }
            let user = try await services.accounts.createAccount(
                AccountService.NewAccount(
                    login: form["login"] ?? "", password: form["password"] ?? "", displayName: form["displayName"] ?? "", role: role,
                    phone: nil, merchantId: role == .merchant ? form["merchantId"] : nil, email: form["email"]),
                by: identity)
            return WebSession.redirect((user.merchantId.map { SiteURL.merchant($0) } ?? .users).path)
        } refused: { failure in
            var m = try await usersModel(by: identity, chinese: zh, typed: form)
            m["error"] = failure
            return pages.page("users", title: zh ? "用户管理" : "Users", model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func setDisabled(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let userId = context.parameters.get("userId"), userId != identity.userId else {
            return WebSession.redirect(SiteURL.users.path)
        }
        _ = try await services.accounts.setDisabled(userId, disabled: form["disabled"] == "true", by: identity)
        return WebSession.redirect(SiteURL.users.path)
    }
}
