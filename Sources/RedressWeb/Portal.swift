import HTTPTypes
import Hummingbird
import RedressApp
import RedressHTTP

/// Whose pages: each portal has its own paths, role and case page.
enum Portal {
    case member, staff, merchant, reviewer
    /// The dashboard: admins, and the staff who decide cases (specialists, risk control).
    case supervisor
    /// Policy, calendars, merchants, users, webhooks, deliveries.
    case admin

    /// A case's page in this portal, with a refused upload's message when there is one.
    func caseURL(_ id: String, uploadError: String? = nil) -> SiteURL {
        switch self {
        case .member: .memberCase(id, uploadError: uploadError)
        case .staff, .supervisor, .admin: .staffCase(id)
        case .merchant: .merchantCase(id, uploadError: uploadError)
        case .reviewer: .reviewerCase(id)
        }
    }

    /// The case page's body alone, which live updates fetch again; nil where the page has none.
    var fragment: String? {
        switch self {
        case .member: "member-case-body"
        case .staff: "staff-case-body"
        case .merchant: "merchant-case-body"
        case .reviewer, .supervisor, .admin: nil
        }
    }

    var template: String {
        switch self {
        case .member: "member-case"
        case .staff, .supervisor, .admin: "staff-case"
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
        case .supervisor: i.role == .admin || i.role.decides
        case .admin: i.role == .admin
        }
    }
}

/// Guards a portal's route group: a page asked for without a session goes to the log-in page and comes back; a
/// signed-in user of another role gets "not allowed". A form sent without a session reaches its handler, which shows
/// it again with what was typed and says to log in.
struct PortalGate: RouterMiddleware {
    typealias Context = RedressRequestContext
    let portal: Portal
    let site: Site

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity else {
            if request.method == .post { return try await next(request, context) }
            return site.toLogin(request, context)
        }
        guard portal.admits(identity) else { return site.notFound(request, context, status: .forbidden) }
        return try await next(request, context)
    }
}
