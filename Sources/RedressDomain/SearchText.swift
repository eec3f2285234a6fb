import Foundation

/// Full-text search over cases, written once for both engines.
///
/// Chinese is written without spaces, so a word cannot be found by splitting on them; and two-character words (退款,
/// 盗刷, 封号) are the ones people look for most. A run of Chinese (and Japanese or Korean) characters becomes its
/// overlapping pairs plus its last character alone: 申请退款 → 申请 请退 退款 款. A run of letters and digits (QQ,
/// Steam, an order number, the visible digits of a masked phone number) becomes one word, lower-cased, full-width
/// forms read as ASCII. Each token keeps the UTF-8 byte range it came from, so matches can be highlighted exactly.
///
/// SQLite's FTS5 runs these tokens through a custom tokenizer; PostgreSQL stores the same tokens with their positions
/// in a `tsvector`. A query is a list of terms (AND); a term is a phrase of consecutive tokens, so 退款失败 asks for
/// 退款 款失 失败 in a row, and a single character asks for any pair that starts with it.
///
/// What is indexed is the text every party to the case may read, with personal data masked as the respondent
/// merchant sees it (`PersonalData.redact`): no one finds a case by a phone or ID number written in it, and the index
/// holds none. Internal notes are indexed apart, for staff only.
public enum SearchText {
    /// One token of a text and where it came from (UTF-8 byte offsets into the original).
    public struct Token: Sendable, Equatable {
        public var text: String
        public var start: Int
        public var end: Int
        /// Whether it is Chinese (a pair or a single character) rather than a word of letters and digits.
        public var isHan: Bool
        /// At the same position as the token before it: a run's first character, beside the run's first pair, so that
        /// a phrase ending in one character (QQ号) is found exactly where a run starts with it.
        public var colocated = false
    }

    /// The longest word of letters and digits kept whole; longer ones are cut (and still found by their beginning).
    static let longestWord = 64

    /// The tokens of a text as it is indexed.
    public static func tokens(_ text: String) -> [Token] {
        var out: [Token] = []
        var text = text
        text.withUTF8 { bytes in
            scan(bytes) { token, start, end, isHan, colocated in
                out.append(Token(text: String(decoding: token, as: UTF8.self), start: start, end: end, isHan: isHan, colocated: colocated))
            }
        }
        return out
    }

    /// The tokenizer itself, over UTF-8 bytes: calls `emit` with each token's bytes (a pair or a character is the
    /// text's own bytes; a word is its folded form), its byte range in `bytes`, whether it is Chinese, and whether it
    /// stands at the position of the token before it. Used as it is by SQLite's FTS5 (no allocation per token) and
    /// through `tokens` everywhere else.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (UnsafeBufferPointer<UInt8>, Int, Int, Bool, Bool) -> Void) {
        var runLength = 0, lastStart = 0, lastEnd = 0
        var word: [UInt8] = []
        word.reserveCapacity(longestWord * 4)
        var wordLength = 0, wordStart = 0, wordEnd = 0
        func flushHan() {
            guard runLength > 0 else { return }
            emit(UnsafeBufferPointer(rebasing: bytes[lastStart..<lastEnd]), lastStart, lastEnd, true, false)
            runLength = 0
        }
        func flushWord() {
            guard wordLength > 0 else { return }
            word.withUnsafeBufferPointer { emit($0, wordStart, wordEnd, false, false) }
            word.removeAll(keepingCapacity: true)
            wordLength = 0
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let start = i
            let b0 = bytes[i]
            var v: UInt32
            var width: Int
            if b0 < 0x80 {
                (v, width) = (UInt32(b0), 1)
            } else if b0 >= 0xF0 {
                (v, width) = (UInt32(b0 & 0x07), 4)
            } else if b0 >= 0xE0 {
                (v, width) = (UInt32(b0 & 0x0F), 3)
            } else {
                (v, width) = (UInt32(b0 & 0x1F), 2)
            }
            if i + width > n { width = n - i }
            for k in 1..<max(1, width) { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
            i += width
            // Letters and digits of ASCII, the most common word characters, folded in place.
            if v < 0x80 {
                let lower = v >= 0x41 && v <= 0x5A ? UInt8(v + 0x20) : UInt8(v)
                if (lower >= 0x30 && lower <= 0x39) || (lower >= 0x61 && lower <= 0x7A) {
                    flushHan()
                    if wordLength == 0 { wordStart = start }
                    if wordLength < longestWord {
                        word.append(lower)
                        wordLength += 1
                    }
                    wordEnd = i
                } else {
                    flushHan()
                    flushWord()
                }
                continue
            }
            guard let scalar = Unicode.Scalar(v) else {
                flushHan()
                flushWord()
                continue
            }
            switch kind(of: scalar) {
            case .han:
                flushWord()
                if runLength > 0 {
                    emit(UnsafeBufferPointer(rebasing: bytes[lastStart..<i]), lastStart, i, true, false)
                    // The run's first character, at its first pair's position.
                    if runLength == 1 { emit(UnsafeBufferPointer(rebasing: bytes[lastStart..<lastEnd]), lastStart, lastEnd, true, true) }
                }
                (lastStart, lastEnd) = (start, i)
                runLength += 1
            case .word(let folded):
                flushHan()
                if wordLength == 0 { wordStart = start }
                if wordLength < longestWord {
                    for u in folded { word.append(contentsOf: String(u).utf8) }
                    wordLength += 1
                }
                wordEnd = i
            case .mark:
                // A combining mark belongs to the word it follows; elsewhere it separates.
                if wordLength == 0 { flushHan() } else { wordEnd = i }
            case .separator:
                flushHan()
                flushWord()
            }
        }
        flushHan()
        flushWord()
    }

    enum ScalarKind {
        case han
        case word(String.UnicodeScalarView)
        case mark
        case separator
    }

    static func kind(of s: Unicode.Scalar) -> ScalarKind {
        let v = s.value
        if v < 0x80 {
            switch v {
            case 0x30...0x39, 0x61...0x7A: return .word(String.UnicodeScalarView([s]))
            case 0x41...0x5A: return .word(String.UnicodeScalarView([Unicode.Scalar(v + 0x20)!]))
            default: return .separator
            }
        }
        // Full-width letters and digits read as ASCII: ＱＱ is QQ.
        if (0xFF10...0xFF19).contains(v) || (0xFF21...0xFF3A).contains(v) || (0xFF41...0xFF5A).contains(v) {
            return kind(of: Unicode.Scalar(v - 0xFEE0)!)
        }
        if isHan(v) { return .han }
        let p = s.properties
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return .mark
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber, .letterNumber, .otherNumber:
            return .word(String(s).lowercased().unicodeScalars)
        default: return .separator
        }
    }

    /// Han ideographs (with their extensions and compatibility forms), kana and hangul: scripts written without spaces.
    static func isHan(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x3134F).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0x3040...0x30FF).contains(v) || (0xAC00...0xD7AF).contains(v) || v == 0x3007
    }

    // MARK: What a case puts in the index

    /// One indexed text of a case: the filing (case number, order number, merchant, narrative, remedy) or one event's
    /// words, cut into chunks of at most `chunkLength` characters that overlap by `chunkOverlap`, so a phrase is found
    /// across a cut.
    public struct Piece: Sendable, Equatable {
        /// `sequence << 4 | chunk`: the event's place in the timeline and the chunk's in the event.
        public var number: Int64
        /// An internal note: found by staff only.
        public var staffOnly: Bool
        public var text: String
    }

    static let chunkLength = 4_000
    static let chunkOverlap = 64
    static let chunksPerText = 16

    /// The payload keys that hold a person's words.
    static let wordKeys: Set<String> = ["body", "note", "comment", "text", "reason", "needed", "releaseReason"]

    /// What a case's new events add to the index. The filing event indexes the case as filed.
    public static func pieces(_ complaint: Complaint, events: [TimelineEvent]) -> [Piece] {
        var out: [Piece] = []
        for e in events {
            var text: String
            if e.kind == .submitted {
                text = [complaint.caseNumber, complaint.order.orderNumber, complaint.order.merchantName ?? "", redact(complaint.narrative)]
                    .joined(separator: "\n")
                if let r = complaint.remedy.text { text += "\n" + redact(r) }
            } else {
                text = words(of: e.payload).map(redact).joined(separator: "\n")
            }
            guard !text.isEmpty else { continue }
            let chars = Array(text)
            var start = 0, chunk: Int64 = 0
            while start < chars.count && chunk < Int64(chunksPerText) {
                let end = min(chars.count, start + chunkLength)
                out.append(Piece(number: Int64(e.sequence) << 4 | chunk, staffOnly: e.visibility == .internal, text: String(chars[start..<end])))
                if end == chars.count { break }
                start = end - chunkOverlap
                chunk += 1
            }
        }
        return out
    }

    static func redact(_ text: String) -> String { PersonalData.redact(text) }

    /// The words a person wrote in an event (its message, note, comment, reason), in a fixed order.
    public static func words(of payload: [String: CanonicalValue]) -> [String] {
        var words: [String] = []
        collect(.object(payload), key: nil, into: &words)
        return words
    }

    static func collect(_ value: CanonicalValue, key: String?, into words: inout [String]) {
        switch value {
        case .string(let s): if let key, wordKeys.contains(key), !s.isEmpty { words.append(s) }
        case .object(let o): for k in o.keys.sorted() { collect(o[k]!, key: k, into: &words) }
        case .array(let a): for v in a { collect(v, key: key, into: &words) }
        default: break
        }
    }

    /// The tags that limit a search to one member's cases, or one respondent merchant's (in the index beside each
    /// piece's words). A case that changes respondent is indexed again under its new tags.
    public static func memberTag(_ memberId: String) -> String { "u" + alphanumeric(memberId) }
    public static func merchantTag(_ merchantId: String) -> String { "m" + alphanumeric(merchantId) }
    static func alphanumeric(_ id: String) -> String { id.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    /// The tag of a piece every party to the case may read (the others are internal notes).
    public static let partiesTag = "vall"
    public static let staffTag = "vstaff"

    /// A piece's tags: who may read it, whose case it is, who answers for it.
    public static func tags(_ piece: Piece, of c: Complaint) -> [String] { [piece.staffOnly ? staffTag : partiesTag] + caseTags(of: c) }

    /// Whose case it is and who answers for it: the tags every passage of the case carries.
    public static func caseTags(of c: Complaint) -> [String] { [memberTag(c.memberId)] + (c.respondentMerchantId.map { [merchantTag($0)] } ?? []) }
}

extension SearchText {
    /// What someone searched for: terms that must all be found, each a phrase of tokens, the last perhaps a beginning.
    public struct Query: Sendable, Equatable {
        public struct Term: Sendable, Equatable {
            public var tokens: [String]
            /// The last token is a beginning (a lone Chinese character, or a word of three or more letters or digits).
            public var prefix: Bool
        }

        public var terms: [Term]
        /// The words as typed (trimmed), for showing back.
        public var text: String

        public static let maximumLength = 100
        public static let maximumTerms = 8

        /// nil for an empty query (no search). Throws for one too long or made of punctuation only.
        public init?(parsing raw: String) throws(DomainError) {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return nil }
            guard text.count <= Self.maximumLength else {
                throw .invalidField(
                    field: "q", code: "query_too_long", zh: "搜索内容不能超过 \(Self.maximumLength) 个字",
                    en: "Search for at most \(Self.maximumLength) characters")
            }
            var terms: [Term] = []
            for part in text.split(whereSeparator: \.isWhitespace) {
                // One token per position: a run's first character beside its first pair is for the documents.
                var tokens = SearchText.tokens(String(part)).filter { !$0.colocated }
                guard let last = tokens.last else { continue }
                var prefix = false
                if last.isHan {
                    // A run of two or more ends in a pair followed by its last character alone: the pair is enough,
                    // and the text may go on after it. A lone character after other words is found where a run
                    // starts with it; a lone character by itself is the beginning of any pair.
                    if tokens.count >= 2, tokens[tokens.count - 2].isHan, tokens[tokens.count - 2].end == last.end {
                        tokens.removeLast()
                    } else {
                        prefix = tokens.count == 1
                    }
                } else {
                    prefix = last.text.unicodeScalars.count >= 3
                }
                let term = Term(tokens: tokens.map(\.text), prefix: prefix)
                if !terms.contains(term) { terms.append(term) }
            }
            guard !terms.isEmpty else {
                throw .invalidField(
                    field: "q", code: "query_without_words", zh: "请输入要搜索的文字、字母或数字", en: "Search for words, letters or digits")
            }
            guard terms.count <= Self.maximumTerms else {
                throw .invalidField(
                    field: "q", code: "query_too_many_terms", zh: "搜索词最多 \(Self.maximumTerms) 个", en: "Search for at most \(Self.maximumTerms) terms")
            }
            self.terms = terms
            self.text = text
        }

        /// An FTS5 MATCH expression over the `words` and `tags` columns. Tokens hold only letters, digits and Han, so
        /// quoting them needs no escaping; the tokenizer splits a quoted query string on its spaces.
        public func fts5(within scope: ComplaintQuery) -> String {
            let words = terms.map { t in "words : \"\(t.tokens.joined(separator: " "))\"" + (t.prefix ? " *" : "") }
            let expression = (words + Self.tags(scope).map { "tags : \($0)" }).joined(separator: " AND ")
            return scope.searchInternal ? expression : expression + " NOT tags : \(SearchText.staffTag)"
        }

        /// The tags a search within `scope` asks for: the member's or the merchant's cases. Internal notes are left
        /// out of a search that may not read them by their own (rare) tag, not by asking every other row for its tag.
        static func tags(_ scope: ComplaintQuery) -> [String] {
            var tags: [String] = []
            if let m = scope.memberId { tags.append(SearchText.memberTag(m)) }
            if let m = scope.respondentMerchantId { tags.append(SearchText.merchantTag(m)) }
            return tags
        }

        /// A PostgreSQL `tsquery` in its text form: each term's tokens joined by `<->` (followed by), the tags as lexemes.
        public func tsquery(within scope: ComplaintQuery) -> String {
            var parts = terms.map { t in
                let lexemes = t.tokens.enumerated().map { i, tok in
                    "'\(tok)'" + (t.prefix && i == t.tokens.count - 1 ? ":*" : "")
                }
                return "(" + lexemes.joined(separator: " <-> ") + ")"
            }
            let negation = scope.searchInternal ? [] : ["!'#\(SearchText.staffTag)'"]
            return (parts + Self.tags(scope).map { "'#\($0)'" } + negation).joined(separator: " & ")
        }
    }

    /// A piece's `tsvector` in its text form: each token with its position, the tags without one.
    public static func tsvector(_ text: String, tags: [String]) -> String {
        var positions: [String: [Int]] = [:]
        var order: [String] = []
        var position = 0
        for t in tokens(text) {
            if !t.colocated { position += 1 }
            if positions[t.text] == nil { order.append(t.text) }
            // PostgreSQL keeps positions up to 16,383; chunks are short enough never to reach it.
            if positions[t.text]?.last != min(position, 16_383) { positions[t.text, default: []].append(min(position, 16_383)) }
        }
        let words = order.map { "'\($0)':" + positions[$0]!.prefix(256).map(String.init).joined(separator: ",") }
        return (words + tags.map { "'#\($0)'" }).joined(separator: " ")
    }
}

extension SearchText {
    /// A short passage of a text around what was found, in parts that are or are not a match (for `<mark>`).
    public struct SnippetPart: Sendable, Equatable, Codable {
        public var text: String
        public var match: Bool
        public init(text: String, match: Bool) {
            self.text = text
            self.match = match
        }
    }

    /// Where the query's terms occur in `text`, as UTF-8 byte ranges, in order, merged where they touch.
    public static func matches(of query: Query, in text: String) -> [Range<Int>] {
        // The tokens at each position (a run's first character stands beside its first pair).
        var positions: [[Token]] = []
        for t in tokens(text) {
            if t.colocated, !positions.isEmpty { positions[positions.count - 1].append(t) } else { positions.append([t]) }
        }
        var ranges: [Range<Int>] = []
        for term in query.terms where !term.tokens.isEmpty {
            let k = term.tokens.count
            guard positions.count >= k else { continue }
            for i in 0...(positions.count - k) {
                var found: [Token] = []
                for j in 0..<k {
                    let want = term.tokens[j]
                    guard let t = positions[i + j].first(where: { j == k - 1 && term.prefix ? $0.text.hasPrefix(want) : $0.text == want }) else {
                        break
                    }
                    found.append(t)
                }
                guard found.count == k, let first = found.first, let last = found.last else { continue }
                var end = last.end
                // A lone character found at the start of a pair marks that character only.
                if term.prefix, last.isHan, let lead = text.utf8.dropFirst(last.start).first {
                    end = last.start + UTF8Width.of(leadByte: lead)
                }
                ranges.append(first.start..<end)
            }
        }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in ranges {
            if let l = merged.last, r.lowerBound <= l.upperBound {
                merged[merged.count - 1] = l.lowerBound..<max(l.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    /// The passage of `text` around its first match (about `before` characters before it and `length` in all), in
    /// parts; nil when the query is not found in it.
    public static func snippet(of query: Query, in text: String, before: Int = 20, length: Int = 90) -> [SnippetPart]? {
        let found = matches(of: query, in: text)
        guard let first = found.first else { return nil }
        let bytes = Array(text.utf8)
        func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
        // Widen the window by characters, on character boundaries.
        let head = string(0..<first.lowerBound)
        let startChar = max(0, head.count - before)
        let start = head.utf8.count - String(head.suffix(head.count - startChar)).utf8.count
        let tail = string(start..<bytes.count)
        let end = start + String(tail.prefix(length)).utf8.count
        var parts: [SnippetPart] = []
        var at = start
        for m in found where m.lowerBound < end {
            let lo = max(m.lowerBound, at), hi = min(m.upperBound, end)
            guard lo < hi else { continue }
            if at < lo { parts.append(SnippetPart(text: string(at..<lo), match: false)) }
            parts.append(SnippetPart(text: string(lo..<hi), match: true))
            at = hi
        }
        if at < end { parts.append(SnippetPart(text: string(at..<end), match: false)) }
        if start > 0 { parts.insert(SnippetPart(text: "…", match: false), at: 0) }
        if end < bytes.count { parts.append(SnippetPart(text: "…", match: false)) }
        return parts.map { SnippetPart(text: $0.text.replacingOccurrences(of: "\n", with: " "), match: $0.match) }
    }
}

enum UTF8Width {
    static func of(leadByte b: UInt8) -> Int { b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4 }
}
