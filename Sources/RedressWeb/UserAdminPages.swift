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

    /// Staff, external reviewers' and merchants' accounts, and the form for a new one (with what was typed when it was
    /// refused).
    struct UsersPage: PageModel {
        struct Row: Sendable {
            var id: String
            var disableURL: String
            var login: String
            var name: String
            var roleLabel: String
            var disabled: Bool
            var merchantName: String?
        }
        struct MerchantOption: Sendable {
            var id: String
            var name: String
            var selected: Bool
        }
        var users: [Row]
        var roles: [Choice]
        var merchants: [MerchantOption]
        var login: String
        var displayName: String
        var email: String
        var error: String?
    }

    /// `typed`: a refused form's values, or the values a link preset.
    func usersModel(by identity: Identity, chinese zh: Bool, typed: [String: String] = [:]) async throws -> UsersPage {
        let users = try await services.accounts.users(role: nil, by: identity).filter { $0.role != .member && $0.role != .system }
        let merchants = try await services.merchants.list(by: identity)
        let names = Dictionary(uniqueKeysWithValues: merchants.map { ($0.id, $0.shopName) })
        return UsersPage(
            users: users.map { u in
                UsersPage.Row(
                    id: u.id, disableURL: SiteURL.userDisabled(u.id).path, login: u.login, name: u.displayName, roleLabel: u.role.label(chinese: zh),
                    disabled: u.disabled,
                    merchantName: u.merchantId.map { names[$0] ?? $0 })
            },
            roles: Self.assignableRoles.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh), selected: typed["role"] == $0.rawValue) },
            merchants: merchants.map { UsersPage.MerchantOption(id: $0.id, name: $0.shopName, selected: typed["merchantId"] == $0.id) },
            login: typed["login"] ?? "", displayName: typed["displayName"] ?? "", email: typed["email"] ?? "")
    }

    @Sendable func usersPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        // From a merchant's page: the form is for that merchant's user.
        var preset: [String: String] = [:]
        if let m = request.uri.queryParameters.get("merchant") { preset = ["role": Role.merchant.rawValue, "merchantId": String(m)] }
        return pages.page(
            "users", title: WebText.word("users", chinese: zh), model: try await usersModel(by: identity, chinese: zh, typed: preset),
            request: request,
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
            return WebSession.redirect((user.merchantId.map { SiteURL.merchant($0) } ?? .users()).path)
        } refused: { failure in
            var m = try await usersModel(by: identity, chinese: zh, typed: form)
            m.error = failure
            return pages.page(
                "users", title: WebText.word("users", chinese: zh), model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func setDisabled(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let userId = context.parameters.get("userId"), userId != identity.userId else {
            return WebSession.redirect(SiteURL.users().path)
        }
        _ = try await services.accounts.setDisabled(userId, disabled: form["disabled"] == "true", by: identity)
        return WebSession.redirect(SiteURL.users().path)
    }
}
