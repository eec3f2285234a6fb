import Foundation
import RedressDomain
import RedressDossier
import RedressStorage

/// Filing, reading and working complaints, their evidence, their check and their export.
///
/// Who may see a case is decided here and nowhere else (`authorize`): a member sees their own cases, staff the queues
/// of their tier and the cases assigned to them, a merchant the cases against it, an external reviewer the cases given
/// to them. A case the caller may not see is reported as not found, so its existence is not told.
package struct CaseService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// The workflow of the policy and calendars in force.
    package func workflow() async throws -> CaseWorkflow { try await app.policies.workflow() }

    // MARK: Who may see a case

    /// Throws unless `caller` may see the case.
    package static func authorize(_ c: Complaint, _ caller: Identity) throws(AppError) {
        switch caller.role {
        case .merchant:
            guard let m = caller.merchantId, c.respondentMerchantId == m else { throw .complaintNotFound }
        case .arbitrator:
            guard c.reviewerIds.contains(caller.userId) else { throw .complaintNotFound }
        default:
            try authorize(memberId: c.memberId, queue: c.queue, assigneeId: c.assigneeId, caller)
        }
    }

    /// The member and staff rule alone, from the few columns of a case's head.
    package static func authorize(memberId: String, queue: Queue, assigneeId: String?, _ caller: Identity) throws(AppError) {
        switch caller.role {
        case .member:
            guard memberId == caller.userId else { throw .complaintNotFound }
        case .agent, .specialist, .riskControl, .admin:
            guard caller.role.visibleQueues.contains(queue) || assigneeId == caller.userId else {
                throw AppError(.forbidden, "outside_your_queues", zh: "该投诉不在您的处理队列中", en: "This case is not in your queues")
            }
        case .system, .merchant, .arbitrator:
            throw .complaintNotFound
        }
    }

    /// Receipts and dossiers carry the member's words unmasked (their hashes must verify), so a merchant does not get them.
    package static func refuseMerchant(_ caller: Identity) throws(AppError) {
        if caller.role == .merchant {
            throw AppError(
                .forbidden, "not_for_merchants", zh: "商家不能导出含会员个人信息的档案或回执",
                en: "Dossiers and receipts hold the member's personal data unmasked; merchants cannot export them")
        }
    }

    /// Who sees a change: the member their own cases, a merchant the cases against it, staff the queues of their tier.
    package static func visible(_ s: CaseSignal, to identity: Identity) -> Bool {
        switch identity.role {
        case .member: s.memberId == identity.userId
        case .merchant: identity.merchantId != nil && s.respondentMerchantId == identity.merchantId
        case .agent, .specialist, .riskControl, .admin: Queue(rawValue: s.queue).map(identity.role.visibleQueues.contains) ?? false
        case .arbitrator, .system: false
        }
    }

    // MARK: Filing

    /// A filed complaint, or the one an earlier request with the same idempotency key filed.
    package struct Filed: Sendable {
        package var complaint: Complaint
        package var replayed: Bool
    }

    /// Files a member's complaint, routed and clocked by the policy in force. The draft is checked before anything is
    /// written; `idempotencyKey` (with the digest of the request) makes a retry return the first filing.
    package func file(_ draft: ComplaintDraft, by caller: Identity, idempotencyKey: String?, requestHash: String) async throws -> Filed {
        guard caller.role == .member else {
            throw AppError(.forbidden, "members_only", zh: "只有会员可以提交投诉", en: "Only members can file complaints")
        }
        let workflow = try await workflow()
        let now = app.now()
        let (checked, _) = try draft.validated(taxonomy: workflow.taxonomy, now: now)
        // A complaint against a merchant the platform does not know would reach no one.
        if checked.order.respondent == .merchant, let m = checked.order.merchantId, try await store.merchant(id: m) == nil {
            throw AppError.invalid(
                "order.merchantId", "unknown_merchant", zh: "平台没有登记这个商家；不确定时请选择由平台核实",
                en: "The platform has no merchant with this id; if unsure, leave it to the platform")
        }
        let claim = idempotencyKey.map { IdempotencyClaim(memberId: caller.userId, key: $0, requestHash: requestHash) }
        let id = TimeOrderedID.make(at: now)
        let memberId = caller.userId
        let outcome = try await store.createComplaint(day: workflow.calendar.civilDate(of: now), idempotency: claim) { caseNumber in
            try workflow.file(draft, id: id, caseNumber: caseNumber, memberId: memberId, now: now)
        }
        switch outcome {
        case .created(let c, _):
            app.metrics.complaintsCreated.increment()
            app.logger.info("complaint filed", metadata: ["case": "\(c.caseNumber)", "tier": "\(c.tier.rawValue)", "queue": "\(c.queue.rawValue)"])
            return Filed(complaint: c, replayed: false)
        case .replayed(let c):
            app.metrics.idempotentReplays.increment()
            return Filed(complaint: c, replayed: true)
        }
    }

    // MARK: Reading

    /// A page of cases, narrowed to what the caller may see: a member's own, a merchant's, a reviewer's, or the staff
    /// member's queues (a queue asked for outside them is refused).
    package func list(_ query: ComplaintQuery, for caller: Identity) async throws -> ComplaintPage {
        var query = query
        switch caller.role {
        case .member: query.memberId = caller.userId
        case .merchant:
            guard let m = caller.merchantId else { throw AppError.forbidden }
            query.respondentMerchantId = m
        case .arbitrator: query.reviewerId = caller.userId
        case .agent, .specialist, .riskControl, .admin:
            let visible = caller.role.visibleQueues
            if let asked = query.queues {
                guard asked.isSubset(of: visible) else { throw AppError.forbidden }
            } else {
                query.queues = visible
            }
        case .system: throw AppError.forbidden
        }
        query.searchInternal = caller.role.isStaff
        var page = try await store.complaints(query)
        if caller.role == .merchant {
            var members: [String: PersonalData.KnownValues] = [:]
            for (i, c) in page.items.enumerated() {
                if members[c.memberId] == nil { members[c.memberId] = PersonalData.KnownValues(member: try await store.user(id: c.memberId)?.user) }
                page.items[i] = c.redacted(knowing: members[c.memberId] ?? .none)
            }
        }
        if let search = query.search {
            for c in page.items { page.snippets[c.id] = try await snippet(search, in: c, for: caller) }
        }
        return page
    }

    /// The passage of a found case that matched, in what the caller may read of it: the filing first, then the
    /// messages and notes the caller may see. The beginning of the narrative when the words are found only where the
    /// caller reads them masked (a search reads the index, which holds every text as the merchant sees it).
    func snippet(_ search: SearchText.Query, in c: Complaint, for caller: Identity) async throws -> [SearchText.SnippetPart] {
        for text in [c.caseNumber, c.order.orderNumber, c.order.merchantName ?? "", c.narrative, c.remedy.text ?? ""] {
            if let s = SearchText.snippet(of: search, in: text) { return s }
        }
        for e in try await timeline(of: c, for: caller).reversed() {
            for text in SearchText.words(of: e.payload) {
                if let s = SearchText.snippet(of: search, in: text) { return s }
            }
        }
        let opening = c.narrative.prefix(90)
        return [SearchText.SnippetPart(text: opening + (opening.count < c.narrative.count ? "…" : ""), match: false)]
    }

    /// The few columns that tell who may see a case and which version it is at (for cached renderings).
    package func head(_ id: String) async throws -> ComplaintHead? { try await store.complaintHead(id: id) }

    /// The case, when the caller may see it; `complaintNotFound` otherwise.
    package func load(_ id: String, for caller: Identity) async throws -> Complaint {
        guard let c = try await store.complaint(id: id) else { throw AppError.complaintNotFound }
        try Self.authorize(c, caller)
        return c
    }

    /// The case, or nil when it does not exist or the caller may not see it (pages answer both with "not found").
    package func find(_ id: String, for caller: Identity) async throws -> Complaint? {
        guard let c = try await store.complaint(id: id), (try? Self.authorize(c, caller)) != nil else { return nil }
        return c
    }

    /// The case with this case number (RD-…, spaces and case ignored) when the caller may see it.
    package func find(caseNumber: String, for caller: Identity) async throws -> Complaint? {
        let number = caseNumber.trimmingCharacters(in: .whitespaces).uppercased()
        guard number.hasPrefix("RD-"), number.count <= 32, let id = try await store.complaintId(caseNumber: number) else { return nil }
        return try await find(id, for: caller)
    }

    /// What the caller must not read of the member on this case: nil for everyone but the respondent merchant, who
    /// reads the member's personal data masked wherever it appears (个人信息保护法: the minimum necessary).
    package func redaction(of c: Complaint, for caller: Identity) async throws -> PersonalData.KnownValues? {
        guard caller.role == .merchant else { return nil }
        return PersonalData.KnownValues(member: try await store.user(id: c.memberId)?.user)
    }

    /// The case as the caller may read it (see `redaction`).
    package func readable(_ c: Complaint, for caller: Identity) async throws -> Complaint {
        guard let known = try await redaction(of: c, for: caller) else { return c }
        return c.redacted(knowing: known)
    }

    /// The case's events the caller may read: internal notes reach staff only, and a merchant reads the member's
    /// personal data masked.
    package func timeline(of c: Complaint, for caller: Identity) async throws -> [TimelineEvent] {
        Self.readable(try await store.timeline(complaintId: c.id), by: caller, knowing: try await redaction(of: c, for: caller))
    }

    /// Events as `caller` may read them.
    static func readable(_ events: [TimelineEvent], by caller: Identity, knowing known: PersonalData.KnownValues?) -> [TimelineEvent] {
        if caller.role.isStaff { return events }
        let shown = events.filter { $0.visibility == .public }
        guard let known else { return shown }
        return shown.map { $0.redacted(knowing: known) }
    }

    /// The case's evidence files as the caller may read them (file names masked for the merchant).
    package func evidence(of c: Complaint, for caller: Identity) async throws -> [EvidenceFile] {
        let files = try await store.evidence(complaintId: c.id)
        guard let known = try await redaction(of: c, for: caller) else { return files }
        return files.map { $0.redacted(knowing: known) }
    }

    /// One evidence file's content, its name as the caller may read it. A file the scanner found infected, or kept in
    /// quarantine while it did not answer, is served to no one.
    package func evidenceContent(of c: Complaint, sha256: String, for caller: Identity) async throws -> (EvidenceFile, [UInt8])? {
        guard let (file, bytes) = try await store.evidenceContent(complaintId: c.id, sha256: sha256) else { return nil }
        if let verdict = try await store.scan(sha256: sha256), verdict.status != "clean" {
            throw AppError(
                .conflict, "file_quarantined",
                zh: verdict.status == "infected" ? "该文件复扫发现病毒（\(verdict.signature ?? "")），不再提供下载" : "该文件尚待病毒扫描，扫描通过后才能查看",
                en: verdict.status == "infected"
                    ? "A rescan found this file infected (\(verdict.signature ?? "")); it is no longer served"
                    : "This file awaits its virus scan and is shown once the scan finds it clean")
        }
        guard let known = try await redaction(of: c, for: caller) else { return (file, bytes) }
        return (file.redacted(knowing: known), bytes)
    }

    /// The respondent merchant's record, if the case has one.
    package func respondent(of c: Complaint) async throws -> Merchant? {
        guard let id = c.respondentMerchantId else { return nil }
        return try await store.merchant(id: id)
    }

    /// The member who filed the case.
    package func member(of c: Complaint) async throws -> User? { try await store.user(id: c.memberId)?.user }

    /// Complaints kept, for `/health`.
    package func count() async throws -> Int { try await store.complaintCount() }

    /// Every case change committed from now on (on PostgreSQL, by any server).
    package func signals() -> AsyncStream<CaseSignal> { store.caseSignals() }

    // MARK: Working

    /// A change made: the case after it, the new events the caller may read, and the workflow and instant it ran with.
    package struct Changed: Sendable {
        package var complaint: Complaint
        package var events: [TimelineEvent]
        package var workflow: CaseWorkflow
        package var now: Date
    }

    /// Runs a domain change on the current state of the case inside one transaction, when the caller may see the case.
    package func change(
        _ id: String, by caller: Identity, _ apply: @escaping @Sendable (CaseWorkflow, Complaint, Date) throws -> CaseChange
    ) async throws -> Changed {
        let workflow = try await workflow()
        let now = app.now()
        let (c, events): (Complaint, [TimelineEvent])
        do {
            (c, events) = try await store.update(complaintId: id) { current in
                try Self.authorize(current, caller)
                return try apply(workflow, current, now)
            }
        } catch StoreError.notFound {
            throw AppError.complaintNotFound
        }
        app.logger.info("case changed", metadata: ["case": "\(c.caseNumber)", "status": "\(c.status.rawValue)", "events": "\(events.count)"])
        let known = try await redaction(of: c, for: caller)
        return Changed(
            complaint: known.map { c.redacted(knowing: $0) } ?? c, events: Self.readable(events, by: caller, knowing: known), workflow: workflow,
            now: now)
    }

    /// Assigns the case to a staff member (nil: back to the queue); the assignee must be active staff.
    package func assign(_ id: String, to assigneeId: String?, by caller: Identity) async throws -> Changed {
        if let a = assigneeId {
            guard let user = try await store.user(id: a), user.user.role.isStaff, !user.user.disabled else {
                throw AppError.invalid("assigneeId", zh: "指派对象必须是在职的工作人员", en: "The assignee must be an active staff member")
            }
        }
        return try await change(id, by: caller) { wf, c, now in try wf.assign(c, to: assigneeId, by: caller.actor, now: now) }
    }

    /// Gives the case to an external reviewer (admins only); the reviewer must be an active reviewer account.
    package func assignReviewer(_ id: String, reviewerId: String, by caller: Identity) async throws -> Changed {
        guard caller.role == .admin else { throw AppError.forbidden }
        guard let reviewer = try await store.user(id: reviewerId), reviewer.user.role == .arbitrator, !reviewer.user.disabled else {
            throw AppError.invalid(
                "reviewerId", "unknown_reviewer", zh: "审查人必须是有效的外部审查人账号", en: "The reviewer must be an active external reviewer account")
        }
        return try await change(id, by: caller) { wf, c, now in try wf.assignReviewer(c, reviewerId: reviewerId, by: caller.actor, now: now) }
    }

    /// Changes who answers for the case; a merchant named must be registered.
    package func changeRespondent(_ id: String, to respondent: CaseRespondent, reason: String, by caller: Identity) async throws -> Changed {
        var known = false
        if let m = respondent.merchantId { known = try await store.merchant(id: m) != nil }
        let merchantKnown = known
        return try await change(id, by: caller) { wf, c, now in
            try wf.changeRespondent(
                c, to: respondent, reason: reason.trimmingCharacters(in: .whitespacesAndNewlines), by: caller.actor, merchantKnown: merchantKnown,
                now: now)
        }
    }

    /// The merchant's answer to a records request, naming files already on the case.
    package func submitRecords(_ id: String, requestId: String, note: String, files: [String], by caller: Identity) async throws -> Changed {
        let caseFiles = Set(try await store.evidence(complaintId: id).map(\.sha256))
        return try await change(id, by: caller) { wf, c, now in
            try wf.submitRecords(
                c, requestId: requestId, note: note, files: files.map { $0.lowercased() }, caseFiles: caseFiles, by: caller.actor, now: now)
        }
    }

    /// A new identifier for something recorded on a case (a records request, a freeze, an external complaint).
    package func newId() -> String { TimeOrderedID.make(at: app.now()) }

    // MARK: Figures

    /// The supervisor's dashboard over the cases filed in the last `days` filing days (admins and deciders): complaints
    /// per day by dimension, deadlines met per tier, response and resolution times, merchants ranked — read from the
    /// maintained aggregates (a few hundred rows, however many cases there are).
    package func dashboard(days: Int, by caller: Identity) async throws -> Dashboard {
        guard caller.role == .admin || caller.role.decides else { throw AppError.forbidden }
        let now = app.now()
        let rows = try await store.figureRows(fromDay: CaseFigures.day(of: now) - days + 1)
        var d = Dashboard.compute(figures: rows, days: days, now: now)
        // Chats are fewer than cases by far; the window's are read by the index on their opening (at most 50,000).
        d.chats = ChatReplyFigures(try await store.chatsOpened(since: now.addingTimeInterval(-Double(days) * 86_400), limit: 50_000))
        return d
    }

    // MARK: Checking and exporting

    /// A case's check: its chain, its files, and its log entries under a signed head.
    package struct Verification: Sendable {
        package var complaint: Complaint
        package var check: StoreVerifier.CaseCheck
        package var head: SignedTreeHead
        package var valid: Bool { check.chainBreak == nil && check.ledgerFailure == nil }
    }

    /// Checks the case the way `redress verify` checks the whole store, and its entries' inclusion under a signed head.
    package func verify(_ id: String, for caller: Identity) async throws -> Verification {
        let c = try await load(id, for: caller)
        let treeHeads = app.treeHeads
        let check = try await StoreVerifier(store: store).checkCase(c) { try await treeHeads.head(covering: $0) }
        guard let head = check.head else { throw AppError.logIncomplete("no signed head for case \(c.caseNumber)") }
        if let b = check.chainBreak {
            app.logger.warning("chain broken", metadata: ["case": "\(c.caseNumber)", "position": "\(b.position)", "reason": "\(b.reason)"])
        }
        if let failure = check.ledgerFailure {
            app.logger.warning("evidence log check failed", metadata: ["case": "\(c.caseNumber)", "failure": "\(failure)"])
        }
        return Verification(complaint: c, check: check, head: head)
    }

    /// A receipt for every log entry of the case the caller may see: each proves, with the log's public key alone,
    /// that the platform accepted that exact content at that time.
    package func receipts(_ id: String, for caller: Identity) async throws -> (Complaint, SignedTreeHead, [Receipt]) {
        try Self.refuseMerchant(caller)
        let c = try await load(id, for: caller)
        // Receipts carry the events as recorded (their hashes must verify); merchants never get them (above).
        var visible: [Int: TimelineEvent] = [:]
        for e in try await store.timeline(complaintId: c.id) where caller.role.isStaff || e.visibility == .public { visible[e.sequence] = e }
        var fileBySha: [String: EvidenceFile] = [:]
        for f in try await store.evidence(complaintId: c.id) { fileBySha[f.sha256] = f }
        let records = try await store.ledgerRecords(complaintId: c.id).filter {
            if case .event(let s) = $0.subject { return visible[s] != nil }
            return true
        }
        let head = try await app.treeHeads.head(covering: (records.map(\.leafIndex).max() ?? -1) + 1)
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
                guard let f = fileBySha[sha] else { throw AppError.logIncomplete("evidence file \(sha) is in the log but not on the case") }
                receipts.append(
                    Receipt(
                        complaintId: c.id, caseNumber: c.caseNumber, kind: "evidence_file", sequence: nil, sha256: sha,
                        entry: LedgerEntry.evidenceFile(complaintId: c.id, f), event: nil, leafIndex: r.leafIndex, treeHead: head,
                        inclusionProof: proof))
            }
        }
        return (c, head, receipts)
    }

    /// The case's dossier as a ZIP file in the data folder's `exports` (the caller streams it and removes it). The
    /// court's copy (admins only) includes internal notes and says so. At most two are built at once on a server, each
    /// holding one evidence file in memory at a time.
    package func dossier(_ id: String, audience: DossierBuilder.Audience, for caller: Identity) async throws -> (Complaint, URL) {
        try Self.refuseMerchant(caller)
        let c = try await load(id, for: caller)
        if audience == .court && caller.role != .admin {
            throw AppError(
                .forbidden, "admins_only", zh: "只有管理员可以导出含内部备注的完整档案", en: "Only an admin can export the full dossier with internal notes")
        }
        guard app.dossierBuilds.acquire() else {
            var e = AppError(
                .tooManyRequests, "dossier_busy", zh: "档案导出繁忙，请稍后再试", en: "Dossiers are being built; try again in a moment")
            e.retryAfterSeconds = 5
            throw e
        }
        defer { app.dossierBuilds.release() }
        let url = try app.exportFile("dossier")
        let treeHeads = app.treeHeads
        do {
            try await DossierBuilder(store: store, platformName: app.configuration.platformName, now: app.now()).write(c, audience: audience, to: url)
            {
                try await treeHeads.head(covering: $0)
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        app.logger.info("dossier exported", metadata: ["case": "\(c.caseNumber)", "audience": "\(audience.rawValue)", "bytes": "\(bytes)"])
        return (c, url)
    }

    /// What the member can do next, and a complaint text for 12315 / 黑猫投诉 built from the case.
    package func guidance(_ id: String, for caller: Identity, chinese: Bool) async throws -> (Complaint, [NextStep], String) {
        let c = try await load(id, for: caller)
        guard caller.role == .member || caller.role.isStaff else { throw AppError.complaintNotFound }
        let workflow = try await workflow()
        let now = app.now()
        let guide = Guidance(workflow: workflow)
        let events = try await store.timeline(complaintId: c.id).filter { $0.visibility == .public }
        let merchant = try await respondent(of: c)
        let member = try await member(of: c)
        let text = guide.complaintText(
            for: c, events: events, merchant: merchant, platformName: app.configuration.platformName, memberName: member?.displayName ?? "会员",
            now: now)
        return (c, guide.steps(for: c, now: now, chinese: chinese), text)
    }
}
