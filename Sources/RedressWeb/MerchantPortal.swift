import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The respondent merchant's pages: cases against it, a case page with the member's personal data masked, replies,
/// offers and answers to records requests.
struct MerchantPortal: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// Under `/merchant`, behind the merchant portal's gate (the merchant's webhooks are `IntegrationPages`).
    func register(on merchant: RouterGroup<RedressRequestContext>) {
        merchant.get(use: merchantCases)
        merchant.get("cases/:id") { request, context in try await site.casePage(request, context, .merchant) }
        merchant.post(SiteURL.CaseForm.messages.route) { request, context in try await site.postMessage(request, context, .merchant) }
        merchant.post(SiteURL.CaseForm.records.route, use: merchantRecords)
        merchant.post(SiteURL.CaseForm.offers.route, use: merchantOffer)
    }

    @Sendable func merchantCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let model = try await site.searchableList(
            request, identity, in: .merchant, base: ComplaintQuery(openOnly: true, limit: 100), heading: WebText.word("merchantCases", chinese: zh)
        ) { q, fragment, cursor in .merchantCases(fragment: fragment, q: q, cursor: cursor) }
        if request.uri.queryParameters.get("fragment") == "list" {
            return pages.fragment("merchant-cases-list", model: model.fields, request: request)
        }
        return pages.page("merchant-cases", title: WebText.word("merchantCases", chinese: zh), model: model, request: request, context: context)
    }

    /// The case as the respondent merchant sees it (the member's personal data masked in every text), with the records
    /// requests it owes and the remedies it may offer.
    struct CasePage: PageModel {
        struct Request: Sendable {
            var id: String
            var needed: String
            var due: String
            var iso: String
        }
        var record: CaseRecord
        var requests: [Request]
        var derived: [String: Any] { ["hasRequests": !requests.isEmpty] }
        var remedyKinds: [Choice]
    }

    func casePage(_ stored: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let c = try await services.cases.readable(stored, for: identity)
        let open = c.recordsRequests.filter { $0.fulfilledAt == nil && $0.defaultedAt == nil && $0.withdrawnAt == nil }
        return CasePage(
            record: try await site.record(
                c, in: .merchant, workflow: try await services.cases.workflow(), now: services.now(), for: identity, chinese: zh),
            requests: open.map { CasePage.Request(id: $0.id, needed: $0.needed, due: WebFormat.instant($0.dueAt), iso: WebFormat.iso($0.dueAt)) },
            remedyKinds: RemedyKind.allCases.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) })
    }

    @Sendable func merchantOffer(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let note = form["note"] ?? ""
        let remedy = Remedy(
            kind: RemedyKind(rawValue: form["remedyKind"] ?? "") ?? .refund, text: (form["remedyText"] ?? "").isEmpty ? nil : form["remedyText"])
        let amount = FilingWizard.optionalFen(form["amount"])
        return try await site.act(request, context, .merchant, form: form) { wf, c, now, who in
            guard let amount else { throw FilingWizard.amountRefused }
            return try wf.offerRemedy(c, remedy: remedy, amountFen: amount, note: note, by: who.actor, now: now)
        }
    }

    /// The merchant's answer to a records request: the file is stored on the case and named as the answer, in two
    /// steps (a file already there is named again, not stored twice).
    @Sendable func merchantRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.upload(request, context, .merchant) { identity, id, fields, bytes, name in
            try await self.site.addEvidence(id, bytes: bytes, name: name, identity: identity)
            _ = try await self.services.cases.submitRecords(
                id, requestId: fields["requestId"] ?? "", note: fields["note"] ?? "", files: [sha256Hex(bytes)], by: identity)
        }
    }

}
