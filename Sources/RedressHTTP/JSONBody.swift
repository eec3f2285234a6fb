import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain

/// JSON in and out, with instants as RFC 3339 strings in UTC.
package enum JSONBody {
    package static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(rfc3339(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// `2026-11-29T08:00:00.000Z`.
    package static func rfc3339(_ date: Date) -> String { date.rfc3339 }

    package static func parseDate(_ s: String) -> Date? {
        // The parser rolls an impossible day over (2026-02-30 would be 2 March): the date part must be a real day.
        guard s.count >= 10, CivilDate(iso: s.prefix(10)) != nil else { return nil }
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(s) { return d }
        return try? Date.ISO8601FormatStyle().parse(s)
    }

    package static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = parseDate(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an RFC 3339 date-time such as 2026-11-29T10:00:00+08:00")
            }
            return date
        }
        return d
    }()

    package static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try encoder.encode(value)
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        if h[.cacheControl] == nil { h[.cacheControl] = noStore }
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// API answers may hold personal data: no cache (a shared proxy, the browser's disk) keeps them.
    package static let noStore = "no-store"

    package static func response(bytes: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: noStore], body: .init(byteBuffer: bytes))
    }

    /// A JSON value written without Foundation's encoder (see `CanonicalValue`).
    package static func response(_ value: CanonicalValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        if h[.cacheControl] == nil { h[.cacheControl] = noStore }
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: value.canonicalBytes)))
    }

    struct ErrorEnvelope: Encodable {
        struct Body: Encodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Body
    }

    package static func error(_ e: APIError, chinese: Bool) -> Response {
        let body = ErrorEnvelope(error: .init(code: e.code, message: chinese ? e.zh : e.en, field: e.field))
        var headers = e.headers
        headers[.contentLanguage] = chinese ? "zh-CN" : "en"
        return (try? response(body, status: e.status, headers: headers)) ?? Response(status: e.status)
    }

    /// Reads a JSON body: 415 for another content type, 400 for malformed JSON, 422 naming the field otherwise.
    package static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: RedressRequestContext) async throws -> T {
        try decode(T.self, from: try await body(of: request, context: context))
    }

    /// The raw bytes of a JSON request body (415 for another content type, 400 when empty, 413 when too large).
    package static func body(of request: Request, context: RedressRequestContext) async throws -> Data {
        // application/json itself, with parameters (charset) or none: not application/json-patch+json or the like.
        if let ct = request.headers[.contentType],
            ct.split(separator: ";").first.map({ $0.trimmingSpaces().lowercased() }) != "application/json"
        {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type", zh: "请求体必须是 application/json", en: "The request body must be application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, "malformed_json", zh: "请求体为空", en: "The request body is empty")
        }
        return Data(buffer: buffer)
    }

    /// Decodes JSON; a number that is not an integer in range (which the decoder reports without a path) is named by its field.
    package static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try decoder.decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let ctx) where ctx.codingPath.isEmpty {
            if let tree = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
                let field = nonIntegerNumber(in: tree, path: "")
            {
                throw AppError.invalid(
                    field, "invalid_number", zh: "字段 \(field) 必须是范围内的整数（金额以分为单位）",
                    en: "The field \(field) must be an integer within range (amounts are in fen)")
            }
            throw DecodingError.dataCorrupted(ctx)
        }
    }

    /// The path of the first number that is not a 64-bit integer. The API has no fractional numbers.
    package static func nonIntegerNumber(in value: Any, path: String) -> String? {
        if value is Bool { return nil }
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                if let p = nonIntegerNumber(in: object[key] as Any, path: path.isEmpty ? key : "\(path).\(key)") { return p }
            }
            return nil
        }
        if let array = value as? [Any] {
            for (i, element) in array.enumerated() {
                if let p = nonIntegerNumber(in: element, path: "\(path)[\(i)]") { return p }
            }
            return nil
        }
        if let number = value as? NSNumber { return Int64(number.stringValue) == nil ? (path.isEmpty ? "body" : path) : nil }
        return nil
    }
}
