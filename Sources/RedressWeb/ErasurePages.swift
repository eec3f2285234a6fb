import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Admins' queue of members' erasure requests (个人信息保护法 Art. 47): each with its 15-working-day deadline, carried
/// out with one action that destroys the member's data key.
struct ErasurePages {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    func register(admin: RouterGroup<RedressRequestContext>) {
        admin.get("erasures", use: erasuresPage)
        admin.post("erasures/:requestId", use: carryOut)
    }

    struct ErasuresPage: PageModel {
        struct Filter: Sendable {
            var label: String
            var url: String
            var current: Bool
        }
        struct Row: Sendable {
            var account: String
            var requested: String
            var due: String
            var state: String
            var overdue: Bool
            var pending: Bool
            var casesHeld: String
            var action: String
        }
        var filters: [Filter]
        var items: [Row]
        var notice: String?
        var error: String?
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    func model(all: Bool, by identity: Identity, chinese zh: Bool) async throws -> ErasuresPage {
        let now = services.now()
        let list = try await services.accounts.erasureRequests(pendingOnly: !all, by: identity)
        return ErasuresPage(
            filters: [
                .init(label: WebText.word("erasuresPending", chinese: zh), url: SiteURL.erasures().path, current: !all),
                .init(label: WebText.word("erasuresAll", chinese: zh), url: SiteURL.erasures(all: true).path, current: all),
            ],
            items: list.map { r in
                let state =
                    !r.isPending
                    ? WebText.word("erasureCompleted", chinese: zh) + " " + WebFormat.instant(r.completedAt ?? r.requestedAt)
                    : WebText.word(r.isOverdue(at: now) ? "erasureOverdue" : "erasureWaiting", chinese: zh)
                return ErasuresPage.Row(
                    account: r.userId, requested: WebFormat.instant(r.requestedAt), due: WebFormat.instant(r.dueAt), state: state,
                    overdue: r.isOverdue(at: now), pending: r.isPending, casesHeld: r.isPending ? "" : String(r.casesHeld),
                    action: SiteURL.erasureCarryOut(r.id).path)
            })
    }

    @Sendable func erasuresPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let q = request.uri.queryParameters
        var m = try await model(all: q.get("status") == "all", by: identity, chinese: zh)
        if q.get("done") == "1" { m.notice = WebText.word("erasureDoneNotice", chinese: zh) }
        return pages.page("erasures", title: WebText.word("erasures", chinese: zh), model: m, request: request, context: context)
    }

    @Sendable func carryOut(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        guard WebSession.csrfValid(request, form: form), let id = context.parameters.get("requestId") else {
            var m = try await model(all: false, by: identity, chinese: zh)
            m.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "erasures", title: WebText.word("erasures", chinese: zh), model: m, request: request, context: context, status: .unprocessableContent)
        }
        do {
            _ = try await services.accounts.carryOutErasure(id, by: identity)
        } catch let e as AppError {
            var m = try await model(all: false, by: identity, chinese: zh)
            m.error = zh ? e.zh : e.en
            return pages.page(
                "erasures", title: WebText.word("erasures", chinese: zh), model: m, request: request, context: context, status: .conflict)
        }
        return WebSession.redirect(SiteURL.erasures(done: true).path)
    }
}
