import Hummingbird
import RedressApp
import RedressHTTP

/// The JSON API: `/health`, `/metrics`, the OpenAPI document and everything under `/api/v1`.
public struct JSONAPI: Sendable {
    let services: RedressServices
    /// One cache of encoded case bodies for the server's lifetime.
    let renderings = RenderedComplaints()

    public init(services: RedressServices) { self.services = services }

    public func register(on router: Router<RedressRequestContext>) {
        SystemRoutes(services: services).register(on: router)
        let api = router.group("api/v1")
        AccountRoutes(services: services).register(on: api)
        let complaints = ComplaintRoutes(services: services, renderings: renderings)
        complaints.register(on: api)
        ReferenceRoutes(services: services).register(on: api)
        PublicRoutes(services: services).register(on: api)
        LedgerRoutes(services: services).register(on: api)
        ProcessRoutes(cases: complaints).register(on: api)
        AdminRoutes(services: services).register(on: api)
        LiveRoutes(services: services).register(on: api)
        PersonalDataRoutes(services: services).register(on: api)
        MailRoutes(services: services).register(on: api)
        ChatRoutes(services: services).register(on: api)
    }
}
