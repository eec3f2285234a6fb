import Foundation

/// A person who uses Redress.
public struct User: Sendable, Codable, Equatable {
    public var id: String
    public var role: Role
    /// The log-in name: an e-mail address or a mainland mobile number.
    public var login: String
    public var displayName: String
    /// Personal data: never logged, masked for merchants.
    public var phone: String?
    public var createdAt: Date
    public var disabled: Bool
    /// For a merchant's user: the merchant account they answer for.
    public var merchantId: String?
    /// Where notices go by e-mail (the log-in when it is an e-mail address, unless another is given).
    public var email: String?

    public init(
        id: String, role: Role, login: String, displayName: String, phone: String? = nil, createdAt: Date, disabled: Bool = false,
        merchantId: String? = nil, email: String? = nil
    ) {
        self.id = id
        self.role = role
        self.login = login
        self.displayName = displayName
        self.phone = phone
        self.createdAt = createdAt
        self.disabled = disabled
        self.merchantId = merchantId
        self.email = email ?? (login.contains("@") ? login : nil)
    }

    public var actor: CaseActor { CaseActor(id: id, role: role) }
}

/// Rules for registration input.
public enum AccountRules {
    public static let minimumPassword = 8
    public static let maximumPassword = 72  // bcrypt reads at most 72 bytes

    /// A log-in is an e-mail address or an 11-digit mainland mobile number. Returns it normalised.
    public static func normalisedLogin(_ raw: String) throws(DomainError) -> String {
        // NFKC first: full-width letters and digits (ａｄｍｉｎ, １３８…) are the ones they look like.
        let s = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !s.isEmpty else { throw .required("login") }
        // Invisible characters (zero-width spaces, joiners, bidi controls) would make two log-ins look the same.
        guard !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .format || $0.properties.generalCategory == .control }) else {
            throw .invalidField(
                field: "login", code: "invisible_characters", zh: "登录名含有不可见字符，请重新输入", en: "The log-in contains invisible characters; type it again")
        }
        guard s.count <= 254 else { throw .tooLong("login", max: 254) }
        if isMobile(s) { return s }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !s.contains(where: { $0.isWhitespace })
        else {
            throw .invalidField(
                field: "login", code: "invalid_login", zh: "请输入有效的邮箱地址或 11 位手机号", en: "Enter a valid e-mail address or an 11-digit mobile number")
        }
        return s
    }

    public static func isMobile(_ s: String) -> Bool {
        s.count == 11 && s.hasPrefix("1") && s.allSatisfy { $0.isASCII && $0.isNumber }
    }

    public static func checkPassword(_ p: String) throws(DomainError) {
        guard p.utf8.count >= minimumPassword else {
            throw .invalidField(field: "password", code: "password_too_short", zh: "密码至少需要 8 个字符", en: "The password needs at least 8 characters")
        }
        guard p.utf8.count <= maximumPassword else {
            throw .invalidField(field: "password", code: "too_long", zh: "密码最多 72 个字节", en: "The password may have at most 72 bytes")
        }
    }

    public static func checkDisplayName(_ n: String) throws(DomainError) {
        try ComplaintDraft.text(n, "displayName", max: 100)
    }

    /// `13812345678` → `138****5678`; other values keep their first and last characters only.
    public static func maskPhone(_ phone: String) -> String {
        let chars = Array(phone)
        guard chars.count >= 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + "****" + String(chars.suffix(4))
    }
}
