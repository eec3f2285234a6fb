import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressDomain
import RedressStorage

/// An error as the API reports it: `{"error": {"code", "message", "field"}}` with an HTTP status.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var zh: String
    public var en: String
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, zh: String, en: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.field = field
    }

    static let unauthenticated = APIError(.unauthorized, "unauthenticated", zh: "请先登录", en: "Sign in first")
    static let tokenExpired = APIError(.unauthorized, "token_expired", zh: "登录已过期，请重新登录", en: "Your session has expired; sign in again")
    static let invalidToken = APIError(.unauthorized, "invalid_token", zh: "登录凭证无效", en: "The bearer token is not valid")
    static let forbidden = APIError(.forbidden, "forbidden", zh: "您无权执行此操作", en: "You are not allowed to do this")
    static let complaintNotFound = APIError(.notFound, "complaint_not_found", zh: "找不到该投诉", en: "No such complaint")
    static let notFound = APIError(.notFound, "not_found", zh: "找不到请求的资源", en: "Not found")

    static func invalid(_ field: String, _ code: String = "invalid_value", zh: String, en: String) -> APIError {
        APIError(.unprocessableContent, code, zh: zh, en: en, field: field)
    }

    static func badQuery(_ field: String, zh: String, en: String) -> APIError {
        APIError(.badRequest, "invalid_parameter", zh: zh, en: en, field: field)
    }

    /// Maps any error thrown by a handler to what the client sees. Unknown errors become a 500 with no detail.
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let e as APIError: return e
        case let e as DomainError: return from(domain: e)
        case let e as StoreError: return from(store: e)
        case let e as MerkleSourceError:
            guard case .missingNode(let level, let index) = e else { return nil }
            return .logIncomplete("a stored hash is missing (level \(level), index \(index)); run redress verify")
        case let e as DecodingError: return from(decoding: e)
        case let e as HTTPError: return from(http: e)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "payload_too_large", zh: "请求体过大", en: "The request body is too large")
        default: return nil
        }
    }

    static func from(domain e: DomainError) -> APIError {
        let status: HTTPResponse.Status =
            switch e {
            case .invalidField: .unprocessableContent
            case .illegalTransition, .alreadyTopTier, .reopenWindowExpired: .conflict
            case .actionNotPermitted: .forbidden
            case .escalationNotYetAllowed: .conflict
            case .unsupportedEvidenceType: .unsupportedMediaType
            case .evidenceTooLarge: .contentTooLarge
            }
        return APIError(status, e.code, zh: e.message(chinese: true), en: e.message(chinese: false), field: e.field)
    }

    static func from(store e: StoreError) -> APIError {
        switch e {
        case .notFound: return .notFound
        case .duplicate(let field):
            return APIError(.conflict, "\(field)_taken", zh: "该登录名已被注册", en: "This log-in is already registered", field: field)
        case .idempotencyConflict:
            return APIError(
                .unprocessableContent, "idempotency_key_reused", zh: "该 Idempotency-Key 已用于另一份不同的投诉",
                en: "This Idempotency-Key was already used with a different request body", field: "Idempotency-Key")
        case .outsideLog(let message):
            return APIError(.badRequest, "outside_log", zh: "请求的位置超出了已记录的日志范围", en: message)
        case .schemaTooNew, .unavailable:
            // The detail is logged by the error middleware, never sent to the client.
            return APIError(.serviceUnavailable, "storage_unavailable", zh: "存储暂不可用，请稍后重试", en: "Storage is unavailable; try again later")
        }
    }

    static func from(decoding e: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let f = path(ctx.codingPath + [key])
            return .invalid(f, "required", zh: "缺少必填字段 \(f)", en: "The field \(f) is required")
        case .valueNotFound(_, let ctx):
            let f = path(ctx.codingPath)
            return .invalid(f, "required", zh: "字段 \(f) 不能为空", en: "The field \(f) must not be null")
        case .typeMismatch(let type, let ctx):
            let f = path(ctx.codingPath)
            if ctx.codingPath.isEmpty {
                return APIError(.badRequest, "malformed_json", zh: "请求体必须是 JSON 对象", en: "The request body must be a JSON object")
            }
            return .invalid(f, "invalid_type", zh: "字段 \(f) 的类型不正确", en: "The field \(f) has the wrong type (expected \(type))")
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return APIError(.badRequest, "malformed_json", zh: "请求体不是有效的 JSON", en: "The request body is not valid JSON")
            }
            let f = path(ctx.codingPath)
            return .invalid(f, zh: "字段 \(f) 的值无效", en: "The field \(f) has an invalid value")
        @unknown default:
            return APIError(.badRequest, "malformed_json", zh: "请求体无法解析", en: "The request body could not be read")
        }
    }

    static func from(http e: HTTPError) -> APIError {
        switch e.status {
        case .contentTooLarge:
            return APIError(.contentTooLarge, "payload_too_large", zh: "请求体过大", en: "The request body is too large")
        case .notFound:
            return .notFound
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, "method_not_allowed", zh: "不支持该请求方法", en: "Method not allowed")
        case .unauthorized:
            return .unauthenticated
        default:
            return APIError(e.status, "http_\(e.status.code)", zh: "请求无法处理", en: e.body ?? e.status.reasonPhrase)
        }
    }
}
