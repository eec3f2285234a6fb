import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// What anyone may read without logging in: the merchants registered on the platform and their complaint figures
/// (from the maintained aggregates; none for fewer than 5 cases), beside the platform's.
struct PublicRoutes {
    let services: RedressServices

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.get("public/merchants", use: directory)
        api.get("public/merchants/:merchantId", use: merchant)
    }

    struct MerchantDTO: Encodable {
        var id: String
        var shopName: String
        var registeredName: String
        var businessLicenceNumber: String
        var icpFilingNumber: String?
        var registeredAddress: String
        var verifiedAt: Date?
        var nextVerificationDue: Date?
        var verificationDue: Bool
    }

    struct DirectoryDTO: Encodable {
        var items: [MerchantDTO]
        var total: Int
    }

    /// A span's figures; nil (absent) for fewer than 5 cases.
    struct FiguresDTO: Encodable {
        struct Hours: Encodable {
            var from: Int
            var to: Int?
        }
        var complaints: Int64
        var answerRate: Double?
        var answeredOnTimeRate: Double?
        /// The bucket of hours the median first answer fell in (`to` absent: 72 hours or more).
        var medianAnswerHours: Hours?
        var completionRate: Double?
        var satisfaction: Double?
        var rated: Int64
        var repeatRate: Double?

        init?(_ f: FigureTotals) {
            guard f.shown else { return nil }
            complaints = f.filed
            answerRate = f.answerRate
            answeredOnTimeRate = f.answeredOnTimeRate
            let edges = [0] + CaseFigures.answerEdges.map { Int($0) }
            medianAnswerHours = f.medianAnswerBucket.map { Hours(from: edges[$0], to: $0 + 1 < edges.count ? edges[$0 + 1] : nil) }
            completionRate = f.completionRate
            satisfaction = f.satisfaction
            rated = f[.rated]
            repeatRate = f.repeatRate
        }
    }

    struct WindowDTO: Encodable {
        var days: Int
        var merchant: FiguresDTO?
        var platform: FiguresDTO?
    }

    struct MerchantPageDTO: Encodable {
        var merchant: MerchantDTO
        var figures: [WindowDTO]
        var minimumCases: Int64
    }

    static func dto(_ r: MerchantService.Record) -> MerchantDTO {
        let m = r.merchant
        return MerchantDTO(
            id: m.id, shopName: m.shopName, registeredName: m.registeredName, businessLicenceNumber: m.businessLicenceNumber,
            icpFilingNumber: m.icpFilingNumber, registeredAddress: m.registeredAddress, verifiedAt: m.verifiedAt,
            nextVerificationDue: r.nextVerificationDue, verificationDue: r.verificationDue)
    }

    @Sendable func directory(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        let limit = try ComplaintRoutes.intParameter(q.get("limit"), name: "limit", range: 1...200) ?? 50
        let offset = try ComplaintRoutes.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        let query = q.get("q").map { String($0) }
        if let query, query.count > 100 {
            throw AppError.badQuery("q", zh: "查询内容不能超过 100 个字", en: "q must be at most 100 characters")
        }
        let (items, total) = try await services.publicSide.directory(query: query, offset: offset, limit: limit)
        return try JSONBody.response(DirectoryDTO(items: items.map(Self.dto), total: total))
    }

    @Sendable func merchant(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let page = try await services.publicSide.merchant(try context.parameters.require("merchantId"))
        return try JSONBody.response(
            MerchantPageDTO(
                merchant: Self.dto(
                    MerchantService.Record(
                        merchant: page.merchant, verificationDue: page.verificationDue, nextVerificationDue: page.nextVerificationDue)),
                figures: page.figures.map { WindowDTO(days: $0.days, merchant: FiguresDTO($0.merchant), platform: FiguresDTO($0.platform)) },
                minimumCases: FigureTotals.minimumCases))
    }
}
