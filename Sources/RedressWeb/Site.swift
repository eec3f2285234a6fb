import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// What every portal's pages share: the use cases, the renderer, the language, error messages, and the way a form's
/// change to a case is run and shown again when it is refused.
struct Site: Sendable {
    let services: RedressServices
    let pages = WebPages.shared

    /// A page's caller, or the response that turns them away.
    enum Gate {
        case allowed(Identity)
        case denied(Response)
    }

    /// The signed-in user when the portal admits them; otherwise a redirect to the log-in page that comes back here
    /// (no session), or "not allowed" (another role).
    func require(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) -> Gate {
        guard let identity = context.identity else { return .denied(toLogin(request, context)) }
        if !portal.admits(identity) { return .denied(notFound(request, context, status: .forbidden)) }
        return .allowed(identity)
    }

    /// The log-in page, coming back to this page afterwards.
    func toLogin(_ request: Request, _ context: RedressRequestContext) -> Response {
        WebSession.redirect(SiteURL.login(next: request.uri.path, expired: context.sessionExpired).path)
    }

    func chinese(_ r: Request) -> Bool { WebSession.chinese(r) }

    func message(_ e: any Error, chinese: Bool) -> (text: String, field: String?) {
        switch e {
        case let a as APIError: return (chinese ? a.zh : a.en, a.field)
        default:
            guard let refusal = AppError.from(e) else { return (WebText.word("actionFailed", chinese: chinese), nil) }
            return (refusal.message(chinese: chinese), refusal.field)
        }
    }

    /// Where a signed-in user starts.
    static func start(_ identity: Identity) -> String {
        let url: SiteURL =
            identity.role.isStaff
            ? .queue() : identity.role == .merchant ? .merchantCases() : identity.role == .arbitrator ? .reviewerCases() : .myCases()
        return url.path
    }

    func notFound(_ request: Request, _ context: RedressRequestContext, status: HTTPResponse.Status = .notFound) -> Response {
        let zh = chinese(request)
        let text = status == .forbidden ? WebText.word("forbidden", chinese: zh) : WebText.word("notFound", chinese: zh)
        return pages.page("message", title: text, model: MessagePage(message: text), request: request, context: context, status: status)
    }

    /// The case of the page's `id`, or nil when there is none the user may see.
    func load(_ request: Request, _ context: RedressRequestContext, _ identity: Identity) async throws -> Complaint? {
        guard let id = context.parameters.get("id") else { return nil }
        return try await services.cases.find(id, for: identity)
    }

    /// A form's change, run when the form's CSRF token holds; otherwise, or when the change is refused, `refused`
    /// shows the form again with the message in the user's language.
    func submit(
        _ request: Request, form: [String: String], _ change: () async throws -> Response, refused: (String) async throws -> Response
    ) async throws -> Response {
        let zh = chinese(request)
        guard WebSession.csrfValid(request, form: form) else { return try await refused(WebText.word("csrfFailed", chinese: zh)) }
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
        try await perform(request, context, portal, form: form) { identity, id in
            _ = try await services.cases.change(id, by: identity) { wf, c, now in try apply(wf, c, now, identity) }
        }
    }

    /// Runs a use case on the page's case (`id`) from a form, then back to the case page; on failure shows the case
    /// page again with the message and the text typed.
    func perform(
        _ request: Request, _ context: RedressRequestContext, _ portal: Portal, form: [String: String],
        _ change: @escaping @Sendable (Identity, String) async throws -> Void
    ) async throws -> Response {
        let zh = chinese(request)
        guard let identity = context.identity else {
            return pages.page(
                "message", title: WebText.word("logIn", chinese: zh),
                model: MessagePage(
                    message: WebText.word("sessionExpired", chinese: zh), typed: form["body"] ?? form["reason"] ?? form["note"], loginAgain: true),
                request: request, context: context, status: .unauthorized)
        }
        guard portal.admits(identity), let id = context.parameters.get("id") else { return notFound(request, context, status: .forbidden) }
        return try await submit(request, form: form) {
            try await change(identity, id)
            return WebSession.redirect(portal.caseURL(id).path)
        } refused: { failure in
            guard let c = try await services.cases.find(id, for: identity) else { return notFound(request, context) }
            var m = try await caseModel(portal, c, identity: identity, chinese: zh)
            m["error"] = failure
            m["typed"] = form["body"] ?? form["reason"] ?? form["note"] ?? ""
            return pages.page(portal.template, title: c.caseNumber, model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    /// The portal's case page model, as its template's context.
    func caseModel(_ portal: Portal, _ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> [String: Any] {
        switch portal {
        case .member: try await MemberPortal(site: self).casePage(c, identity: identity, chinese: zh).fields
        case .staff, .supervisor, .admin: try await StaffPortal(site: self).casePage(c, identity: identity, chinese: zh).fields
        case .merchant: try await MerchantPortal(site: self).casePage(c, identity: identity, chinese: zh).fields
        case .reviewer: try await ReviewerPortal(site: self).casePage(c, identity: identity, chinese: zh).fields
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
            return WebSession.redirect(SiteURL.login(expired: true).path)
        }
        let limit = try await services.cases.evidenceLimit()
        var failure: String?
        do {
            guard let boundary = MultipartFormData.boundary(request.headers[.contentType] ?? "") else {
                throw AppError(.unsupportedMediaType, "unsupported_media_type", zh: "请选择文件后上传", en: "Choose a file to upload")
            }
            let buffer = try await request.body.collect(upTo: limit + 256 * 1024)
            let parsed = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
            let fields = parsed.fields()
            guard WebSession.csrfValid(request, form: fields) else {
                throw AppError(.forbidden, "csrf", zh: WebText.zh["csrfFailed"] ?? "", en: WebText.en["csrfFailed"] ?? "")
            }
            guard let f = parsed.file(named: "file"), !f.bytes.isEmpty else {
                throw AppError.invalid("file", "required", zh: "请选择要上传的文件", en: "Choose a file to upload")
            }
            try await handle(identity, id, fields, Array(f.bytes), f.fileName)
        } catch is NIOTooManyBytesError {
            failure = DomainError.evidenceTooLarge(limitBytes: limit).message(chinese: zh)
        } catch is MultipartFormData.Failure {
            failure = WebText.word("uploadMalformed", chinese: zh)
        } catch {
            failure = message(error, chinese: zh).text
        }
        return WebSession.redirect(portal.caseURL(id, uploadError: failure).path)
    }

    /// A file from a page's upload, added to the case as evidence.
    func addEvidence(_ id: String, bytes: [UInt8], name: String?, identity: Identity) async throws {
        _ = try await services.cases.addEvidence(to: id, bytes: bytes, fileName: name, by: identity)
    }

    /// A ruling from a decider's or an external reviewer's case page.
    func rule(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let outcome = RulingOutcome(rawValue: form["outcome"] ?? "")
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let amount = FilingWizard.optionalFen(form["amount"])
        return try await act(request, context, portal, form: form) { wf, c, now, who in
            guard let outcome else { throw DomainError.invalidField(field: "outcome", code: "required", zh: "请选择裁决结果", en: "Choose the outcome") }
            guard let amount else { throw FilingWizard.amountRefused }
            return try wf.rule(c, outcome: outcome, remedy: nil, amountFen: amount, reason: reason, by: who.actor, now: now)
        }
    }

    /// A parallel complaint on 12315, 黑猫投诉 or elsewhere, recorded from the member's or the staff's case page.
    func recordExternal(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let channel = ExternalChannel(rawValue: form["channel"] ?? "")
        let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let filed = CivilDate(iso: form["filedOn"] ?? "")
        let externalId = services.cases.newId()
        return try await act(request, context, portal, form: form) { wf, c, now, who in
            guard let channel else {
                throw DomainError.invalidField(field: "channel", code: "required", zh: "请选择投诉渠道", en: "Choose where it was filed")
            }
            guard let filed else {
                throw DomainError.invalidField(field: "filedOn", code: "invalid_date", zh: "请填写提交日期", en: "Give the date it was filed")
            }
            return try wf.recordExternal(
                c, channel: channel, reference: reference, filedOn: filed, note: nil, id: externalId, by: who.actor, now: now)
        }
    }

    // MARK: What every portal shows and does alike

    /// A list's rows, with what any portal's list shows of a case (each template uses the fields it needs).
    func rows(
        _ cases: [Complaint], in portal: Portal, for viewer: Role, workflow: CaseWorkflow, now: Date, chinese zh: Bool, owners: [String: String] = [:]
    ) -> [CaseRow] {
        cases.map { c in
            let next = c.openDeadlines.filter { $0.dueAt != nil }.min { $0.dueAt! < $1.dueAt! }
            return CaseRow(
                id: c.id, orderNumber: c.order.orderNumber,
                excerpt: Self.excerpt(c.narrative),
                dueLabel: next?.kind.label(chinese: zh) ?? "",
                owner: c.assigneeId.map { owners[$0] ?? WebText.word("assigned", chinese: zh) } ?? WebText.word("unassigned", chinese: zh),
                url: portal.caseURL(c.id).path, caseNumber: c.caseNumber, status: c.status.label(chinese: zh),
                queue: c.queue.label(chinese: zh),
                category: workflow.taxonomy.category(c.categoryCode)?.label(chinese: zh) ?? c.categoryCode,
                amount: Yuan.format(c.amountAtStakeFen),
                deadlines: WebFormat.deadlines(c, now: now, for: viewer, chinese: zh), overdue: c.isOverdue(at: now), emergency: c.emergency,
                filed: WebFormat.instant(c.createdAt), due: c.nextDueAt.map(WebFormat.instant) ?? "", iso: c.nextDueAt.map(WebFormat.iso) ?? "",
                remaining: c.nextDueAt.flatMap { WebFormat.remaining($0, now: now, chinese: zh) } ?? "")
        }
    }

    /// The first line of a narrative, cut at 40 characters, to tell cases apart in a list.
    static func excerpt(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 40 ? String(line.prefix(40)) + "…" : line
    }

    /// The caller's page of cases with their rows, as the use case narrows `query` to what they may see; a search's
    /// rows carry the passage that matched.
    func list(_ query: ComplaintQuery, in portal: Portal, for identity: Identity, chinese zh: Bool) async throws -> (
        rows: [CaseRow], total: Int, page: ComplaintPage
    ) {
        let page = try await services.cases.list(query, for: identity)
        var rows = rows(page.items, in: portal, for: identity.role, workflow: try await services.cases.workflow(), now: services.now(), chinese: zh)
        Self.markFound(&rows, page)
        return (rows, page.total, page)
    }

    /// Puts each found case's matched passage on its row.
    static func markFound(_ rows: inout [CaseRow], _ page: ComplaintPage) {
        for i in rows.indices {
            rows[i].found = (page.snippets[rows[i].id] ?? []).map { FoundPart(text: $0.text, hit: $0.match) }
            rows[i].matched = !rows[i].found.isEmpty
        }
    }

    /// A case list with its search box (`q`): a member's complaints, a merchant's cases. A refused search shows the
    /// list unsearched with the reason. A merchant's open cases go on to the next page from a cursor (`address` gets
    /// the search, whether the list alone is wanted, and the cursor).
    func searchableList(
        _ request: Request, _ identity: Identity, in portal: Portal, base: ComplaintQuery, heading: String?,
        address: (String?, Bool, String?) -> SiteURL
    ) async throws -> CaseListPage {
        let zh = chinese(request)
        let raw = (request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        var query = base
        var refused: String?
        do {
            query.search = try SearchText.Query(parsing: raw)
        } catch {
            refused = error.message(chinese: zh)
        }
        // A search finds closed cases too.
        if query.search != nil { query.openOnly = false }
        let cursor = query.search == nil && portal == .merchant ? request.uri.queryParameters.get("cursor").flatMap(QueueCursor.init(encoded:)) : nil
        query.after = cursor
        let (rows, total, page) = try await list(query, in: portal, for: identity, chinese: zh)
        let q = query.search == nil ? "" : raw
        return CaseListPage(
            items: rows, heading: heading, q: q, fragment: address(q.isEmpty ? nil : q, true, cursor?.encoded).path,
            action: address(nil, false, nil).path, found: Self.count(total, lowerBound: page.totalIsLowerBound, chinese: zh), searchError: refused,
            searchLabel: WebText.word(portal == .member ? "searchMyCases" : "searchCases", chinese: zh),
            nextURL: page.next.map { address(nil, false, $0.encoded).path }, firstURL: cursor == nil ? nil : address(nil, false, nil).path)
    }

    /// A count as a list shows it: "more than {n}" when counting stopped.
    static func count(_ n: Int, lowerBound: Bool, chinese zh: Bool) -> String {
        lowerBound
            ? WebText.word("moreThan", chinese: zh).replacingOccurrences(of: "{n}", with: n.formatted(.number.grouping(.automatic))) : String(n)
    }

    /// The record of a case as `identity` may read it: the events they may see, the member's personal data masked
    /// for a merchant.
    /// `events`: the timeline as `identity` may read it, when the page has read it already.
    func record(
        _ c: Complaint, in portal: Portal, events: [TimelineEvent]? = nil, workflow: CaseWorkflow, now: Date, for identity: Identity,
        chinese zh: Bool
    ) async throws -> CaseRecord {
        var timeline = events ?? []
        if events == nil { timeline = try await services.cases.timeline(of: c, for: identity) }
        let files = try await services.cases.evidence(of: c, for: identity)
        let c = try await services.cases.readable(c, for: identity)
        let merchant = c.respondent.kind == .merchant ? try await services.cases.respondent(of: c) : nil
        var remedy = c.remedy.kind.label(chinese: zh)
        if let text = c.remedy.text, !text.isEmpty {
            remedy += (zh ? "：" : ": ") + text
        }
        let platform = WebText.word("respondentPlatform", chinese: zh)
        return CaseRecord(
            id: c.id, links: SiteURL.caseLinks(portal, c.id), caseNumber: c.caseNumber, status: c.status.label(chinese: zh),
            tier: c.tier.label(chinese: zh),
            category: workflow.taxonomy.category(c.categoryCode)?.label(chinese: zh) ?? c.categoryCode, amount: Yuan.format(c.amountAtStakeFen),
            orderNumber: c.order.orderNumber, amountPaid: Yuan.format(c.order.amountPaidFen), remedy: remedy,
            amountClaimed: Yuan.format(c.amountClaimedFen),
            respondentName: merchant?.shopName
                ?? (c.order.merchantName.map { "\(platform)（\(WebText.word("merchantNamedAs", chinese: zh))\($0)）" } ?? platform),
            respondentDetail: merchant.map {
                "\($0.registeredName) · \(WebText.word("licence", chinese: zh)) \($0.businessLicenceNumber) · \($0.registeredAddress)"
            },
            respondentURL: merchant.map { SiteURL.publicMerchant($0.id).path }, narrative: c.narrative,
            deadlines: WebFormat.deadlines(c, now: now, for: identity.role, chinese: zh),
            events: timeline.reversed().map { WebFormat.event($0, chinese: zh) }, eventCount: c.eventCount,
            files: files.map { f in
                FileRow(
                    name: f.fileName, url: SiteURL.evidence(complaintId: c.id, sha256: f.sha256).path,
                    image: f.mediaType.rawValue.hasPrefix("image/"),
                    type: WebText.word(
                        f.mediaType.rawValue.hasPrefix("image/") ? "fileImage" : f.mediaType.rawValue == "application/pdf" ? "filePdf" : "fileText",
                        chinese: zh))
            },
            open: Lifecycle.open.contains(c.status),
            externalChannels: ExternalChannel.allCases.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            externals: c.externalComplaints.map { ExternalRow(channel: $0.channel.label(chinese: zh), reference: $0.reference) })
    }

    /// A portal's case page (its body alone when live updates ask for it), with a refused upload's message.
    func casePage(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let c = try await load(request, context, identity) else { return notFound(request, context) }
        var m = try await caseModel(portal, c, identity: identity, chinese: chinese(request))
        if let e = request.uri.queryParameters.get("uploadError") { m["uploadError"] = e }
        if portal == .member, request.uri.queryParameters.get("filed") == "1" { m["filed"] = true }
        if request.uri.queryParameters.get("fragment") == "case", let body = portal.fragment {
            return pages.fragment(body, model: m, request: request)
        }
        return pages.page(portal.template, title: c.caseNumber, model: m, request: request, context: context)
    }

    /// A message on the case from its page: public, or (staff only) an internal note.
    func postMessage(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let body = form["body"] ?? ""
        let visibility: Visibility = portal == .staff && form["visibility"] == "internal" ? .internal : .public
        return try await act(request, context, portal, form: form) { wf, c, now, who in
            try wf.message(on: c, by: who.actor, body: body, visibility: visibility, now: now)
        }
    }

    /// An escalation with its reason, from the member's or the staff's case page.
    func escalate(_ request: Request, _ context: RedressRequestContext, _ portal: Portal) async throws -> Response {
        let form = try await WebSession.form(request)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await act(request, context, portal, form: form) { wf, c, now, who in try wf.escalate(c, by: who.actor, reason: reason, now: now) }
    }
}
