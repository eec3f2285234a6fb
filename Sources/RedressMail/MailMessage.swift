import Foundation

/// A file that came with a message: an attachment, or an inline image of an HTML message.
public struct MailAttachment: Sendable, Equatable {
    public var fileName: String
    public var contentType: String
    public var bytes: [UInt8]
    public var inline: Bool
}

/// Why a message is not answered: it was written by a machine.
public enum AutomaticMail: String, Sendable, Codable, CaseIterable {
    /// A delivery status notification (a bounce).
    case bounce
    /// An out-of-office or other automatic reply.
    case autoReply = "auto_reply"
    /// Bulk or list mail.
    case bulk
}

/// One RFC 5322 message read into what Redress uses: who sent it, what it answers, its text and its files.
public struct MailMessage: Sendable {
    public var headers: MailHeaders
    /// Without the angle brackets; nil when the message has none.
    public var messageId: String?
    public var inReplyTo: [String]
    public var references: [String]
    public var from: MailAddress?
    public var replyTo: MailAddress?
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    public var date: Date?
    /// The text: the text/plain part, or the HTML part made text when there is no plain one.
    public var text: String
    /// The text came from HTML.
    public var fromHTML: Bool
    public var attachments: [MailAttachment]
    /// Set when a machine wrote the message: never answered, never filed.
    public var automatic: AutomaticMail?

    /// The limits that keep one message from taking the gateway down.
    static let maxDepth = 8
    static let maxParts = 200

    public static func parse(_ bytes: [UInt8]) throws(MailParseError) -> MailMessage {
        let (headers, bodyStart) = try MailHeaders.parse(bytes[...])
        guard headers.first("From") != nil || headers.first("Message-ID") != nil || headers.first("Subject") != nil else {
            throw .notAMessage
        }
        var reader = PartReader()
        try reader.read(headers: headers, body: bytes[bodyStart...], depth: 0, path: "1")
        let ids = { (name: String) in headers.all(name).flatMap { messageIds(MailCharset.decode($0.raw, charset: nil)) } }
        var m = MailMessage(
            headers: headers, messageId: ids("Message-ID").first, inReplyTo: ids("In-Reply-To"), references: ids("References"),
            from: headers.raw("From").flatMap(MailAddress.one), replyTo: headers.raw("Reply-To").flatMap(MailAddress.one),
            to: headers.all("To").flatMap { MailAddress.list(MailCharset.decode($0.raw, charset: nil)) },
            cc: headers.all("Cc").flatMap { MailAddress.list(MailCharset.decode($0.raw, charset: nil)) },
            subject: (headers.text("Subject") ?? "").replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " "),
            date: headers.text("Date").flatMap(parseDate), text: reader.plain ?? reader.html.map(MailHTML.text) ?? "",
            fromHTML: reader.plain == nil && reader.html != nil, attachments: reader.attachments, automatic: nil)
        m.text = normaliseNewlines(m.text)
        m.automatic = automatic(headers, from: m.from, subject: m.subject, report: reader.isReport)
        return m
    }

    /// The subject of a message whose body cannot be read (for the list of mail kept aside); nil when the headers
    /// cannot be read either.
    public static func subject(of bytes: [UInt8]) -> String? {
        (try? MailHeaders.parse(bytes[...]))?.0.text("Subject")
    }

    /// `parse` as a result.
    public static func read(_ bytes: [UInt8]) -> Result<MailMessage, MailParseError> {
        do {
            return .success(try parse(bytes))
        } catch {
            return .failure(error)
        }
    }

    /// `<a@b> <c@d>` → ["a@b", "c@d"]; a bare id without brackets is taken as it is.
    static func messageIds(_ s: String) -> [String] {
        var out: [String] = []
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = rest[rest.index(after: open)..<close].trimmingWhitespace
            if !id.isEmpty { out.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if out.isEmpty, let bare = s.split(whereSeparator: { $0.isWhitespace }).first, bare.contains("@") { out.append(String(bare)) }
        return out
    }

    static func normaliseNewlines(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").trimmingWhitespace
    }

    static func parseDate(_ s: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        var text = s
        if let paren = text.firstIndex(of: "(") { text = text[..<paren].trimmingWhitespace }
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z", "EEE, d MMM yyyy HH:mm:ss zzz"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    /// Bounces, auto-replies and bulk mail, by the headers RFC 3834 and the common mailers set.
    static func automatic(_ h: MailHeaders, from: MailAddress?, subject: String, report: Bool) -> AutomaticMail? {
        let sender = from?.address ?? ""
        let local = sender.split(separator: "@").first.map { $0.lowercased() } ?? ""
        if report || local == "mailer-daemon" || local == "postmaster" || h.text("Return-Path") == "<>" { return .bounce }
        if let a = h.text("Auto-Submitted")?.lowercased(), a != "no" { return .autoReply }
        if h.first("X-Autoreply") != nil || h.first("X-Autorespond") != nil || h.first("X-Auto-Reply") != nil { return .autoReply }
        switch h.text("Precedence")?.lowercased() {
        case "auto_reply": return .autoReply
        case "bulk", "junk", "list": return .bulk
        default: break
        }
        if h.first("List-Id") != nil || h.first("List-Unsubscribe") != nil { return .bulk }
        let s = subject.lowercased()
        for mark in ["自动回复", "自動回覆", "auto-reply", "autoreply", "automatic reply", "out of office", "外出", "休假"]
        where s.hasPrefix(mark) || s.contains("\(mark):") || s.contains("\(mark)：") {
            return .autoReply
        }
        return nil
    }
}

/// Walks the MIME tree once: the first text/plain and text/html bodies that are not attachments, and every file.
struct PartReader {
    var plain: String?
    var html: String?
    var attachments: [MailAttachment] = []
    var isReport = false
    var parts = 0

    mutating func read(headers: MailHeaders, body: ArraySlice<UInt8>, depth: Int, path: String) throws(MailParseError) {
        guard depth <= MailMessage.maxDepth else { throw .tooDeep }
        parts += 1
        guard parts <= MailMessage.maxParts else { throw .tooManyParts }
        let type = MailParameters.parse(headers.raw("Content-Type") ?? "text/plain")
        let disposition = headers.raw("Content-Disposition").map(MailParameters.parse)
        if type.value.hasPrefix("multipart/") {
            if type.value == "multipart/report" { isReport = true }
            guard let boundary = type["boundary"], !boundary.isEmpty else { throw .brokenBoundary("") }
            let children = try Self.split(body, boundary: boundary)
            for (n, child) in children.enumerated() {
                let (h, start) = (try? MailHeaders.parse(child)) ?? (MailHeaders(fields: []), child.startIndex)
                try read(headers: h, body: child[start...], depth: depth + 1, path: "\(path).\(n + 1)")
            }
            return
        }
        let bytes = try Self.decoded(body, encoding: headers.raw("Content-Transfer-Encoding"), path: path)
        let name = disposition?["filename"] ?? type["name"]
        let isAttachment = disposition?.value == "attachment" || (name != nil && !type.value.hasPrefix("text/"))
        if !isAttachment && type.value == "text/plain" && plain == nil {
            plain = MailCharset.decode(bytes, charset: type["charset"])
        } else if !isAttachment && type.value == "text/html" && html == nil {
            html = MailCharset.decode(bytes, charset: type["charset"])
        } else if type.value == "message/delivery-status" {
            isReport = true
        } else if !bytes.isEmpty {
            let fallback = type.value == "message/rfc822" ? "message-\(attachments.count + 1).eml" : "attachment-\(attachments.count + 1)"
            attachments.append(
                MailAttachment(
                    fileName: name ?? fallback, contentType: type.value, bytes: bytes,
                    inline: disposition?.value == "inline" || headers.first("Content-ID") != nil && disposition?.value != "attachment"))
        }
    }

    static func decoded(_ body: ArraySlice<UInt8>, encoding: String?, path: String) throws(MailParseError) -> [UInt8] {
        switch encoding?.lowercased().trimmingWhitespace {
        case "base64":
            guard let b = TransferEncoding.base64(body) else { throw .invalidBase64(part: path) }
            return b
        case "quoted-printable": return TransferEncoding.quotedPrintable(body)
        default: return Array(body)
        }
    }

    /// The body parts between `--boundary` lines. A missing closing line ends the last part at the end of the input
    /// (mail cut short in transit still carries what arrived); no opening line at all is an error.
    static func split(_ body: ArraySlice<UInt8>, boundary: String) throws(MailParseError) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var start: Int?
        var i = body.startIndex
        var lineStart = i
        while lineStart < body.endIndex {
            var end = lineStart
            while end < body.endIndex, body[end] != 0x0A { end += 1 }
            var line = body[lineStart..<end]
            if line.last == 0x0D { line = line.dropLast() }
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let closing = rest.starts(with: [0x2D, 0x2D])
                if closing || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                    if let s = start {
                        // The line break before the delimiter belongs to the delimiter.
                        var e = lineStart
                        if e > s, body[e - 1] == 0x0A { e -= 1 }
                        if e > s, body[e - 1] == 0x0D { e -= 1 }
                        parts.append(body[s..<e])
                    }
                    if closing { return parts }
                    start = end < body.endIndex ? end + 1 : end
                }
            }
            lineStart = end < body.endIndex ? end + 1 : end
            i = lineStart
        }
        guard let s = start else { throw .brokenBoundary(boundary) }
        if s < body.endIndex { parts.append(body[s..<body.endIndex]) }
        return parts
    }
}
