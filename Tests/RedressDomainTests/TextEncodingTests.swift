import Foundation
import Testing

@testable import RedressDomain

/// The hand-written text routines on hot paths give what Foundation gives.
@Suite("Text routines against Foundation")
struct TextEncodingTests {
    @Test("trimming removes what Foundation's whitespace sets remove, for every character of the basic plane")
    func trimming() {
        for v in UInt32(0)...0xFFFF {
            guard let c = Unicode.Scalar(v) else { continue }
            let s = "\(c)\(c)中\(c)x\(c)"
            #expect(s.trimmingWhitespace() == s.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(v, radix: 16))")
            #expect(s.trimmingSpaces() == s.trimmingCharacters(in: .whitespaces), "U+\(String(v, radix: 16))")
        }
        #expect(" \t\n ".trimmingWhitespace() == "")
        #expect("".trimmingSpaces() == "")
        #expect("\u{3000}退款\u{3000}".trimmingWhitespace() == "退款")
    }

    @Test("an instant's RFC 3339 text is the UTC calendar's reading of it, to the millisecond")
    func rfc3339() {
        var rng = SystemRandomNumberGenerator()
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        for _ in 0..<2_000 {
            let seconds = Int.random(in: 0...4_102_444_799, using: &rng)  // 1970 to 2099
            let ms = Int.random(in: 0...999, using: &rng)
            let c = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, ms)
            // Half a millisecond in, so that the floating-point instant is read as this millisecond.
            #expect(Date(timeIntervalSince1970: Double(seconds) + (Double(ms) + 0.5) / 1000).rfc3339 == expected)
        }
    }

    @Test("object keys are written in UTF-16 order (RFC 8785), whatever their characters")
    func keyOrder() throws {
        let keys = ["b", "a", "aa", "", "Z", "é", "\u{E000}", "\u{FFFD}", "😀", "\u{10000}", "中", "中文", "a\u{0}", "ab", "aB"]
        var object: [String: CanonicalValue] = [:]
        for (i, k) in keys.enumerated() { object[k] = .int(Int64(i)) }
        let text = String(decoding: CanonicalValue.object(object).canonicalBytes, as: UTF8.self)
        let expected = keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
        let written = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]).keys
        #expect(written.count == keys.count)
        // The keys as they appear in the text, in order.
        var positions: [(Int, String)] = []
        for k in expected {
            let quoted = String(decoding: CanonicalValue.string(k).canonicalBytes, as: UTF8.self) + ":"
            let r = try #require(text.range(of: quoted))
            positions.append((text.distance(from: text.startIndex, to: r.lowerBound), k))
        }
        #expect(positions.map(\.1) == positions.sorted { $0.0 < $1.0 }.map(\.1))
    }

    @Test("a byte test for a word finds it exactly where Foundation's search finds it")
    func wordTest() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("姓名联系人我叫微信wxvX号码12 @：是")
        for _ in 0..<5_000 {
            let text = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            for word in PersonalData.Pattern.nameWords + PersonalData.Pattern.weChatWords + ["@", "系人我"] {
                #expect(PersonalData.holds(text, word) == text.contains(word), "\(text) / \(word)")
            }
        }
        #expect(PersonalData.holds("abc", ""))
        #expect(!PersonalData.holds("", "a"))
    }
}
