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
        let index = try await app.publicDirectory.index { try await store.merchants() }
        let found = index.search(query)
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

/// The registered merchants in shop-name order with what a search compares, so that finding one among ten thousand
/// is a scan of bytes, not of strings folded again for every request.
package struct MerchantIndex: Sendable {
    struct Entry: Sendable {
        var merchant: Merchant
        /// The shop and registered names, upper-cased, half-width, as UTF-8.
        var names: [UInt8]
        var licence: [UInt8]
    }
    let entries: [Entry]
    /// Every merchant in shop-name order (what an empty search answers, without copying).
    let all: [Merchant]

    init(_ merchants: [Merchant]) {
        all = merchants.sorted { $0.shopName < $1.shopName }
        entries = all.map { m in
            Entry(
                merchant: m, names: Array(Self.fold(m.shopName + "\u{1}" + m.registeredName).utf8), licence: Array(m.businessLicenceNumber.utf8))
        }
    }

    /// Upper-cased and half-width (ＡＢＣ１２３ reads as ABC123).
    static func fold(_ s: String) -> String {
        (s.applyingTransform(.fullwidthToHalfwidth, reverse: false) ?? s).trimmingCharacters(in: .whitespaces).uppercased()
    }

    /// Every merchant when `query` is empty; otherwise those whose names contain it or whose licence number starts
    /// with it. UTF-8 is self-synchronising, so a byte match is a character match.
    func search(_ query: String?) -> [Merchant] {
        let needle = Array(Self.fold(query ?? "").utf8)
        guard !needle.isEmpty else { return all }
        return entries.filter { e in e.licence.starts(with: needle) || Self.contains(e.names, needle) }.map(\.merchant)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return needle.isEmpty }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

/// The merchant index for the public directory and the filing wizard's search, read again at most every 30 seconds
/// (anyone reads the directory; registering or changing a merchant drops it at once on this server, and shows on the
/// others within that time).
package final class PublicDirectoryCache: Sendable {
    private let entry = Mutex<(index: MerchantIndex, at: Date)?>(nil)
    let now: @Sendable () -> Date

    init(now: @escaping @Sendable () -> Date) { self.now = now }

    func index(_ load: () async throws -> [Merchant]) async throws -> MerchantIndex {
        let t = now()
        if let e = entry.withLock({ $0 }), abs(t.timeIntervalSince(e.at)) < 30 { return e.index }
        let fresh = MerchantIndex(try await load())
        entry.withLock { $0 = (fresh, t) }
        return fresh
    }

    func invalidate() { entry.withLock { $0 = nil } }
}
