import Foundation
import RedressDomain
import RedressStorage
import Synchronization

/// What anyone may read without logging in (电子商务法 Art. 15, 27, 59): the merchants registered on the platform with
/// their qualification records, and their complaint figures beside the platform's, from the maintained aggregates.
/// No member, no case's text, no contact person, and no figure for fewer than `FigureTotals.minimumCases` cases.
package struct PublicService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// The spans the figures are given over.
    package static let windows = [30, 90, 365]

    /// A merchant's public record.
    package struct MerchantPage: Sendable {
        package var merchant: Merchant
        package var verificationDue: Bool
        package var nextVerificationDue: Date?
        /// Per window (days): the merchant's figures and the platform-wide figures beside them.
        package var figures: [(days: Int, merchant: FigureTotals, platform: FigureTotals)]
    }

    /// A page of the directory, shop-name order: every merchant, or those whose name contains `query` or whose licence
    /// number starts with it.
    package func directory(query: String?, offset: Int, limit: Int) async throws -> (items: [MerchantService.Record], total: Int) {
        let all = try await app.publicDirectory.merchants { try await store.merchants().sorted { $0.shopName < $1.shopName } }
        let needle = query.flatMap { $0.applyingTransform(.fullwidthToHalfwidth, reverse: false) }?.trimmingCharacters(in: .whitespaces).uppercased()
        let found =
            (needle ?? "").isEmpty
            ? all
            : all.filter { m in
                m.businessLicenceNumber.hasPrefix(needle!) || m.shopName.uppercased().contains(needle!)
                    || m.registeredName.uppercased().contains(needle!)
            }
        var page: [MerchantService.Record] = []
        for m in found.dropFirst(max(0, offset)).prefix(max(0, limit)) { page.append(try await app.merchants.record(m)) }
        return (page, found.count)
    }

    /// One merchant's public record with its figures over 30, 90 and 365 days and the platform's beside them.
    package func merchant(_ id: String) async throws -> MerchantPage {
        guard let m = try await store.merchant(id: id) else { throw AppError.merchantNotFound }
        let record = try await app.merchants.record(m)
        let today = CaseFigures.day(of: app.now())
        var figures: [(Int, FigureTotals, FigureTotals)] = []
        for days in Self.windows {
            let from = today - days + 1
            figures.append(
                (
                    days, try await store.figures(respondent: id, fromDay: from),
                    try await store.figures(respondent: CaseFigures.FigureKey.everyone, fromDay: from)
                ))
        }
        return MerchantPage(merchant: m, verificationDue: record.verificationDue, nextVerificationDue: record.nextVerificationDue, figures: figures)
    }
}

/// The merchants for the public directory, read again at most every 30 seconds (the directory is read by anyone;
/// registering or changing a merchant shows within that time).
package final class PublicDirectoryCache: Sendable {
    private let entry = Mutex<(merchants: [Merchant], at: Date)?>(nil)
    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date) { self.now = now }

    func merchants(_ load: () async throws -> [Merchant]) async throws -> [Merchant] {
        let t = now()
        if let e = entry.withLock({ $0 }), abs(t.timeIntervalSince(e.at)) < 30 { return e.merchants }
        let fresh = try await load()
        entry.withLock { $0 = (fresh, t) }
        return fresh
    }

    func invalidate() { entry.withLock { $0 = nil } }
}
