/// HTML mail as plain text: scripts, styles and the head dropped with their content, images (remote or not) dropped,
/// block elements as line breaks, entities decoded. Nothing of the HTML is ever shown as HTML.
public enum MailHTML {
    public static func text(_ html: String) -> String {
        var s = Substring(html)
        var out = ""
        let dropped = ["script", "style", "head", "title", "noscript", "template", "object", "iframe", "svg"]
        let breaks: Set<String> = ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "hr", "pre"]
        while let lt = s.firstIndex(of: "<") {
            out += entities(s[..<lt])
            s = s[lt...]
            if s.hasPrefix("<!--") {
                if let end = s.range(of: "-->") { s = s[end.upperBound...] } else { s = "" }
                continue
            }
            guard let gt = s.firstIndex(of: ">") else {
                s = ""
                break
            }
            let tag = s[s.index(after: s.startIndex)..<gt]
            s = s[s.index(after: gt)...]
            let closing = tag.hasPrefix("/")
            let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
            if !closing, dropped.contains(name) {
                // Skip to the matching close tag, content and all.
                if let end = s.range(of: "</\(name)", options: [.caseInsensitive]) {
                    s = s[end.upperBound...]
                    if let gt2 = s.firstIndex(of: ">") { s = s[s.index(after: gt2)...] }
                } else {
                    s = ""
                }
                continue
            }
            if breaks.contains(name) {
                out += name == "li" && !closing ? "\n• " : "\n"
            } else if name == "td" || name == "th" {
                if closing { out += "\t" }
            }
        }
        out += entities(s)
        return tidy(out)
    }

    /// Collapses runs of spaces and more than one blank line; trims each line.
    static func tidy(_ text: String) -> String {
        var lines: [String] = []
        var blank = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{A0}" }).joined(separator: " ")
            if line.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ensp": " ", "emsp": " ", "middot": "·", "hellip": "…",
        "mdash": "—", "ndash": "–", "ldquo": "“", "rdquo": "”", "lsquo": "‘", "rsquo": "’", "yen": "¥", "copy": "©", "reg": "®", "times": "×",
    ]

    static func entities(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s).replacingNewlinesWithSpaces }
        var out = ""
        var rest = s
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[amp...]
            if let semi = rest.prefix(12).firstIndex(of: ";") {
                let body = rest[rest.index(after: rest.startIndex)..<semi]
                var replacement: String?
                if body.hasPrefix("#x") || body.hasPrefix("#X"), let v = UInt32(body.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) {
                    replacement = String(Character(u))
                } else if body.hasPrefix("#"), let v = UInt32(body.dropFirst()), let u = Unicode.Scalar(v) {
                    replacement = String(Character(u))
                } else {
                    replacement = named[body.lowercased()]
                }
                if let r = replacement {
                    out += r
                    rest = rest[rest.index(after: semi)...]
                    continue
                }
            }
            out += "&"
            rest = rest.dropFirst()
        }
        out += rest
        return out.replacingNewlinesWithSpaces
    }
}

extension String {
    /// In HTML a line break in the source is a space.
    var replacingNewlinesWithSpaces: String { String(map { $0 == "\n" || $0 == "\r\n" || $0 == "\r" ? " " : $0 }) }
}
