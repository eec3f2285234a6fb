import Foundation

/// Personal data in text a respondent merchant is shown (个人信息保护法: the minimum necessary). Staff and the member
/// read the original; the hash chain commits to the original; the masked view is derived each time it is shown.
///
/// Free text (`redact`) is searched for what identifies a person: mainland mobile numbers (with spaces, dashes, +86),
/// landline numbers, 18-digit resident ID numbers whose check character is right, bank card numbers that pass the
/// Luhn check (or follow a card keyword), e-mail addresses, QQ and WeChat ids after their keywords, a name after a
/// name keyword, and the member's own registered name, log-in and contact details wherever they appear. Order numbers
/// after an order keyword are left alone: the merchant needs them to find the order.
public enum PersonalData {
    /// The payload keys of an event that are identifiers, codes or hashes, never a person's words.
    static let identifierKeys: Set<String> = [
        "from", "to", "action", "trigger", "kind", "status", "target", "channel", "category", "categoryCode", "dimension", "tier",
        "queue", "outcome", "deadline", "owner", "rule", "mediaType", "sha256", "files", "basis", "code", "productKind", "respondent",
    ]

    /// An event payload as a merchant reads it: every string a person wrote redacted, nested objects and arrays
    /// included; identifiers (`…Id`, `…At`, hashes, codes) left as they are.
    public static func mask(payload: [String: CanonicalValue], knowing known: KnownValues = .none) -> [String: CanonicalValue] {
        var out = payload
        for (k, v) in payload where !isIdentifier(k) { out[k] = mask(v, knowing: known) }
        return out
    }

    static func isIdentifier(_ key: String) -> Bool {
        identifierKeys.contains(key) || key.hasSuffix("Id") || key.hasSuffix("At") || key.hasSuffix("Fen") || key.hasSuffix("Hash")
            || key == "id"
    }

    static func mask(_ value: CanonicalValue, knowing known: KnownValues) -> CanonicalValue {
        switch value {
        case .string(let s): .string(redact(s, knowing: known))
        case .object(let o): .object(mask(payload: o, knowing: known))
        case .array(let a): .array(a.map { mask($0, knowing: known) })
        default: value
        }
    }

    /// What is known of the member whose case it is, masked wherever it appears in text.
    public struct KnownValues: Sendable, Equatable {
        /// Registered names (masked as `王**`).
        public var names: [String]
        /// Log-ins, phone numbers, e-mail addresses (masked as such, whatever their spelling in the text).
        public var contacts: [String]

        public init(names: [String] = [], contacts: [String] = []) {
            self.names = names.map { $0.trimmingWhitespace() }.filter { $0.count >= 2 }
            self.contacts = contacts.map { $0.trimmingWhitespace() }.filter { $0.count >= 5 }
        }

        public static let none = KnownValues()

        /// The member's display name, log-in, phone and e-mail.
        public init(member: User?) {
            guard let m = member else {
                self.init()
                return
            }
            self.init(names: [m.displayName], contacts: [m.login] + [m.phone, m.email].compactMap { $0 })
        }
    }

    /// One piece of personal data found in a text, as a UTF-16 range of it.
    public struct Finding: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable { case mobile, landline, idNumber, bankCard, email, qq, wechat, name }
        public var kind: Kind
        public var range: NSRange
        /// What replaces it.
        public var masked: String
    }

    /// `text` with every finding replaced by its masked form.
    public static func redact(_ text: String, knowing known: KnownValues = .none) -> String {
        let found = findings(in: text, knowing: known)
        guard !found.isEmpty else { return text }
        let ns = NSMutableString(string: text)
        for f in found.reversed() { ns.replaceCharacters(in: f.range, with: f.masked) }
        return ns as String
    }

    /// The personal data in `text`, in order, none overlapping (the earlier, then the longer, wins).
    public static func findings(in text: String, knowing known: KnownValues = .none) -> [Finding] {
        guard !text.isEmpty else { return [] }
        // Full-width digits and letters read as ASCII (same UTF-16 offsets): １３９… is a phone number too.
        let plain = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { s in
                    (0xFF01...0xFF5E).contains(s.value) ? Unicode.Scalar(s.value - 0xFEE0)! : s
                }))
        let ns = plain as NSString
        let whole = NSRange(location: 0, length: ns.length)
        var all: [Finding] = []
        func digits(_ r: NSRange) -> String { ns.substring(with: r).filter(\.isNumber) }
        // Each pattern needs something a text without personal data mostly lacks (a digit, an @, a keyword): the
        // regular expressions run only where it is present.
        let hasDigit = plain.utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
        let lowered = plain.lowercased()
        // Byte tests (`holds`), not `String.contains`, which Foundation answers through `NSString` (these seven
        // words a text were 4 % of a filing's CPU).
        let mayHoldWeChat = Pattern.weChatWords.contains { Self.holds(lowered, $0) }
        let mayHoldName = Pattern.nameWords.contains { Self.holds(plain, $0) }

        for m in plain.utf8.contains(0x40) ? Pattern.email.matches(in: plain, range: whole) : [] {
            let s = ns.substring(with: m.range)
            guard let at = s.firstIndex(of: "@") else { continue }
            all.append(Finding(kind: .email, range: m.range, masked: "\(s.prefix(1))***\(s[at...])"))
        }
        for m in hasDigit ? Pattern.idNumber.matches(in: plain, range: whole) : [] {
            let id = ns.substring(with: m.range).filter { $0 != " " }.uppercased()
            guard ResidentID.isValid(id) else { continue }
            all.append(Finding(kind: .idNumber, range: m.range, masked: String(id.prefix(6)) + "********" + String(id.suffix(4))))
        }
        for m in hasDigit ? Pattern.mobile.matches(in: plain, range: whole) : [] {
            let d = String(digits(m.range).suffix(11))
            all.append(Finding(kind: .mobile, range: m.range, masked: String(d.prefix(3)) + "****" + String(d.suffix(4))))
        }
        for m in hasDigit ? Pattern.landline.matches(in: plain, range: whole) : [] {
            let area = ns.substring(with: m.range(at: 1)).filter(\.isNumber)
            let number = digits(m.range(at: 2))
            all.append(
                Finding(kind: .landline, range: m.range, masked: "\(area)-" + String(repeating: "*", count: number.count - 2) + number.suffix(2)))
        }
        for m in hasDigit ? Pattern.digitRun.matches(in: plain, range: whole) : [] {
            let d = digits(m.range)
            let before = ns.substring(with: NSRange(location: max(0, m.range.location - 8), length: min(8, m.range.location)))
            let cardWord = Pattern.cardWord.firstMatch(in: before, range: NSRange(location: 0, length: (before as NSString).length)) != nil
            let orderWord = Pattern.orderWord.firstMatch(in: before, range: NSRange(location: 0, length: (before as NSString).length)) != nil
            guard !orderWord, (16...19).contains(d.count) && luhn(d) || cardWord && d.count >= 8 else { continue }
            all.append(Finding(kind: .bankCard, range: m.range, masked: String(repeating: "*", count: d.count - 4) + d.suffix(4)))
        }
        for (pattern, kind, may) in [(Pattern.qq, Finding.Kind.qq, hasDigit), (Pattern.wechat, .wechat, mayHoldWeChat)] where may {
            for m in pattern.matches(in: plain, range: whole) {
                let id = ns.substring(with: m.range(at: 1))
                all.append(
                    Finding(kind: kind, range: m.range(at: 1), masked: String(id.prefix(2)) + String(repeating: "*", count: max(3, id.count - 2))))
            }
        }
        for m in mayHoldName ? Pattern.namedPerson.matches(in: plain, range: whole) : [] {
            all.append(Finding(kind: .name, range: m.range(at: 1), masked: maskName(ns.substring(with: m.range(at: 1)))))
        }
        for name in known.names {
            for r in ranges(of: name, in: ns) { all.append(Finding(kind: .name, range: r, masked: maskName(name))) }
        }
        for contact in known.contacts {
            let kind: Finding.Kind = contact.contains("@") ? .email : .mobile
            let masked: String
            if let at = contact.firstIndex(of: "@") {
                masked = "\(contact.prefix(1))***\(contact[at...])"
            } else {
                masked = AccountRules.maskPhone(contact)
            }
            for r in ranges(of: contact, in: ns) { all.append(Finding(kind: kind, range: r, masked: masked)) }
        }
        // The earliest finding wins; at the same place, the longest.
        all.sort { $0.range.location != $1.range.location ? $0.range.location < $1.range.location : $0.range.length > $1.range.length }
        var kept: [Finding] = []
        var end = 0
        for f in all where f.range.location >= end {
            kept.append(f)
            end = f.range.location + f.range.length
        }
        return kept
    }

    /// Whether `text` holds `word`'s UTF-8 bytes: a word of whole characters is found exactly where it is written
    /// (UTF-8 never matches in the middle of a character).
    static func holds(_ text: String, _ word: String) -> Bool {
        var (t, w) = (text, word)
        return t.withUTF8 { tb in
            w.withUTF8 { wb in
                guard let first = wb.first else { return true }
                guard wb.count <= tb.count else { return false }
                var i = 0
                while i <= tb.count - wb.count {
                    if tb[i] == first {
                        var j = 1
                        while j < wb.count && tb[i + j] == wb[j] { j += 1 }
                        if j == wb.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    static func ranges(of needle: String, in haystack: NSString) -> [NSRange] {
        var out: [NSRange] = []
        var from = 0
        while from < haystack.length {
            let r = haystack.range(of: needle, options: [.caseInsensitive], range: NSRange(location: from, length: haystack.length - from))
            guard r.location != NSNotFound, r.length > 0 else { break }
            out.append(r)
            from = r.location + r.length
        }
        return out
    }

    /// The Luhn check bank card numbers carry.
    public static func luhn(_ digits: String) -> Bool {
        var sum = 0
        for (i, ch) in digits.reversed().enumerated() {
            guard var v = ch.wholeNumberValue else { return false }
            if i % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }

    enum Pattern {
        static func make(_ p: String) -> NSRegularExpression { try! NSRegularExpression(pattern: p) }
        static let email = make("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}")
        static let mobile = make("(?<![0-9A-Za-z])(?:(?:\\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9])")
        static let landline = make("(?<![0-9A-Za-z])(\\(?0[1-9][0-9]{1,2}\\)?)[ -]?([2-9][0-9]{6,7})(?![0-9])")
        static let idNumber = make(
            "(?<![0-9A-Za-z])[1-9][0-9]{5} ?(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]) ?[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
        static let digitRun = make("(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){7,22}(?![0-9A-Za-z])")
        static let cardWord = make("(?:卡号|银行卡|储蓄卡|信用卡|借记卡|银行账号|银行帐号|收款账号|收款帐号|银行账户|收款账户|扣款账户|[Cc]ard)")
        static let orderWord = make("(?:订单|单号|编号|流水|交易号|order|Order|ORDER|RD-)")
        static let qq = make("(?<![A-Za-z])(?:[Qq][Qq]|扣扣|企鹅)(?:号码|号)?\\s*[:：]?\\s*(?:是|为)?\\s*([1-9][0-9]{4,11})(?![0-9])")
        static let wechat = make(
            "(?<![A-Za-z])(?:微信|威信|[Vv][Xx]|[Ww][Xx]|[Vv]信|[Ww]eixin|[Ww]e[Cc]hat)(?:号码|号|[Ii][Dd])?\\s*[:：]?\\s*(?:是|为)?\\s*([A-Za-z][-_A-Za-z0-9]{5,19}|1[3-9][0-9]{9})(?![-_A-Za-z0-9])"
        )
        /// What the WeChat and name patterns start with (lower-cased for WeChat), to skip them where absent.
        static let weChatWords = ["微信", "威信", "vx", "wx", "v信", "weixin", "wechat"]
        static let nameWords = ["姓名", "联系人", "收款人", "户名", "持卡人", "我叫", "本人叫"]
        static let namedPerson = make("(?:真实姓名|姓名|联系人|收款人|户名|持卡人|我叫|本人叫)\\s*[:：]?\\s*(?:是|为)?\\s*([\\p{Han}·]{2,3})")
    }

    // MARK: Structured fields and operators' text

    /// A text that may name people's contact details (a mail server's refusal, an error), as logs and operators' pages
    /// may keep it.
    public static func maskContacts(_ text: String) -> String { mask(redact(text)) }

    /// A payment or account reference (a structured field): every run of 12 or more digits keeps its last four, an
    /// 11-digit run starting with 1 reads as a phone number, an 18-character ID keeps its region and last four.
    public static func mask(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var run: [Character] = []
        func flush() {
            out += maskRun(run)
            run.removeAll(keepingCapacity: true)
        }
        for ch in text {
            if ch.isASCII && (ch.isNumber || ((ch == "X" || ch == "x") && run.count == 17)) {
                run.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    /// `张三丰` → `张**`: the first character kept.
    public static func maskName(_ name: String) -> String {
        guard let first = name.first else { return name }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    static func maskRun(_ run: [Character]) -> String {
        let s = String(run)
        switch run.count {
        case 11 where run[0] == "1": return AccountRules.maskPhone(s)
        case 18: return String(run.prefix(6)) + String(repeating: "*", count: 8) + String(run.suffix(4))
        case 12...17, 19...: return String(repeating: "*", count: run.count - 4) + String(run.suffix(4))
        default: return s
        }
    }
}

/// The 18-character resident identity number (GB 11643): region, birth date, sequence and an ISO 7064 MOD 11-2 check.
public enum ResidentID {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    public static func isValid(_ id: String) -> Bool {
        let chars = Array(id.uppercased())
        guard chars.count == 18 else { return false }
        var sum = 0
        for i in 0..<17 {
            guard let v = chars[i].wholeNumberValue, chars[i].isASCII else { return false }
            sum += v * weights[i]
        }
        return chars[17] == checks[sum % 11]
    }

    /// Completes 17 digits with their check character (for demo data and tests).
    public static func withCheck(_ first17: String) -> String? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for i in 0..<17 {
            guard let v = chars[i].wholeNumberValue else { return nil }
            sum += v * weights[i]
        }
        return first17 + String(checks[sum % 11])
    }
}

extension Complaint {
    /// The case as its respondent merchant reads it: every text a person wrote (narrative, remedy, messages in rulings,
    /// requests, freezes, outside complaints, the rating's comment) with the member's personal data masked, payment
    /// and account references masked as account numbers.
    public func redacted(knowing known: PersonalData.KnownValues) -> Complaint {
        func r(_ s: String) -> String { PersonalData.redact(s, knowing: known) }
        func remedy(_ x: Remedy) -> Remedy { Remedy(kind: x.kind, text: x.text.map(r)) }
        func ruling(_ x: Ruling) -> Ruling {
            var y = x
            y.reason = r(x.reason)
            y.remedy = x.remedy.map(remedy)
            return y
        }
        var c = self
        c.narrative = r(narrative)
        c.remedy = remedy(self.remedy)
        c.order.paymentReference = order.paymentReference.map { PersonalData.mask(r($0)) }
        c.order.merchantName = order.merchantName.map(r)
        c.recordsRequests = recordsRequests.map { x in
            var y = x
            y.needed = r(x.needed)
            return y
        }
        c.proposedRuling = proposedRuling.map(ruling)
        c.ruling = self.ruling.map(ruling)
        c.freezes = freezes.map { x in
            var y = x
            y.reference = PersonalData.mask(r(x.reference))
            y.reason = r(x.reason)
            y.releaseReason = x.releaseReason.map(r)
            return y
        }
        c.externalComplaints = externalComplaints.map { x in
            var y = x
            y.reference = r(x.reference)
            y.note = x.note.map(r)
            return y
        }
        c.rating = rating.map { x in
            var y = x
            y.comment = x.comment.map(r)
            return y
        }
        return c
    }
}

extension EvidenceFile {
    /// The file as its respondent merchant reads it: personal data in its name masked (付款截图_139****5678.png).
    public func redacted(knowing known: PersonalData.KnownValues) -> EvidenceFile {
        var f = self
        f.fileName = PersonalData.redact(fileName, knowing: known)
        return f
    }
}

extension TimelineEvent {
    /// The event as its respondent merchant reads it: the words in its payload masked.
    public func redacted(knowing known: PersonalData.KnownValues) -> TimelineEvent {
        var e = self
        e.payload = PersonalData.mask(payload: payload, knowing: known)
        return e
    }
}
