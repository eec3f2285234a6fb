import Foundation
import Testing

@testable import RedressAPI
@testable import RedressWeb

@Suite("Web formatting")
struct WebFormatTests {
    /// The hand-written formats give what Foundation's formatters give.
    @Test(arguments: [0.0, 1_795_939_200, 1_795_971_599.9, 1_800_000_000, 946_684_799, -86_401])
    func instantsMatchFoundation(_ seconds: Double) {
        let d = Date(timeIntervalSince1970: seconds)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        #expect(WebFormat.instant(d) == f.string(from: d))
        #expect(WebFormat.iso(d) == ISO8601DateFormatter().string(from: d))
    }
}
