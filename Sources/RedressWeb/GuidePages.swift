import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// The published complaint guide, open to anyone without logging in: written from the policy in force, readable on a
/// phone and printable, every earlier version readable by its date (`/guide?date=2026-11-30`).
struct GuidePages: Sendable {
    let site: Site
    var services: RedressServices { site.services }

    func register(on router: Router<RedressRequestContext>) {
        router.get("guide", use: guidePage)
    }

    struct GuidePage: PageModel {
        struct Version: Sendable {
            var label: String
            var url: String
            var current: Bool
        }
        var guide: ComplaintGuide
        var since: String
        var date: String?
        var versions: [Version]
        var derived: [String: Any] { ["hasVersions": versions.count > 1] }
    }

    @Sendable func guidePage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = site.chinese(request)
        let dateText: String? = request.uri.queryParameters.get("date").map { String($0) }
        var date: Date?
        if let dateText {
            guard let d = ComplaintGuide.endOfDay(dateText) else {
                let text = WebText.word("guideBadDate", chinese: zh)
                return site.pages.page(
                    "message", title: text, model: MessagePage(message: text), request: request, context: context, status: .badRequest)
            }
            date = d
        }
        let (guide, changes) = try await services.policy.guide(at: date, chinese: zh)
        let startWord = WebText.word("guideSinceStart", chinese: zh)
        var versions = [GuidePage.Version(label: startWord, url: SiteURL.guide(date: "2000-01-01").path, current: guide.inForceSince == nil)]
        for at in changes {
            let day = String(WebFormat.instant(at).prefix(10))
            versions.append(GuidePage.Version(label: WebFormat.instant(at), url: SiteURL.guide(date: day).path, current: guide.inForceSince == at))
        }
        let model = GuidePage(
            guide: guide, since: guide.inForceSince.map(WebFormat.instant) ?? startWord, date: dateText, versions: versions.reversed())
        return site.pages.page("guide", title: guide.title, model: model, request: request, context: context)
    }
}
