/// RFC 2047 encoded-words in headers (`=?GBK?B?1tDOxA==?=`), including adjacent words (the white space between
/// them is dropped) and a character split across two words: adjacent words in the same charset are joined as bytes
/// before they are decoded.
public enum EncodedWords {
    enum Piece {
        case text(String)
        case word(charset: String, bytes: [UInt8])
    }

    public static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var pieces: [Piece] = []
        let scalars = Array(value.unicodeScalars)
        var i = 0
        var plain = String.UnicodeScalarView()
        while i < scalars.count {
            if scalars[i] == "=", i + 1 < scalars.count, scalars[i + 1] == "?", let (piece, end) = word(scalars, at: i) {
                if !plain.isEmpty {
                    pieces.append(.text(String(plain)))
                    plain = String.UnicodeScalarView()
                }
                pieces.append(piece)
                i = end
            } else {
                plain.append(scalars[i])
                i += 1
            }
        }
        if !plain.isEmpty { pieces.append(.text(String(plain))) }
        // White space between two encoded-words is not part of the text.
        var kept: [Piece] = []
        for (n, p) in pieces.enumerated() {
            if case .text(let t) = p, t.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }), n > 0, n < pieces.count - 1,
                case .word = pieces[n - 1], case .word = pieces[n + 1]
            {
                continue
            }
            kept.append(p)
        }
        var out = ""
        var run: (charset: String, bytes: [UInt8])?
        func flush() {
            if let r = run { out += MailCharset.decode(r.bytes, charset: r.charset) }
            run = nil
        }
        for p in kept {
            switch p {
            case .text(let t):
                flush()
                out += t
            case .word(let charset, let bytes):
                if let r = run, r.charset == charset {
                    run = (charset, r.bytes + bytes)
                } else {
                    flush()
                    run = (charset, bytes)
                }
            }
        }
        flush()
        return out
    }

    /// One encoded-word starting at `start` (`=?`), and the index after its `?=`.
    static func word(_ s: [Unicode.Scalar], at start: Int) -> (Piece, Int)? {
        var i = start + 2
        var charset = ""
        while i < s.count, s[i] != "?" {
            guard s[i].isASCII, !s[i].properties.isWhitespace, charset.count < 40 else { return nil }
            charset.unicodeScalars.append(s[i])
            i += 1
        }
        guard i + 2 < s.count, !charset.isEmpty, s[i + 2] == "?" else { return nil }
        let mode = Character(s[i + 1]).uppercased()
        guard mode == "B" || mode == "Q" else { return nil }
        i += 3
        var text: [UInt8] = []
        while i + 1 < s.count, !(s[i] == "?" && s[i + 1] == "=") {
            guard s[i].isASCII, s[i] != " " else { return nil }
            text.append(UInt8(s[i].value))
            i += 1
        }
        guard i + 1 < s.count else { return nil }
        // RFC 2231 adds a language after an asterisk: =?GBK*zh-CN?B?…?=
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let bytes: [UInt8]
        if mode == "B" {
            guard let b = TransferEncoding.base64(text[...]) else { return nil }
            bytes = b
        } else {
            bytes = TransferEncoding.quotedPrintable(text[...], underscoreIsSpace: true)
        }
        return (.word(charset: charset.lowercased(), bytes: bytes), i + 2)
    }
}
