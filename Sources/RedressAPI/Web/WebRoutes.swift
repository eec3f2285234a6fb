import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressDomain
import RedressStorage

/// The web pages, served by the same binary as the API: members file and follow their complaints, staff work their
/// queues. Every page works without JavaScript; /assets/app.js adds live updates, countdowns and upload progress.
/// A failed form is shown again with what was typed and a message in the user's language naming the field.
struct WebRoutes {
    let services: RedressServices
    let complaints: ComplaintRoutes
    let accounts: AccountRoutes
    let pages = WebPages.shared

    init(services: RedressServices) {
        self.services = services
        self.complaints = ComplaintRoutes(services: services)
        self.accounts = AccountRoutes(services: services)
    }

    func register(on router: Router<RedressRequestContext>) {
        router.get("/", use: home)
        router.get("assets/:name", use: asset)
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.get("register", use: registerPage)
        router.post("register", use: register)
        router.post("logout", use: logout)
        router.get("my", use: myCases)
        router.get("my/new", use: newComplaint)
        router.post("my/new", use: fileComplaint)
        router.get("my/cases/:id", use: memberCase)
        router.post("my/cases/:id/messages", use: memberMessage)
        router.post("my/cases/:id/evidence", use: memberEvidence)
        router.post("my/cases/:id/escalate", use: memberEscalate)
        router.post("my/cases/:id/confirm", use: memberConfirm)
        router.post("my/cases/:id/rating", use: memberRate)
        router.post("my/cases/:id/reopen", use: memberReopen)
        router.get("merchant", use: merchantCases)
        router.get("merchant/cases/:id", use: merchantCase)
        router.post("merchant/cases/:id/messages", use: merchantMessage)
        router.post("merchant/cases/:id/records", use: merchantRecords)
        router.post("merchant/cases/:id/offers", use: merchantOffer)
        router.post("work/cases/:id/records-requests", use: staffRequestRecords)
        router.post("work/cases/:id/rulings", use: staffRule)
        router.post("work/cases/:id/freezes", use: staffFreeze)
        router.post("work/cases/:id/freezes/release", use: staffRelease)
        router.post("work/cases/:id/rulings/confirm-proposed", use: staffConfirmRuling)
        router.post("work/cases/:id/external", use: staffExternal)
        router.post("work/cases/:id/respondent", use: staffRespondent)
        router.post("my/cases/:id/external", use: memberExternal)
        AdminPages(web: self).register(on: router)
        IntegrationPages(web: self).register(on: router)
        router.get("review", use: reviewerCases)
        router.get("review/cases/:id", use: reviewerCase)
        router.post("review/cases/:id/rulings", use: reviewerRule)
        router.get("work", use: queue)
        router.get("work/cases/:id", use: staffCase)
        router.post("work/cases/:id/messages", use: staffMessage)
        router.post("work/cases/:id/transitions", use: staffTransition)
        router.post("work/cases/:id/escalate", use: staffEscalate)
    }

    // MARK: Plumbing

    func chinese(_ r: Request) -> Bool { WebSession.chinese(r) }

    func message(_ e: any Error, chinese: Bool) -> (text: String, field: String?) {
        switch e {
        case let d as DomainError: return (d.message(chinese: chinese), d.field)
        case let a as APIError: return (chinese ? a.zh : a.en, a.field)
        case StoreError.notFound: return (chinese ? "找不到该投诉" : "No such complaint", nil)
        default: return (chinese ? "操作未能完成，请稍后再试" : "That did not work; try again shortly", nil)
        }
    }

    /// The signed-in user, or a redirect to the log-in page that comes back here.
    /// Whose pages: each portal has its own paths, role and case page.
    enum Portal {
        case member, staff, merchant, reviewer

        var casePath: String {
            switch self {
            case .member: "/my/cases/"
            case .staff: "/work/cases/"
            case .merchant: "/merchant/cases/"
            case .reviewer: "/review/cases/"
            }
        }

        var template: String {
            switch self {
            case .member: "member-case"
            case .staff: "staff-case"
            case .merchant: "merchant-case"
            case .reviewer: "reviewer-case"
            }
        }

        func admits(_ i: Identity) -> Bool {
            switch self {
            case .member: i.role == .member
            case .staff: i.role.isStaff
            case .merchant: i.role == .merchant && i.merchantId != nil
            case .reviewer: i.role == .arbitrator
            }
        }
    }

    enum Gate {
        case allowed(Identity)
        case denied(Response)
    }

    func require(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) -> Gate {
        guard let identity = context.identity else {
            let back = request.uri.path
            return .denied(WebSession.redirect("/login?next=\(back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")" + (context.sessionExpired ? "&expired=1" : "")))
        }
        if !portal.admits(identity) {
            return .denied(notFound(request, context, status: .forbidden))
        }
        return .allowed(identity)
    }

    /// Where a signed-in user starts.
    static func start(_ identity: Identity) -> String {
        identity.role.isStaff ? "/work" : identity.role == .merchant ? "/merchant" : identity.role == .arbitrator ? "/review" : "/my"
    }

    func notFound(_ request: Request, _ context: RedressRequestContext, status: HTTPResponse.Status = .notFound) -> Response {
        let zh = chinese(request)
        let text = status == .forbidden ? WebText.words(chinese: zh)["forbidden"]! : WebText.words(chinese: zh)["notFound"]!
        return pages.page("message", title: text, model: ["message": text], request: request, context: context, status: status)
    }

    @Sendable func home(_ request: Request, context: RedressRequestContext) async throws -> Response {
        guard let identity = context.identity else { return WebSession.redirect("/login") }
        return WebSession.redirect(Self.start(identity))
    }

    @Sendable func asset(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        guard let a = pages.assets[name] else { throw APIError.notFound }
        return Response(
            status: .ok, headers: [.contentType: a.type, .cacheControl: "public, max-age=300", HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: a.bytes))
    }

    // MARK: Log-in and registration

    @Sendable func loginPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        var model: [String: Any] = ["next": WebSession.localPath(q.get("next")) ?? ""]
        if q.get("expired") == "1" || context.sessionExpired { model["notice"] = WebText.words(chinese: chinese(request))["sessionExpired"]! }
        return pages.page("login", title: WebText.words(chinese: chinese(request))["logIn"]!, model: model, request: request, context: context)
    }

    @Sendable func login(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let zh = chinese(request)
        var model: [String: Any] = ["login": form["login"] ?? "", "next": WebSession.localPath(form["next"]) ?? ""]
        guard WebSession.csrfValid(request, form: form) else {
            model["error"] = WebText.words(chinese: zh)["csrfFailed"]!
            return pages.page("login", title: WebText.words(chinese: zh)["logIn"]!, model: model, request: request, context: context, status: .forbidden)
        }
        do {
            let (stored, issued) = try await accounts.authenticate(login: form["login"] ?? "", password: form["password"] ?? "")
            let target = WebSession.localPath(form["next"]) ?? Self.start(Identity(userId: stored.user.id, role: stored.user.role, merchantId: stored.user.merchantId))
            return WebSession.redirect(target, cookies: [WebSession.sessionCookie(issued.token, lifetime: services.configuration.tokenLifetime, request: request)])
        } catch {
            let m = message(error, chinese: zh)
            model["error"] = m.text
            let status: HTTPResponse.Status = (error as? APIError)?.status ?? .unauthorized
            return pages.page("login", title: WebText.words(chinese: zh)["logIn"]!, model: model, request: request, context: context, status: status)
        }
    }

    @Sendable func registerPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        pages.page("register", title: WebText.words(chinese: chinese(request))["register"]!, model: [:], request: request, context: context)
    }

    @Sendable func register(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let zh = chinese(request)
        var model: [String: Any] = ["login": form["login"] ?? "", "displayName": form["displayName"] ?? "", "phone": form["phone"] ?? ""]
        guard WebSession.csrfValid(request, form: form) else {
            model["error"] = WebText.words(chinese: zh)["csrfFailed"]!
            return pages.page("register", title: WebText.words(chinese: zh)["register"]!, model: model, request: request, context: context, status: .forbidden)
        }
        do {
            let phone = (form["phone"] ?? "").trimmingCharacters(in: .whitespaces)
            _ = try await accounts.create(
                login: form["login"] ?? "", password: form["password"] ?? "", displayName: form["displayName"] ?? "", role: .member,
                phone: phone.isEmpty ? nil : phone)
            let (_, issued) = try await accounts.authenticate(login: form["login"] ?? "", password: form["password"] ?? "")
            return WebSession.redirect("/my", cookies: [WebSession.sessionCookie(issued.token, lifetime: services.configuration.tokenLifetime, request: request)])
        } catch {
            let m = message(error, chinese: zh)
            model["error"] = m.text
            if let f = m.field { model["field_" + f] = true }
            return pages.page("register", title: WebText.words(chinese: zh)["register"]!, model: model, request: request, context: context, status: .unprocessableContent)
        }
    }

    @Sendable func logout(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        // A log-out sent from another site (no token) is ignored.
        guard WebSession.csrfValid(request, form: form) else { return WebSession.redirect("/") }
        return WebSession.redirect("/login", cookies: [WebSession.clearedSession(request)])
    }

    // MARK: Member pages

    @Sendable func myCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .member) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        let zh = chinese(request)
        let now = services.now()
        let page = try await services.store.complaints(ComplaintQuery(memberId: identity.userId, limit: 100))
        let workflow = try await services.policies.workflow()
        let items: [[String: Any]] = page.items.map { c in
            [
                "id": c.id, "caseNumber": c.caseNumber, "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
                "status": WebFormat.status(c.status, chinese: zh), "deadlines": WebFormat.deadlines(c, now: now, chinese: zh),
                "filed": WebFormat.instant(c.createdAt),
            ]
        }
        let model: [String: Any] = ["items": items, "empty": items.isEmpty]
        if request.uri.queryParameters.get("fragment") == "list" { return pages.fragment("my-cases-list", model: model, request: request) }
        return pages.page("my-cases", title: WebText.words(chinese: zh)["myComplaints"]!, model: model, request: request, context: context)
    }

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
        let workflow = try await services.policies.workflow()
        var m: [String: Any] = ["step": step, "stepLabel": (WebText.words(chinese: zh)["step"] ?? "").replacingOccurrences(of: "{n}", with: "\(step)")]
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
            ["value": k.rawValue, "label": Self.productLabel(k, chinese: zh), "selected": values["productKind"] == k.rawValue]
        }
        m["remedyKinds"] = RemedyKind.allCases.map { k -> [String: Any] in
            ["value": k.rawValue, "label": Self.remedyLabel(k, chinese: zh), "selected": values["remedyKind"] == k.rawValue]
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
        guard let d = Decimal(string: t), d >= 0, d < 100_000_000 else { return nil }
        return .some(Int64(truncating: NSDecimalNumber(decimal: d * 100)))
    }

    static let amountRefused = DomainError.invalidField(
        field: "amountFen", code: "invalid_amount", zh: "请输入金额（元），如 98 或 98.50", en: "Enter an amount in yuan, e.g. 98 or 98.50")

    static func outcomeLabel(_ o: RulingOutcome, chinese zh: Bool) -> String {
        switch o {
        case .forMember: zh ? "支持会员诉求" : "For the member"
        case .forRespondent: zh ? "不支持（被投诉方无责）" : "For the respondent"
        case .partial: zh ? "部分支持" : "In part"
        }
    }

    static func productLabel(_ k: ProductKind, chinese zh: Bool) -> String {
        switch k {
        case .gameTopup: zh ? "游戏充值" : "Game top-up"
        case .licenceKey: zh ? "软件激活码" : "Software licence key"
        case .membership: zh ? "会员服务" : "Membership"
        case .giftCard: zh ? "礼品卡/点卡" : "Gift card"
        case .other: zh ? "其他" : "Other"
        }
    }

    static func remedyLabel(_ k: RemedyKind, chinese zh: Bool) -> String {
        switch k {
        case .refund: zh ? "退款" : "Refund"
        case .delivery: zh ? "补发/履约" : "Deliver what was bought"
        case .compensation: zh ? "赔偿" : "Compensation"
        case .accountRestored: zh ? "恢复账号" : "Restore my account"
        case .apology: zh ? "道歉" : "Apology"
        case .other: zh ? "其他" : "Other"
        }
    }

    @Sendable func newComplaint(_ request: Request, context: RedressRequestContext) async throws -> Response {
        switch require(request, context, .member) {
        case .allowed: break
        case .denied(let r): return r
        }
        let zh = chinese(request)
        var values: [String: String] = ["productKind": "game_topup", "respondent": "platform", "remedyKind": "refund"]
        if let c = request.uri.queryParameters.get("category") { values["category"] = c }
        return pages.page(
            "new", title: WebText.words(chinese: zh)["newComplaint"]!, model: try await wizardModel(step: 1, values: values, chinese: zh), request: request,
            context: context)
    }

    /// One step of the wizard: checks what this step asked for and shows the next; the last step (a multipart form,
    /// with the first evidence file) files the complaint.
    @Sendable func fileComplaint(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = chinese(request)
        let contentType = request.headers[.contentType] ?? ""
        var form: [String: String]
        var file: (bytes: [UInt8], name: String?)?
        if let boundary = ComplaintRoutes.boundary(contentType) {
            let limit = try await services.policies.workflow().policy.evidence.maxFileBytes
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
            return pages.page("new", title: WebText.words(chinese: zh)["newComplaint"]!, model: m, request: request, context: context, status: error == nil ? .ok : status)
        }
        guard let identity = context.identity, identity.role == .member else {
            // Expired session: the form is shown again with everything typed, and the message says to log in.
            var m = try await wizardModel(step: Int(form["step"] ?? "") ?? 1, values: values, chinese: zh)
            m["error"] = WebText.words(chinese: zh)["sessionExpired"]!
            m["loginAgain"] = true
            return pages.page("new", title: WebText.words(chinese: zh)["newComplaint"]!, model: m, request: request, context: context, status: .unauthorized)
        }
        let step = min(max(Int(form["step"] ?? "") ?? 1, 1), 5)
        guard WebSession.csrfValid(request, form: form) else { return try await again(step, WebText.words(chinese: zh)["csrfFailed"]!, status: .forbidden) }
        if form["back"] != nil { return try await again(max(1, step - 1), nil) }
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let draft: ComplaintDraft
        do {
            draft = try Self.draft(values, step: step)
            if step < 5 {
                // Check what the steps so far asked for; the rest is checked when it is asked.
                if let refused = Self.refusal(draft, workflow: workflow, now: now), Self.step(of: refused.field) <= step {
                    throw refused
                }
                return try await again(step + 1, nil)
            }
            _ = try draft.validated(taxonomy: workflow.taxonomy, now: now)
        } catch {
            let m = message(error, chinese: zh)
            return try await again(min(step, Self.step(of: m.field)), m.text)
        }
        let id = TimeOrderedID.make(at: now)
        let memberId = identity.userId
        var withChannel = draft
        withChannel.channel = .web
        let filed = withChannel
        let outcome: CreateOutcome
        do {
            // A double click sends the same form twice: the key makes the second a replay.
            let key = IdempotencyClaim(memberId: memberId, key: "web-" + (values["_nonce"] ?? id), requestHash: sha256Hex(Array("\(filed)".utf8)))
            outcome = try await services.store.createComplaint(day: workflow.calendar.civilDate(of: now), idempotency: key) { number in
                try workflow.file(filed, id: id, caseNumber: number, memberId: memberId, now: now)
            }
        } catch {
            return try await again(5, message(error, chinese: zh).text)
        }
        let c: Complaint
        switch outcome {
        case .created(let made, _):
            services.metrics.complaintsCreated.increment()
            c = made
        case .replayed(let made): c = made
        }
        if let file {
            do {
                try await addEvidence(c.id, bytes: file.bytes, name: file.name, identity: identity)
            } catch {
                // The complaint is filed; the file's problem is shown on its page, where it can be sent again.
                let text = message(error, chinese: zh).text
                return WebSession.redirect("/my/cases/\(c.id)?uploadError=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
        }
        return WebSession.redirect("/my/cases/\(c.id)")
    }

    /// What validation refuses in the draft, if anything (a later step's field is fine until that step).
    static func refusal(_ draft: ComplaintDraft, workflow: CaseWorkflow, now: Date) -> DomainError? {
        switch Result(catching: { () throws(DomainError) in try draft.validated(taxonomy: workflow.taxonomy, now: now) }) {
        case .success: nil
        case .failure(let e): e
        }
    }

    /// The draft the wizard's values describe. Amounts are typed in yuan and stored in fen.
    static func draft(_ v: [String: String], step: Int) throws -> ComplaintDraft {
        func fen(_ key: String, field: String) throws -> Int64 {
            let text = v[key] ?? ""
            if text.isEmpty { return 0 }
            guard let d = Decimal(string: text), d >= 0, d < 100_000_000 else {
                throw DomainError.invalidField(field: field, code: "invalid_amount", zh: "请输入金额（元），如 98 或 98.50", en: "Enter an amount in yuan, e.g. 98 or 98.50")
            }
            return Int64(truncating: NSDecimalNumber(decimal: d * 100))
        }
        guard step < 1 || !(v["category"] ?? "").isEmpty else {
            throw DomainError.invalidField(field: "category", code: "required", zh: "请选择问题类型", en: "Choose what went wrong")
        }
        var occurred = Date()
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
            productKind: ProductKind(rawValue: v["productKind"] ?? "") ?? .other, respondent: respondent, merchantId: respondent == .merchant ? merchant : nil)
        let remedyText = (v["remedyText"] ?? "").isEmpty ? nil : v["remedyText"]
        return ComplaintDraft(
            category: v["category"] ?? "", order: order, occurredAt: occurred, narrative: v["narrative"] ?? "",
            remedy: Remedy(kind: RemedyKind(rawValue: v["remedyKind"] ?? "") ?? .refund, text: remedyText),
            amountClaimedFen: try fen("amountClaimed", field: "amountClaimedFen"))
    }

    func addEvidence(_ id: String, bytes: [UInt8], name: String?, identity: Identity) async throws {
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: name, limit: workflow.policy.evidence.maxFileBytes, by: identity.actor, at: now)
        let routes = complaints
        _ = try await services.store.addEvidence(complaintId: id, file: file, bytes: bytes) { current in
            try routes.authorize(current, identity)
            return try workflow.addEvidence(current, file: file, by: identity.actor, now: now)
        }
    }

    /// The case as its member sees it.
    func memberCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let events = try await services.store.timeline(complaintId: c.id).filter { $0.visibility == .public }
        let files = try await services.store.evidence(complaintId: c.id)
        var m: [String: Any] = [
            "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh), "tier": WebFormat.tier(c.tier, chinese: zh),
            "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
            "deadlines": WebFormat.deadlines(c, now: now, chinese: zh), "events": events.reversed().map { WebFormat.event($0, chinese: zh) },
            "eventCount": c.eventCount, "amount": WebFormat.yuan(c.amountAtStakeFen),
            "files": files.map { f -> [String: Any] in
                ["name": f.fileName, "url": "/api/v1/complaints/\(c.id)/evidence/\(f.sha256)", "image": f.mediaType.rawValue.hasPrefix("image/")]
            },
            "mayEscalate": workflow.memberMayEscalate(c, now: now), "proposal": c.status == .resolutionProposed,
            "open": Lifecycle.open.contains(c.status),
            "mayRate": !Lifecycle.open.contains(c.status) && c.rating == nil, "scores": [1, 2, 3, 4, 5],
            "mayReopen": (try? workflow.act(.reopen, on: c, by: identity.actor, input: ActionInput(note: "x"), now: now)) != nil,
            "externalChannels": ExternalChannel.allCases.map { ["value": $0.rawValue, "label": zh ? $0.labelZh : $0.labelEn] },
            "externals": c.externalComplaints.map { e -> [String: Any] in ["channel": zh ? e.channel.labelZh : e.channel.labelEn, "reference": e.reference] },
        ]
        let steps = Guidance(workflow: workflow).steps(for: c, now: now, chinese: zh)
        m["hasFiles"] = !files.isEmpty
        m["hasGuidance"] = steps.contains(where: \.available)
        m["guidance"] = steps.filter(\.available).map { ["title": $0.title, "detail": $0.detail, "rule": $0.rule, "recommended": $0.recommended] }
        return m
    }

    func load(_ request: Request, _ context: RedressRequestContext, _ identity: Identity) async throws -> Complaint? {
        guard let id = context.parameters.get("id"), let c = try await services.store.complaint(id: id) else { return nil }
        do {
            try complaints.authorize(c, identity)
        } catch {
            return nil
        }
        return c
    }

    @Sendable func memberCase(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .member) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        guard let c = try await load(request, context, identity) else { return notFound(request, context) }
        let zh = chinese(request)
        var m = try await memberCaseModel(c, identity: identity, chinese: zh)
        if let e = request.uri.queryParameters.get("uploadError") { m["uploadError"] = e }
        if request.uri.queryParameters.get("fragment") == "case" { return pages.fragment("member-case-body", model: m, request: request) }
        return pages.page("member-case", title: c.caseNumber, model: m, request: request, context: context)
    }

    /// A form's change, run when the form's CSRF token holds; otherwise, or when the change is refused, `refused`
    /// shows the form again with the message in the user's language.
    func submit(
        _ request: Request, form: [String: String], _ change: () async throws -> Response, refused: (String) async throws -> Response
    ) async throws -> Response {
        let zh = chinese(request)
        guard WebSession.csrfValid(request, form: form) else { return try await refused(WebText.words(chinese: zh)["csrfFailed"]!) }
        do {
            return try await change()
        } catch {
            return try await refused(message(error, chinese: zh).text)
        }
    }

    /// Runs a change to a case from a form; on failure shows the case page again with the message and the text typed.
    func act(
        _ request: Request, _ context: RedressRequestContext, _ portal: Portal, form: [String: String],
        _ apply: @escaping @Sendable (CaseWorkflow, Complaint, Date, Identity) throws -> CaseChange
    ) async throws -> Response {
        let zh = chinese(request)
        guard let identity = context.identity else {
            return pages.page(
                "message", title: WebText.words(chinese: zh)["logIn"]!,
                model: ["message": WebText.words(chinese: zh)["sessionExpired"]!, "typed": form["body"] ?? form["reason"] ?? form["note"] ?? "", "loginAgain": true],
                request: request, context: context, status: .unauthorized)
        }
        guard portal.admits(identity), let id = context.parameters.get("id") else { return notFound(request, context, status: .forbidden) }
        return try await submit(request, form: form) {
            let workflow = try await services.policies.workflow()
            let now = services.now()
            let routes = complaints
            _ = try await services.store.update(complaintId: id) { current in
                try routes.authorize(current, identity)
                return try apply(workflow, current, now, identity)
            }
            return WebSession.redirect(portal.casePath + id)
        } refused: { failure in
            guard let c = try await services.store.complaint(id: id), (try? complaints.authorize(c, identity)) != nil else { return notFound(request, context) }
            var m = try await caseModel(portal, c, identity: identity, chinese: zh)
            m["error"] = failure
            m["typed"] = form["body"] ?? form["reason"] ?? form["note"] ?? ""
            return pages.page(portal.template, title: c.caseNumber, model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    func caseModel(_ portal: Portal, _ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        switch portal {
        case .member: try await memberCaseModel(c, identity: identity, chinese: zh)
        case .staff: try await staffCaseModel(c, identity: identity, chinese: zh)
        case .merchant: try await merchantCaseModel(c, identity: identity, chinese: zh)
        case .reviewer: try await reviewerCaseModel(c, identity: identity, chinese: zh)
        }
    }

    @Sendable func memberMessage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let body = form["body"] ?? ""
        return try await act(request, context, .member, form: form) { wf, c, now, who in
            try wf.message(on: c, by: who.actor, body: body, visibility: .public, now: now)
        }
    }

    @Sendable func memberEscalate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await act(request, context, .member, form: form) { wf, c, now, who in
            try wf.escalate(c, by: who.actor, reason: reason, now: now)
        }
    }

    @Sendable func memberConfirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let accept = form["answer"] == "accept"
        let note = form["note"]
        return try await act(request, context, .member, form: form) { wf, c, now, who in
            try wf.act(accept ? .accept : .dispute, on: c, by: who.actor, input: ActionInput(note: note), now: now)
        }
    }

    /// Runs `handle` with a page's upload (its text fields and its file, CSRF checked) and goes back to the case page,
    /// with the problem named there if there was one.
    func upload(
        _ request: Request, _ context: RedressRequestContext, _ portal: Portal,
        _ handle: @escaping @Sendable (Identity, String, [String: String], [UInt8], String?) async throws -> Void
    ) async throws -> Response {
        let zh = chinese(request)
        guard let identity = context.identity, portal.admits(identity), let id = context.parameters.get("id") else {
            return WebSession.redirect("/login?expired=1")
        }
        let limit = try await services.policies.workflow().policy.evidence.maxFileBytes
        var failure: String?
        do {
            guard let boundary = ComplaintRoutes.boundary(request.headers[.contentType] ?? "") else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type", zh: "请选择文件后上传", en: "Choose a file to upload")
            }
            let buffer = try await request.body.collect(upTo: limit + 256 * 1024)
            let parsed = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
            let fields = parsed.fields()
            guard WebSession.csrfValid(request, form: fields) else {
                throw APIError(.forbidden, "csrf", zh: WebText.words(chinese: true)["csrfFailed"]!, en: WebText.words(chinese: false)["csrfFailed"]!)
            }
            guard let f = parsed.file(named: "file"), !f.bytes.isEmpty else {
                throw APIError.invalid("file", "required", zh: "请选择要上传的文件", en: "Choose a file to upload")
            }
            try await handle(identity, id, fields, Array(f.bytes), f.fileName)
        } catch is NIOTooManyBytesError {
            failure = DomainError.evidenceTooLarge(limitBytes: limit).message(chinese: zh)
        } catch is MultipartFormData.Failure {
            failure = zh ? "上传内容格式有误，请重新选择文件" : "The upload is malformed; choose the file again"
        } catch {
            failure = message(error, chinese: zh).text
        }
        if let failure {
            return WebSession.redirect(portal.casePath + id + "?uploadError=" + (failure.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return WebSession.redirect(portal.casePath + id)
    }

    @Sendable func memberEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await upload(request, context, .member) { identity, id, _, bytes, name in
            try await self.addEvidence(id, bytes: bytes, name: name, identity: identity)
        }
    }

    @Sendable func memberReopen(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let note = (form["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await act(request, context, .member, form: form) { wf, c, now, who in
            try wf.act(.reopen, on: c, by: who.actor, input: ActionInput(note: note.isEmpty ? nil : note), now: now)
        }
    }

    @Sendable func memberRate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let score = { (k: String) in Int(form[k] ?? "") ?? 0 }
        let (attitude, speed, overall) = (score("attitude"), score("speed"), score("overall"))
        let comment = (form["comment"] ?? "").isEmpty ? nil : form["comment"]
        return try await act(request, context, .member, form: form) { wf, c, now, who in
            try wf.rate(c, attitude: attitude, speed: speed, overall: overall, comment: comment, by: who.actor, now: now)
        }
    }

    // MARK: Merchant pages

    @Sendable func merchantCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .merchant) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        let zh = chinese(request)
        let now = services.now()
        var query = ComplaintQuery(openOnly: true, limit: 100)
        query.respondentMerchantId = identity.merchantId
        let page = try await services.store.complaints(query)
        let workflow = try await services.policies.workflow()
        let items: [[String: Any]] = page.items.map { c in
            [
                "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh),
                "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
                "amount": WebFormat.yuan(c.amountAtStakeFen), "deadlines": WebFormat.deadlines(c, now: now, chinese: zh),
                "overdue": c.nextDueAt.map { $0 <= now } ?? false,
            ]
        }
        let model: [String: Any] = ["items": items, "empty": items.isEmpty, "heading": WebText.words(chinese: zh)["merchantCases"]!]
        if request.uri.queryParameters.get("fragment") == "list" { return pages.fragment("merchant-cases-list", model: model, request: request) }
        return pages.page("merchant-cases", title: WebText.words(chinese: zh)["merchantCases"]!, model: model, request: request, context: context)
    }

    /// The case as the respondent merchant sees it: the member's personal data masked in every text.
    func merchantCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let events = try await services.store.timeline(complaintId: c.id).filter { $0.visibility == .public }.map { e -> TimelineEvent in
            var masked = e
            masked.payload = EventDTO.mask(e.payload)
            return masked
        }
        let files = try await services.store.evidence(complaintId: c.id)
        let open = c.recordsRequests.filter { $0.fulfilledAt == nil && $0.defaultedAt == nil && $0.withdrawnAt == nil }
        return [
            "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh),
            "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
            "orderNumber": c.order.orderNumber, "amount": WebFormat.yuan(c.amountAtStakeFen), "narrative": PersonalData.mask(c.narrative),
            "deadlines": WebFormat.deadlines(c, now: now, chinese: zh), "events": events.reversed().map { WebFormat.event($0, chinese: zh) },
            "eventCount": c.eventCount, "open": Lifecycle.open.contains(c.status),
            "files": files.map { f -> [String: Any] in
                ["name": f.fileName, "url": "/api/v1/complaints/\(c.id)/evidence/\(f.sha256)", "image": f.mediaType.rawValue.hasPrefix("image/")]
            },
            "hasFiles": !files.isEmpty,
            "requests": open.map { r -> [String: Any] in ["id": r.id, "needed": r.needed, "due": WebFormat.instant(r.dueAt), "iso": WebFormat.iso(r.dueAt)] },
            "hasRequests": !open.isEmpty,
            "remedyKinds": RemedyKind.allCases.map { ["value": $0.rawValue, "label": Self.remedyLabel($0, chinese: zh)] },
        ]
    }

    @Sendable func merchantCase(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .merchant) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        guard let c = try await load(request, context, identity) else { return notFound(request, context) }
        var m = try await merchantCaseModel(c, identity: identity, chinese: chinese(request))
        if let e = request.uri.queryParameters.get("uploadError") { m["uploadError"] = e }
        if request.uri.queryParameters.get("fragment") == "case" { return pages.fragment("merchant-case-body", model: m, request: request) }
        return pages.page("merchant-case", title: c.caseNumber, model: m, request: request, context: context)
    }

    @Sendable func merchantMessage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let body = form["body"] ?? ""
        return try await act(request, context, .merchant, form: form) { wf, c, now, who in
            try wf.message(on: c, by: who.actor, body: body, visibility: .public, now: now)
        }
    }

    @Sendable func merchantOffer(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let note = form["note"] ?? ""
        let remedy = Remedy(kind: RemedyKind(rawValue: form["remedyKind"] ?? "") ?? .refund, text: (form["remedyText"] ?? "").isEmpty ? nil : form["remedyText"])
        let amount = Self.optionalFen(form["amount"])
        return try await act(request, context, .merchant, form: form) { wf, c, now, who in
            guard let amount else { throw Self.amountRefused }
            return try wf.offerRemedy(c, remedy: remedy, amountFen: amount, note: note, by: who.actor, now: now)
        }
    }

    /// The merchant's answer to a records request: the file is stored on the case and named as the answer, in two
    /// steps (a file already there is named again, not stored twice).
    @Sendable func merchantRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await upload(request, context, .merchant) { identity, id, fields, bytes, name in
            try await self.addEvidence(id, bytes: bytes, name: name, identity: identity)
            let (sha, requestId, note) = (sha256Hex(bytes), fields["requestId"] ?? "", fields["note"] ?? "")
            let caseFiles = Set(try await self.services.store.evidence(complaintId: id).map(\.sha256))
            let workflow = try await self.services.policies.workflow()
            let (routes, now) = (self.complaints, self.services.now())
            _ = try await self.services.store.update(complaintId: id) { current in
                try routes.authorize(current, identity)
                return try workflow.submitRecords(current, requestId: requestId, note: note, files: [sha], caseFiles: caseFiles, by: identity.actor, now: now)
            }
        }
    }

    // MARK: External reviewers

    @Sendable func reviewerCases(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .reviewer) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        let zh = chinese(request)
        let now = services.now()
        var query = ComplaintQuery(limit: 100)
        query.reviewerId = identity.userId
        let page = try await services.store.complaints(query)
        let workflow = try await services.policies.workflow()
        let items: [[String: Any]] = page.items.map { c in
            [
                "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh),
                "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
                "amount": WebFormat.yuan(c.amountAtStakeFen), "deadlines": WebFormat.deadlines(c, now: now, chinese: zh),
            ]
        }
        let title = WebText.words(chinese: zh)["reviewCases"]!
        return pages.page("reviewer-cases", title: title, model: ["items": items, "empty": items.isEmpty, "heading": title], request: request, context: context)
    }

    /// The public record of a case given to an external reviewer, and the ruling form.
    func reviewerCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        var m = try await memberCaseModel(c, identity: identity, chinese: zh)
        for key in ["mayEscalate", "proposal", "open", "mayRate", "mayReopen", "hasGuidance"] { m[key] = false }
        m["narrative"] = c.narrative
        m["orderNumber"] = c.order.orderNumber
        m["outcomes"] = RulingOutcome.allCases.map { ["value": $0.rawValue, "label": Self.outcomeLabel($0, chinese: zh)] }
        m["mayRule"] = Lifecycle.open.contains(c.status)
        return m
    }

    @Sendable func reviewerCase(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .reviewer) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        guard let c = try await load(request, context, identity) else { return notFound(request, context) }
        let m = try await reviewerCaseModel(c, identity: identity, chinese: chinese(request))
        return pages.page("reviewer-case", title: c.caseNumber, model: m, request: request, context: context)
    }

    @Sendable func reviewerRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await rule(request, context, .reviewer)
    }

    // MARK: Staff pages

    @Sendable func staffRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await rule(request, context, .staff)
    }

    /// A ruling from a decider's or an external reviewer's case page.
    func rule(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let outcome = RulingOutcome(rawValue: form["outcome"] ?? "")
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let amount = Self.optionalFen(form["amount"])
        return try await act(request, context, portal, form: form) { wf, c, now, who in
            guard let outcome else { throw DomainError.invalidField(field: "outcome", code: "required", zh: "请选择裁决结果", en: "Choose the outcome") }
            guard let amount else { throw Self.amountRefused }
            return try wf.rule(c, outcome: outcome, remedy: nil, amountFen: amount, reason: reason, by: who.actor, now: now)
        }
    }

    @Sendable func staffFreeze(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let target = FreezeTarget(rawValue: form["target"] ?? "") ?? .order
        let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let freezeId = TimeOrderedID.make(at: services.now())
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.freeze(c, target: target, reference: reference, reason: reason, id: freezeId, by: who.actor, now: now)
        }
    }

    @Sendable func staffRelease(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let freezeId = form["freezeId"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.releaseFreeze(c, freezeId: freezeId, reason: reason, by: who.actor, now: now)
        }
    }

    /// The default ruling the merchant's silence proposed, confirmed by L2.
    @Sendable func staffConfirmRuling(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        return try await act(request, context, .staff, form: form) { wf, c, now, who in try wf.confirmProposedRuling(c, by: who.actor, now: now) }
    }

    /// A parallel complaint on 12315, 黑猫投诉 or elsewhere, recorded from the member's or the staff's case page.
    func recordExternal(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let channel = ExternalChannel(rawValue: form["channel"] ?? "")
        let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let filed = CivilDate(iso: form["filedOn"] ?? "")
        let externalId = TimeOrderedID.make(at: services.now())
        return try await act(request, context, portal, form: form) { wf, c, now, who in
            guard let channel else { throw DomainError.invalidField(field: "channel", code: "required", zh: "请选择投诉渠道", en: "Choose where it was filed") }
            guard let filed else { throw DomainError.invalidField(field: "filedOn", code: "invalid_date", zh: "请填写提交日期", en: "Give the date it was filed") }
            return try wf.recordExternal(c, channel: channel, reference: reference, filedOn: filed, note: nil, id: externalId, by: who.actor, now: now)
        }
    }

    @Sendable func staffExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await recordExternal(request, context, .staff)
    }

    @Sendable func memberExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await recordExternal(request, context, .member)
    }

    /// L2 and above name who answers for the case: the platform, or a registered merchant.
    @Sendable func staffRespondent(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let choice = form["respondent"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let merchantId = choice.hasPrefix("merchant:") ? String(choice.dropFirst("merchant:".count)) : nil
        let known = try await merchantId.asyncMap { try await services.store.merchant(id: $0) } != nil
        let respondent = choice == "platform" ? CaseRespondent(kind: .platform) : CaseRespondent(kind: .merchant, merchantId: merchantId)
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.changeRespondent(c, to: respondent, reason: reason, by: who.actor, merchantKnown: known, now: now)
        }
    }

    @Sendable func staffRequestRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let needed = (form["needed"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let hours = Double(form["hours"] ?? "") ?? 72
        let requestId = TimeOrderedID.make(at: services.now())
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.requestRecords(c, needed: needed, dueAt: now.addingTimeInterval(hours * 3600), id: requestId, by: who.actor, now: now)
        }
    }

    @Sendable func queue(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .staff) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        let zh = chinese(request)
        let now = services.now()
        let visible = identity.role.visibleQueues.sorted { $0.rawValue < $1.rawValue }
        let chosen = request.uri.queryParameters.get("queue").flatMap(Queue.init(rawValue:)).flatMap { visible.contains($0) ? $0 : nil }
        var query = ComplaintQuery(queues: Set(chosen.map { [$0] } ?? visible), openOnly: true, limit: 100)
        query.offset = 0
        let page = try await services.store.complaints(query)
        let workflow = try await services.policies.workflow()
        let items: [[String: Any]] = page.items.map { c in
            let overdue = c.nextDueAt.map { $0 <= now } ?? false
            return [
                "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh), "queue": WebFormat.queue(c.queue, chinese: zh),
                "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
                "amount": WebFormat.yuan(c.amountAtStakeFen), "overdue": overdue, "emergency": c.emergency,
                "due": c.nextDueAt.map(WebFormat.instant) ?? "", "iso": c.nextDueAt.map(WebFormat.iso) ?? "",
                "remaining": c.nextDueAt.flatMap { WebFormat.remaining($0, now: now, chinese: zh) } ?? "",
            ]
        }
        let model: [String: Any] = [
            "items": items, "empty": items.isEmpty, "total": page.total,
            "queues": visible.map { q -> [String: Any] in ["name": q.rawValue, "label": WebFormat.queue(q, chinese: zh), "current": q == chosen] },
            "all": chosen == nil,
        ]
        if request.uri.queryParameters.get("fragment") == "queue" { return pages.fragment("queue-body", model: model, request: request) }
        return pages.page("queue", title: WebText.words(chinese: zh)["queue"]!, model: model, request: request, context: context)
    }

    func staffCaseModel(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let events = try await services.store.timeline(complaintId: c.id)
        let files = try await services.store.evidence(complaintId: c.id)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        let mayChangeRespondent = identity.role.decides && !c.status.isFinished
        let merchants = mayChangeRespondent ? try await services.store.merchants() : []
        let respondent = try await c.respondent.merchantId.asyncMap { try await services.store.merchant(id: $0) } ?? nil
        let respondentLabel =
            c.respondent.kind == .platform
            ? WebText.words(chinese: zh)["respondentPlatform"]! : respondent.map { "\($0.shopName)（\($0.registeredName)）" } ?? (c.respondent.merchantId ?? "")
        let actions = CaseAction.allCases.filter { a in
            a != .accept && a != .dispute && (try? workflow.act(a, on: c, by: identity.actor, input: ActionInput(note: "x", rejectionReason: .outsideScope), now: now)) != nil
        }
        return [
            "id": c.id, "caseNumber": c.caseNumber, "status": WebFormat.status(c.status, chinese: zh), "tier": WebFormat.tier(c.tier, chinese: zh),
            "category": workflow.taxonomy.category(c.categoryCode).map { zh ? $0.labelZh : $0.labelEn } ?? c.categoryCode,
            "narrative": c.narrative, "orderNumber": c.order.orderNumber, "amount": WebFormat.yuan(c.amountAtStakeFen),
            "deadlines": WebFormat.deadlines(c, now: now, chinese: zh), "events": events.reversed().map { WebFormat.event($0, chinese: zh) },
            "eventCount": c.eventCount, "chainValid": chain.valid, "queue": WebFormat.queue(c.queue, chinese: zh),
            "files": files.map { f -> [String: Any] in
                [
                    "name": f.fileName, "url": "/api/v1/complaints/\(c.id)/evidence/\(f.sha256)", "image": f.mediaType.rawValue.hasPrefix("image/"),
                    "type": f.mediaType.rawValue,
                ]
            },
            "actions": actions.map { ["value": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " ")] },
            "mayEscalate": c.tier.next != nil && Lifecycle.open.contains(c.status), "hasFiles": !files.isEmpty, "hasActions": !actions.isEmpty,
            "mayRequestRecords": c.respondentMerchantId != nil && Lifecycle.open.contains(c.status) && identity.role.decides,
            "mayRule": identity.role.decides && Lifecycle.open.contains(c.status),
            "outcomes": RulingOutcome.allCases.map { ["value": $0.rawValue, "label": Self.outcomeLabel($0, chinese: zh)] },
            "mayFreeze": (identity.role == .riskControl || identity.role == .admin) && Lifecycle.open.contains(c.status),
            "externalChannels": ExternalChannel.allCases.map { ["value": $0.rawValue, "label": zh ? $0.labelZh : $0.labelEn] },
            "externals": c.externalComplaints.map { e -> [String: Any] in ["channel": zh ? e.channel.labelZh : e.channel.labelEn, "reference": e.reference] },
            "freezes": c.freezes.map { f -> [String: Any] in ["freezeId": f.id, "target": f.target.rawValue, "reference": f.reference, "released": f.releasedAt != nil] },
            "proposedRuling": c.proposedRuling.map { r -> [String: Any] in
                ["outcome": Self.outcomeLabel(r.outcome, chinese: zh), "amount": r.amountFen.map(WebFormat.yuan) ?? "", "reason": r.reason]
            } as Any,
            "mayConfirmRuling": c.proposedRuling != nil && identity.role.decides,
            "respondent": respondentLabel, "mayChangeRespondent": mayChangeRespondent,
            "respondents": [["value": "platform", "label": WebText.words(chinese: zh)["respondentPlatform"]!, "selected": c.respondent.kind == .platform]]
                + merchants.map { m -> [String: Any] in
                    ["value": "merchant:" + m.id, "label": "\(m.shopName)（\(m.registeredName)）", "selected": c.respondent.merchantId == m.id]
                },
        ]
    }

    @Sendable func staffCase(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity: Identity
        switch require(request, context, .staff) {
        case .allowed(let i): identity = i
        case .denied(let r): return r
        }
        guard let c = try await load(request, context, identity) else { return notFound(request, context) }
        let m = try await staffCaseModel(c, identity: identity, chinese: chinese(request))
        if request.uri.queryParameters.get("fragment") == "case" { return pages.fragment("staff-case-body", model: m, request: request) }
        return pages.page("staff-case", title: c.caseNumber, model: m, request: request, context: context)
    }

    @Sendable func staffMessage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let body = form["body"] ?? ""
        let visibility: Visibility = form["visibility"] == "internal" ? .internal : .public
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.message(on: c, by: who.actor, body: body, visibility: visibility, now: now)
        }
    }

    @Sendable func staffTransition(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let action = CaseAction(rawValue: form["action"] ?? "")
        let note = (form["note"] ?? "").isEmpty ? nil : form["note"]
        let reason = RejectionReason(rawValue: form["reason"] ?? "")
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            guard let action else {
                throw DomainError.invalidField(field: "action", code: "unknown_action", zh: "请选择操作", en: "Choose an action")
            }
            return try wf.act(action, on: c, by: who.actor, input: ActionInput(note: note, rejectionReason: reason), now: now)
        }
    }

    @Sendable func staffEscalate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.escalate(c, by: who.actor, reason: reason, now: now)
        }
    }
}
