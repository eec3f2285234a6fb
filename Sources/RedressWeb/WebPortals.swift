import Hummingbird
import RedressApp
import RedressHTTP

/// The web pages, served by the same binary as the API: members file and follow their complaints, staff work their
/// queues, merchants answer, external reviewers rule, admins run the platform. Every page works without JavaScript;
/// /assets/app.js adds live updates, countdowns and upload progress. A failed form is shown again with what was typed
/// and a message in the user's language naming the field.
///
/// Each portal is a route group guarded by `PortalGate`, so a handler runs only for the role its portal admits.
public struct WebPortals: Sendable {
    let site: Site

    public init(services: RedressServices) { self.site = Site(services: services) }

    public func register(on router: Router<RedressRequestContext>) {
        func portal(_ path: RouterPath, _ portal: Portal) -> RouterGroup<RedressRequestContext> {
            router.group(path).add(middleware: PortalGate(portal: portal, site: site))
        }
        AccountPages(site: site).register(on: router)
        GuidePages(site: site).register(on: router)
        PublicPages(site: site).register(on: router)
        let my = portal("my", .member)
        MemberPortal(site: site).register(on: my)
        let work = portal("work", .staff)
        StaffPortal(site: site).register(on: work)
        ChatPages(site: site).register(member: my, staff: work)
        let merchant = portal("merchant", .merchant)
        MerchantPortal(site: site).register(on: merchant)
        ReviewerPortal(site: site).register(on: portal("review", .reviewer))
        let admin = portal("admin", .admin)
        AdminPages(site: site).register(supervisor: portal("admin", .supervisor), admin: admin)
        IntegrationPages(site: site).register(admin: admin, merchant: merchant)
        ErasurePages(site: site).register(admin: admin)
        MailPages(site: site).register(member: my, admin: admin)
    }
}
