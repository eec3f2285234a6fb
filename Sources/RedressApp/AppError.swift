import Foundation
import RedressDomain
import RedressDossier
import RedressStorage

/// A refusal by a use case, with a stable machine code, a message in both languages and the field it concerns.
///
/// The use cases decide; the edges only present: the JSON API maps `kind` to an HTTP status, the pages show the
/// message beside the field. Errors of the domain, the store and the dossier are brought to this one form by
/// `AppError.from(_:)`, so an edge never needs to know which layer refused.
public struct AppError: Error, Sendable, Equatable {
    /// What kind of refusal this is; each edge has one way to show each kind.
    public enum Kind: Sendable, Equatable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
        /// A value that is well-formed but not acceptable (a field is named).
        case unprocessableContent
        case contentTooLarge
        case unsupportedMediaType
        case tooManyRequests
        /// The store cannot be reached or holds something this server cannot read.
        case serviceUnavailable
    }

    public var kind: Kind
    public var code: String
    public var zh: String
    public var en: String
    public var field: String?
    /// For `tooManyRequests`: seconds until a new try is allowed.
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, _ code: String, zh: String, en: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.zh = zh
        self.en = en
        self.field = field
    }

    public func message(chinese: Bool) -> String { chinese ? zh : en }

    public static let unauthenticated = AppError(.unauthorized, "unauthenticated", zh: "请先登录", en: "Sign in first")
    public static let forbidden = AppError(.forbidden, "forbidden", zh: "您无权执行此操作", en: "You are not allowed to do this")
    public static let complaintNotFound = AppError(.notFound, "complaint_not_found", zh: "找不到该投诉", en: "No such complaint")
    public static let notFound = AppError(.notFound, "not_found", zh: "找不到请求的资源", en: "Not found")
    public static let merchantNotFound = AppError(.notFound, "merchant_not_found", zh: "找不到该商家", en: "No such merchant")
    public static let userNotFound = AppError(.notFound, "user_not_found", zh: "找不到该用户", en: "No such user")
    public static let accountDisabled = AppError(.unauthorized, "account_disabled", zh: "该账号已被停用", en: "This account has been disabled")

    /// A value the caller sent that is not acceptable.
    public static func invalid(_ field: String, _ code: String = "invalid_value", zh: String, en: String) -> AppError {
        AppError(.unprocessableContent, code, zh: zh, en: en, field: field)
    }

    /// A query parameter that cannot be read.
    public static func badQuery(_ field: String, zh: String, en: String) -> AppError {
        AppError(.badRequest, "invalid_parameter", zh: zh, en: en, field: field)
    }

    /// The evidence log does not hold what it should: a fault to repair, reported as such.
    public static func logIncomplete(_ detail: String) -> AppError {
        AppError(.serviceUnavailable, "log_incomplete", zh: "存证日志暂不完整，请稍后重试", en: "The evidence log is incomplete: \(detail)")
    }

    /// Any error a use case can throw, in this one form; nil for an error nobody foresaw (a bare 500 at the edge).
    public static func from(_ error: any Error) -> AppError? {
        switch error {
        case let e as AppError: return e
        case let e as DomainError: return from(domain: e)
        case let e as StoreError: return from(store: e)
        case let e as DossierError: return .logIncomplete(e.detail)
        case let e as MerkleSourceError:
            guard case .missingNode(let level, let index) = e else { return nil }
            return .logIncomplete("a stored hash is missing (level \(level), index \(index)); run redress verify")
        default: return nil
        }
    }

    static func from(domain e: DomainError) -> AppError {
        let kind: Kind =
            switch e {
            case .invalidField: .unprocessableContent
            case .illegalTransition, .alreadyTopTier, .reopenWindowExpired, .escalationNotYetAllowed: .conflict
            case .actionNotPermitted: .forbidden
            case .unsupportedEvidenceType: .unsupportedMediaType
            case .evidenceTooLarge: .contentTooLarge
            }
        return AppError(kind, e.code, zh: e.message(chinese: true), en: e.message(chinese: false), field: e.field)
    }

    static func from(store e: StoreError) -> AppError {
        switch e {
        case .notFound: return .notFound
        case .duplicate(let field):
            return AppError(.conflict, "\(field)_taken", zh: "该登录名已被注册", en: "This log-in is already registered", field: field)
        case .idempotencyConflict:
            return AppError(
                .unprocessableContent, "idempotency_key_reused", zh: "该 Idempotency-Key 已用于另一份不同的投诉",
                en: "This Idempotency-Key was already used with a different request body", field: "Idempotency-Key")
        case .outsideLog(let message):
            return AppError(.badRequest, "outside_log", zh: "请求的位置超出了已记录的日志范围", en: message)
        case .schemaTooNew, .unavailable:
            // The detail is logged by the edge, never sent to the client.
            return AppError(.serviceUnavailable, "storage_unavailable", zh: "存储暂不可用，请稍后重试", en: "Storage is unavailable; try again later")
        }
    }
}
