/// The three dimensions of the complaint taxonomy, plus `other`.
public enum Dimension: String, Sendable, Codable, CaseIterable {
    case transaction, service, security, other

    public var labelZh: String {
        switch self {
        case .transaction: "交易类"
        case .service: "服务类"
        case .security: "安全类"
        case .other: "其他"
        }
    }

    public var labelEn: String {
        switch self {
        case .transaction: "Transaction"
        case .service: "Service"
        case .security: "Security"
        case .other: "Other"
        }
    }
}

/// A kind of evidence the member is asked for.
public enum EvidenceKind: String, Sendable, Codable, CaseIterable {
    case orderNumber = "order_number"
    case paymentVoucher = "payment_voucher"
    case screenshots
    case advertisedVsDelivered = "advertised_vs_delivered"
    case chatRecords = "chat_records"
    case renewalNotice = "renewal_notice"
    case accountActivity = "account_activity"
    case policeReport = "police_report"
    case leakProof = "leak_proof"
    case bankStatement = "bank_statement"

    public var labelZh: String {
        switch self {
        case .orderNumber: "订单号"
        case .paymentVoucher: "支付凭证"
        case .screenshots: "相关截图"
        case .advertisedVsDelivered: "宣传页面与实际交付对比"
        case .chatRecords: "与客服或商家的聊天记录"
        case .renewalNotice: "续费扣款通知或账单"
        case .accountActivity: "账号登录与消费记录"
        case .policeReport: "报警回执（如有）"
        case .leakProof: "信息泄露的证明（如诈骗短信、来电记录）"
        case .bankStatement: "银行或支付平台流水"
        }
    }

    public var labelEn: String {
        switch self {
        case .orderNumber: "Order number"
        case .paymentVoucher: "Payment voucher"
        case .screenshots: "Screenshots"
        case .advertisedVsDelivered: "Advertised page against what was delivered"
        case .chatRecords: "Chat records with support or the merchant"
        case .renewalNotice: "Renewal charge notice or bill"
        case .accountActivity: "Account log-in and spending records"
        case .policeReport: "Police report receipt (if any)"
        case .leakProof: "Proof of the leak (scam messages, calls)"
        case .bankStatement: "Bank or payment statement"
        }
    }
}

/// One complaint subtype with a stable code such as `transaction.topup_not_credited`.
public struct ComplaintCategory: Sendable, Codable, Equatable {
    public var code: String
    public var dimension: Dimension
    public var labelZh: String
    public var labelEn: String
    public var evidence: [EvidenceKind]
}

/// The taxonomy of complaints, as data.
public struct Taxonomy: Sendable {
    public let categories: [ComplaintCategory]
    private let byCode: [String: ComplaintCategory]

    public init(categories: [ComplaintCategory]) {
        self.categories = categories
        self.byCode = Dictionary(categories.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func category(_ code: String) -> ComplaintCategory? { byCode[code] }

    /// The taxonomy of PRODUCT.md: transaction, service and security problems, plus other.
    public static let standard = Taxonomy(categories: [
        .init(
            code: "transaction.topup_not_credited", dimension: .transaction, labelZh: "充值未到账", labelEn: "Top-up paid but not credited",
            evidence: [.orderNumber, .paymentVoucher, .screenshots]),
        .init(
            code: "transaction.goods_not_as_described", dimension: .transaction, labelZh: "商品与描述不符", labelEn: "Goods not as described",
            evidence: [.orderNumber, .paymentVoucher, .advertisedVsDelivered, .screenshots]),
        .init(
            code: "transaction.forced_auto_renewal", dimension: .transaction, labelZh: "自动续费强制扣款", labelEn: "Auto-renewal charged without notice",
            evidence: [.orderNumber, .paymentVoucher, .renewalNotice, .bankStatement]),
        .init(
            code: "service.slow_support_response", dimension: .service, labelZh: "客服响应延迟", labelEn: "Support answers late or never",
            evidence: [.orderNumber, .chatRecords, .screenshots]),
        .init(
            code: "service.after_sales_not_honoured", dimension: .service, labelZh: "售后承诺未兑现", labelEn: "After-sales promise not kept",
            evidence: [.orderNumber, .chatRecords, .screenshots]),
        .init(
            code: "service.membership_not_activated", dimension: .service, labelZh: "会员权限未开通", labelEn: "Membership rights not activated",
            evidence: [.orderNumber, .paymentVoucher, .screenshots]),
        .init(
            code: "security.account_stolen", dimension: .security, labelZh: "账号被盗刷", labelEn: "Account stolen and used to spend",
            evidence: [.accountActivity, .bankStatement, .policeReport, .screenshots]),
        .init(
            code: "security.personal_info_leaked", dimension: .security, labelZh: "个人信息泄露", labelEn: "Personal information leaked",
            evidence: [.leakProof, .screenshots]),
        .init(
            code: "security.abnormal_transactions", dimension: .security, labelZh: "交易记录异常", labelEn: "Transaction records look wrong",
            evidence: [.accountActivity, .bankStatement, .screenshots]),
        .init(
            code: "other.other", dimension: .other, labelZh: "其他问题", labelEn: "Other problem",
            evidence: [.orderNumber, .screenshots]),
    ])
}
