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
        "category", "orderNumber", "amountPaid", "productKind", "respondent", "merchantId", "occurredAt", "narrative", "remedyKind", "remedyText",
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

    func wizardModel(step: Int, values: [String: String], chinese zh: Bool) async throws -> [String: Any] {
        let workflow = try await services.cases.workflow()
        var m: [String: Any] = ["step": step, "stepLabel": (WebText.word("step", chinese: zh)).replacingOccurrences(of: "{n}", with: "\(step)")]
        m["step\(step)"] = true
        if step > 1 { m["previous"] = step - 1 }
        m["values"] = values
        // One nonce per filing, carried through the steps: sending the last step twice files one complaint.
        m["nonce"] = values["_nonce"].flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
        // Hidden inputs for every field not on this step.
        let onThisStep: Set<String> =
            switch step {
            case 1: ["category"]
            case 2: ["orderNumber", "amountPaid", "productKind", "respondent", "merchantId"]
            case 3: ["occurredAt", "narrative"]
            case 4: ["remedyKind", "remedyText", "amountClaimed"]
            default: []
            }
        m["hidden"] = Self.draftFields.filter { !onThisStep.contains($0) }.map { ["name": $0, "value": values[$0] ?? ""] }
        m["categories"] = workflow.taxonomy.categories.map { c -> [String: Any] in
            ["code": c.code, "label": zh ? c.labelZh : c.labelEn, "checked": values["category"] == c.code]
        }
        m["productKinds"] = ProductKind.allCases.map { k -> [String: Any] in
            ["value": k.rawValue, "label": k.label(chinese: zh), "selected": values["productKind"] == k.rawValue]
        }
        m["remedyKinds"] = RemedyKind.allCases.map { k -> [String: Any] in
            ["value": k.rawValue, "label": k.label(chinese: zh), "selected": values["remedyKind"] == k.rawValue]
        }
        m["respondentMerchant"] = values["respondent"] == "merchant"
        if let code = values["category"], let c = workflow.taxonomy.category(code) {
            m["checklist"] = c.evidence.map { zh ? $0.labelZh : $0.labelEn }
            m["categoryLabel"] = zh ? c.labelZh : c.labelEn
        }
        return m
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
        var file: (bytes: [UInt8], name: String?)?
        if let boundary = MultipartFormData.boundary(contentType) {
            let limit = try await services.cases.evidenceLimit()
            let buffer = try await request.body.collect(upTo: limit + 256 * 1024)
            let parsed = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
            form = parsed.fields()
            if let f = parsed.file(named: "file"), !f.bytes.isEmpty { file = (Array(f.bytes), f.fileName) }
        } else {
            form = try await WebSession.form(request)
        }
        var values: [String: String] = [:]
        for k in Self.draftFields { values[k] = (form[k] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        if let n = form["_nonce"], n.count <= 64, n.allSatisfy({ $0.isHexDigit || $0 == "-" }) { values["_nonce"] = n }
        func again(_ step: Int, _ error: String?, status: HTTPResponse.Status = .unprocessableContent) async throws -> Response {
            var m = try await wizardModel(step: step, values: values, chinese: zh)
            if let error { m["error"] = error }
            return pages.page(
                "new", title: WebText.word("newComplaint", chinese: zh), model: m, request: request, context: context,
                status: error == nil ? .ok : status)
        }
        guard let identity = context.identity, identity.role == .member else {
            // Expired session: the form is shown again with everything typed, and the message says to log in.
            var m = try await wizardModel(step: Int(form["step"] ?? "") ?? 1, values: values, chinese: zh)
            m["error"] = WebText.word("sessionExpired", chinese: zh)
            m["loginAgain"] = true
            return pages.page(
                "new", title: WebText.word("newComplaint", chinese: zh), model: m, request: request, context: context, status: .unauthorized)
        }
        let step = min(max(Int(form["step"] ?? "") ?? 1, 1), 5)
        guard WebSession.csrfValid(request, form: form) else {
            return try await again(step, WebText.word("csrfFailed", chinese: zh), status: .forbidden)
        }
        if form["back"] != nil { return try await again(max(1, step - 1), nil) }
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let draft: ComplaintDraft
        do {
            draft = try Self.draft(values, step: step, now: now)
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
        if let file {
            do {
                try await site.addEvidence(c.id, bytes: file.bytes, name: file.name, identity: identity)
            } catch {
                // The complaint is filed; the file's problem is shown on its page, where it can be sent again.
                let text = site.message(error, chinese: zh).text
                return WebSession.redirect(SiteURL.memberCase(c.id, uploadError: text).path)
            }
        }
        return WebSession.redirect(SiteURL.memberCase(c.id).path)
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
        let respondent = RespondentKind(rawValue: v["respondent"] ?? "") ?? .platform
        let merchant = (v["merchantId"] ?? "").isEmpty ? nil : v["merchantId"]
        let order = OrderReference(
            orderNumber: v["orderNumber"] ?? "", amountPaidFen: try fen("amountPaid", field: "order.amountPaidFen"),
            productKind: ProductKind(rawValue: v["productKind"] ?? "") ?? .other, respondent: respondent,
            merchantId: respondent == .merchant ? merchant : nil)
        let remedyText = (v["remedyText"] ?? "").isEmpty ? nil : v["remedyText"]
        return ComplaintDraft(
            category: v["category"] ?? "", order: order, occurredAt: occurred, narrative: v["narrative"] ?? "",
            remedy: Remedy(kind: RemedyKind(rawValue: v["remedyKind"] ?? "") ?? .refund, text: remedyText),
            amountClaimedFen: try fen("amountClaimed", field: "amountClaimedFen"))
    }

}
