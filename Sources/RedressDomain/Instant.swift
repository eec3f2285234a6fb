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
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var x = v
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(0x30 + x % 10)
                x /= 10
            }
            out.append(contentsOf: digits)
        }
        put(d.year, 4)
        out.append(0x2D)
        put(d.month, 2)
        out.append(0x2D)
        put(d.day, 2)
        out.append(0x54)
        put(h, 2)
        out.append(0x3A)
        put(m, 2)
        out.append(0x3A)
        put(s, 2)
        out.append(0x2E)
        put(f, 3)
        out.append(0x5A)
        return String(decoding: out, as: UTF8.self)
    }
}
