import Foundation
import RedressDomain

/// The holiday files shipped with Redress (`Resources/calendars/cn-YYYY.json`), loaded into a new store.
public enum ShippedCalendars {
    public static func load() throws -> [HolidayYear] {
        guard let urls = Bundle.module.urls(forResourcesWithExtension: "json", subdirectory: "calendars") else { return [] }
        let decoder = JSONDecoder()
        return try urls.map { try decoder.decode(HolidayYear.self, from: Data(contentsOf: $0 as URL)) }.sorted { $0.year < $1.year }
    }
}
