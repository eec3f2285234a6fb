import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// The public merchant pages, open to anyone without logging in: the directory of registered merchants (search by
/// name or licence number) and each merchant's qualification records with its complaint figures over 30, 90 and 365
/// days beside the platform's. No member, no case's text, no contact person; no figure for fewer than 5 cases.
struct PublicPages: Sendable {
    let site: Site
    var services: RedressServices { site.services }

    static let pageSize = 50

    func register(on router: Router<RedressRequestContext>) {
        router.get("merchants", use: directory)
        router.get("merchants/:merchantId", use: merchantPage)
    }

    struct DirectoryPage: PageModel {
        struct Row: Sendable {
            var url: String
            var shopName: String
            var registeredName: String
            var licence: String
            var standing: String
        }
        var query: String
        var rows: [Row]
        var total: Int
        var totalText: String
        var previousPage: String?
        var nextPage: String?
        var derived: [String: Any] { ["empty": rows.isEmpty] }
    }

    @Sendable func directory(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = site.chinese(request)
        let q = (request.uri.queryParameters.get("q").map { String($0) } ?? "").trimmingCharacters(in: .whitespaces)
        let offset = max(0, Int(request.uri.queryParameters.get("offset") ?? "") ?? 0)
        let (items, total) = try await services.publicSide.directory(query: q, offset: offset, limit: Self.pageSize)
        let model = DirectoryPage(
            query: q,
            rows: items.map { r in
                DirectoryPage.Row(
                    url: SiteURL.publicMerchant(r.merchant.id).path, shopName: r.merchant.shopName, registeredName: r.merchant.registeredName,
                    licence: r.merchant.businessLicenceNumber, standing: FilingWizard.merchantChoice(r, selected: false, chinese: zh).standing)
            }, total: total, totalText: WebText.word("merchantsFound", chinese: zh).replacingOccurrences(of: "{n}", with: "\(total)"),
            previousPage: offset > 0 ? SiteURL.publicMerchants(query: q, offset: max(0, offset - Self.pageSize)).path : nil,
            nextPage: offset + Self.pageSize < total ? SiteURL.publicMerchants(query: q, offset: offset + Self.pageSize).path : nil)
        return site.pages.page(
            "public-merchants", title: WebText.word("publicMerchants", chinese: zh), model: model, request: request, context: context)
    }

    struct MerchantPage: PageModel {
        struct Figures: Sendable {
            var title: String
            var merchant: [String]
            var platform: [String]
            var merchantShown: Bool
        }
        var shopName: String
        var registeredName: String
        var licence: String
        var icp: String
        var address: String
        var verified: String
        var nextVerification: String
        var verificationDue: Bool
        var heads: [String]
        var windows: [Figures]
    }

    /// One span's figures as the page prints them, in the order of `heads`; nil when there are too few cases.
    static func cells(_ f: FigureTotals, chinese zh: Bool) -> [String]? {
        guard f.shown else { return nil }
        func percent(_ v: Double?) -> String { v.map { String(format: "%.0f%%", $0 * 100) } ?? "—" }
        let buckets = WebFormat.hourBuckets(chinese: zh)
        return [
            "\(f.filed)", percent(f.answerRate), percent(f.answeredOnTimeRate), f.medianAnswerBucket.map { buckets[$0] } ?? "—",
            percent(f.completionRate),
            f.satisfaction.map { String(format: zh ? "%.1f（%d 人评价）" : "%.1f (%d rated)", $0, f[.rated]) } ?? "—", percent(f.repeatRate),
        ]
    }

    @Sendable func merchantPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = site.chinese(request)
        guard let id = context.parameters.get("merchantId") else { return site.notFound(request, context) }
        let page: PublicService.MerchantPage
        do {
            page = try await services.publicSide.merchant(id)
        } catch let e as AppError where e.kind == .notFound {
            return site.notFound(request, context)
        }
        let m = page.merchant
        let hidden = WebText.word("figuresHidden", chinese: zh)
        let model = MerchantPage(
            shopName: m.shopName, registeredName: m.registeredName, licence: m.businessLicenceNumber, icp: m.icpFilingNumber ?? "—",
            address: m.registeredAddress,
            verified: m.verifiedAt.map { String(WebFormat.instant($0).prefix(10)) } ?? WebText.word("neverVerified", chinese: zh),
            nextVerification: page.nextVerificationDue.map { String(WebFormat.instant($0).prefix(10)) } ?? WebText.word("verifyNow", chinese: zh),
            verificationDue: page.verificationDue,
            heads: ["figComplaints", "figAnswerRate", "figOnTime", "figMedianAnswer", "figCompletion", "figSatisfaction", "figRepeat"].map {
                WebText.word($0, chinese: zh)
            },
            windows: page.figures.map { w in
                let mine = Self.cells(w.merchant, chinese: zh)
                return MerchantPage.Figures(
                    title: WebText.word("figWindow", chinese: zh).replacingOccurrences(of: "{days}", with: "\(w.days)"),
                    merchant: mine ?? [hidden], platform: Self.cells(w.platform, chinese: zh) ?? [hidden], merchantShown: mine != nil)
            })
        return site.pages.page("public-merchant", title: m.shopName, model: model, request: request, context: context)
    }
}
