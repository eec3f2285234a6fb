/// Everything the domain can refuse, each with a stable machine code.
///
/// The HTTP edge maps a case to a status; the code never changes once shipped.
public enum DomainError: Error, Sendable, Equatable {
    /// A field's value is not acceptable. `field` is the JSON path of the field (e.g. `order.amountPaidFen`).
    case invalidField(field: String, code: String, zh: String, en: String)
    /// The action is not allowed from the current status.
    case illegalTransition(from: ComplaintStatus, action: String)
    /// The actor's role may not take this action.
    case actionNotPermitted(action: String, role: Role)
    /// A member asked to escalate before they are entitled to.
    case escalationNotYetAllowed
    /// The case is already at the top of the escalation ladder.
    case alreadyTopTier
    /// The reopen window (30 days after closing) has passed.
    case reopenWindowExpired
    /// The file's bytes are not one of the accepted types.
    case unsupportedEvidenceType
    /// The file is larger than the configured limit.
    case evidenceTooLarge(limitBytes: Int)

    public var code: String {
        switch self {
        case .invalidField(_, let code, _, _): code
        case .illegalTransition: "illegal_transition"
        case .actionNotPermitted: "action_not_permitted"
        case .escalationNotYetAllowed: "escalation_not_yet_allowed"
        case .alreadyTopTier: "already_top_tier"
        case .reopenWindowExpired: "reopen_window_expired"
        case .unsupportedEvidenceType: "unsupported_media_type"
        case .evidenceTooLarge: "evidence_too_large"
        }
    }

    public var field: String? {
        if case .invalidField(let field, _, _, _) = self { return field }
        return nil
    }

    public func message(chinese: Bool) -> String {
        switch self {
        case .invalidField(_, _, let zh, let en): return chinese ? zh : en
        case .illegalTransition(let from, let action):
            return chinese
                ? "当前状态「\(from.labelZh)」下不能\(ActionName.name(action, chinese: true))"
                : "You cannot \(ActionName.name(action, chinese: false).lowercased()) while the case is \(from.labelEn.lowercased())"
        case .actionNotPermitted(let action, let role):
            return chinese
                ? "\(role.labelZh)无权\(ActionName.name(action, chinese: true))"
                : "As \(role.labelEn) you may not \(ActionName.name(action, chinese: false).lowercased())"
        case .escalationNotYetAllowed:
            return chinese
                ? "首次响应期限届满前，或您尚未对答复提出异议时，暂不能升级投诉"
                : "You can escalate once the first-response deadline has passed or after disputing an answer"
        case .alreadyTopTier: return chinese ? "该投诉已在最高处理层级" : "The case is already at the highest tier"
        case .reopenWindowExpired: return chinese ? "已超过结案后 30 天的重新开启期限" : "The 30-day window to reopen a closed case has passed"
        case .unsupportedEvidenceType:
            return chinese ? "不支持的文件类型：仅接受 JPEG、PNG、WebP、PDF 和纯文本" : "Unsupported file type: JPEG, PNG, WebP, PDF and plain text are accepted"
        case .evidenceTooLarge(let limit):
            return chinese ? "文件超过大小上限（\(limit / 1_048_576) MiB）" : "The file exceeds the size limit (\(limit / 1_048_576) MiB)"
        }
    }

    static func required(_ field: String) -> DomainError {
        .invalidField(
            field: field, code: "required", zh: "请填写\(FieldName.name(field, chinese: true))", en: "Give \(FieldName.name(field, chinese: false))")
    }

    static func tooLong(_ field: String, max: Int) -> DomainError {
        .invalidField(
            field: field, code: "too_long", zh: "\(FieldName.name(field, chinese: true))不能超过 \(max) 个字",
            en: "Keep \(FieldName.name(field, chinese: false)) within \(max) characters")
    }

    static func outOfRange(_ field: String, _ zhRange: String, _ enRange: String) -> DomainError {
        .invalidField(
            field: field, code: "out_of_range", zh: "\(FieldName.name(field, chinese: true))超出允许范围（\(zhRange)）",
            en:
                "\(FieldName.name(field, chinese: false).prefix(1).uppercased() + FieldName.name(field, chinese: false).dropFirst()) is out of range (\(enRange))"
        )
    }
}
