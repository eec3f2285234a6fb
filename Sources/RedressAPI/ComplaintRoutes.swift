import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressApp
import RedressDomain
import RedressDossier
import RedressHTTP

/// Filing and working complaints.
struct ComplaintRoutes {
    let services: RedressServices
    /// Encoded case bodies of members' and staff's reads.
    let renderings: RenderedComplaints

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    struct MessageRequest: Decodable {
        var body: String
        var visibility: Visibility?
    }

    struct EscalateRequest: Decodable {
        var reason: String
    }

    struct TransitionRequest: Decodable {
        /// A lifecycle action, or `assign`.
        var action: String
        var note: String?
        var reason: RejectionReason?
        var assigneeId: String?
    }

    struct ConfirmRequest: Decodable {
        var accept: Bool
        var note: String?
    }

    struct ChangeResponse: Encodable {
        var complaint: ComplaintDTO
        var events: [EventDTO]

        enum CodingKeys: CodingKey { case complaint, events }

        /// The case in its canonical form (written without Foundation's encoder, see `ComplaintDTO.value`).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(complaint.value, forKey: .complaint)
            try c.encode(events, forKey: .events)
        }
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.post("complaints", use: create)
        api.get("complaints", use: list)
        api.get("complaints/:id", use: show)
        api.get("complaints/:id/timeline", use: timeline)
        api.get("complaints/:id/verify", use: verify)
        api.get("complaints/:id/receipts", use: receipts)
        api.get("complaints/:id/dossier", use: dossier)
        api.post("complaints/:id/messages", use: message)
        api.post("complaints/:id/escalate", use: escalate)
        api.post("complaints/:id/transitions", use: transition)
        api.post("complaints/:id/confirm", use: confirm)
        api.get("complaints/:id/evidence", use: listEvidence)
        api.get("complaints/:id/evidence/:sha256", use: downloadEvidence)
        api.on("complaints/:id/evidence", method: .post, use: uploadEvidence)
    }

    // MARK: Filing

    @Sendable func create(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let bytes = try await JSONBody.body(of: request, context: context)
        let draft = try JSONBody.decode(ComplaintDraft.self, from: bytes)
        let key = request.headers[Self.idempotencyKey]
        if let key, !((1...200).contains(key.count) && key.allSatisfy({ $0.isASCII && !$0.isWhitespace })) {
            throw APIError(
                .badRequest, "invalid_idempotency_key", zh: "Idempotency-Key 须为 1–200 个可见 ASCII 字符",
                en: "Idempotency-Key must be 1–200 visible ASCII characters", field: "Idempotency-Key")
        }
        let filed = try await services.cases.file(draft, by: identity, idempotencyKey: key, requestHash: sha256Hex(bytes))
        let c = filed.complaint
        let workflow = try await services.cases.workflow()
        let merchant = try await services.cases.respondent(of: c)
        var headers: HTTPFields = [.location: "/api/v1/complaints/\(c.id)"]
        if filed.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return JSONBody.response(
            ComplaintDTO(c, viewer: identity, now: services.now(), chinese: context.chinese, workflow: workflow, merchant: merchant).value,
            status: .created, headers: headers)
    }

    // MARK: Reading

    @Sendable func list(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let q = request.uri.queryParameters
        let now = services.now()
        var query = ComplaintQuery()
        query.limit = try Self.intParameter(q.get("limit"), name: "limit", range: 1...200) ?? 50
        query.offset = try Self.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        query.search = try Self.searchParameter(q.get("q"))
        query.after = try Self.cursorParameter(q.get("cursor"), allowed: identity.role.isStaff && q.get("status") == nil && query.search == nil)
        if let s = q.get("status") {
            var statuses: Set<ComplaintStatus> = []
            for part in s.split(separator: ",", omittingEmptySubsequences: false) {
                guard let st = ComplaintStatus(rawValue: String(part)) else {
                    throw AppError.badQuery("status", zh: "未知的状态：\(part)", en: "Unknown status: \(part)")
                }
                statuses.insert(st)
            }
            query.statuses = statuses
        }
        if let t = q.get("tier") {
            guard let tier = Tier(rawValue: t) else { throw AppError.badQuery("tier", zh: "未知的层级：\(t)", en: "Unknown tier: \(t)") }
            query.tier = tier
        }
        if let c = q.get("category") {
            guard Taxonomy.standard.category(c) != nil else {
                throw AppError.badQuery("category", zh: "未知的投诉类别：\(c)", en: "Unknown category: \(c)")
            }
            query.category = c
        }
        if let o = q.get("overdue") {
            guard o == "true" || o == "false" else {
                throw AppError.badQuery("overdue", zh: "overdue 只能是 true 或 false", en: "overdue must be true or false")
            }
            if o == "true" { query.overdueAt = now }
        }
        if identity.role == .member {
            query.memberId = identity.userId
        } else if identity.role.isStaff {
            var queues = identity.role.visibleQueues
            if let qn = q.get("queue") {
                guard let queue = Queue(rawValue: qn) else { throw AppError.badQuery("queue", zh: "未知的队列：\(qn)", en: "Unknown queue: \(qn)") }
                guard queues.contains(queue) else { throw AppError.forbidden }
                queues = [queue]
            }
            query.queues = queues
            // A queue shows work still to do unless a status filter asks for finished cases; a search finds both.
            query.openOnly = q.get("status") == nil && query.search == nil
        } else {
            // Merchants and external reviewers have lists of their own (/merchant/cases, /reviewer/cases).
            throw AppError.forbidden
        }
        let page = try await services.cases.list(query, for: identity)
        let workflow = try await services.cases.workflow()
        let items = page.items.map { ComplaintDTO($0, viewer: identity, now: now, chinese: context.chinese, workflow: workflow).value }
        return Self.pageResponse(page, query, items: items)
    }

    @Sendable func show(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        guard let head = try await services.cases.head(id) else { throw AppError.complaintNotFound }
        let now = services.now()
        // Merchants and external reviewers are authorised on the full case (respondent, reviewers), and never cached.
        let simple = identity.role == .member || identity.role.isStaff
        if simple { try CaseService.authorize(memberId: head.memberId, queue: head.queue, assigneeId: head.assigneeId, identity) }
        let key = RenderedComplaints.Key(id: id, version: head.eventCount, chinese: context.chinese, audience: identity.role.rawValue)
        if simple, let body = renderings.get(key, now: now) { return JSONBody.response(bytes: body) }
        let stored = try await services.cases.load(id, for: identity)
        let c = try await services.cases.readable(stored, for: identity)
        let workflow = try await services.cases.workflow()
        let merchant = try await services.cases.respondent(of: c)
        let member = identity.role == .member ? nil : try await services.cases.member(of: c)
        let body = ByteBuffer(
            bytes: ComplaintDTO(c, viewer: identity, now: now, chinese: context.chinese, workflow: workflow, merchant: merchant, member: member).value
                .canonicalBytes)
        // Keep only what matches the version read above (a change in between renders afresh next time).
        if simple && c.eventCount == head.eventCount {
            renderings.put(key, body, validUntil: c.renderingChanges(after: now))
        }
        return JSONBody.response(bytes: body)
    }

    @Sendable func timeline(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        // Internal notes never reach a member, a merchant or an external reviewer; a merchant sees personal data masked.
        let events = try await services.cases.timeline(of: c, for: identity)
        return try JSONBody.response(events.map { EventDTO($0) })
    }

    @Sendable func verify(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let v = try await services.cases.verify(try context.parameters.require("id"), for: identity)
        struct LedgerCheckDTO: Encodable {
            var valid: Bool
            var entries: Int
            var files: Int
            var treeHead: TreeHeadDTO
            var firstFailure: String?
        }
        struct VerifyDTO: Encodable {
            var complaintId: String
            var eventCount: Int
            /// The chain and the log both verify.
            var valid: Bool
            var chainValid: Bool
            var firstBreak: ChainBreak?
            var ledger: LedgerCheckDTO
        }
        let check = v.check
        return try JSONBody.response(
            VerifyDTO(
                complaintId: v.complaint.id, eventCount: check.events.count, valid: v.valid, chainValid: check.chainBreak == nil,
                firstBreak: check.chainBreak,
                ledger: LedgerCheckDTO(
                    valid: check.ledgerFailure == nil, entries: check.records.count, files: check.files.count, treeHead: TreeHeadDTO(v.head),
                    firstFailure: check.ledgerFailure)))
    }

    /// A receipt for every log entry of the case the caller may see: each proves, with the log's public key alone,
    /// that the platform accepted that exact content at that time.
    @Sendable func receipts(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let (c, head, receipts) = try await services.cases.receipts(try context.parameters.require("id"), for: identity)
        struct ReceiptsDTO: Encodable {
            var complaintId: String
            var caseNumber: String
            var keyId: String
            var receipts: [Receipt]
        }
        return try JSONBody.response(ReceiptsDTO(complaintId: c.id, caseNumber: c.caseNumber, keyId: head.keyId, receipts: receipts))
    }

    /// The case dossier as a ZIP. `audience=court` (admins only) includes internal notes and says so.
    @Sendable func dossier(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let audience: DossierBuilder.Audience
        switch request.uri.queryParameters.get("audience") {
        case nil, "member": audience = .member
        case "court": audience = .court
        case let other?:
            throw AppError.badQuery("audience", zh: "audience 只能是 member 或 court", en: "audience must be member or court, not \(other)")
        }
        let (c, url) = try await services.cases.dossier(try context.parameters.require("id"), audience: audience, for: identity)
        return FileDownload.response(
            url, contentType: "application/zip", fileName: "redress-dossier-\(c.caseNumber)\(audience == .court ? "-court" : "").zip")
    }

    // MARK: Working the case

    @Sendable func message(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let body = try await JSONBody.decode(MessageRequest.self, from: request, context: context)
        let visibility = body.visibility ?? .public
        return try await change(id, identity, context, status: .created) { wf, c, now in
            try wf.message(on: c, by: identity.actor, body: body.body, visibility: visibility, now: now)
        }
    }

    @Sendable func escalate(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let body = try await JSONBody.decode(EscalateRequest.self, from: request, context: context)
        return try await change(id, identity, context) { wf, c, now in
            try wf.escalate(c, by: identity.actor, reason: body.reason.trimmingCharacters(in: .whitespacesAndNewlines), now: now)
        }
    }

    @Sendable func transition(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let body = try await JSONBody.decode(TransitionRequest.self, from: request, context: context)
        if body.action == "assign" {
            return try await respond(try await services.cases.assign(id, to: body.assigneeId, by: identity), identity, context)
        }
        guard let action = CaseAction(rawValue: body.action), action != .accept, action != .dispute else {
            throw AppError.invalid(
                "action", "unknown_action", zh: "未知的操作：\(body.action)", en: "Unknown action: \(body.action)")
        }
        let input = ActionInput(note: body.note, rejectionReason: body.reason)
        return try await change(id, identity, context) { wf, c, now in try wf.act(action, on: c, by: identity.actor, input: input, now: now) }
    }

    @Sendable func confirm(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let body = try await JSONBody.decode(ConfirmRequest.self, from: request, context: context)
        guard identity.role == .member else {
            throw APIError(.forbidden, "members_only", zh: "只有投诉会员可以确认或拒绝解决方案", en: "Only the member can accept or dispute a resolution")
        }
        let input = ActionInput(note: body.note)
        return try await change(id, identity, context) { wf, c, now in
            try wf.act(body.accept ? .accept : .dispute, on: c, by: identity.actor, input: input, now: now)
        }
    }

    // MARK: Evidence

    @Sendable func uploadEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        _ = try await load(context, identity)
        let limit = try await services.cases.evidenceLimit()
        guard let contentType = request.headers[.contentType], let boundary = MultipartFormData.boundary(contentType) else {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type", zh: "请以 multipart/form-data 上传，文件字段名为 file",
                en: "Upload as multipart/form-data with the file in the field 'file'")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit + 64 * 1024 {
            throw DomainError.evidenceTooLarge(limitBytes: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit + 64 * 1024)
        } catch is NIOTooManyBytesError {
            throw DomainError.evidenceTooLarge(limitBytes: limit)
        } catch let e as HTTPError where e.status == .contentTooLarge {
            throw DomainError.evidenceTooLarge(limitBytes: limit)
        }
        let (bytes, fileName) = try MultipartFormData.filePart(buffer, boundary: boundary)
        let added = try await services.cases.addEvidence(to: id, bytes: bytes, fileName: fileName, by: identity)
        struct UploadResponse: Encodable {
            var evidence: EvidenceDTO
            var alreadyPresent: Bool
            var events: [EventDTO]
        }
        return try JSONBody.response(
            UploadResponse(
                evidence: EvidenceDTO(added.file, complaintId: id), alreadyPresent: added.alreadyPresent, events: added.events.map { EventDTO($0) }),
            status: added.alreadyPresent ? .ok : .created)
    }

    @Sendable func listEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        let files = try await services.cases.evidence(of: c, for: identity)
        return try JSONBody.response(files.map { EvidenceDTO($0, complaintId: c.id) })
    }

    @Sendable func downloadEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        let sha = try context.parameters.require("sha256").lowercased()
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw AppError.badQuery("sha256", zh: "sha256 必须是 64 位十六进制", en: "sha256 must be 64 hexadecimal digits")
        }
        guard let (file, bytes) = try await services.cases.evidenceContent(of: c, sha256: sha, for: identity) else {
            throw APIError(.notFound, "evidence_not_found", zh: "该投诉没有这个证据文件", en: "No such evidence file on this case")
        }
        let asciiName =
            file.fileName.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0 != "\"" }
            ? file.fileName : "\(sha).\(file.mediaType.fileExtension)"
        let encoded = file.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? asciiName
        return Response(
            status: .ok,
            headers: [
                .contentType: file.mediaType.rawValue, .contentDisposition: "attachment; filename=\"\(asciiName)\"; filename*=UTF-8''\(encoded)",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", .eTag: "\"\(sha)\"", .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Helpers

    func load(_ context: RedressRequestContext, _ identity: Identity) async throws -> Complaint {
        try await services.cases.load(try context.parameters.require("id"), for: identity)
    }

    /// Runs a domain change on the current state of the case inside one transaction and answers with the case and the new events.
    func change(
        _ id: String, _ identity: Identity, _ context: RedressRequestContext, status: HTTPResponse.Status = .ok,
        _ apply: @escaping @Sendable (CaseWorkflow, Complaint, Date) throws -> CaseChange
    ) async throws -> Response {
        try await respond(try await services.cases.change(id, by: identity, apply), identity, context, status: status)
    }

    /// The case after a change, and the change's events the caller may read.
    func respond(
        _ changed: CaseService.Changed, _ identity: Identity, _ context: RedressRequestContext, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let c = changed.complaint
        let merchant = try await services.cases.respondent(of: c)
        return try JSONBody.response(
            ChangeResponse(
                complaint: ComplaintDTO(
                    c, viewer: identity, now: changed.now, chinese: context.chinese, workflow: changed.workflow, merchant: merchant),
                events: changed.events.map { EventDTO($0) }),
            status: status)
    }

    /// `cursor`: where the next page of a list read in deadline order starts (a staff queue, a merchant's open cases).
    static func cursorParameter(_ raw: String?, allowed: Bool) throws -> QueueCursor? {
        guard let raw else { return nil }
        guard let cursor = QueueCursor(encoded: raw) else {
            throw AppError.badQuery("cursor", zh: "cursor 无效，请使用上一页返回的 nextCursor", en: "cursor is not valid; pass the previous page's nextCursor")
        }
        guard allowed else {
            throw AppError.badQuery(
                "cursor", zh: "cursor 只用于按期限排列的列表：工作人员的处理队列、商家的待处理案件（搜索结果请用 offset 翻页）",
                en: "cursor pages a list in deadline order only: a staff queue, a merchant's open cases (page search results with offset)")
        }
        return cursor
    }

    /// `q`: words to search for (`SearchText.Query`), refused when too long or made of punctuation only.
    static func searchParameter(_ value: String?) throws -> SearchText.Query? {
        guard let value else { return nil }
        do {
            return try SearchText.Query(parsing: value)
        } catch {
            throw AppError(.badRequest, error.code, zh: error.message(chinese: true), en: error.message(chinese: false), field: "q")
        }
    }

    /// A page of cases as every list answers it; a search's items carry the passage that matched (`match`).
    static func pageResponse(_ page: ComplaintPage, _ query: ComplaintQuery, items: [CanonicalValue]) -> Response {
        var items = items
        if query.search != nil {
            for (i, c) in page.items.enumerated() {
                guard case .object(var o) = items[i], let parts = page.snippets[c.id] else { continue }
                o["match"] = .array(parts.map { .object(["text": .string($0.text), "match": .bool($0.match)]) })
                items[i] = .object(o)
            }
        }
        return JSONBody.response(
            .object([
                "items": .array(items), "total": .int(Int64(page.total)), "limit": .int(Int64(query.limit)), "offset": .int(Int64(query.offset)),
                "totalIsLowerBound": .bool(page.totalIsLowerBound), "nextCursor": page.next.map { .string($0.encoded) } ?? .null,
            ]))
    }

    static func intParameter(_ value: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard let n = Int(value), range.contains(n) else {
            throw AppError.badQuery(
                name, zh: "\(name) 必须是 \(range.lowerBound)–\(range.upperBound) 之间的整数",
                en: "\(name) must be an integer in \(range.lowerBound)–\(range.upperBound)")
        }
        return n
    }
}
