import Foundation
import Mustache
import RedressDomain
import RedressStorage

/// Assembles a case's dossier: the record, every evidence file, the log entries with their proofs, the
/// signed head and the key, a printable summary in Chinese and a README on verifying it.
public struct DossierBuilder: Sendable {
    public enum Audience: String, Sendable {
        /// The public record: what the member saw. Internal notes are withheld (their hashes stay).
        case member
        /// An admin's export for a court or arbitrator: everything, and it says so.
        case court
    }

    let store: any RedressStore
    let platformName: String
    let now: Date

    public init(store: any RedressStore, platformName: String, now: Date) {
        self.store = store
        self.platformName = platformName
        self.now = now
    }

    static let summaryTemplate: MustacheTemplate? = {
        guard let url = Bundle.module.url(forResource: "dossier-summary", withExtension: "mustache", subdirectory: "templates"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        return try? MustacheTemplate(string: text)
    }()

    /// The dossier's ZIP bytes (for tests and small cases; the server writes to a file with `write`).
    public func build(
        _ c: Complaint, audience: Audience, headCovering: @Sendable (Int) async throws -> SignedTreeHead
    ) async throws -> Data {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("redress-dossier-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: url) }
        try await write(c, audience: audience, to: url, headCovering: headCovering)
        return try Data(contentsOf: url)
    }

    /// Writes the dossier's ZIP to `url`, reading one evidence file at a time. `headCovering` gives a signed head
    /// covering at least the given number of log entries.
    public func write(
        _ c: Complaint, audience: Audience, to url: URL, headCovering: @Sendable (Int) async throws -> SignedTreeHead
    ) async throws {
        let events = try await store.timeline(complaintId: c.id)
        let files = try await store.evidence(complaintId: c.id)
        let records = try await store.ledgerRecords(complaintId: c.id)
        var eventLeaves: [Int: LedgerRecord] = [:]
        var fileLeaves: [String: LedgerRecord] = [:]
        for r in records {
            switch r.subject {
            case .event(let s): eventLeaves[s] = r
            case .evidenceFile(let sha): fileLeaves[sha] = r
            }
        }
        let highest = records.map(\.leafIndex).max() ?? -1
        let head = try await headCovering(highest + 1)
        if highest >= head.treeSize {
            throw DossierError.logIncomplete("log leaf \(highest) of case \(c.caseNumber) is beyond the signed log of \(head.treeSize) entries")
        }
        let key = try await store.ledgerKeys().first { $0.keyId == head.keyId }
        guard let key else { throw DossierError.logIncomplete("the key that signed the latest head is not recorded") }

        var manifestEvents: [DossierManifest.Event] = []
        var lines: [UInt8] = []
        var proofs: [DossierProof] = []
        func proof(_ r: LedgerRecord) async throws {
            let path = try await store.inclusionProof(leafIndex: r.leafIndex, treeSize: head.treeSize)
            proofs.append(DossierProof(leafIndex: r.leafIndex, auditPath: path.map(HexCoding.encode)))
        }
        for e in events {
            guard let r = eventLeaves[e.sequence] else {
                throw DossierError.logIncomplete("event \(e.sequence) of case \(c.caseNumber) has no log entry")
            }
            let withheld = (audience == .member && e.visibility == .internal) || e.isContentErased
            if !withheld {
                lines += e.canonicalBytes
                lines.append(0x0A)
            }
            manifestEvents.append(
                DossierManifest.Event(
                    sequence: e.sequence, hash: e.hash, previousHash: e.previousHash, visibility: e.visibility, withheld: withheld,
                    erased: e.isContentErased ? true : nil, leafIndex: r.leafIndex,
                    leafHash: HexCoding.encode(r.leafHash)))
            try await proof(r)
        }
        var manifestFiles: [DossierManifest.File] = []
        for f in files {
            guard let r = fileLeaves[f.sha256] else {
                throw DossierError.logIncomplete("evidence file \(f.sha256) of case \(c.caseNumber) has no log entry")
            }
            let path = "evidence/\(f.sha256).\(f.mediaType.fileExtension)"
            manifestFiles.append(DossierManifest.File(f, path: path, leafIndex: r.leafIndex, leafHash: HexCoding.encode(r.leafHash)))
            try await proof(r)
        }
        let manifest = DossierManifest(
            generatedAtMs: now.millisecondsSince1970, audience: audience.rawValue,
            internalNotesIncluded: audience == .court,
            complaint: .init(id: c.id, caseNumber: c.caseNumber, eventCount: c.eventCount, headHash: c.headHash), events: manifestEvents,
            files: manifestFiles, treeHead: head)
        let member = try await store.user(id: c.memberId)?.user
        var merchant: Merchant?
        if let m = c.respondentMerchantId { merchant = try await store.merchant(id: m) }
        let summary = Self.summary(
            c, events: events, files: files, audience: audience, head: head, member: member, merchant: merchant,
            platformName: platformName, generatedAt: now)

        let archive = try DossierArchive.FileWriter(url: url, modified: now)
        for item: DossierArchive.Item in [
            .init(path: "README.txt", bytes: Array(Self.readme(caseNumber: c.caseNumber, audience: audience).utf8), compress: true),
            .init(path: "summary.html", bytes: Array(summary.utf8), compress: true),
            .init(path: "manifest.json", bytes: try Self.json(manifest), compress: true),
            .init(path: "events.jsonl", bytes: lines, compress: true),
            .init(path: "ledger/tree-head.json", bytes: try Self.json(head), compress: false),
            .init(path: "ledger/proofs.json", bytes: try Self.json(proofs), compress: true),
            .init(path: "ledger/public-key.pem", bytes: Array(key.pem.utf8), compress: false),
        ] {
            try archive.add(item)
        }
        // One evidence file in memory at a time.
        for (f, entry) in zip(files, manifestFiles) where entry.erased != true {
            guard let (_, bytes) = try await store.evidenceContent(complaintId: c.id, sha256: f.sha256) else {
                throw DossierError.logIncomplete("the bytes of evidence file \(f.sha256) are missing")
            }
            try archive.add(.init(path: entry.path, bytes: bytes, compress: f.mediaType == .text))
        }
    }

    static func json(_ value: some Encodable) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(value))
    }

    // MARK: The printable summary

    static let beijing: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "zh_CN")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f
    }()

    static func time(_ d: Date?) -> String { d.map { beijing.string(from: $0) } ?? "" }

    static func summary(
        _ c: Complaint, events: [TimelineEvent], files: [EvidenceFile], audience: Audience, head: SignedTreeHead, member: User?,
        merchant: Merchant? = nil,
        platformName: String = "本平台", generatedAt: Date
    ) -> String {
        let category = Taxonomy.standard.category(c.categoryCode)
        let shown = events.filter { audience == .court || $0.visibility == .public }
        let model: [String: Any] = [
            "caseNumber": c.caseNumber,
            "generatedAt": time(generatedAt),
            "courtExport": audience == .court,
            "memberName": member?.displayName ?? c.memberId,
            // The member's own dossier; the number is still masked in case it is passed on.
            "memberPhone": member?.phone.map(AccountRules.maskPhone) ?? "",
            "respondent": c.respondent.kind == .merchant ? "平台入驻商家" : "平台自营",
            "merchantName": merchant?.registeredName ?? c.order.merchantName ?? "",
            "merchantId": c.respondent.merchantId ?? c.order.merchantId ?? "",
            // 消保法 Art. 44: the merchant's registered details, as the platform holds them.
            "merchant": merchant.map { m -> [String: Any] in
                [
                    "shopName": m.shopName, "licence": m.businessLicenceNumber, "icp": m.icpFilingNumber ?? "", "address": m.registeredAddress,
                    "contact": "\(m.contactName) \(m.contactPhone)", "verifiedAt": m.verifiedAt.map { time($0) } ?? "未核验",
                ]
            } ?? [String: Any](),
            "hasMerchant": merchant != nil,
            "platformName": platformName,
            "ruling": c.ruling.map { r -> [String: Any] in
                [
                    "outcome": Labels.outcome(r.outcome), "reason": r.reason, "decidedAt": time(r.decidedAt),
                    "decidedBy": Labels.role(r.decidedBy.role),
                    "amount": r.amountFen.map(Yuan.format) ?? "", "basis": r.basis == "merchant_default" ? "商家逾期未举证（电子商务法第六十二条）" : "审查决定",
                ]
            } ?? [String: Any](),
            "hasRuling": c.ruling != nil,
            "external": c.externalComplaints.map { x -> [String: Any] in
                ["channel": x.channel.labelZh, "reference": x.reference, "filedOn": x.filedOn.description, "status": x.status.labelZh]
            },
            "freezes": c.freezes.map { f -> [String: Any] in
                [
                    "target": f.target == .order ? "订单" : "账户", "reference": f.reference, "reason": f.reason, "frozenAt": time(f.frozenAt),
                    "releasedAt": f.releasedAt.map { time($0) } ?? "未解除",
                ]
            },
            "category": category.map { "\($0.labelZh)（\($0.code)）" } ?? c.categoryCode,
            "orderNumber": c.order.orderNumber,
            "productKind": c.order.productKind.labelZh,
            "amountPaid": Yuan.format(c.order.amountPaidFen),
            "paidAt": time(c.order.paidAt),
            "occurredAt": time(c.occurredAt),
            "narrative": c.narrative,
            "remedy": c.remedy.kind.labelZh + (c.remedy.text.map { "：\($0)" } ?? ""),
            "amountClaimed": Yuan.format(c.amountClaimedFen),
            "createdAt": time(c.createdAt),
            "status": c.status.labelZh,
            "tier": c.tier.labelZh,
            "rejectionReason": c.rejectionReason?.labelZh ?? "",
            "firstRespondedAt": time(c.firstRespondedAt),
            "resolvedAt": time(c.resolvedAt),
            "closedAt": time(c.closedAt),
            "deadlines": c.deadlines.map { d -> [String: Any] in
                let (outcome, cls): (String, String) =
                    if let met = d.metAt {
                        d.breachedAt != nil ? ("逾期后完成（\(time(met))）", "missed") : ("按时完成（\(time(met))）", "met")
                    } else if d.supersededAt != nil {
                        Labels.superseded(d, caseTier: c.tier)
                    } else if d.breachedAt != nil {
                        ("已超时，尚未完成", "missed")
                    } else if d.isPaused {
                        ("暂停（等待会员补充）", "")
                    } else {
                        ("进行中", "")
                    }
                return [
                    "kind": d.kind.labelZh, "tier": Labels.owes(d), "startedAt": time(d.startedAt), "dueAt": time(d.dueAt),
                    "outcome": outcome, "outcomeClass": cls,
                ]
            },
            "events": shown.map { e -> [String: Any] in
                [
                    "sequence": e.sequence, "time": time(e.occurredAt), "actor": Labels.role(e.actor.role), "kind": e.kind.labelZh,
                    "detail": Labels.detail(e.payload), "internal": e.visibility == .internal,
                ]
            },
            "withheld": audience == .member ? events.count - shown.count : 0,
            "files": files.map { f -> [String: Any] in
                [
                    "fileName": f.isNameErased ? "（文件名已按会员的删除请求销毁，文件未附）" : f.fileName, "mediaType": f.mediaType.rawValue, "size": "\(f.sizeBytes) 字节",
                    "uploadedBy": Labels.role(f.uploadedBy.role),
                    "uploadedAt": time(f.uploadedAt), "path": f.isNameErased ? "" : "evidence/\(f.sha256).\(f.mediaType.fileExtension)",
                ]
            },
            "treeSize": head.treeSize,
            "rootHash": head.rootHash,
            "headTime": time(Date(millisecondsSince1970: head.timestampMs)),
            "keyId": head.keyId,
        ]
        // Mustache renders a section for any value present, so absent facts are left out rather than empty.
        let present = model.filter { entry in
            if let s = entry.value as? String { return !s.isEmpty }
            if let n = entry.value as? Int { return n != 0 || entry.key == "treeSize" }
            return true
        }
        return summaryTemplate?.render(present) ?? "<!DOCTYPE html><meta charset=utf-8><p>案件 \(c.caseNumber)</p>"
    }

    static func readme(caseNumber: String, audience: Audience) -> String {
        let scope =
            audience == .court
            ? "这是管理员导出的完整版本，包含平台内部备注。\nThis is an administrator's full export: it includes the platform's internal notes.\n"
            : "这是投诉人版本：平台内部备注不在其中，但它们的哈希保留在 manifest.json 中，事件链因此仍可完整核验。\nThis is the member's copy: internal notes are left out, but their hashes remain in manifest.json so the chain still verifies.\n"
        return """
            Redress 维权台 — 投诉案件档案 / Complaint dossier \(caseNumber)
            \(scope)
            【如何核验】
            1. 无需联网，也无需信任平台：运行
                 redress verify-dossier 本文件.zip
               若您另外从平台 GET /api/v1/ledger/key 或其他渠道取得了公钥，可加 --key 公钥文件 以该公钥为准。
            2. 核验内容：每份证据文件的 SHA-256；本案事件链（每条事件的哈希及其与前一条的链接）；每条记录与文件
               在全局日志（RFC 9162 Merkle 树）中的包含证明；签名树头的 Ed25519 签名。
            3. 任何一项不符，工具会指出是哪一个文件或哪一条事件、应为何值、实际为何值，并以非零状态退出。

            [How to verify]
            1. Offline, without trusting the platform:
                 redress verify-dossier THIS-FILE.zip [--key KEY]
               --key takes the log's public key (PEM, hex, base64 or the JSON of GET /api/v1/ledger/key) obtained
               independently; without it the key shipped in ledger/public-key.pem is used.
            2. It checks: every evidence file's SHA-256; the case's event chain; the inclusion of every event and
               file in the global log (RFC 9162 Merkle tree) under the signed tree head; the head's Ed25519 signature.
            3. On any mismatch it names the file or event, what was expected and what was found, and exits non-zero.

            [Contents]
              summary.html           printable summary in Chinese (not itself verified: it is a rendering)
              manifest.json          every event and file with its hashes and log leaf index
              events.jsonl           each included event's exact canonical JSON, one per line (SHA-256 = its hash)
              evidence/<sha256>.*    every evidence file, named by its SHA-256
              ledger/tree-head.json  the signed tree head (RFC 6962 TreeHeadSignature bytes, Ed25519)
              ledger/proofs.json     the audit path of every entry
              ledger/public-key.pem  the log's public key

            An independent check needs only SHA-256 and Ed25519: entry bytes are described in the Redress
            documentation (docs/LEDGER.md); leaf hash = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).

            """
    }
}

/// The record a dossier is built from is not whole: a log entry, a proof's node or a file's bytes is missing.
public struct DossierError: Error, Sendable, Equatable {
    public var detail: String

    static func logIncomplete(_ detail: String) -> DossierError { DossierError(detail: detail) }
}

/// The printable summary's words: the domain's label table, but for the parties, named as a third party reading
/// the record names them (the member is the complainant).
enum Labels {
    static func role(_ r: Role) -> String { r == .member ? "投诉人" : r.labelZh }

    static func outcome(_ o: RulingOutcome) -> String {
        switch o {
        case .forMember: "支持投诉人诉求"
        case .forRespondent: "不支持投诉人诉求"
        case .partial: "部分支持"
        }
    }

    /// Who owes a deadline: the merchant, the member, or the platform's tier.
    static func owes(_ d: CaseDeadline) -> String {
        switch d.kind.owner {
        case .merchant: "商家"
        case .member: "会员"
        case .platform: d.tier.labelZh
        }
    }

    /// What became of a deadline that stopped running before it was met: what its breach led to, or why it ended.
    static func superseded(_ d: CaseDeadline, caseTier: Tier) -> (String, String) {
        let missed = d.breachedAt != nil
        switch d.kind {
        case .merchantEvidence: return missed ? ("商家逾期未举证，按默认规则处理", "missed") : ("举证要求已撤回", "")
        case .memberConfirmation: return missed ? ("会员逾期未答复，视为接受方案", "missed") : ("方案已撤回", "")
        case .firstResponse, .escalationResponse, .resolution:
            let escalated = caseTier.rawValue != d.tier.rawValue
            if missed { return (escalated ? "已超时，随后升级" : "已超时，随后结案", "missed") }
            return (escalated ? "因升级而转交" : "随案件结束而终止", "")
        case .externalReply, .odrNegotiation: return missed ? ("已超时", "missed") : ("已结束", "")
        }
    }

    /// What a timeline event says, from its payload.
    static func detail(_ payload: [String: CanonicalValue]) -> String {
        if payload == TimelineEvent.erasedPayload { return "（内容已按会员的删除请求销毁，哈希保留）" }
        var parts: [String] = []
        if let b = payload["body"]?.stringValue { parts.append(b) }
        if let n = payload["note"]?.stringValue { parts.append(n) }
        if let r = payload["reason"]?.stringValue {
            // The system's own escalation stored its reason in both languages; the dossier reads in Chinese.
            let reason = payload["automatic"] == .bool(true) ? String(r.split(separator: " / ").first ?? Substring(r)) : r
            parts.append("理由：" + (RejectionReason(rawValue: r)?.labelZh ?? reason))
        }
        if let from = payload["from"]?.stringValue, let to = payload["to"]?.stringValue {
            func name(_ v: String) -> String {
                ComplaintStatus(rawValue: v)?.labelZh ?? Tier(rawValue: v)?.labelZh ?? ExternalStatus(rawValue: v)?.labelZh ?? v
            }
            let f = name(from)
            let t = name(to)
            parts.append("\(f) → \(t)")
        }
        if let name = payload["fileName"]?.stringValue { parts.append("文件：\(name)") }
        if let sha = payload["sha256"]?.stringValue { parts.append("SHA-256 \(sha.prefix(16))…") }
        if let d = payload["deadline"]?.stringValue { parts.append("时限：" + (DeadlineKind(rawValue: d)?.labelZh ?? d)) }
        if payload["from"] == nil, let t = payload["tier"]?.stringValue, let tierValue = Tier(rawValue: t) {
            parts.append("处理层级：" + tierValue.labelZh)
        }
        if let assignee = payload["assigneeId"] {
            parts.append(assignee.stringValue.map { "指派给工作人员 \($0.prefix(8))…" } ?? "取消指派")
        }
        if payload["automatic"] == .bool(true) { parts.append("（系统自动）") }
        return parts.joined(separator: "；")
    }
}
