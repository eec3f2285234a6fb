/// A header section: the fields in order, unfolded, each kept as raw bytes and readable as decoded text.
public struct MailHeaders: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var name: String
        public var raw: [UInt8]
        /// The value as text: raw 8-bit bytes read as UTF-8 (or GB18030, as Chinese clients send them unencoded),
        /// encoded-words decoded.
        public var text: String { EncodedWords.decode(MailCharset.decode(raw, charset: nil)) }
    }

    public var fields: [Field]

    public func all(_ name: String) -> [Field] { fields.filter { $0.name.sameName(name) } }
    public func first(_ name: String) -> Field? { fields.first { $0.name.sameName(name) } }
    public func text(_ name: String) -> String? { first(name)?.text.trimmingWhitespace }
    /// The value without decoding encoded-words (for structured fields whose parameters are decoded one by one).
    public func raw(_ name: String) -> String? { first(name).map { MailCharset.decode($0.raw, charset: nil).trimmingWhitespace } }

    /// Splits `bytes` into a header section and the index where the body starts. Limits keep a header bomb out: at
    /// most `maxFields` fields and `maxBytes` bytes of headers.
    static func parse(_ bytes: ArraySlice<UInt8>, maxFields: Int = 1000, maxBytes: Int = 256 * 1024) throws(MailParseError) -> (
        MailHeaders, bodyStart: Int
    ) {
        var fields: [Field] = []
        var i = bytes.startIndex
        var current: (name: String, value: [UInt8])?
        func close() throws(MailParseError) {
            if let c = current {
                fields.append(Field(name: c.name, raw: c.value.trimmedSpaces))
                guard fields.count <= maxFields else { throw .headerBomb("more than \(maxFields) header fields") }
            }
            current = nil
        }
        while i < bytes.endIndex {
            guard bytes.distance(from: bytes.startIndex, to: i) <= maxBytes else { throw .headerBomb("more than \(maxBytes / 1024) KiB of headers") }
            var end = i
            while end < bytes.endIndex, bytes[end] != 0x0A { end += 1 }
            var line = bytes[i..<end]
            if line.last == 0x0D { line = line.dropLast() }
            let next = end < bytes.endIndex ? end + 1 : end
            if line.isEmpty {
                try close()
                return (MailHeaders(fields: fields), next)
            }
            if line.first == 0x20 || line.first == 0x09 {
                // A folded line continues the field before it.
                if current != nil { current!.value += line }
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                line[line.startIndex..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            {
                try close()
                current = (String(decoding: line[line.startIndex..<colon], as: UTF8.self), Array(line[(colon + 1)...]))
            } else if fields.isEmpty && current == nil {
                // Not a header at all (an mbox "From " line is skipped; anything else means no headers).
                if line.starts(with: Array("From ".utf8)) {
                    i = next
                    continue
                }
                throw .notAMessage
            } else {
                throw .malformedHeader(String(decoding: line.prefix(60), as: UTF8.self))
            }
            i = next
        }
        try close()
        return (MailHeaders(fields: fields), bytes.endIndex)
    }
}

extension String {
    func sameName(_ other: String) -> Bool { lowercased() == other.lowercased() }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension Collection<UInt8> {
    var trimmedSpaces: [UInt8] {
        var a = Array(self)
        while let f = a.first, f == 0x20 || f == 0x09 { a.removeFirst() }
        while let l = a.last, l == 0x20 || l == 0x09 || l == 0x0D { a.removeLast() }
        return a
    }
}

/// Why a message could not be read. The code is what the gateway's refusal and the kept-aside list show.
public enum MailParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAMessage
    case malformedHeader(String)
    case headerBomb(String)
    case brokenBoundary(String)
    case invalidBase64(part: String)
    case tooDeep
    case tooManyParts

    public var code: String {
        switch self {
        case .notAMessage: "not_a_message"
        case .malformedHeader: "malformed_header"
        case .headerBomb: "header_bomb"
        case .brokenBoundary: "broken_boundary"
        case .invalidBase64: "invalid_base64"
        case .tooDeep: "mime_too_deep"
        case .tooManyParts: "too_many_parts"
        }
    }

    public var description: String {
        switch self {
        case .notAMessage: "the input does not start with a header section"
        case .malformedHeader(let line): "a header line has no field name: \(line)"
        case .headerBomb(let what): "the headers are too large: \(what)"
        case .brokenBoundary(let b): "the multipart boundary \"\(b)\" never appears in the body"
        case .invalidBase64(let part): "the base64 of part \(part) cannot be decoded"
        case .tooDeep: "MIME parts are nested more than 8 deep"
        case .tooManyParts: "the message has more than 200 MIME parts"
        }
    }
}
