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

    static let merchantFields = [
        "registeredName", "shopName", "businessLicenceNumber", "icpFilingNumber", "registeredAddress", "contactName", "contactPhone", "contactEmail",
    ]

    /// The merchant form's values: what was typed, or the merchant's records.
    static func merchantForm(_ m: Merchant?) -> [String: String] {
        guard let m else { return Dictionary(uniqueKeysWithValues: merchantFields.map { ($0, "") }) }
        return [
            "registeredName": m.registeredName, "shopName": m.shopName, "businessLicenceNumber": m.businessLicenceNumber,
            "icpFilingNumber": m.icpFilingNumber ?? "", "registeredAddress": m.registeredAddress, "contactName": m.contactName,
            "contactPhone": m.contactPhone, "contactEmail": m.contactEmail ?? "",
        ]
    }

    static func typedMerchant(_ form: [String: String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: merchantFields.map { ($0, form[$0] ?? "") })
    }

    static func merchantDraft(_ form: [String: String]) -> MerchantDraft {
        MerchantDraft(
            registeredName: form["registeredName"] ?? "", shopName: form["shopName"] ?? "",
            businessLicenceNumber: form["businessLicenceNumber"] ?? "",
            icpFilingNumber: form["icpFilingNumber"], registeredAddress: form["registeredAddress"] ?? "", contactName: form["contactName"] ?? "",
            contactPhone: form["contactPhone"] ?? "", contactEmail: form["contactEmail"])
    }

    /// A merchant never verified: when it was ("never") and when it is due ("now").
    static func unverified(chinese zh: Bool) -> (String, String) {
        (WebText.word("neverVerified", chinese: zh), WebText.word("verifyNow", chinese: zh))
    }

    func merchantsModel(form: [String: String], by identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let now = services.now()
        let merchants = try await services.merchants.list(by: identity)
        let (never, now_) = Self.unverified(chinese: zh)
        var rows: [(Bool, [String: Any])] = []
        for m in merchants {
            let r = try await services.merchants.record(m)
            let due = r.verificationDue
            rows.append(
                (
                    due,
                    [
                        "id": m.id, "name": m.registeredName, "shop": m.shopName, "licence": m.businessLicenceNumber, "due": due,
                        "verified": m.verifiedAt.map(WebFormat.instant) ?? never, "next": r.nextVerificationDue.map(WebFormat.instant) ?? now_,
                    ]
                ))
        }
        let ordered = rows.filter(\.0).map(\.1) + rows.filter { !$0.0 }.map(\.1)
        return ["merchants": ordered, "empty": ordered.isEmpty, "form": form]
    }

    /// Merchants' qualification records (电子商务法 Art. 27), those due for re-verification first; registering one.
    @Sendable func merchantsPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        return pages.page(
            "merchants", title: zh ? "商家资质" : "Merchants", model: try await merchantsModel(form: Self.merchantForm(nil), by: identity, chinese: zh),
            request: request, context: context)
    }

    @Sendable func registerMerchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            let m = try await services.merchants.register(Self.merchantDraft(form), by: identity)
            return WebSession.redirect(SiteURL.merchant(m.id, saved: true).path)
        } refused: { failure in
            var m = try await merchantsModel(form: Self.typedMerchant(form), by: identity, chinese: zh)
            m["error"] = failure
            return pages.page(
                "merchants", title: zh ? "商家资质" : "Merchants", model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    func merchantModel(_ m: Merchant, form: [String: String], by identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let record = try await services.merchants.record(m)
        let (never, now_) = Self.unverified(chinese: zh)
        let users = try await services.merchants.users(of: m.id, by: identity)
        return [
            "id": m.id, "name": m.registeredName, "shop": m.shopName, "licence": m.businessLicenceNumber,
            "due": record.verificationDue, "verified": m.verifiedAt.map(WebFormat.instant) ?? never,
            "next": record.nextVerificationDue.map(WebFormat.instant) ?? now_, "form": form,
            "users": users.map { u -> [String: Any] in ["name": u.displayName, "login": u.login, "disabled": u.disabled] },
        ]
    }

    /// One merchant: its records to change, its verification, its users.
    @Sendable func merchantPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let id = context.parameters.get("merchantId"), let merchant = try? await services.merchants.merchant(id, by: identity) else {
            return site.notFound(request, context)
        }
        var m = try await merchantModel(merchant, form: Self.merchantForm(merchant), by: identity, chinese: WebSession.chinese(request))
        if request.uri.queryParameters.get("saved") == "1" { m["saved"] = true }
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
            _ = try await services.merchants.revise(id, Self.merchantDraft(form), by: identity)
            return WebSession.redirect(SiteURL.merchant(id, saved: true).path)
        } refused: { failure in
            var m = try await merchantModel(merchant, form: Self.typedMerchant(form), by: identity, chinese: zh)
            m["error"] = failure
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
