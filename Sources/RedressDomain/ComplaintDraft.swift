import Foundation

/// What a member files. Decoded from the request body; `validated` turns it into checked values.
public struct ComplaintDraft: Sendable, Codable, Equatable {
    public var category: String
    public var order: OrderReference
    public var occurredAt: Date
    public var narrative: String
    public var remedy: Remedy
    public var amountClaimedFen: Int64
    public var channel: Channel?
    public var emergency: Bool?

    public init(
        category: String, order: OrderReference, occurredAt: Date, narrative: String, remedy: Remedy, amountClaimedFen: Int64,
        channel: Channel? = nil, emergency: Bool? = nil
    ) {
        self.category = category
        self.order = order
        self.occurredAt = occurredAt
        self.narrative = narrative
        self.remedy = remedy
        self.amountClaimedFen = amountClaimedFen
        self.channel = channel
        self.emergency = emergency
    }

    /// The most a single complaint may involve: ¥100,000,000 (10^10 fen). Larger values are typing errors.
    public static let maximumFen: Int64 = 10_000_000_000
    public static let maximumNarrative = 10_000
    public static let maximumRemedyText = 1_000

    /// Checks every field; throws the first problem, naming the field.
    public func validated(taxonomy: Taxonomy, now: Date) throws(DomainError) -> (ComplaintDraft, ComplaintCategory) {
        var d = self
        d.category = category.trimmingSpaces()
        guard !d.category.isEmpty else { throw .required("category") }
        guard let cat = taxonomy.category(d.category) else {
            throw .invalidField(field: "category", code: "unknown_category", zh: "未知的投诉类别：\(d.category)", en: "Unknown category: \(d.category)")
        }
        d.order.orderNumber = order.orderNumber.trimmingWhitespace()
        try Self.text(d.order.orderNumber, "order.orderNumber", max: 64)
        try Self.amount(order.amountPaidFen, "order.amountPaidFen")
        try Self.amount(amountClaimedFen, "amountClaimedFen")
        if let r = order.paymentReference { try Self.text(r, "order.paymentReference", max: 128, required: false) }
        if d.order.respondent == .merchant {
            let id = order.merchantId?.trimmingWhitespace() ?? ""
            guard !id.isEmpty else {
                throw .invalidField(
                    field: "order.merchantId", code: "required", zh: "被投诉方为商家时必须提供商家编号",
                    en: "order.merchantId is required when the respondent is a merchant")
            }
            try Self.text(id, "order.merchantId", max: 64)
            d.order.merchantId = id
        }
        if let n = order.merchantName { try Self.text(n, "order.merchantName", max: 200, required: false) }
        let earliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
        let skew: TimeInterval = 300
        guard occurredAt >= earliest, occurredAt <= now.addingTimeInterval(skew) else {
            throw .outOfRange("occurredAt", "2000-01-01 至今", "between 2000-01-01 and now")
        }
        if let paid = order.paidAt, paid < earliest || paid > now.addingTimeInterval(skew) {
            throw .outOfRange("order.paidAt", "2000-01-01 至今", "between 2000-01-01 and now")
        }
        d.narrative = narrative.trimmingWhitespace()
        try Self.text(d.narrative, "narrative", max: Self.maximumNarrative)
        try remedy.validate(field: "remedy")
        return (d, cat)
    }

    static func amount(_ v: Int64, _ field: String) throws(DomainError) {
        guard v >= 0 else {
            throw .invalidField(
                field: field, code: "negative_amount", zh: "\(FieldName.name(field, chinese: true))不能为负数",
                en: "\(FieldName.name(field, chinese: false)) must not be negative")
        }
        guard v <= maximumFen else { throw .outOfRange(field, "0–10,000,000,000 分", "0–10,000,000,000 fen") }
    }

    static func text(_ s: String, _ field: String, max: Int, required: Bool = true) throws(DomainError) {
        if required && s.allSatisfy({ $0.isWhitespace }) { throw .required(field) }
        if s.count > max { throw .tooLong(field, max: max) }
        if s.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw .invalidField(
                field: field, code: "invalid_characters", zh: "\(FieldName.name(field, chinese: true))含有不允许的字符",
                en: "\(FieldName.name(field, chinese: false)) contains a character that is not allowed")
        }
    }
}
