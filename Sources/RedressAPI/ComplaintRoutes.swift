import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RedressDomain
import RedressStorage

/// Filing and working complaints.
struct ComplaintRoutes {
    let services: RedressServices

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
        guard identity.role == .member else {
            throw APIError(.forbidden, "members_only", zh: "只有会员可以提交投诉", en: "Only members can file complaints")
        }
        let bytes = try await JSONBody.body(of: request, context: context)
        let draft = try JSONBody.decode(ComplaintDraft.self, from: bytes)
        var claim: IdempotencyClaim?
        if let key = request.headers[Self.idempotencyKey] {
            guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw APIError(
                    .badRequest, "invalid_idempotency_key", zh: "Idempotency-Key 须为 1–200 个可见 ASCII 字符",
                    en: "Idempotency-Key must be 1–200 visible ASCII characters", field: "Idempotency-Key")
            }
            claim = IdempotencyClaim(memberId: identity.userId, key: key, requestHash: sha256Hex(bytes))
        }
        let workflow = try await services.policies.workflow()
        let now = services.now()
        // Validate before touching the store so that bad input costs no write.
        _ = try draft.validated(taxonomy: workflow.taxonomy, now: now)
        let id = TimeOrderedID.make(at: now)
        let day = workflow.calendar.civilDate(of: now)
        let memberId = identity.userId
        let outcome = try await services.store.createComplaint(day: day, idempotency: claim) { caseNumber in
            try workflow.file(draft, id: id, caseNumber: caseNumber, memberId: memberId, now: now)
        }
        let merchant = try await respondentMerchant(draft.order.respondent == .merchant ? draft.order.merchantId : nil)
        switch outcome {
        case .created(let c, _):
            services.metrics.complaintsCreated.increment()
            context.logger.info(
                "complaint filed", metadata: ["case": "\(c.caseNumber)", "tier": "\(c.tier.rawValue)", "queue": "\(c.queue.rawValue)"])
            return JSONBody.response(
                ComplaintDTO(c, viewer: identity, now: now, chinese: context.chinese, workflow: workflow, merchant: merchant).value, status: .created,
                headers: [.location: "/api/v1/complaints/\(c.id)"])
        case .replayed(let c):
            services.metrics.idempotentReplays.increment()
            return JSONBody.response(
                ComplaintDTO(c, viewer: identity, now: now, chinese: context.chinese, workflow: workflow, merchant: merchant).value, status: .created,
                headers: [.location: "/api/v1/complaints/\(c.id)", HTTPField.Name("Idempotent-Replayed")!: "true"])
        }
    }

    // MARK: Reading

    @Sendable func list(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let q = request.uri.queryParameters
        let now = services.now()
        var query = ComplaintQuery()
        query.limit = try Self.intParameter(q.get("limit"), name: "limit", range: 1...200) ?? 50
        query.offset = try Self.intParameter(q.get("offset"), name: "offset", range: 0...10_000_000) ?? 0
        if let s = q.get("status") {
            var statuses: Set<ComplaintStatus> = []
            for part in s.split(separator: ",") {
                guard let st = ComplaintStatus(rawValue: String(part)) else {
                    throw APIError.badQuery("status", zh: "未知的状态：\(part)", en: "Unknown status: \(part)")
                }
                statuses.insert(st)
            }
            query.statuses = statuses
        }
        if let t = q.get("tier") {
            guard let tier = Tier(rawValue: t) else { throw APIError.badQuery("tier", zh: "未知的层级：\(t)", en: "Unknown tier: \(t)") }
            query.tier = tier
        }
        if let c = q.get("category") {
            guard Taxonomy.standard.category(c) != nil else {
                throw APIError.badQuery("category", zh: "未知的投诉类别：\(c)", en: "Unknown category: \(c)")
            }
            query.category = c
        }
        if let o = q.get("overdue") {
            guard o == "true" || o == "false" else { throw APIError.badQuery("overdue", zh: "overdue 只能是 true 或 false", en: "overdue must be true or false") }
            if o == "true" { query.overdueAt = now }
        }
        if identity.role == .member {
            query.memberId = identity.userId
        } else if identity.role.isStaff {
            var queues = identity.role.visibleQueues
            if let qn = q.get("queue") {
                guard let queue = Queue(rawValue: qn) else { throw APIError.badQuery("queue", zh: "未知的队列：\(qn)", en: "Unknown queue: \(qn)") }
                guard queues.contains(queue) else { throw APIError.forbidden }
                queues = [queue]
            }
            query.queues = queues
            // A queue shows work still to do unless a status filter asks for finished cases.
            query.openOnly = q.get("status") == nil
        } else {
            throw APIError.forbidden
        }
        let page = try await services.store.complaints(query)
        let workflow = try await services.policies.workflow()
        let items = page.items.map { ComplaintDTO($0, viewer: identity, now: now, chinese: context.chinese, workflow: workflow).value }
        return JSONBody.response(
            .object(["items": .array(items), "total": .int(Int64(page.total)), "limit": .int(Int64(query.limit)), "offset": .int(Int64(query.offset))]))
    }

    @Sendable func show(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        guard let head = try await services.store.complaintHead(id: id) else { throw APIError.complaintNotFound }
        let now = services.now()
        // Merchants and external reviewers are authorised on the full case (respondent, reviewers), and never cached.
        let simple = identity.role == .member || identity.role.isStaff
        if simple { try authorize(memberId: head.memberId, queue: head.queue, assigneeId: head.assigneeId, identity) }
        let key = RenderedComplaints.Key(id: id, version: head.eventCount, chinese: context.chinese, audience: identity.role.rawValue)
        if simple, let body = services.renderings.get(key, now: now) { return JSONBody.response(bytes: body) }
        guard let c = try await services.store.complaint(id: id) else { throw APIError.complaintNotFound }
        try authorize(c, identity)
        let workflow = try await services.policies.workflow()
        let merchant = try await respondentMerchant(c.respondentMerchantId)
        let member = identity.role == .member ? nil : try await services.store.user(id: c.memberId)?.user
        let body = ByteBuffer(
            bytes: ComplaintDTO(c, viewer: identity, now: now, chinese: context.chinese, workflow: workflow, merchant: merchant, member: member).value
                .canonicalBytes)
        // Keep only what matches the version read above (a change in between renders afresh next time).
        if simple && c.eventCount == head.eventCount {
            services.renderings.put(key, body, validUntil: c.renderingChanges(after: now))
        }
        return JSONBody.response(bytes: body)
    }

    @Sendable func timeline(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        var events = try await services.store.timeline(complaintId: c.id)
        // Internal notes never reach a member, a merchant or an external reviewer; a merchant sees personal data masked.
        if !identity.role.isStaff { events = events.filter { $0.visibility == .public } }
        return try JSONBody.response(events.map { EventDTO($0, masked: identity.role == .merchant) })
    }

    @Sendable func verify(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        let store = services.store
        let events = try await store.timeline(complaintId: c.id)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        if let b = chain.firstBreak {
            context.logger.warning("chain broken", metadata: ["case": "\(c.caseNumber)", "position": "\(b.position)", "reason": "\(b.reason)"])
        }
        // Evidence bytes, the case's log entries, and their inclusion under a signed head checked against the stored tree.
        let files = try await store.evidence(complaintId: c.id)
        let records = try await store.ledgerRecords(complaintId: c.id)
        let logSize = try await store.ledgerState().size
        let head = try await services.treeHeads.head(covering: min(logSize, (records.map(\.leafIndex).max() ?? -1) + 1))
        var failure: String?
        for f in files {
            guard let (_, bytes) = try await store.evidenceContent(complaintId: c.id, sha256: f.sha256) else {
                failure = "evidence file \(f.fileName) (\(f.sha256)): its bytes are missing"
                break
            }
            let actual = sha256Hex(bytes)
            if actual != f.sha256 {
                failure = "evidence file \(f.fileName): expected SHA-256 \(f.sha256), found \(actual)"
                break
            }
        }
        if failure == nil { failure = try await LedgerAudit.checkHead(head, keys: try await store.ledgerKeys(), store: store) }
        if failure == nil {
            failure = try await LedgerAudit.checkCase(
                caseNumber: c.caseNumber, complaintId: c.id, events: events, files: files, records: records, head: head, store: store, logSize: logSize)
        }
        if let failure { context.logger.warning("evidence log check failed", metadata: ["case": "\(c.caseNumber)", "failure": "\(failure)"]) }
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
        return try JSONBody.response(
            VerifyDTO(
                complaintId: c.id, eventCount: events.count, valid: chain.valid && failure == nil, chainValid: chain.valid, firstBreak: chain.firstBreak,
                ledger: LedgerCheckDTO(valid: failure == nil, entries: records.count, files: files.count, treeHead: TreeHeadDTO(head), firstFailure: failure)))
    }

    /// A receipt for every log entry of the case the caller may see: each proves, with the log's public key alone,
    /// that the platform accepted that exact content at that time.
    @Sendable func receipts(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try Self.refuseMerchant(identity)
        let c = try await load(context, identity)
        let store = services.store
        let events = try await store.timeline(complaintId: c.id)
        let files = try await store.evidence(complaintId: c.id)
        var visible: [Int: TimelineEvent] = [:]
        for e in events where identity.role.isStaff || e.visibility == .public { visible[e.sequence] = e }
        var fileBySha: [String: EvidenceFile] = [:]
        for f in files { fileBySha[f.sha256] = f }
        let records = try await store.ledgerRecords(complaintId: c.id).filter {
            if case .event(let s) = $0.subject { return visible[s] != nil }
            return true
        }
        let head = try await services.treeHeads.head(covering: (records.map(\.leafIndex).max() ?? -1) + 1)
        var receipts: [Receipt] = []
        // An entry committed a moment after the head was signed gets its receipt on the next call.
        for r in records where r.leafIndex < head.treeSize {
            let proof = try await store.inclusionProof(leafIndex: r.leafIndex, treeSize: head.treeSize)
            switch r.subject {
            case .event(let s):
                guard let e = visible[s] else { continue }
                receipts.append(
                    Receipt(
                        complaintId: c.id, caseNumber: c.caseNumber, kind: "event", sequence: s, sha256: nil, entry: LedgerEntry.event(e),
                        event: e.canonicalBytes, leafIndex: r.leafIndex, treeHead: head, inclusionProof: proof))
            case .evidenceFile(let sha):
                guard let f = fileBySha[sha] else { throw APIError.logIncomplete("evidence file \(sha) is in the log but not on the case") }
                receipts.append(
                    Receipt(
                        complaintId: c.id, caseNumber: c.caseNumber, kind: "evidence_file", sequence: nil, sha256: sha,
                        entry: LedgerEntry.evidenceFile(complaintId: c.id, f), event: nil, leafIndex: r.leafIndex, treeHead: head, inclusionProof: proof))
            }
        }
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
        try Self.refuseMerchant(identity)
        let c = try await load(context, identity)
        let audience: DossierBuilder.Audience
        switch request.uri.queryParameters.get("audience") {
        case nil, "member": audience = .member
        case "court":
            guard identity.role == .admin else {
                throw APIError(
                    .forbidden, "admins_only", zh: "只有管理员可以导出含内部备注的完整档案", en: "Only an admin can export the full dossier with internal notes")
            }
            audience = .court
        case let other?:
            throw APIError.badQuery("audience", zh: "audience 只能是 member 或 court", en: "audience must be member or court, not \(other)")
        }
        let zip = try await DossierBuilder(services: services).build(c, audience: audience)
        context.logger.info("dossier exported", metadata: ["case": "\(c.caseNumber)", "audience": "\(audience.rawValue)", "bytes": "\(zip.count)"])
        let name = "redress-dossier-\(c.caseNumber)\(audience == .court ? "-court" : "").zip"
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "private, no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: zip)))
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
            if let a = body.assigneeId {
                guard let user = try await services.store.user(id: a), user.user.role.isStaff, !user.user.disabled else {
                    throw APIError.invalid("assigneeId", zh: "指派对象必须是在职的工作人员", en: "The assignee must be an active staff member")
                }
            }
            let assignee = body.assigneeId
            return try await change(id, identity, context) { wf, c, now in try wf.assign(c, to: assignee, by: identity.actor, now: now) }
        }
        guard let action = CaseAction(rawValue: body.action), action != .accept, action != .dispute else {
            throw APIError.invalid(
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
        let workflow = try await services.policies.workflow()
        let limit = workflow.policy.evidence.maxFileBytes
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(contentType) else {
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
        let (bytes, fileName) = try Self.filePart(buffer, boundary: boundary)
        let now = services.now()
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: fileName, limit: limit, by: identity.actor, at: now)
        let (c, events, existed) = try await services.store.addEvidence(complaintId: id, file: file, bytes: bytes) { current in
            try self.authorize(current, identity)
            return try workflow.addEvidence(current, file: file, by: identity.actor, now: now)
        }
        context.logger.info("evidence added", metadata: ["case": "\(c.caseNumber)", "sha256": "\(file.sha256)", "bytes": "\(file.sizeBytes)"])
        struct UploadResponse: Encodable {
            var evidence: EvidenceDTO
            var alreadyPresent: Bool
            var events: [EventDTO]
        }
        return try JSONBody.response(
            UploadResponse(evidence: EvidenceDTO(file, complaintId: id), alreadyPresent: existed, events: events.map { EventDTO($0) }),
            status: existed ? .ok : .created)
    }

    @Sendable func listEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        let files = try await services.store.evidence(complaintId: c.id)
        return try JSONBody.response(files.map { EvidenceDTO($0, complaintId: c.id) })
    }

    @Sendable func downloadEvidence(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let c = try await load(context, identity)
        let sha = try context.parameters.require("sha256").lowercased()
        guard sha.count == 64, sha.allSatisfy(\.isHexDigit) else {
            throw APIError.badQuery("sha256", zh: "sha256 必须是 64 位十六进制", en: "sha256 must be 64 hexadecimal digits")
        }
        guard let (file, bytes) = try await services.store.evidenceContent(complaintId: c.id, sha256: sha) else {
            throw APIError(.notFound, "evidence_not_found", zh: "该投诉没有这个证据文件", en: "No such evidence file on this case")
        }
        let asciiName = file.fileName.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0 != "\"" } ? file.fileName : "\(sha).\(file.mediaType.fileExtension)"
        let encoded = file.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? asciiName
        return Response(
            status: .ok,
            headers: [
                .contentType: file.mediaType.rawValue, .contentDisposition: "attachment; filename=\"\(asciiName)\"; filename*=UTF-8''\(encoded)",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", .eTag: "\"\(sha)\"", .cacheControl: "private, max-age=31536000, immutable",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Helpers

    /// Members see only their own cases (another's answers 404); staff see the queues of their tier; a merchant sees the
    /// cases against it and an external reviewer the cases given to them (any other answers 404).
    func authorize(_ c: Complaint, _ identity: Identity) throws {
        switch identity.role {
        case .merchant:
            guard let m = identity.merchantId, c.respondentMerchantId == m else { throw APIError.complaintNotFound }
        case .arbitrator:
            guard c.reviewerIds.contains(identity.userId) else { throw APIError.complaintNotFound }
        default:
            try authorize(memberId: c.memberId, queue: c.queue, assigneeId: c.assigneeId, identity)
        }
    }

    /// Receipts and dossiers carry the member's words unmasked (their hashes must verify), so a merchant does not get them.
    static func refuseMerchant(_ identity: Identity) throws {
        if identity.role == .merchant {
            throw APIError(
                .forbidden, "not_for_merchants", zh: "商家不能导出含会员个人信息的档案或回执",
                en: "Dossiers and receipts hold the member's personal data unmasked; merchants cannot export them")
        }
    }

    /// The respondent merchant's record, if the case has one.
    func respondentMerchant(_ id: String?) async throws -> Merchant? {
        guard let id else { return nil }
        return try await services.store.merchant(id: id)
    }

    func authorize(memberId: String, queue: Queue, assigneeId: String?, _ identity: Identity) throws {
        switch identity.role {
        case .member:
            guard memberId == identity.userId else { throw APIError.complaintNotFound }
        case .agent, .specialist, .riskControl, .admin:
            guard identity.role.visibleQueues.contains(queue) || assigneeId == identity.userId else {
                throw APIError(.forbidden, "outside_your_queues", zh: "该投诉不在您的处理队列中", en: "This case is not in your queues")
            }
        case .system, .merchant, .arbitrator:
            throw APIError.complaintNotFound
        }
    }

    func load(_ context: RedressRequestContext, _ identity: Identity) async throws -> Complaint {
        let id = try context.parameters.require("id")
        guard let c = try await services.store.complaint(id: id) else { throw APIError.complaintNotFound }
        try authorize(c, identity)
        return c
    }

    /// Runs a domain change on the current state of the case inside one transaction and answers with the case and the new events.
    func change(
        _ id: String, _ identity: Identity, _ context: RedressRequestContext, status: HTTPResponse.Status = .ok,
        _ apply: @escaping @Sendable (CaseWorkflow, Complaint, Date) throws -> CaseChange
    ) async throws -> Response {
        let workflow = try await services.policies.workflow()
        let now = services.now()
        let result: (Complaint, [TimelineEvent])
        do {
            result = try await services.store.update(complaintId: id) { current in
                try self.authorize(current, identity)
                return try apply(workflow, current, now)
            }
        } catch StoreError.notFound {
            throw APIError.complaintNotFound
        }
        let (c, events) = result
        context.logger.info("case changed", metadata: ["case": "\(c.caseNumber)", "status": "\(c.status.rawValue)", "events": "\(events.count)"])
        let visible = identity.role.isStaff ? events : events.filter { $0.visibility == .public }
        let merchant = try await respondentMerchant(c.respondentMerchantId)
        return try JSONBody.response(
            ChangeResponse(
                complaint: ComplaintDTO(c, viewer: identity, now: now, chinese: context.chinese, workflow: workflow, merchant: merchant),
                events: visible.map { EventDTO($0, masked: identity.role == .merchant) }),
            status: status)
    }

    static func intParameter(_ value: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard let n = Int(value), range.contains(n) else {
            throw APIError.badQuery(name, zh: "\(name) 必须是 \(range.lowerBound)–\(range.upperBound) 之间的整数", en: "\(name) must be an integer in \(range.lowerBound)–\(range.upperBound)")
        }
        return n
    }

    static func boundary(_ contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return b.isEmpty || b.count > 200 ? nil : b
        }
        return nil
    }

    /// The bytes and file name of the part named `file`.
    static func filePart(_ buffer: ByteBuffer, boundary: String) throws -> ([UInt8], String?) {
        let form: MultipartFormData
        do {
            form = try MultipartFormData(body: Array(buffer.readableBytesView), boundary: boundary)
        } catch {
            throw APIError(.badRequest, "malformed_multipart", zh: "上传内容格式有误", en: "The multipart body is malformed")
        }
        guard let file = form.file(named: "file") else {
            throw APIError.invalid("file", "required", zh: "请选择要上传的文件（字段名 file）", en: "Attach the file in the form field 'file'")
        }
        return (Array(file.bytes), file.fileName)
    }
}
