import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressDossier
import RedressHTTP

/// A member's rights over their personal data (个人信息保护法 Art. 44–47): a copy of everything kept about them, the
/// correction of their account, and its erasure.
struct PersonalDataRoutes {
    let services: RedressServices

    struct ErasureRequest: Decodable {
        var password: String
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.patch("me", use: correct)
        api.get("me/export", use: export)
        api.post("me/erasure", use: erase)
        api.get("erasure-requests", use: erasureRequests)
        api.post("erasure-requests/:requestId/carry-out", use: carryOut)
    }

    /// An erasure request as admins see it: the member's pseudonymous account id, the 15-working-day deadline and
    /// what was done when.
    struct ErasureRequestDTO: Encodable {
        var id: String
        var userId: String
        var requestedAt: Date
        var dueAt: Date
        var overdue: Bool
        var status: String
        var accountErasedAt: Date?
        var completedAt: Date?
        var completedBy: String?
        var casesHeld: Int
        init(_ r: RedressDomain.ErasureRequest, now: Date) {
            id = r.id
            userId = r.userId
            requestedAt = r.requestedAt
            dueAt = r.dueAt
            overdue = r.isOverdue(at: now)
            status = r.isPending ? "pending" : "done"
            accountErasedAt = r.accountErasedAt
            completedAt = r.completedAt
            completedBy = r.completedBy
            casesHeld = r.casesHeld
        }
    }

    /// Admins: `?status=pending` (the default, nearest deadline first) or `all` (newest first).
    @Sendable func erasureRequests(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let pending: Bool
        switch request.uri.queryParameters.get("status") {
        case nil, "pending": pending = true
        case "all": pending = false
        case let v?:
            throw AppError.badQuery("status", zh: "status 只能是 pending 或 all", en: "status must be pending or all, not \(v)")
        }
        let now = services.now()
        let list = try await services.accounts.erasureRequests(pendingOnly: pending, by: identity)
        return try JSONBody.response(list.map { ErasureRequestDTO($0, now: now) }, headers: [.cacheControl: "no-store"])
    }

    /// Admins: destroys the member's data key and keeps their cases under legal hold without their words.
    @Sendable func carryOut(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("requestId")
        let done = try await services.accounts.carryOutErasure(id, by: identity)
        return try JSONBody.response(ErasureRequestDTO(done, now: services.now()), headers: [.cacheControl: "no-store"])
    }

    @Sendable func correct(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let change = try await JSONBody.decode(AccountService.ProfileChange.self, from: request, context: context)
        return try JSONBody.response(UserDTO(try await services.accounts.correct(change, by: identity), viewer: identity))
    }

    /// Erases the caller's account at once; the answer is 204 and every session of the account has ended.
    @Sendable func erase(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let body = try await JSONBody.decode(ErasureRequest.self, from: request, context: context)
        try await services.accounts.erase(password: body.password, by: identity)
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    /// Everything kept about the caller as a ZIP: the account, and for a member every case they filed as they read it
    /// (the case, its timeline, its evidence list and files). Streamed from a file in the data folder.
    @Sendable func export(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let url = try await Self.write(for: identity, services: services, chinese: context.chinese)
        return FileDownload.response(url, contentType: "application/zip", fileName: "redress-my-data.zip")
    }

    /// Writes the caller's copy to a file in the data folder's `exports`, one evidence file in memory at a time.
    static func write(for identity: Identity, services: RedressServices, chinese: Bool) async throws -> URL {
        guard let user = try await services.accounts.me(identity) else { throw APIError.invalidToken }
        let url = try services.exportFile("my-data")
        let now = services.now()
        do {
            let zip = try DossierArchive.FileWriter(url: url, modified: now)
            func json(_ v: some Encodable) throws -> [UInt8] { Array(try JSONBody.encoder.encode(v)) }
            try zip.add(.init(path: "README.txt", bytes: Array(readme(now: now).utf8), compress: true))
            try zip.add(.init(path: "account.json", bytes: try json(UserDTO(user, viewer: identity)), compress: true))
            guard identity.role == .member else { return url }
            let workflow = try await services.cases.workflow()
            var query = ComplaintQuery(limit: 200)
            while true {
                let page = try await services.cases.list(query, for: identity)
                for c in page.items {
                    let folder = "complaints/\(c.caseNumber)"
                    let merchant = try await services.cases.respondent(of: c)
                    let dto = ComplaintDTO(c, viewer: identity, now: now, chinese: chinese, workflow: workflow, merchant: merchant)
                    try zip.add(.init(path: "\(folder)/complaint.json", bytes: Array(dto.value.canonicalBytes), compress: true))
                    let events = try await services.cases.timeline(of: c, for: identity)
                    try zip.add(.init(path: "\(folder)/timeline.json", bytes: try json(events.map { EventDTO($0) }), compress: true))
                    let files = try await services.cases.evidence(of: c, for: identity)
                    try zip.add(
                        .init(path: "\(folder)/evidence.json", bytes: try json(files.map { EvidenceDTO($0, complaintId: c.id) }), compress: true))
                    for f in files {
                        // A file awaiting its scan, or found infected, is listed but not copied.
                        guard let (_, bytes) = try? await services.cases.evidenceContent(of: c, sha256: f.sha256, for: identity) else { continue }
                        try zip.add(
                            .init(path: "\(folder)/evidence/\(f.sha256).\(f.mediaType.fileExtension)", bytes: bytes, compress: f.mediaType == .text))
                    }
                }
                if page.items.count < query.limit { break }
                query.offset += query.limit
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return url
    }

    static func readme(now: Date) -> String {
        """
        您在本平台保存的个人信息副本（《个人信息保护法》第四十五条）
        生成时间：\(now.rfc3339)

        account.json                    您的账号：登录名、显示名称、手机号、邮箱、注册时间
        complaints/<投诉编号>/complaint.json  您提交的每件投诉，与您在页面上看到的一致
        complaints/<投诉编号>/timeline.json   处理经过中您可以看到的全部记录
        complaints/<投诉编号>/evidence.json   证据文件清单（文件名、类型、大小、SHA-256）
        complaints/<投诉编号>/evidence/       证据文件本身（待病毒扫描或扫描未通过的文件只列在清单中）

        平台内部备注不属于您的个人信息副本，不包含在内。需要可验证的完整档案，请在投诉页面下载“证据档案”。

        A copy of the personal data this platform keeps about you (PIPL Art. 45): your account, and every complaint
        you filed as you see it, with its timeline and evidence files.
        """
    }
}
