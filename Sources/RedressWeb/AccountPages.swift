import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The start page, assets, log-in, registration and log-out.
struct AccountPages: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    func register(on router: Router<RedressRequestContext>) {
        router.get("/", use: home)
        router.get("assets/:name", use: asset)
        // Browsers ask for the icon at this address whatever the page says.
        router.get("favicon.ico") { _, _ in try serve("favicon.ico") }
        router.get("privacy", use: privacyPage)
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.get("register", use: registerPage)
        router.post("register", use: register)
        router.post("logout", use: logout)
        router.get("account", use: accountPage)
        router.post("account", use: saveAccount)
        router.post("account/erase", use: eraseAccount)
        router.get("account/password", use: passwordPage)
        router.post("account/password", use: changePassword)
    }

    @Sendable func home(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard let identity = context.identity else { return WebSession.redirect(SiteURL.login().path) }
        return WebSession.redirect(Site.start(identity))
    }

    @Sendable func asset(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try serve(try context.parameters.require("name"))
    }

    func serve(_ name: String) throws -> Response {
        guard let a = pages.assets[name] else { throw AppError.notFound }
        return Response(
            status: .ok, headers: [.contentType: a.type, .cacheControl: "public, max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: a.bytes))
    }

    /// The log-in form: what was typed, where to go afterwards, why the user is here again.
    struct LoginPage: PageModel {
        var login = ""
        var next = ""
        var notice: String?
        var error: String?
    }

    /// The privacy notice (个人信息保护法 Art. 17): what is collected, why, who sees it, how long it is kept, the
    /// member's rights; registration asks for consent to it.
    struct PrivacyPage: PageModel {}

    @Sendable func privacyPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        pages.page(
            "privacy", title: WebText.word("privacyTitle", chinese: site.chinese(request)), model: PrivacyPage(), request: request, context: context)
    }

    /// The registration form with what was typed, the refused field marked.
    struct RegisterPage: PageModel {
        var login = ""
        var displayName = ""
        var consent = false
        var error: String?
        var field: String?
        var derived: [String: Any] { field.map { ["field_" + $0: true] } ?? [:] }
    }

    @Sendable func loginPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        var model = LoginPage(next: WebSession.localPath(q.get("next")) ?? "")
        if q.get("expired") == "1" || context.sessionExpired { model.notice = WebText.word("sessionExpired", chinese: site.chinese(request)) }
        if q.get("erased") == "1" { model.notice = WebText.word("accountErased", chinese: site.chinese(request)) }
        return pages.page("login", title: WebText.word("logIn", chinese: site.chinese(request)), model: model, request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let zh = site.chinese(request)
        var model = LoginPage(login: form["login"] ?? "", next: WebSession.localPath(form["next"]) ?? "")
        guard WebSession.csrfValid(request, form: form) else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "login", title: WebText.word("logIn", chinese: zh), model: model, request: request, context: context, status: .forbidden)
        }
        do {
            let issued = try await services.accounts.authenticate(
                login: form["login"] ?? "", password: form["password"] ?? "", client: context.clientAddress)
            let user = issued.user
            let target = WebSession.localPath(form["next"]) ?? Site.start(Identity(userId: user.id, role: user.role, merchantId: user.merchantId))
            return WebSession.redirect(
                target, cookies: [WebSession.sessionCookie(issued, now: services.now(), request: request)])
        } catch {
            model.error = site.message(error, chinese: zh).text
            let status: HTTPResponse.Status = AppError.from(error)?.kind == .tooManyRequests ? .tooManyRequests : .unauthorized
            return pages.page("login", title: WebText.word("logIn", chinese: zh), model: model, request: request, context: context, status: status)
        }
    }

    @Sendable func registerPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        pages.page(
            "register", title: WebText.word("register", chinese: site.chinese(request)), model: RegisterPage(), request: request, context: context)
    }

    @Sendable func register(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let zh = site.chinese(request)
        var model = RegisterPage(login: form["login"] ?? "", displayName: form["displayName"] ?? "", consent: form["consent"] == "1")
        guard WebSession.csrfValid(request, form: form) else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "register", title: WebText.word("register", chinese: zh), model: model, request: request, context: context, status: .forbidden)
        }
        do {
            guard model.consent else {
                throw AppError.invalid(
                    "consent", "consent_required", zh: "请阅读并同意《个人信息处理规则》后再注册", en: "Read and agree to the privacy notice to register")
            }
            // One log-in field: a mobile number is also the member's phone.
            let login = (form["login"] ?? "").trimmingCharacters(in: .whitespaces)
            _ = try await services.accounts.registerMember(
                login: login, password: form["password"] ?? "", displayName: form["displayName"] ?? "",
                phone: AccountRules.isMobile(login) ? login : nil, client: context.clientAddress)
            let issued = try await services.accounts.authenticate(
                login: form["login"] ?? "", password: form["password"] ?? "", client: context.clientAddress)
            return WebSession.redirect(
                SiteURL.myCases().path, cookies: [WebSession.sessionCookie(issued, now: services.now(), request: request)]
            )
        } catch {
            (model.error, model.field) = site.message(error, chinese: zh)
            return pages.page(
                "register", title: WebText.word("register", chinese: zh), model: model, request: request, context: context,
                status: .unprocessableContent)
        }
    }

    @Sendable func logout(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        // A log-out sent from another site (no token) is ignored.
        guard WebSession.csrfValid(request, form: form) else { return WebSession.redirect("/") }
        // The session ends for good: a copy of the cookie taken before no longer works, on any server.
        if let cookie = request.cookies[RedressRequestContext.sessionCookieName]?.value, !cookie.isEmpty {
            try await services.accounts.logout(token: cookie)
        }
        return WebSession.redirect(SiteURL.login().path, cookies: [WebSession.clearedSession(request)])
    }

    /// The password form, with what went wrong or that it was changed.
    struct PasswordPage: PageModel {
        var changed = false
        var error: String?
        var field: String?
        var derived: [String: Any] { field.map { ["field_" + $0: true] } ?? [:] }
    }

    @Sendable func passwordPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard context.identity != nil else { return WebSession.redirect(SiteURL.login(next: SiteURL.password().path).path) }
        let zh = site.chinese(request)
        let model = PasswordPage(changed: request.uri.queryParameters.get("changed") == "1")
        return pages.page("password", title: WebText.word("changePassword", chinese: zh), model: model, request: request, context: context)
    }

    /// A new password: every other session of the account ends (on every server within seconds); this one goes on
    /// with a new cookie.
    @Sendable func changePassword(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard let identity = context.identity else { return WebSession.redirect(SiteURL.login(expired: true).path) }
        let form = try await WebSession.form(request)
        let zh = site.chinese(request)
        var model = PasswordPage()
        guard WebSession.csrfValid(request, form: form) else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "password", title: WebText.word("changePassword", chinese: zh), model: model, request: request, context: context, status: .forbidden)
        }
        do {
            let issued = try await services.accounts.changePassword(
                current: form["currentPassword"] ?? "", new: form["newPassword"] ?? "", by: identity)
            return WebSession.redirect(
                SiteURL.password(changed: true).path, cookies: [WebSession.sessionCookie(issued, now: services.now(), request: request)])
        } catch {
            (model.error, model.field) = site.message(error, chinese: zh)
            let status: HTTPResponse.Status = AppError.from(error)?.kind == .forbidden ? .forbidden : .unprocessableContent
            return pages.page(
                "password", title: WebText.word("changePassword", chinese: zh), model: model, request: request, context: context, status: status)
        }
    }

    /// The account page: the details the holder may correct, a copy of their data, and (members) erasure.
    struct AccountPage: PageModel {
        var login: String
        var displayName: String
        var phone: String
        var email: String
        var member: Bool
        var saved = false
        var error: String?
        var field: String?
        var derived: [String: Any] { field.map { ["field_" + $0: true] } ?? [:] }
    }

    func accountModel(_ identity: Identity, typed: [String: String]? = nil) async throws -> AccountPage? {
        guard let user = try await services.accounts.me(identity) else { return nil }
        return AccountPage(
            login: user.login, displayName: typed?["displayName"] ?? user.displayName, phone: typed?["phone"] ?? user.phone ?? "",
            email: typed?["email"] ?? user.email ?? "", member: user.role == .member)
    }

    @Sendable func accountPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard let identity = context.identity, var model = try await accountModel(identity) else {
            return WebSession.redirect(SiteURL.login(next: SiteURL.account().path).path)
        }
        model.saved = request.uri.queryParameters.get("saved") == "1"
        return pages.page(
            "account", title: WebText.word("myAccount", chinese: site.chinese(request)), model: model, request: request, context: context)
    }

    @Sendable func saveAccount(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await accountForm(request, context, keepTyped: true) { form, identity in
            _ = try await services.accounts.correct(
                .init(displayName: form["displayName"] ?? "", phone: form["phone"] ?? "", email: form["email"] ?? ""), by: identity)
            return WebSession.redirect(SiteURL.account(saved: true).path)
        }
    }

    /// Erases the member's account, then the log-in page says so; the session cookie is cleared.
    @Sendable func eraseAccount(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await accountForm(request, context, keepTyped: false) { form, identity in
            try await services.accounts.erase(password: form["password"] ?? "", by: identity)
            return WebSession.redirect(SiteURL.login().path + "?erased=1", cookies: [WebSession.clearedSession(request)])
        }
    }

    /// A form posted from the account page: the CSRF token checked, then `act`; a refusal shows the page again with
    /// the sentence and the field named (`keepTyped`: with what was typed).
    func accountForm(
        _ request: Request, _ context: RedressRequestContext, keepTyped: Bool,
        _ act: ([String: String], Identity) async throws -> Response
    ) async throws -> Response {
        guard let identity = context.identity else { return WebSession.redirect(SiteURL.login(expired: true).path) }
        let form = try await WebSession.form(request)
        let zh = site.chinese(request)
        guard var model = try await accountModel(identity, typed: keepTyped ? form : nil) else {
            return WebSession.redirect(SiteURL.login(expired: true).path)
        }
        let status: HTTPResponse.Status
        if WebSession.csrfValid(request, form: form) {
            do {
                return try await act(form, identity)
            } catch {
                (model.error, model.field) = site.message(error, chinese: zh)
                status = AppError.from(error)?.kind == .forbidden ? .forbidden : .unprocessableContent
            }
        } else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            status = .forbidden
        }
        return pages.page("account", title: WebText.word("myAccount", chinese: zh), model: model, request: request, context: context, status: status)
    }
}
