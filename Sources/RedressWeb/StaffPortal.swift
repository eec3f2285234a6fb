import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The staff's pages: the queues of their tier and the case page with every action the case allows.
struct StaffPortal: Sendable {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    /// Under `/work`, behind the staff portal's gate.
    func register(on work: RouterGroup<RedressRequestContext>) {
        work.get(use: queue)
        work.get("cases/:id") { request, context in try await site.casePage(request, context, .staff) }
        work.post(SiteURL.CaseForm.messages.route) { request, context in try await site.postMessage(request, context, .staff) }
        work.post(SiteURL.CaseForm.transitions.route, use: staffTransition)
        work.post(SiteURL.CaseForm.escalate.route) { request, context in try await site.escalate(request, context, .staff) }
        work.post(SiteURL.CaseForm.recordsRequests.route, use: staffRequestRecords)
        work.post(SiteURL.CaseForm.rulings.route, use: staffRule)
        work.post(SiteURL.CaseForm.freezes.route, use: staffFreeze)
        work.post(SiteURL.CaseForm.releaseFreeze.route, use: staffRelease)
        work.post(SiteURL.CaseForm.confirmRuling.route, use: staffConfirmRuling)
        work.post(SiteURL.CaseForm.external.route, use: staffExternal)
        work.post(SiteURL.CaseForm.respondent.route, use: staffRespondent)
        work.post(SiteURL.CaseForm.reviewers.route, use: staffAssignReviewer)
    }

    @Sendable func staffRule(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.rule(request, context, .staff)
    }

    @Sendable func staffFreeze(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let target = FreezeTarget(rawValue: form["target"] ?? "") ?? .order
        let reference = (form["reference"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let freezeId = services.cases.newId()
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.freeze(c, target: target, reference: reference, reason: reason, id: freezeId, by: who.actor, now: now)
        }
    }

    @Sendable func staffRelease(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let freezeId = form["freezeId"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.releaseFreeze(c, freezeId: freezeId, reason: reason, by: who.actor, now: now)
        }
    }

    /// The default ruling the merchant's silence proposed, confirmed by L2.
    @Sendable func staffConfirmRuling(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in try wf.confirmProposedRuling(c, by: who.actor, now: now)
        }
    }

    @Sendable func staffExternal(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try await site.recordExternal(request, context, .staff)
    }

    /// L2 and above name who answers for the case: the platform, or a registered merchant.
    @Sendable func staffRespondent(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let choice = form["respondent"] ?? ""
        let reason = (form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let merchantId = choice.hasPrefix("merchant:") ? String(choice.dropFirst("merchant:".count)) : nil
        let respondent = choice == "platform" ? CaseRespondent(kind: .platform) : CaseRespondent(kind: .merchant, merchantId: merchantId)
        return try await site.perform(request, context, .staff, form: form) { identity, id in
            _ = try await services.cases.changeRespondent(id, to: respondent, reason: reason, by: identity)
        }
    }

    /// Admins give the case to an external reviewer (arbitration), who then reads it and rules from their pages.
    @Sendable func staffAssignReviewer(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let reviewerId = form["reviewerId"] ?? ""
        return try await site.perform(request, context, .staff, form: form) { identity, id in
            guard !reviewerId.isEmpty else {
                throw DomainError.invalidField(field: "reviewerId", code: "required", zh: "请选择外部审查人", en: "Choose a reviewer")
            }
            _ = try await services.cases.assignReviewer(id, reviewerId: reviewerId, by: identity)
        }
    }

    @Sendable func staffRequestRecords(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let needed = (form["needed"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let hours = Double(form["hours"] ?? "") ?? 72
        let requestId = services.cases.newId()
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            try wf.requestRecords(c, needed: needed, dueAt: now.addingTimeInterval(hours * 3600), id: requestId, by: who.actor, now: now)
        }
    }

    @Sendable func queue(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = site.chinese(request)
        let params = request.uri.queryParameters
        // A case number typed into the search box opens that case; other words search the cases.
        let typed = (params.get("q") ?? params.get("caseNumber") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if typed.uppercased().hasPrefix("RD-"), let c = try await services.cases.find(caseNumber: typed, for: identity) {
            return WebSession.redirect(SiteURL.staffCase(c.id).path)
        }
        var search: SearchText.Query?
        var refused: String?
        do {
            search = try SearchText.Query(parsing: typed)
        } catch {
            refused = error.message(chinese: zh)
        }
        let visible = identity.role.visibleQueues.sorted { $0.rawValue < $1.rawValue }
        let chosen = params.get("queue").flatMap(Queue.init(rawValue:)).flatMap { visible.contains($0) ? $0 : nil }
        let workflow = try await services.cases.workflow()
        let category = params.get("category").flatMap { workflow.taxonomy.category($0) == nil ? nil : $0 }
        let overdue = params.get("overdue") == "1"
        let filter = QueueFilter(queue: chosen, category: category, overdue: overdue, q: search == nil ? nil : typed)
        // A search reads closed cases too, best match first, and pages by offset; the queue reads open cases in its order.
        var query = ComplaintQuery(
            queues: Set(chosen.map { [$0] } ?? visible), category: category, overdueAt: overdue ? services.now() : nil, openOnly: search == nil,
            limit: 50)
        query.search = search
        // Later pages start where the one before ended, read from the queue's index (an unreadable cursor: the first page).
        let cursor = search == nil ? params.get("cursor").flatMap(QueueCursor.init(encoded:)) : nil
        query.after = cursor
        let page = try await services.cases.list(query, for: identity)
        let owners = try await services.accounts.staffNames(by: identity)
        let members = try await services.accounts.memberNames(Set(page.items.map(\.memberId)), by: identity)
        var items = site.rows(page.items, in: .staff, for: identity.role, workflow: workflow, now: services.now(), chinese: zh, owners: owners)
        for i in items.indices { items[i].member = members[page.items[i].memberId] ?? "" }
        Site.markFound(&items, page)
        let notFound = typed.uppercased().hasPrefix("RD-") && page.items.isEmpty
        let model = QueuePage(
            items: items,
            total: Site.count(page.total, lowerBound: page.totalIsLowerBound, chinese: zh),
            nextURL: page.next.map { SiteURL.queue(chosen, filter: filter, cursor: $0.encoded).path },
            firstURL: cursor == nil ? nil : SiteURL.queue(chosen, filter: filter).path,
            queues: [
                QueuePage.Tab(
                    url: SiteURL.queue(nil, filter: filter.with(queue: nil)).path, name: "", label: WebText.word("allQueues", chinese: zh),
                    current: chosen == nil)
            ]
                + visible.map {
                    QueuePage.Tab(
                        url: SiteURL.queue($0, filter: filter.with(queue: $0)).path, name: $0.rawValue, label: $0.label(chinese: zh),
                        current: $0 == chosen)
                },
            all: chosen == nil, fragment: SiteURL.queue(chosen, fragment: true, filter: filter, cursor: cursor?.encoded).path,
            queue: chosen?.rawValue ?? "",
            categories: [Choice(value: "", label: WebText.word("allCategories", chinese: zh), selected: category == nil)]
                + workflow.taxonomy.categories.map { Choice(value: $0.code, label: $0.label(chinese: zh), selected: $0.code == category) },
            overdue: overdue, caseNumber: notFound ? typed : nil, q: typed, searching: search != nil, searchError: refused)
        if params.get("fragment") == "queue" { return pages.fragment("queue-body", model: model.fields, request: request) }
        return pages.page("queue", title: WebText.word("queue", chinese: zh), model: model, request: request, context: context)
    }

    /// The queue's filters, kept in its links (tabs, live fragment).
    struct QueueFilter: Sendable {
        var queue: Queue?
        var category: String?
        var overdue: Bool
        /// Words searched for.
        var q: String? = nil

        func with(queue: Queue?) -> QueueFilter {
            var f = self
            f.queue = queue
            return f
        }
    }

    /// The queues of the staff member's tier, nearest deadline first, with their filters.
    struct QueuePage: PageModel {
        struct Tab: Sendable {
            var url: String
            var name: String
            var label: String
            var current: Bool
        }
        var items: [CaseRow]
        /// How many open cases, or "more than 10,000".
        var total: String
        /// The next page of the queue, when there is one; the first, when this is a later one.
        var nextURL: String?
        var firstURL: String?
        var queues: [Tab]
        var all: Bool
        /// The list alone, of the queue shown, for live updates.
        var fragment: String
        var queue: String
        var categories: [Choice]
        var overdue: Bool
        /// A case number searched for and not found (among the cases this staff member may see).
        var caseNumber: String?
        /// What is in the search box, whether the list is a search, and why a search was refused.
        var q: String
        var searching: Bool
        var searchError: String?
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    /// The staff's case page: the record with internal notes, the chain's check, and every action the case allows
    /// this staff member.
    struct CasePage: PageModel {
        struct FreezeRow: Sendable {
            var freezeId: String
            var target: String
            var reference: String
            var released: Bool
        }
        struct ProposedRuling: Sendable {
            var outcome: String
            var amount: String
            var reason: String
        }
        var record: CaseRecord
        var chainValid: Bool
        var queue: String
        var actions: [Choice]
        var mayEscalate: Bool
        var mayRequestRecords: Bool
        var mayRule: Bool
        var outcomes: [Choice]
        var mayFreeze: Bool
        var freezes: [FreezeRow]
        var proposedRuling: ProposedRuling?
        var mayConfirmRuling: Bool
        var respondent: String
        var mayChangeRespondent: Bool
        var respondents: [Choice]
        var mayAssignReviewer: Bool
        var reviewers: [Choice]
        var assignedReviewers: [String]
        var derived: [String: Any] { ["hasActions": !actions.isEmpty, "hasReviewers": !reviewers.isEmpty] }
    }

    func casePage(_ c: Complaint, identity: Identity, chinese zh: Bool) async throws -> CasePage {
        let workflow = try await services.cases.workflow()
        let now = services.now()
        let events = try await services.cases.timeline(of: c, for: identity)
        let record = try await site.record(c, in: .staff, events: events, workflow: workflow, now: now, for: identity, chinese: zh)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        let open = Lifecycle.open.contains(c.status)
        let mayChangeRespondent = identity.role.decides && !c.status.isFinished
        let merchants = mayChangeRespondent ? try await services.merchants.list(by: identity) : []
        // Admins give a case to an external reviewer (arbitration).
        let reviewers = identity.role == .admin ? try await services.accounts.reviewers(by: identity) : []
        let platform = WebText.word("respondentPlatform", chinese: zh)
        let respondent =
            c.respondent.kind == .platform
            ? platform : try await services.cases.respondent(of: c).map { "\($0.shopName)（\($0.registeredName)）" } ?? (c.respondent.merchantId ?? "")
        return CasePage(
            record: record, chainValid: chain.valid, queue: c.queue.label(chinese: zh),
            actions: workflow.availableActions(on: c, by: identity.actor, now: now).map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            mayEscalate: c.tier.next != nil && open, mayRequestRecords: c.respondentMerchantId != nil && open && identity.role.decides,
            mayRule: identity.role.decides && open, outcomes: RulingOutcome.allCases.map { Choice(value: $0.rawValue, label: $0.label(chinese: zh)) },
            mayFreeze: (identity.role == .riskControl || identity.role == .admin) && open,
            freezes: c.freezes.map {
                CasePage.FreezeRow(freezeId: $0.id, target: $0.target.label(chinese: zh), reference: $0.reference, released: $0.releasedAt != nil)
            },
            proposedRuling: c.proposedRuling.map {
                CasePage.ProposedRuling(outcome: $0.outcome.label(chinese: zh), amount: $0.amountFen.map(Yuan.format) ?? "", reason: $0.reason)
            },
            mayConfirmRuling: c.proposedRuling != nil && identity.role.decides, respondent: respondent, mayChangeRespondent: mayChangeRespondent,
            respondents: [Choice(value: "platform", label: platform, selected: c.respondent.kind == .platform)]
                + merchants.map {
                    Choice(value: "merchant:" + $0.id, label: "\($0.shopName)（\($0.registeredName)）", selected: c.respondent.merchantId == $0.id)
                },
            mayAssignReviewer: identity.role == .admin && open,
            reviewers: reviewers.filter { !c.reviewerIds.contains($0.id) }.map { Choice(value: $0.id, label: $0.displayName) },
            assignedReviewers: reviewers.filter { c.reviewerIds.contains($0.id) }.map(\.displayName))
    }

    @Sendable func staffTransition(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let action = CaseAction(rawValue: form["action"] ?? "")
        let note = (form["note"] ?? "").isEmpty ? nil : form["note"]
        let reason = RejectionReason(rawValue: form["reason"] ?? "")
        return try await site.act(request, context, .staff, form: form) { wf, c, now, who in
            guard let action else {
                throw DomainError.invalidField(field: "action", code: "unknown_action", zh: "请选择操作", en: "Choose an action")
            }
            return try wf.act(action, on: c, by: who.actor, input: ActionInput(note: note, rejectionReason: reason), now: now)
        }
    }
}
