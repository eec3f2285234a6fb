import Foundation

/// Instants as Redress keeps them: integer milliseconds since 1970 in UTC, rounded down, in storage, hashes and the
/// evidence log; RFC 3339 in UTC on the wire. Every conversion goes through here, so an instant is rounded one way.
extension Date {
    /// Milliseconds since 1970-01-01T00:00:00Z, rounded down.
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instant `milliseconds` after 1970-01-01T00:00:00Z.
    public init(millisecondsSince1970 milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// `2026-11-29T08:00:00.000Z`: RFC 3339 in UTC with milliseconds. Written by hand: Foundation's format styles cost microseconds per call,
    /// and a complaint carries a dozen instants.
    public var rfc3339: String {
        let ms = millisecondsSince1970
        let days = Int((Double(ms) / 86_400_000).rounded(.down))
        let d = CivilDate(dayNumber: days)
        var rest = Int(ms - Int64(days) * 86_400_000)
        let h = rest / 3_600_000
        rest %= 3_600_000
        let m = rest / 60_000
        rest %= 60_000
        let s = rest / 1000
        let f = rest % 1000
        // Written straight into the string's storage: this runs for every instant of every case an answer shows.
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ v: Int, _ width: Int, at start: Int) {
                var x = v
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    out[i] = UInt8(0x30 + x % 10)
                    x /= 10
                }
            }
            put(d.year, 4, at: 0)
            out[4] = 0x2D
            put(d.month, 2, at: 5)
            out[7] = 0x2D
            put(d.day, 2, at: 8)
            out[10] = 0x54
            put(h, 2, at: 11)
            out[13] = 0x3A
            put(m, 2, at: 14)
            out[16] = 0x3A
            put(s, 2, at: 17)
            out[19] = 0x2E
            put(f, 3, at: 20)
            out[23] = 0x5A
            return 24
        }
    }
}
