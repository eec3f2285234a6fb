import Foundation
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// Mail in: the gateway's endpoint (`redress mailgate` posts each message here), the admins' list of received mail,
/// and a member's confirmation of a message held for their address.
struct MailRoutes {
    let services: RedressServices

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("mail/inbound", use: receive)
        api.get("mail/inbound", use: list)
        api.get("mail/held/:token", use: held)
        api.post("mail/held/:token/confirm", use: confirm)
    }

    struct ReceiptDTO: Encodable {
        var id: String
        var status: String
        var statusLabel: String
        var reason: String?
        var reasonLabel: String?
        var caseNumber: String?
        var duplicate: Bool
    }

    struct MailDTO: Encodable {
        var id: String
        var receivedAt: String
        var status: String
        var statusLabel: String
        var reason: String?
        var reasonLabel: String?
        var complaintId: String?
        var sizeBytes: Int
        var sha256: String
        var subject: String
        var expiresAt: String?
    }

    static func reason(_ code: String?, chinese: Bool) -> String? {
        guard let code else { return nil }
        let head = code.split(separator: ":").first.map(String.init) ?? code
        guard let r = InboundMailReason(rawValue: head) else { return nil }
        return chinese ? r.labelZh : r.labelEn
    }

    /// The gateway's credential: `Authorization: Bearer <REDRESS_MAILGATE_TOKEN>`, compared in constant time.
    func gateway(_ request: Request) throws {
        guard let token = services.configuration.mailgateToken else {
            throw AppError(
                .forbidden, "mail_gateway_closed", zh: "服务器未设置邮件网关凭证（REDRESS_MAILGATE_TOKEN）",
                en: "The server has no mail gateway credential (REDRESS_MAILGATE_TOKEN)")
        }
        guard BearerSecret.matches(request.headers[.authorization], token) else {
            throw AppError(.unauthorized, "bad_gateway_token", zh: "邮件网关凭证不正确", en: "The mail gateway credential is wrong")
        }
    }

    @Sendable func receive(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try gateway(request)
        let type = (request.headers[.contentType] ?? "").lowercased()
        guard type.hasPrefix("message/rfc822") else {
            throw AppError(
                .unsupportedMediaType, "unsupported_media_type", zh: "请以 message/rfc822 发送整封邮件", en: "Send the whole message as message/rfc822")
        }
        let limit = services.configuration.maxMailBytes
        // A message over the limit is read to its end (up to 64 MiB more, kept no further than the limit) before the
        // refusal, so that the gateway, still sending, reads the reason instead of a reset connection.
        var buffer = ByteBuffer()
        var total = 0
        for try await chunk in request.body {
            total += chunk.readableBytes
            if buffer.readableBytes <= limit { buffer.writeImmutableBuffer(chunk) }
            if total > limit + 64 * 1_048_576 { break }
        }
        let recipient = request.uri.queryParameters.get("recipient").map { $0.lowercased() }
        let receipt = try await services.mail.receive(raw: Array(buffer.readableBytesView), recipient: recipient)
        let m = receipt.mail
        let dto = ReceiptDTO(
            id: m.id, status: m.status.rawValue, statusLabel: context.chinese ? m.status.labelZh : m.status.labelEn, reason: m.reason,
            reasonLabel: Self.reason(m.reason, chinese: context.chinese), caseNumber: receipt.caseNumber, duplicate: receipt.duplicate)
        let status: HTTPResponse.Status = receipt.duplicate ? .ok : (m.status == .filed || m.status == .appended) ? .created : .accepted
        return try JSONBody.response(dto, status: status)
    }

    @Sendable func list(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let status: InboundMailStatus?
        switch request.uri.queryParameters.get("status") {
        case nil, "all": status = nil
        case let v?:
            guard let s = InboundMailStatus(rawValue: v) else {
                throw AppError.badQuery(
                    "status", zh: "status 只能是 \(InboundMailStatus.allCases.map(\.rawValue).joined(separator: "、")) 或 all",
                    en: "status must be one of \(InboundMailStatus.allCases.map(\.rawValue).joined(separator: ", ")) or all, not \(v)")
            }
            status = s
        }
        let mails = try await services.mail.list(status: status, by: identity)
        return try JSONBody.response(
            mails.map { m in
                MailDTO(
                    id: m.id, receivedAt: m.receivedAt.rfc3339, status: m.status.rawValue,
                    statusLabel: context.chinese ? m.status.labelZh : m.status.labelEn, reason: m.reason,
                    reasonLabel: Self.reason(m.reason, chinese: context.chinese), complaintId: m.complaintId, sizeBytes: m.sizeBytes,
                    sha256: m.sha256, subject: m.subject, expiresAt: m.expiresAt?.rfc3339)
            })
    }

    struct HeldDTO: Encodable {
        var subject: String
        var text: String
        var attachments: [String]
        var receivedAt: String
        var expiresAt: String?
    }

    @Sendable func held(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role == .member else { throw AppError.forbidden }
        guard let m = try await services.mail.held(token: try context.parameters.require("token")) else {
            throw AppError(.notFound, "mail_not_found", zh: "该确认链接无效或已过期", en: "This confirmation link is unknown or has expired")
        }
        return try JSONBody.response(
            HeldDTO(
                subject: m.subject, text: String(m.text.prefix(2000)), attachments: m.attachments, receivedAt: m.mail.receivedAt.rfc3339,
                expiresAt: m.mail.expiresAt?.rfc3339))
    }

    struct ConfirmRequest: Decodable {
        var category: String?
    }

    @Sendable func confirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(ConfirmRequest.self, from: request, context: context)
        let c = try await services.mail.confirm(token: try context.parameters.require("token"), category: body.category, by: identity)
        let workflow = try await services.cases.workflow()
        return JSONBody.response(
            ComplaintDTO(c, viewer: identity, now: services.now(), chinese: context.chinese, workflow: workflow).value, status: .created,
            headers: [.location: "/api/v1/complaints/\(c.id)"])
    }
}
