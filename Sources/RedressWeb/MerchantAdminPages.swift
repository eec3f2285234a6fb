import Foundation
import HTTPTypes
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Merchants' qualification records (电子商务法 Art. 27) for admins: those due for re-verification first, registering a
/// merchant, changing its records, recording a check, its users.
struct MerchantAdminPages: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// The merchant form's values: what was typed, or the merchant's records.
    struct MerchantForm: Sendable {
        var registeredName = ""
        var shopName = ""
        var businessLicenceNumber = ""
        var icpFilingNumber = ""
        var registeredAddress = ""
        var contactName = ""
        var contactPhone = ""
        var contactEmail = ""

        init() {}

        init(_ m: Merchant) {
            (registeredName, shopName, businessLicenceNumber, icpFilingNumber) = (
                m.registeredName, m.shopName, m.businessLicenceNumber, m.icpFilingNumber ?? ""
            )
            (registeredAddress, contactName, contactPhone, contactEmail) = (m.registeredAddress, m.contactName, m.contactPhone, m.contactEmail ?? "")
        }

        init(typed form: [String: String]) {
            (registeredName, shopName, businessLicenceNumber) = (
                form["registeredName"] ?? "", form["shopName"] ?? "", form["businessLicenceNumber"] ?? ""
            )
            (icpFilingNumber, registeredAddress, contactName) = (
                form["icpFilingNumber"] ?? "", form["registeredAddress"] ?? "", form["contactName"] ?? ""
            )
            (contactPhone, contactEmail) = (form["contactPhone"] ?? "", form["contactEmail"] ?? "")
        }

        var draft: MerchantDraft {
            MerchantDraft(
                registeredName: registeredName, shopName: shopName, businessLicenceNumber: businessLicenceNumber, icpFilingNumber: icpFilingNumber,
                registeredAddress: registeredAddress, contactName: contactName, contactPhone: contactPhone, contactEmail: contactEmail)
        }
    }

    /// A merchant's qualification records as a list row and at the top of its page.
    struct Verification: PageSection {
        var id: String
        var url: String
        var verifyURL: String
        var newUserURL: String
        var name: String
        var shop: String
        var licence: String
        var due: Bool
        var verified: String
        var next: String
    }

    /// Every merchant, those due for re-verification first, and the form to register one.
    struct MerchantsPage: PageModel {
        var merchants: [Verification]
        var form: MerchantForm
        var error: String?
        var derived: [String: Any] { ["empty": merchants.isEmpty] }
    }

    /// One merchant: its records to change, its verification, its users.
    struct MerchantPage: PageModel {
        struct UserRow: Sendable {
            var name: String
            var login: String
            var disabled: Bool
        }
        var verification: Verification
        var form: MerchantForm
        var users: [UserRow]
        var saved = false
        var error: String?
    }

    /// A merchant never verified: when it was ("never") and when it is due ("now").
    static func unverified(chinese zh: Bool) -> (String, String) {
        (WebText.word("neverVerified", chinese: zh), WebText.word("verifyNow", chinese: zh))
    }

    func verification(_ m: Merchant, chinese zh: Bool) async throws -> Verification {
        let record = try await services.merchants.record(m)
        let (never, now) = Self.unverified(chinese: zh)
        return Verification(
            id: m.id, url: SiteURL.merchant(m.id).path, verifyURL: SiteURL.merchantVerification(m.id).path,
            newUserURL: SiteURL.users(merchant: m.id).path, name: m.registeredName, shop: m.shopName, licence: m.businessLicenceNumber,
            due: record.verificationDue,
            verified: m.verifiedAt.map(WebFormat.instant) ?? never, next: record.nextVerificationDue.map(WebFormat.instant) ?? now)
    }

    func merchantsModel(form: MerchantForm, by identity: Identity, chinese zh: Bool) async throws -> MerchantsPage {
        var rows: [Verification] = []
        for m in try await services.merchants.list(by: identity) { rows.append(try await verification(m, chinese: zh)) }
        return MerchantsPage(merchants: rows.filter(\.due) + rows.filter { !$0.due }, form: form)
    }

    /// Merchants' qualification records (电子商务法 Art. 27), those due for re-verification first; registering one.
    @Sendable func merchantsPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        return pages.page(
            "merchants", title: WebText.word("merchantsTitle", chinese: zh),
            model: try await merchantsModel(form: MerchantForm(), by: identity, chinese: zh),
            request: request, context: context)
    }

    @Sendable func registerMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            let m = try await services.merchants.register(MerchantForm(typed: form).draft, by: identity)
            return WebSession.redirect(SiteURL.merchant(m.id, saved: true).path)
        } refused: { failure in
            var m = try await merchantsModel(form: MerchantForm(typed: form), by: identity, chinese: zh)
            m.error = failure
            return pages.page(
                "merchants", title: WebText.word("merchantsTitle", chinese: zh), model: m, request: request, context: context,
                status: .unprocessableContent)
        }
    }

    func merchantModel(_ m: Merchant, form: MerchantForm, by identity: Identity, chinese zh: Bool) async throws -> MerchantPage {
        MerchantPage(
            verification: try await verification(m, chinese: zh), form: form,
            users: try await services.merchants.users(of: m.id, by: identity).map {
                MerchantPage.UserRow(name: $0.displayName, login: $0.login, disabled: $0.disabled)
            })
    }

    /// One merchant: its records to change, its verification, its users.
    @Sendable func merchantPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let id = context.parameters.get("merchantId"), let merchant = try? await services.merchants.merchant(id, by: identity) else {
            return site.notFound(request, context)
        }
        var m = try await merchantModel(merchant, form: MerchantForm(merchant), by: identity, chinese: WebSession.chinese(request))
        m.saved = request.uri.queryParameters.get("saved") == "1"
        return pages.page("merchant", title: merchant.shopName, model: m, request: request, context: context)
    }

    @Sendable func saveMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        guard let id = context.parameters.get("merchantId"), let merchant = try? await services.merchants.merchant(id, by: identity) else {
            return site.notFound(request, context)
        }
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            _ = try await services.merchants.revise(id, MerchantForm(typed: form).draft, by: identity)
            return WebSession.redirect(SiteURL.merchant(id, saved: true).path)
        } refused: { failure in
            var m = try await merchantModel(merchant, form: MerchantForm(typed: form), by: identity, chinese: zh)
            m.error = failure
            return pages.page("merchant", title: merchant.shopName, model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func verifyMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let id = context.parameters.get("merchantId") else {
            return WebSession.redirect(SiteURL.merchants.path)
        }
        // A merchant removed meanwhile: back to the list, which no longer shows it.
        _ = try? await services.merchants.markVerified(id, by: identity)
        return WebSession.redirect(SiteURL.merchants.path)
    }
}
