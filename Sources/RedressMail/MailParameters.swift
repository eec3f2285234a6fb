/// A structured header's value and parameters (`text/plain; charset="gbk"`), with RFC 2231 continuations and
/// charsets (`filename*0*=gb18030''%D6%D0; filename*1*=%CE%C4.jpg`) and the RFC 2047 encoded-words Outlook and
/// Foxmail put in quoted file names.
public struct MailParameters: Sendable, Equatable {
    /// The value before the first `;`, lower-cased (`text/plain`, `attachment`).
    public var value: String
    public var parameters: [String: String]

    public subscript(_ name: String) -> String? { parameters[name.lowercased()] }

    public static func parse(_ raw: String) -> MailParameters {
        let parts = split(raw)
        let value = (parts.first ?? "").trimmingWhitespace.lowercased()
        // name → pieces by index: (extended, text)
        var pieces: [String: [Int: (extended: Bool, text: String)]] = [:]
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            var key = p[..<eq].trimmingWhitespace.lowercased()
            var v = p[p.index(after: eq)...].trimmingWhitespace
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = unquote(String(v.dropFirst().dropLast())) }
            var extended = false
            if key.hasSuffix("*") {
                extended = true
                key.removeLast()
            }
            var index = 0
            if let star = key.lastIndex(of: "*"), let n = Int(key[key.index(after: star)...]) {
                index = n
                key = String(key[..<star])
            }
            guard !key.isEmpty, pieces[key]?[index] == nil else { continue }
            pieces[key, default: [:]][index] = (extended, v)
        }
        var parameters: [String: String] = [:]
        for (key, byIndex) in pieces {
            var bytes: [UInt8] = []
            var charset: String?
            var anyExtended = false
            for n in byIndex.keys.sorted() {
                let (ext, text) = byIndex[n]!
                if ext {
                    anyExtended = true
                    var t = Substring(text)
                    if n == byIndex.keys.min() {
                        // charset'language'value
                        let q = t.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if q.count == 3 {
                            charset = q[0].isEmpty ? nil : String(q[0])
                            t = q[2]
                        }
                    }
                    bytes += percentDecoded(t)
                } else {
                    bytes += Array(text.utf8)
                }
            }
            let decoded = anyExtended ? MailCharset.decode(bytes, charset: charset) : String(decoding: bytes, as: UTF8.self)
            parameters[key] = EncodedWords.decode(decoded)
        }
        return MailParameters(value: value, parameters: parameters)
    }

    /// Splits at `;` outside quotes.
    static func split(_ raw: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for c in raw {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" && quoted {
                current.append(c)
                escaped = true
            } else if c == "\"" {
                quoted.toggle()
                current.append(c)
            } else if c == ";" && !quoted {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        out.append(current)
        return out
    }

    static func unquote(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func percentDecoded(_ s: Substring) -> [UInt8] {
        var out: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let hi = TransferEncoding.hex(u[i + 1]), let lo = TransferEncoding.hex(u[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }
}

/// A mailbox: `"张三" <zhang@example.com>`.
public struct MailAddress: Sendable, Equatable, Codable {
    public var name: String?
    /// Lower-cased.
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// The mailboxes of an address list (`To`, `Cc`), groups flattened.
    public static func list(_ text: String) -> [MailAddress] {
        var out: [MailAddress] = []
        var current = ""
        var quoted = false
        var angle = false
        for c in text {
            if c == "\"" { quoted.toggle() }
            if !quoted && c == "<" { angle = true }
            if !quoted && c == ">" { angle = false }
            if (c == "," || c == ";") && !quoted && !angle {
                if let a = one(current) { out.append(a) }
                current = ""
            } else {
                current.append(c)
            }
        }
        if let a = one(current) { out.append(a) }
        return out
    }

    /// One mailbox, or nil when the text holds no address.
    public static func one(_ text: String) -> MailAddress? {
        var t = text.trimmingWhitespace
        // A group's name ("undisclosed-recipients:") is not an address.
        if let colon = t.firstIndex(of: ":"), !t[..<colon].contains("@"), !t[..<colon].contains("<") { t = String(t[t.index(after: colon)...]) }
        if let open = t.lastIndex(of: "<"), let close = t[open...].firstIndex(of: ">") {
            let address = t[t.index(after: open)..<close].trimmingWhitespace.lowercased()
            guard address.contains("@") || address.isEmpty else { return nil }
            var name = t[..<open].trimmingWhitespace
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = MailParameters.unquote(String(name.dropFirst().dropLast())) }
            name = EncodedWords.decode(name)
            return MailAddress(name: name.isEmpty ? nil : name, address: address)
        }
        // addr-spec alone, perhaps with a comment: zhang@example.com (张三)
        var comment: String?
        if let open = t.firstIndex(of: "("), let close = t.lastIndex(of: ")"), open < close {
            comment = t[t.index(after: open)..<close].trimmingWhitespace
            t = (t[..<open] + t[t.index(after: close)...]).trimmingWhitespace
        }
        guard let word = t.split(whereSeparator: { $0.isWhitespace }).first(where: { $0.contains("@") }) else { return nil }
        return MailAddress(name: comment.map(EncodedWords.decode), address: word.lowercased())
    }
}
