import Foundation

/// A third-party merchant selling on the platform, with the qualification records the platform must
/// hold, keep current and disclose to a member with a dispute (电子商务法 Art. 27, 消保法 Art. 44).
public struct Merchant: Sendable, Codable, Equatable {
    public var id: String
    /// The name on the business licence (营业执照登记名称).
    public var registeredName: String
    /// The shop's name on the platform.
    public var shopName: String
    /// 统一社会信用代码: 18 characters with a check character (GB 32100-2015).
    public var businessLicenceNumber: String
    /// ICP 备案号, e.g. `京ICP备2026012345号-1`.
    public var icpFilingNumber: String?
    public var registeredAddress: String
    public var contactName: String
    /// Personal data: never logged.
    public var contactPhone: String
    public var contactEmail: String?
    /// When the platform last checked these records against the licence and the filing.
    public var verifiedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, registeredName: String, shopName: String, businessLicenceNumber: String, icpFilingNumber: String?, registeredAddress: String,
        contactName: String, contactPhone: String, contactEmail: String?, verifiedAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.registeredName = registeredName
        self.shopName = shopName
        self.businessLicenceNumber = businessLicenceNumber
        self.icpFilingNumber = icpFilingNumber
        self.registeredAddress = registeredAddress
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.contactEmail = contactEmail
        self.verifiedAt = verifiedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A merchant whose registration details are those of `draft`.
    public init(id: String, draft d: MerchantDraft, verifiedAt: Date?, createdAt: Date, updatedAt: Date) {
        self.init(
            id: id, registeredName: d.registeredName, shopName: d.shopName, businessLicenceNumber: d.businessLicenceNumber,
            icpFilingNumber: d.icpFilingNumber, registeredAddress: d.registeredAddress, contactName: d.contactName, contactPhone: d.contactPhone,
            contactEmail: d.contactEmail, verifiedAt: verifiedAt, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// When the records must next be verified (never verified: now).
    public func reverificationDue(policy: MerchantPolicy) -> Date? {
        verifiedAt.map { $0.addingTimeInterval(Double(policy.reverifyDays) * 86_400) }
    }

    public func needsReverification(at now: Date, policy: MerchantPolicy) -> Bool {
        reverificationDue(policy: policy).map { $0 <= now } ?? true
    }
}

/// What a caller sends to register or update a merchant.
public struct MerchantDraft: Sendable, Codable, Equatable {
    public var registeredName: String
    public var shopName: String
    public var businessLicenceNumber: String
    public var icpFilingNumber: String?
    public var registeredAddress: String
    public var contactName: String
    public var contactPhone: String
    public var contactEmail: String?

    public init(
        registeredName: String, shopName: String, businessLicenceNumber: String, icpFilingNumber: String? = nil, registeredAddress: String,
        contactName: String, contactPhone: String, contactEmail: String? = nil
    ) {
        self.registeredName = registeredName
        self.shopName = shopName
        self.businessLicenceNumber = businessLicenceNumber
        self.icpFilingNumber = icpFilingNumber
        self.registeredAddress = registeredAddress
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.contactEmail = contactEmail
    }

    /// Checks every field; returns the draft trimmed and normalised.
    public func validated() throws(DomainError) -> MerchantDraft {
        var d = self
        func clean(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }
        d.registeredName = clean(registeredName)
        d.shopName = clean(shopName)
        d.businessLicenceNumber = clean(businessLicenceNumber).uppercased()
        d.icpFilingNumber = icpFilingNumber.map(clean).flatMap { $0.isEmpty ? nil : $0 }
        d.registeredAddress = clean(registeredAddress)
        d.contactName = clean(contactName)
        d.contactPhone = clean(contactPhone)
        d.contactEmail = contactEmail.map(clean).flatMap { $0.isEmpty ? nil : $0.lowercased() }
        try ComplaintDraft.text(d.registeredName, "registeredName", max: 200)
        try ComplaintDraft.text(d.shopName, "shopName", max: 100)
        try ComplaintDraft.text(d.registeredAddress, "registeredAddress", max: 300)
        try ComplaintDraft.text(d.contactName, "contactName", max: 100)
        guard BusinessLicence.isValid(d.businessLicenceNumber) else {
            throw .invalidField(
                field: "businessLicenceNumber", code: "invalid_licence_number", zh: "统一社会信用代码应为 18 位且校验位正确",
                en: "The unified social credit code must have 18 characters with a valid check character")
        }
        if let icp = d.icpFilingNumber {
            guard icp.count <= 50, icp.uppercased().contains("ICP") else {
                throw .invalidField(
                    field: "icpFilingNumber", code: "invalid_icp_number", zh: "ICP 备案号格式不正确（如 京ICP备2026012345号-1）",
                    en: "Not an ICP filing number (e.g. 京ICP备2026012345号-1)")
            }
        }
        guard
            AccountRules.isMobile(d.contactPhone)
                || (7...20).contains(d.contactPhone.count) && d.contactPhone.allSatisfy({ $0.isNumber || $0 == "-" })
        else {
            throw .invalidField(field: "contactPhone", code: "invalid_phone", zh: "联系电话格式不正确", en: "Not a telephone number")
        }
        if let e = d.contactEmail {
            guard (try? AccountRules.normalisedLogin(e)) != nil, e.contains("@") else {
                throw .invalidField(field: "contactEmail", code: "invalid_email", zh: "邮箱地址格式不正确", en: "Not an e-mail address")
            }
        }
        return d
    }
}

/// 统一社会信用代码 (GB 32100-2015).
public enum BusinessLicence {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    public static func isValid(_ code: String) -> Bool {
        let chars = Array(code)
        guard chars.count == 18 else { return false }
        var sum = 0
        for (i, ch) in chars.prefix(17).enumerated() {
            guard let v = alphabet.firstIndex(of: ch) else { return false }
            sum += v * weights[i]
        }
        let check = (31 - sum % 31) % 31
        return chars[17] == alphabet[check]
    }

    /// Completes 17 characters with their check character (for demo data and tests).
    public static func withCheck(_ first17: String) -> String? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        for (i, ch) in chars.enumerated() {
            guard let v = alphabet.firstIndex(of: ch) else { return nil }
            sum += v * weights[i]
        }
        return first17 + String(alphabet[(31 - sum % 31) % 31])
    }
}
