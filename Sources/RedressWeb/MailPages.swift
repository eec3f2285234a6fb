import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// Mail in, on the pages: a member confirms a message held for their address (the link the gateway's answer carries),
/// and admins read what came in, with what became of each message and why.
struct MailPages {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }

    func register(member: RouterGroup<RedressRequestContext>, admin: RouterGroup<RedressRequestContext>) {
        member.get("mail/:token", use: heldPage)
        member.post("mail/:token", use: confirm)
        admin.get("mail", use: receivedPage)
    }

    struct HeldPage: PageModel {
        struct Category: Sendable {
            var code: String
            var label: String
            var checked: Bool
        }
        var found: Bool
        var subject: String
        var text: String
        var attachments: [String]
        var received: String
        var expires: String
        var categories: [Category]
        var error: String?
        var derived: [String: Any] { ["hasAttachments": !attachments.isEmpty] }
    }

    func heldModel(token: String, chosen: String?, chinese zh: Bool) async throws -> HeldPage {
        let workflow = try await services.cases.workflow()
        let categories = workflow.taxonomy.categories.map {
            HeldPage.Category(code: $0.code, label: $0.label(chinese: zh), checked: $0.code == (chosen ?? "other.other"))
        }
        guard let held = try await services.mail.held(token: token) else {
            return HeldPage(found: false, subject: "", text: "", attachments: [], received: "", expires: "", categories: [])
        }
        return HeldPage(
            found: true, subject: held.subject.isEmpty ? WebText.word("mailNoSubject", chinese: zh) : held.subject,
            text: String(held.text.prefix(4000)), attachments: held.attachments, received: WebFormat.instant(held.mail.receivedAt),
            expires: held.mail.expiresAt.map(WebFormat.instant) ?? "", categories: categories)
    }

    @Sendable func heldPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = WebSession.chinese(request)
        let model = try await heldModel(token: try context.parameters.require("token"), chosen: nil, chinese: zh)
        return pages.page(
            "held-mail", title: WebText.word("heldMail", chinese: zh), model: model, request: request, context: context,
            status: model.found ? .ok : .notFound)
    }

    @Sendable func confirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let token = try context.parameters.require("token")
        let form = try await WebSession.form(request)
        var model = try await heldModel(token: token, chosen: form["category"], chinese: zh)
        guard WebSession.csrfValid(request, form: form) else {
            model.error = WebText.word("csrfFailed", chinese: zh)
            return pages.page(
                "held-mail", title: WebText.word("heldMail", chinese: zh), model: model, request: request, context: context,
                status: .unprocessableContent)
        }
        do {
            let c = try await services.mail.confirm(token: token, category: form["category"], by: identity)
            return WebSession.redirect(SiteURL.memberCase(c.id, filed: true).path)
        } catch let e as AppError {
            model.error = zh ? e.zh : e.en
            return pages.page(
                "held-mail", title: WebText.word("heldMail", chinese: zh), model: model, request: request, context: context,
                status: e.kind == .notFound ? .notFound : .unprocessableContent)
        }
    }

    struct ReceivedPage: PageModel {
        struct Filter: Sendable {
            var label: String
            var url: String
            var current: Bool
        }
        struct Row: Sendable {
            var received: String
            var subject: String
            var state: String
            var reason: String
            var size: String
            var caseLink: String?
            var aside: Bool
        }
        var filters: [Filter]
        var items: [Row]
        var derived: [String: Any] { ["empty": items.isEmpty] }
    }

    @Sendable func receivedPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let status = request.uri.queryParameters.get("status").flatMap(InboundMailStatus.init(rawValue:))
        let mails = try await services.mail.list(status: status, by: identity)
        let filters =
            [ReceivedPage.Filter(label: WebText.word("allStatuses", chinese: zh), url: SiteURL.receivedMail().path, current: status == nil)]
            + InboundMailStatus.allCases.map {
                .init(label: zh ? $0.labelZh : $0.labelEn, url: SiteURL.receivedMail(status: $0).path, current: status == $0)
            }
        let model = ReceivedPage(
            filters: filters,
            items: mails.map { m in
                let head = m.reason.flatMap { $0.split(separator: ":").first.map(String.init) }
                let reason = head.flatMap(InboundMailReason.init(rawValue:)).map { zh ? $0.labelZh : $0.labelEn } ?? ""
                let detail = m.reason?.split(separator: ":").dropFirst().first.map { "（\($0)）" } ?? ""
                return ReceivedPage.Row(
                    received: WebFormat.instant(m.receivedAt), subject: m.subject.isEmpty ? WebText.word("mailNoSubject", chinese: zh) : m.subject,
                    state: zh ? m.status.labelZh : m.status.labelEn, reason: reason + detail,
                    size: ByteCountFormatter.string(fromByteCount: Int64(m.sizeBytes), countStyle: .file),
                    caseLink: m.complaintId.map { SiteURL.staffCase($0).path }, aside: m.status == .keptAside)
            })
        return pages.page("received-mail", title: WebText.word("receivedMail", chinese: zh), model: model, request: request, context: context)
    }
}
