import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The five-step filing wizard: problem → order → what happened → what I want → evidence.
struct FilingWizard: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// The filing wizard's fields, carried from step to step as hidden inputs.
    static let draftFields = [
        "category", "orderNumber", "amountPaid", "productKind", "respondent", "merchantId", "merchantQuery", "occurredAt", "narrative", "remedyKind",
        "remedyText",
        "amountClaimed",
    ]

    /// Which step asks for a field (to go back to it when it is refused).
    static func step(of field: String?) -> Int {
        guard let f = field else { return 5 }
        if f.hasPrefix("category") { return 1 }
        if f.hasPrefix("order") { return 2 }
        if f == "occurredAt" || f == "narrative" { return 3 }
        if f.hasPrefix("remedy") || f == "amountClaimedFen" { return 4 }
        return 5
    }

    /// One step of the wizard, with everything typed so far carried as hidden inputs.
    struct WizardPage: PageModel {
        struct Category: Sendable {
            var code: String
            var label: String
            var checked: Bool
        }
        struct Hidden: Sendable {
            var name: String
            var value: String
        }
        var step: Int
        var stepLabel: String
        var previous: Int?
        var values: [String: String]
        /// One per filing, carried through the steps: sending the last step twice files one complaint.
        var nonce: String
        var hidden: [Hidden]
        var categories: [Category]
        var productKinds: [Choice]
        var remedyKinds: [Choice]
        var respondentMerchant: Bool
        /// The merchant search of step 2: what was typed found these registered merchants (the one chosen among them).
        var searched: Bool
        var merchantResults: [MerchantChoice]
        var unsure: Bool
        var checklist: [String]?
        var categoryLabel: String?
        var error: String?
        var loginAgain = false
        var derived: [String: Any] { ["step\(step)": true] }
    }

    /// A registered merchant the member may name, with its record (电子商务法 Art. 15: what the platform discloses).
    struct MerchantChoice: Sendable {
        var id: String
        var shopName: String
        var registeredName: String
        var licence: String
        var standing: String
        var selected: Bool
        /// Its public record: the complaint figures a member can weigh before filing.
        var recordURL: String
    }

    /// What the member typed as the merchant is not a name the platform can route to: neither a registered merchant
    /// chosen from the search nor "the platform will identify it".
    static let unsure = "_unsure"

    static func merchantChoice(_ r: MerchantService.Record, selected: Bool, chinese zh: Bool) -> MerchantChoice {
        let standing: String
        if let at = r.merchant.verifiedAt, !r.verificationDue {
            standing = WebText.word("merchantVerifiedOn", chinese: zh) + " " + String(WebFormat.instant(at).prefix(10))
        } else {
            standing = WebText.word("merchantNotVerified", chinese: zh)
        }
        return MerchantChoice(
            id: r.merchant.id, shopName: r.merchant.shopName, registeredName: r.merchant.registeredName, licence: r.merchant.businessLicenceNumber,
            standing: standing, selected: selected, recordURL: SiteURL.publicMerchant(r.merchant.id).path)
    }

    func wizardModel(step: Int, values: [String: String], chinese zh: Bool) async throws -> WizardPage {
        let workflow = try await services.cases.workflow()
        // Hidden inputs for every field not on this step.
        let onThisStep: Set<String> =
            switch step {
            case 1: ["category"]
            case 2: ["orderNumber", "amountPaid", "productKind", "respondent", "merchantId", "merchantQuery"]
            case 3: ["occurredAt", "narrative"]
            case 4: ["remedyKind", "remedyText", "amountClaimed"]
            default: []
            }
        let chosen = values["category"].flatMap { workflow.taxonomy.category($0) }
        var values = values
        // What the member claims starts as what they paid.
        if step == 4, (values["amountClaimed"] ?? "").isEmpty { values["amountClaimed"] = values["amountPaid"] ?? "" }
        let query = (values["merchantQuery"] ?? "").trimmingCharacters(in: .whitespaces)
        let picked = values["merchantId"] ?? ""
        var results: [MerchantChoice] = []
        if step == 2 {
            let found = try await services.merchants.find(query)
            results = found.map { Self.merchantChoice($0, selected: $0.merchant.id == picked, chinese: zh) }
            if !picked.isEmpty, picked != Self.unsure, !found.contains(where: { $0.merchant.id == picked }),
                let r = try await services.merchants.registered(picked)
            {
                results.insert(Self.merchantChoice(r, selected: true, chinese: zh), at: 0)
            }
        }
        return WizardPage(
            step: step, stepLabel: WebText.word("step", chinese: zh).replacingOccurrences(of: "{n}", with: "\(step)"),
            previous: step > 1 ? step - 1 : nil,
            values: values, nonce: values["_nonce"].flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased(),
            hidden: Self.draftFields.filter { !onThisStep.contains($0) }.map { WizardPage.Hidden(name: $0, value: values[$0] ?? "") },
            categories: workflow.taxonomy.categories.map {
                WizardPage.Category(code: $0.code, label: $0.label(chinese: zh), checked: values["category"] == $0.code)
            },
            productKinds: ProductKind.allCases.map {
                Choice(value: $0.rawValue, label: $0.label(chinese: zh), selected: values["productKind"] == $0.rawValue)
            },
            remedyKinds: RemedyKind.allCases.map {
                Choice(value: $0.rawValue, label: $0.label(chinese: zh), selected: values["remedyKind"] == $0.rawValue)
            },
            respondentMerchant: values["respondent"] == "merchant", searched: !query.isEmpty || !results.isEmpty, merchantResults: results,
            unsure: picked == Self.unsure,
            // The order number was asked at step 2: the evidence step does not ask for it again.
            checklist: chosen.map { $0.evidence.filter { $0 != .orderNumber }.map { $0.label(chinese: zh) } },
            categoryLabel: chosen?.label(chinese: zh))
    }

    /// An optional amount typed in yuan: nil when left empty, .some(nil) when it is not an amount.
    static func optionalFen(_ text: String?) -> Int64?? {
        let t = (text ?? "").trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return .some(nil) }
        guard let fen = Yuan.fen(from: t) else { return nil }
        return .some(fen)
    }

    static let amountRefused = DomainError.invalidField(
        field: "amountFen", code: "invalid_amount", zh: "请输入金额（元），如 98 或 98.50", en: "Enter an amount in yuan, e.g. 98 or 98.50")

    @Sendable func newComplaint(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = site.chinese(request)
        var values: [String: String] = ["productKind": "game_topup", "respondent": "platform", "remedyKind": "refund"]
        if let c = request.uri.queryParameters.get("category") { values["category"] = c }
        return pages.page(
            "new", title: WebText.word("newComplaint", chinese: zh), model: try await wizardModel(step: 1, values: values, chinese: zh),
            request: request,
            context: context)
    }

    @Sendable func fileComplaint(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = site.chinese(request)
        let contentType = request.headers[.contentType] ?? ""
        var form: [String: String]
        var files: [(bytes: [UInt8], name: String?)] = []
        if let boundary = MultipartFormData.boundary(contentType) {
            let limit = try await services.cases.evidenceLimit()
            let buffer = try await request.body.collect(upTo: limit + 256 * 1024)
            let parsed = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
            form = parsed.fields()
            files = parsed.files(named: "file").map { (Array($0.bytes), $0.fileName) }
        } else {
            form = try await WebSession.form(request)
        }
        var values: [String: String] = [:]
        for k in Self.draftFields { values[k] = (form[k] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        if let n = form["_nonce"], n.count <= 64, n.allSatisfy({ $0.isHexDigit || $0 == "-" }) { values["_nonce"] = n }
        func again(_ step: Int, _ error: String?, status: HTTPResponse.Status = .unprocessableContent) async throws -> Response {
            var m = try await wizardModel(step: step, values: values, chinese: zh)
            m.error = error
            return pages.page(
                "new", title: WebText.word("newComplaint", chinese: zh), model: m, request: request, context: context,
                status: error == nil ? .ok : status)
        }
        guard let identity = context.identity, identity.role == .member else {
            // Expired session: the form is shown again with everything typed, and the message says to log in.
            var m = try await wizardModel(step: Int(form["step"] ?? "") ?? 1, values: values, chinese: zh)
            m.error = WebText.word("sessionExpired", chinese: zh)
            m.loginAgain = true
            return pages.page(
                "new", title: WebText.word("newComplaint", chinese: zh), model: m, request: request, context: context, status: .unauthorized)
        }
        let step = min(max(Int(form["step"] ?? "") ?? 1, 1), 5)
        guard WebSession.csrfValid(request, form: form) else {
            return try await again(step, WebText.word("csrfFailed", chinese: zh), status: .forbidden)
        }
        if form["back"] != nil { return try await again(max(1, step - 1), nil) }
        // "Find" on step 2 searches the registered merchants and shows the step again.
        if form["find"] != nil { return try await again(2, nil) }
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let draft: ComplaintDraft
        do {
            draft = try Self.draft(values, step: step, now: now)
            if step >= 2 { try await checkMerchant(values) }
            if step < 5 {
                // Check what the steps so far asked for; the rest is checked when it is asked.
                if let refused = Self.refusal(draft, workflow: workflow, now: now), Self.step(of: refused.field) <= step {
                    throw refused
                }
                return try await again(step + 1, nil)
            }
            _ = try draft.validated(taxonomy: workflow.taxonomy, now: now)
        } catch {
            let m = site.message(error, chinese: zh)
            return try await again(min(step, Self.step(of: m.field)), m.text)
        }
        var filed = draft
        filed.channel = .web
        let c: Complaint
        do {
            // A double click sends the same form twice: the nonce makes the second a replay.
            c = try await services.cases.file(
                filed, by: identity, idempotencyKey: values["_nonce"].map { "web-" + $0 }, requestHash: sha256Hex(Array("\(filed)".utf8))
            ).complaint
        } catch {
            return try await again(5, site.message(error, chinese: zh).text)
        }
        var refused: [String] = []
        for file in files {
            do {
                try await site.addEvidence(c.id, bytes: file.bytes, name: file.name, identity: identity)
            } catch {
                // The complaint is filed; a file's problem is shown on its page, where it can be sent again.
                refused.append("\(file.name ?? "")：" + site.message(error, chinese: zh).text)
            }
        }
        return WebSession.redirect(
            SiteURL.memberCase(c.id, uploadError: refused.isEmpty ? nil : refused.joined(separator: "；"), filed: true).path)
    }

    /// A merchant named on step 2 is one chosen from the registered merchants, or "the platform will identify it".
    func checkMerchant(_ values: [String: String]) async throws {
        guard values["respondent"] == "merchant" else { return }
        let id = values["merchantId"] ?? ""
        if id == Self.unsure { return }
        guard !id.isEmpty, try await services.merchants.registered(id) != nil else {
            throw DomainError.invalidField(
                field: "order.merchantId", code: "merchant_not_chosen", zh: "请输入店铺名称或统一社会信用代码查找商家并选中，或选择“找不到或不确定，由平台核实”",
                en:
                    "Find the merchant by its shop name or licence number and choose it, or choose \"Not found or not sure: the platform identifies it\""
            )
        }
    }

    /// What validation refuses in the draft, if anything (a later step's field is fine until that step).
    static func refusal(_ draft: ComplaintDraft, workflow: CaseWorkflow, now: Date) -> DomainError? {
        switch Result(catching: { () throws(DomainError) in try draft.validated(taxonomy: workflow.taxonomy, now: now) }) {
        case .success: nil
        case .failure(let e): e
        }
    }

    /// The draft the wizard's values describe. Amounts are typed in yuan and stored in fen.
    /// `now` stands for the time of the incident until step 3 asks for it.
    static func draft(_ v: [String: String], step: Int, now: Date) throws -> ComplaintDraft {
        func fen(_ key: String, field: String) throws -> Int64 {
            let text = v[key] ?? ""
            if text.isEmpty { return 0 }
            guard let fen = Yuan.fen(from: text) else {
                throw DomainError.invalidField(
                    field: field, code: "invalid_amount", zh: "请输入金额（元），如 98、98.50 或 1,280（您填写的是“\(text)”）",
                    en: "Enter an amount in yuan, e.g. 98, 98.50 or 1,280 (you typed \"\(text)\")")
            }
            return fen
        }
        guard step < 1 || !(v["category"] ?? "").isEmpty else {
            throw DomainError.invalidField(field: "category", code: "required", zh: "请选择问题类型", en: "Choose what went wrong")
        }
        var occurred = now
        if step >= 3 || !(v["occurredAt"] ?? "").isEmpty {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = WebFormat.zone
            f.dateFormat = "yyyy-MM-dd'T'HH:mm"
            guard let d = f.date(from: v["occurredAt"] ?? "") else {
                throw DomainError.invalidField(field: "occurredAt", code: "required", zh: "请填写发生时间", en: "Say when it happened")
            }
            occurred = d
        }
        var respondent = RespondentKind(rawValue: v["respondent"] ?? "") ?? .platform
        let merchant = (v["merchantId"] ?? "").isEmpty ? nil : v["merchantId"]
        let typedName = (v["merchantQuery"] ?? "").trimmingCharacters(in: .whitespaces)
        // Not found or not sure: the platform answers for the case, with the name the member typed, until staff name
        // the registered merchant.
        if respondent == .merchant && merchant == Self.unsure { respondent = .platform }
        var order = OrderReference(
            orderNumber: v["orderNumber"] ?? "", amountPaidFen: try fen("amountPaid", field: "order.amountPaidFen"),
            productKind: ProductKind(rawValue: v["productKind"] ?? "") ?? .other, respondent: respondent,
            merchantId: respondent == .merchant ? merchant : nil)
        if merchant == Self.unsure && !typedName.isEmpty { order.merchantName = typedName }
        let remedyText = (v["remedyText"] ?? "").isEmpty ? nil : v["remedyText"]
        return ComplaintDraft(
            category: v["category"] ?? "", order: order, occurredAt: occurred, narrative: v["narrative"] ?? "",
            remedy: Remedy(kind: RemedyKind(rawValue: v["remedyKind"] ?? "") ?? .refund, text: remedyText),
            amountClaimedFen: try fen("amountClaimed", field: "amountClaimedFen"))
    }

}
