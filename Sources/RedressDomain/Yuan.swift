/// Money as people read and type it. Redress keeps every amount in integer fen (分); this is the one place that
/// turns fen into yuan text and yuan text into fen, so no amount ever passes through a floating-point number.
public enum Yuan {
    /// `¥98.00`, `¥1280.50`, `-¥3.05`.
    public static func format(_ fen: Int64) -> String { (fen < 0 ? "-¥" : "¥") + plain(fen < 0 ? -fen : fen) }

    /// `98.00` (no currency sign), for texts that put the sign themselves.
    public static func plain(_ fen: Int64) -> String {
        let a = fen.magnitude
        let cents = a % 100
        return "\(fen < 0 ? "-" : "")\(a / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// The largest amount accepted from a form: one hundred million yuan, less a fen.
    public static let maximumFen: Int64 = 100_000_000 * 100 - 1

    /// The fen of an amount typed in yuan, or nil when the text is not an amount.
    ///
    /// Accepts what people type: `1280`, `1280.5`, `1,280.50` (commas between groups of three), a leading `¥`/`￥`,
    /// a trailing `元`, full-width digits and point, spaces around. Refuses anything else — a comma out of place, a third
    /// decimal, a sign, letters — rather than guess: `1,28` is not read as 1.
    public static func fen(from text: String) -> Int64? {
        var s = Substring(text.trimmingCharactersInSpaces())
        if s.hasPrefix("¥") || s.hasPrefix("￥") { s = s.dropFirst() }
        if s.hasSuffix("元") { s = s.dropLast() }
        s = Substring(String(s).trimmingCharactersInSpaces())
        // Full-width digits (０-９) and point (．) as their ASCII forms.
        var ascii = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0xFF10...0xFF19: ascii.unicodeScalars.append(Unicode.Scalar(u.value - 0xFF10 + 0x30)!)
            case 0xFF0E: ascii.append(".")
            case 0xFF0C: ascii.append(",")
            default: ascii.unicodeScalars.append(u)
            }
        }
        let parts = ascii.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        var digits = ""
        if whole.contains(",") {
            let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
            guard let first = groups.first, (1...3).contains(first.count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
            digits = groups.joined()
        } else {
            digits = String(whole)
        }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let yuan = Int64(digits) else { return nil }
        let cents = Int64(fraction.isEmpty ? "0" : fraction.count == 1 ? fraction + "0" : String(fraction)) ?? 0
        let fen = yuan * 100 + cents
        return fen <= maximumFen ? fen : nil
    }
}

extension String {
    fileprivate func trimmingCharactersInSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\u{3000}" || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\u{3000}" || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
