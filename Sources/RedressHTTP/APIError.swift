import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain

/// An error as the API reports it: `{"error": {"code", "message", "field"}}` with an HTTP status.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var zh: String
    public var en: String
    public var field: String?
    public var headers: HTTPFields = [:]

    package init(_ status: HTTPResponse.Status, _ code: String, zh: String, en: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.field = field
    }

    package static let tokenExpired = APIError(.unauthorized, "token_expired", zh: "登录已过期，请重新登录", en: "Your session has expired; sign in again")
    package static let invalidToken = APIError(.unauthorized, "invalid_token", zh: "登录凭证无效", en: "The bearer token is not valid")

    /// A use case's refusal as the API reports it.
    package init(_ e: AppError) {
        let status: HTTPResponse.Status =
            switch e.kind {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .unprocessableContent: .unprocessableContent
            case .contentTooLarge: .contentTooLarge
            case .unsupportedMediaType: .unsupportedMediaType
            case .tooManyRequests: .tooManyRequests
            case .serviceUnavailable: .serviceUnavailable
            }
        self.init(status, e.code, zh: e.zh, en: e.en, field: e.field)
        if let wait = e.retryAfterSeconds { headers[.retryAfter] = String(wait) }
    }

    /// Maps any error thrown by a handler to what the client sees. Unknown errors become a 500 with no detail.
    package static func from(_ error: any Error) -> APIError? {
        switch error {
        case let e as APIError: return e
        case let e as DecodingError: return from(decoding: e)
        case let e as HTTPError: return from(http: e)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "payload_too_large", zh: "请求体过大", en: "The request body is too large")
        default: return AppError.from(error).map(APIError.init)
        }
    }

    package static func from(decoding e: DecodingError) -> APIError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let f = path(ctx.codingPath + [key])
            return APIError(AppError.invalid(f, "required", zh: "缺少必填字段 \(f)", en: "The field \(f) is required"))
        case .valueNotFound(_, let ctx):
            let f = path(ctx.codingPath)
            return APIError(AppError.invalid(f, "required", zh: "字段 \(f) 不能为空", en: "The field \(f) must not be null"))
        case .typeMismatch(let type, let ctx):
            let f = path(ctx.codingPath)
            if ctx.codingPath.isEmpty {
                return APIError(.badRequest, "malformed_json", zh: "请求体必须是 JSON 对象", en: "The request body must be a JSON object")
            }
            return APIError(AppError.invalid(f, "invalid_type", zh: "字段 \(f) 的类型不正确", en: "The field \(f) has the wrong type (expected \(type))"))
        case .dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty {
                return APIError(.badRequest, "malformed_json", zh: "请求体不是有效的 JSON", en: "The request body is not valid JSON")
            }
            let f = path(ctx.codingPath)
            return APIError(AppError.invalid(f, zh: "字段 \(f) 的值无效", en: "The field \(f) has an invalid value"))
        @unknown default:
            return APIError(.badRequest, "malformed_json", zh: "请求体无法解析", en: "The request body could not be read")
        }
    }

    package static func from(http e: HTTPError) -> APIError {
        switch e.status {
        case .contentTooLarge:
            return APIError(.contentTooLarge, "payload_too_large", zh: "请求体过大", en: "The request body is too large")
        case .notFound:
            return APIError(AppError.notFound)
        case .methodNotAllowed:
            return APIError(.methodNotAllowed, "method_not_allowed", zh: "不支持该请求方法", en: "Method not allowed")
        case .unauthorized:
            return APIError(AppError.unauthenticated)
        default:
            return APIError(e.status, "http_\(e.status.code)", zh: "请求无法处理", en: e.body ?? e.status.reasonPhrase)
        }
    }
}
