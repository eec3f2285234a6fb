import Foundation
import Hummingbird
import RedressDomain

/// Every address the pages send a browser to, built in one place: redirects after a form, links the page models carry,
/// the start page of each role. (The routes' patterns are where each portal registers them; the templates' form
/// actions are relative to the page they are on.)
enum SiteURL {
    case home
    case login(next: String? = nil, expired: Bool = false)
    case register
    case privacy
    /// The published complaint guide, as in force on a date (today when nil).
    case guide(date: String? = nil)
    /// The public merchant directory and a merchant's public record.
    case publicMerchants(query: String? = nil, offset: Int = 0)
    case publicMerchant(String)
    case logout
    /// The signed-in user's password change.
    case password(changed: Bool = false)
    /// The signed-in user's account: details, a copy of their data, erasure.
    case account(saved: Bool = false)
    case accountErase
    case myDataExport
    case myCases(fragment: Bool = false, q: String? = nil)
    case newComplaint
    case memberCase(String, uploadError: String? = nil, filed: Bool = false)
    /// A member's receipts as a page (the JSON is its download).
    case memberReceipts(String)
    case queue(Queue? = nil, fragment: Bool = false, filter: StaffPortal.QueueFilter? = nil, cursor: String? = nil)
    case staffCase(String)
    case merchantCases(fragment: Bool = false, q: String? = nil, cursor: String? = nil)
    case merchantCase(String, uploadError: String? = nil)
    case reviewerCases(q: String? = nil)
    case reviewerCase(String)
    case dashboard
    case policy(saved: Bool = false)
    case calendar
    case merchants
    case merchant(String, saved: Bool = false)
    case merchantVerification(String)
    case users(merchant: String? = nil)
    case userDisabled(String)
    case webhooks(merchant: Bool)
    case deliveries(DeliveryStatus? = nil, offset: Int = 0)
    case delivery(Int64, replayed: Bool = false)
    case deliveryReplay(Int64)
    case erasures(all: Bool = false, done: Bool = false)
    case erasureCarryOut(String)
    /// A message held for the signed-in member to confirm (the link the gateway's answer carries).
    case heldMail(String)
    /// Admins' list of the mail received.
    case receivedMail(status: InboundMailStatus? = nil)
    case dossier(complaintId: String)
    case receipts(complaintId: String)
    case asset(String)
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
        case transitions, rulings, freezes, respondent, reviewers
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
        case .register: "/register"
        case .privacy: "/privacy"
        case .guide(let date): "/guide" + Self.query(["date": date])
        case .publicMerchants(let q, let offset):
            "/merchants" + Self.query(["q": (q ?? "").isEmpty ? nil : q, "offset": offset > 0 ? String(offset) : nil])
        case .publicMerchant(let id): "/merchants/\(id)"
        case .logout: "/logout"
        case .password(let changed): "/account/password" + (changed ? "?changed=1" : "")
        case .account(let saved): "/account" + (saved ? "?saved=1" : "")
        case .accountErase: "/account/erase"
        case .myDataExport: "/api/v1/me/export"
        case .myCases(let fragment, let q): "/my" + Self.query(["fragment": fragment ? "list" : nil, "q": q])
        case .newComplaint: "/my/new"
        case .memberCase(let id, let error, let filed): "/my/cases/\(id)" + Self.query(["filed": filed ? "1" : nil, "uploadError": error])
        case .memberReceipts(let id): "/my/cases/\(id)/receipts"
        case .queue(let queue, let fragment, let filter, let cursor):
            "/work"
                + Self.query([
                    "fragment": fragment ? "queue" : nil, "queue": queue?.rawValue, "category": filter?.category,
                    "overdue": filter?.overdue == true ? "1" : nil, "q": filter?.q, "cursor": cursor,
                ])
        case .staffCase(let id): "/work/cases/\(id)"
        case .merchantCases(let fragment, let q, let cursor):
            "/merchant" + Self.query(["fragment": fragment ? "list" : nil, "q": q, "cursor": cursor])
        case .merchantCase(let id, let error): "/merchant/cases/\(id)" + Self.query(["uploadError": error])
        case .reviewerCases(let q): "/review" + Self.query(["q": q])
        case .reviewerCase(let id): "/review/cases/\(id)"
        case .dashboard: "/admin"
        case .policy(let saved): "/admin/policy" + Self.query(["saved": saved ? "1" : nil])
        case .calendar: "/admin/calendar"
        case .merchants: "/admin/merchants"
        case .merchant(let id, let saved): "/admin/merchants/\(id)" + Self.query(["saved": saved ? "1" : nil])
        case .merchantVerification(let id): "/admin/merchants/\(id)/verification"
        case .users(let merchant): "/admin/users" + Self.query(["merchant": merchant])
        case .userDisabled(let id): "/admin/users/\(id)/disabled"
        case .webhooks(let merchant): merchant ? "/merchant/webhooks" : "/admin/webhooks"
        case .deliveries(let status, let offset):
            "/admin/deliveries" + Self.query(["status": status?.rawValue, "offset": offset > 0 ? String(offset) : nil])
        case .delivery(let id, let replayed): "/admin/deliveries/\(id)" + Self.query(["replayed": replayed ? "1" : nil])
        case .deliveryReplay(let id): "/admin/deliveries/\(id)/replay"
        case .erasures(let all, let done): "/admin/erasures" + Self.query(["status": all ? "all" : nil, "done": done ? "1" : nil])
        case .erasureCarryOut(let id): "/admin/erasures/\(id)"
        case .heldMail(let token): "/my/mail/\(token)"
        case .receivedMail(let status): "/admin/mail" + Self.query(["status": status?.rawValue])
        case .dossier(let id): "/api/v1/complaints/\(id)/dossier"
        case .receipts(let id): "/api/v1/complaints/\(id)/receipts"
        case .asset(let name): "/assets/\(name)"
        case .evidence(let complaintId, let sha256): "/api/v1/complaints/\(complaintId)/evidence/\(sha256)"
        case .caseForm(let portal, let id, let form): portal.caseURL(id).path + "/" + form.rawValue
        case .caseFragment(let portal, let id): portal.caseURL(id).path + "?fragment=case"
        case .live(let complaintId): "/api/v1/live" + Self.query(["complaintId": complaintId])
        }
    }

    /// The fixed addresses every page may link to, by name, for the layout and the templates: `{{u.newComplaint}}`.
    static let named: [String: String] = [
        "home": SiteURL.home.path, "login": SiteURL.login().path, "register": SiteURL.register.path, "privacy": SiteURL.privacy.path,
        "guide": SiteURL.guide().path, "publicMerchants": SiteURL.publicMerchants().path,
        "logout": SiteURL.logout.path, "password": SiteURL.password().path, "account": SiteURL.account().path,
        "accountErase": SiteURL.accountErase.path, "myDataExport": SiteURL.myDataExport.path,
        "loginToFile": SiteURL.login(next: SiteURL.newComplaint.path).path, "myCases": SiteURL.myCases().path,
        "newComplaint": SiteURL.newComplaint.path, "queue": SiteURL.queue().path,
        "merchantCases": SiteURL.merchantCases().path,
        "merchantWebhooks": SiteURL.webhooks(merchant: true).path, "reviewerCases": SiteURL.reviewerCases().path, "dashboard": SiteURL.dashboard.path,
        "policy": SiteURL.policy().path, "calendar": SiteURL.calendar.path, "merchants": SiteURL.merchants.path, "users": SiteURL.users().path,
        "adminWebhooks": SiteURL.webhooks(merchant: false).path, "deliveries": SiteURL.deliveries().path, "live": SiteURL.live().path,
        "erasures": SiteURL.erasures().path, "receivedMail": SiteURL.receivedMail().path, "chat": "/my/chat", "chatDesk": "/work/chats",
        "css": SiteURL.asset("app.css").path, "js": SiteURL.asset("app.js").path,
    ]

    /// Every address a case page links or posts to, by name (`page`, `fragment`, `live`, and each form's name), for
    /// its template: `{{links.messages}}`.
    static func caseLinks(_ portal: Portal, _ id: String) -> [String: String] {
        var links = [
            "page": portal.caseURL(id).path, "fragment": SiteURL.caseFragment(portal, id).path, "live": SiteURL.live(complaintId: id).path,
            "dossier": SiteURL.dossier(complaintId: id).path, "receipts": SiteURL.receipts(complaintId: id).path,
        ]
        for form in CaseForm.allCases { links["\(form)"] = SiteURL.caseForm(portal, id, form).path }
        return links
    }

    /// RFC 3986's unreserved characters, which a query value keeps as they are.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// `?a=1&b=2` of the values given (in a fixed order), each percent-encoded; empty when none is.
    static func query(_ items: KeyValuePairs<String, String?>) -> String {
        let parts = items.compactMap { key, value in
            value.map { "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? "")" }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
