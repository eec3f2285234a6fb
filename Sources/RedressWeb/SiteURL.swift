import Foundation
import Hummingbird

/// Every address the pages send a browser to, built in one place: redirects after a form, links the page models carry,
/// the start page of each role. (The routes' patterns are where each portal registers them; the templates' form
/// actions are relative to the page they are on.)
enum SiteURL {
    case home
    case login(next: String? = nil, expired: Bool = false)
    case myCases
    case memberCase(String, uploadError: String? = nil)
    case queue
    case staffCase(String)
    case merchantCases
    case merchantCase(String, uploadError: String? = nil)
    case reviewerCases
    case reviewerCase(String)
    case dashboard
    case policy(saved: Bool = false)
    case merchants
    case merchant(String, saved: Bool = false)
    case users
    case webhooks(merchant: Bool)
    case delivery(Int64, replayed: Bool = false)
    /// An evidence file's download (served by the JSON API, which takes the session cookie for reads).
    case evidence(complaintId: String, sha256: String)
    /// A form on a case page, posted to the case's address in the portal.
    case caseForm(Portal, String, CaseForm)
    /// A case page's body alone, which live updates fetch again.
    case caseFragment(Portal, String)
    /// The live updates of one case (or of every case the user may see).
    case live(complaintId: String? = nil)

    /// The forms of a case page: each one's path after the case's address, which is also its route's pattern.
    enum CaseForm: String, CaseIterable, Sendable {
        case messages, evidence, escalate, confirm, rating, reopen, external
        case records, offers
        case transitions, rulings, freezes, respondent
        case confirmRuling = "rulings/confirm-proposed"
        case releaseFreeze = "freezes/release"
        case recordsRequests = "records-requests"

        /// The route's pattern under the portal's group.
        var route: RouterPath { RouterPath("cases/:id/" + rawValue) }
    }

    var path: String {
        switch self {
        case .home: "/"
        case .login(let next, let expired):
            "/login" + Self.query(["next": next, "expired": expired ? "1" : nil])
        case .myCases: "/my"
        case .memberCase(let id, let error): "/my/cases/\(id)" + Self.query(["uploadError": error])
        case .queue: "/work"
        case .staffCase(let id): "/work/cases/\(id)"
        case .merchantCases: "/merchant"
        case .merchantCase(let id, let error): "/merchant/cases/\(id)" + Self.query(["uploadError": error])
        case .reviewerCases: "/review"
        case .reviewerCase(let id): "/review/cases/\(id)"
        case .dashboard: "/admin"
        case .policy(let saved): "/admin/policy" + Self.query(["saved": saved ? "1" : nil])
        case .merchants: "/admin/merchants"
        case .merchant(let id, let saved): "/admin/merchants/\(id)" + Self.query(["saved": saved ? "1" : nil])
        case .users: "/admin/users"
        case .webhooks(let merchant): merchant ? "/merchant/webhooks" : "/admin/webhooks"
        case .delivery(let id, let replayed): "/admin/deliveries/\(id)" + Self.query(["replayed": replayed ? "1" : nil])
        case .evidence(let complaintId, let sha256): "/api/v1/complaints/\(complaintId)/evidence/\(sha256)"
        case .caseForm(let portal, let id, let form): portal.caseURL(id).path + "/" + form.rawValue
        case .caseFragment(let portal, let id): portal.caseURL(id).path + "?fragment=case"
        case .live(let complaintId): "/api/v1/live" + Self.query(["complaintId": complaintId])
        }
    }

    /// Every address a case page links or posts to, by name (`page`, `fragment`, `live`, and each form's name), for
    /// its template: `{{links.messages}}`.
    static func caseLinks(_ portal: Portal, _ id: String) -> [String: String] {
        var links = ["page": portal.caseURL(id).path, "fragment": SiteURL.caseFragment(portal, id).path, "live": SiteURL.live(complaintId: id).path]
        for form in CaseForm.allCases { links["\(form)"] = SiteURL.caseForm(portal, id, form).path }
        return links
    }

    /// `?a=1&b=2` of the values given (in a fixed order), each percent-encoded; empty when none is.
    static func query(_ items: KeyValuePairs<String, String?>) -> String {
        let parts = items.compactMap { key, value in
            value.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
