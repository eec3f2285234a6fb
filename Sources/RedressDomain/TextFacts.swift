import Foundation

/// What a member's own words say about their order, read from free text (an e-mail, a chat): the order number, the
/// amount, whether they want their money back. A first draft for a person to check, never a ruling.
public struct TextFacts: Sendable, Equatable {
    public var orderNumber: String?
    public var amountFen: Int64?
    public var wantsRefund: Bool

    public init(_ text: String) {
        orderNumber = Self.orderNumber(in: text)
        amountFen = Self.amountFen(in: text)
        wantsRefund = text.contains("退款") || text.contains("退钱") || text.lowercased().contains("refund")
    }

    /// After 订单号/订单/order, or a run of letters then at least six digits; with at least four digits.
    static func orderNumber(in text: String) -> String? {
        let patterns = [
            #"(?:订单号|订单编号|订单|order\s*(?:no\.?|number|#|id)?)\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9\-_]{5,63})"#,
            #"\b([A-Za-z]{1,6}[0-9]{6,40})\b"#,
        ]
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p, options: [.caseInsensitive]),
                let match = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), let r = Range(match.range(at: 1), in: text)
            else { continue }
            let candidate = String(text[r])
            if candidate.filter(\.isNumber).count >= 4 { return candidate }
        }
        return nil
    }

    /// `100 元`, `¥100.50`, `100.5元`: the first amount named, in fen.
    static func amountFen(in text: String) -> Int64? {
        guard let re = try? NSRegularExpression(pattern: #"(?:[¥￥]\s*([0-9]{1,9}(?:\.[0-9]{1,2})?)|([0-9]{1,9}(?:\.[0-9]{1,2})?)\s*元)"#),
            let match = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        let r = Range(match.range(at: 1), in: text) ?? Range(match.range(at: 2), in: text)
        guard let r, let value = Decimal(string: String(text[r])) else { return nil }
        let fen = NSDecimalNumber(decimal: value * 100).int64Value
        return fen > 0 && fen <= ComplaintDraft.maximumFen ? fen : nil
    }
}
