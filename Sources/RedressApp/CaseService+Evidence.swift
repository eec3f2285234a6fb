import Foundation
import RedressDomain
import RedressStorage

/// Evidence files: sniffed, checked against the policy's limits and quotas, scanned for malware, then stored and sealed.
extension CaseService {
    /// An evidence file added to a case.
    package struct AddedEvidence: Sendable {
        package var complaint: Complaint
        package var file: EvidenceFile
        package var events: [TimelineEvent]
        package var alreadyPresent: Bool
    }

    /// The policy's limit on one evidence file.
    package func evidenceLimit() async throws -> Int { try await workflow().policy.evidence.maxFileBytes }

    /// Adds a file to a case: its type sniffed from its bytes, its size checked, its SHA-256 recorded in the chain and the log.
    /// A message kept whole from the mail gateway is `declared` as mail and limited by the gateway's size limit instead.
    package func addEvidence(
        to id: String, bytes: [UInt8], fileName: String?, by caller: Identity, declared: EvidenceMediaType? = nil
    ) async throws -> AddedEvidence {
        let workflow = try await workflow()
        let now = app.now()
        let limit = declared == .message ? app.configuration.maxMailBytes : workflow.policy.evidence.maxFileBytes
        let file = try EvidenceFile.inspect(bytes: bytes, fileName: fileName, limit: limit, by: caller.actor, at: now, declared: declared)
        try await checkQuota(id, adding: file, by: caller, policy: workflow.policy.evidence)
        let quarantined = try await scan(bytes, file: file, case: id, by: caller, policy: workflow.policy.evidence)
        let (c, events, existed): (Complaint, [TimelineEvent], Bool)
        do {
            (c, events, existed) = try await store.addEvidence(complaintId: id, file: file, bytes: bytes) { current in
                try Self.authorize(current, caller)
                return try workflow.addEvidence(current, file: file, by: caller.actor, now: now)
            }
        } catch StoreError.notFound {
            throw AppError.complaintNotFound
        }
        if quarantined { try await store.recordScan(sha256: file.sha256, status: "quarantined", signature: nil, at: now) }
        app.logger.info("evidence added", metadata: ["case": "\(c.caseNumber)", "sha256": "\(file.sha256)", "bytes": "\(file.sizeBytes)"])
        return AddedEvidence(complaint: c, file: file, events: events, alreadyPresent: existed)
    }

    /// Scans an upload with clamd before it is stored (when a scanner is configured): an infected file is refused and
    /// the refusal logged and counted; a scanner that does not answer refuses the upload or lets it in quarantined, as
    /// the policy says (true: quarantined).
    func scan(_ bytes: [UInt8], file: EvidenceFile, case id: String, by caller: Identity, policy: EvidencePolicy) async throws -> Bool {
        guard let scanner = app.scanner else { return false }
        do {
            switch try await scanner.scan(bytes) {
            case .clean:
                try await store.recordScan(sha256: file.sha256, status: "clean", signature: nil, at: app.now())
                return false
            case .infected(let signature):
                app.metrics.infectedUploads.increment()
                app.logger.warning(
                    "upload refused: infected",
                    metadata: ["complaintId": "\(id)", "sha256": "\(file.sha256)", "signature": "\(signature)", "role": "\(caller.role.rawValue)"])
                throw AppError(
                    .unprocessableContent, "infected_file", zh: "文件未通过病毒扫描（\(signature)），未被接收",
                    en: "The file failed the virus scan (\(signature)) and was not accepted", field: "file")
            }
        } catch let down as VirusScanner.Unavailable {
            app.logger.error("virus scanner unavailable", metadata: ["detail": "\(down.description)"])
            guard policy.whenScannerDown == .quarantine else {
                var e = AppError(
                    .serviceUnavailable, "scanner_unavailable", zh: "病毒扫描暂不可用，请稍后再上传", en: "The virus scanner is unavailable; upload again later")
                e.retryAfterSeconds = 60
                throw e
            }
            app.metrics.quarantinedUploads.increment()
            return true
        }
    }

    /// The policy's quotas: files on one case, and bytes one member uploads over all their cases (so one member cannot
    /// fill the disk). Read before the write: uploads racing each other may pass the limit by the files in flight.
    func checkQuota(_ id: String, adding file: EvidenceFile, by caller: Identity, policy: EvidencePolicy) async throws {
        let usage = try await store.evidenceUsage(complaintId: id, uploaderId: caller.userId)
        let full = usage.filesOnCase >= policy.maxFilesPerCase
        let over = caller.role == .member && usage.bytesByUploader + Int64(file.sizeBytes) > Int64(policy.maxBytesPerMember)
        // A file already on the case is answered as present, whatever the quotas.
        guard full || over, !(try await store.evidence(complaintId: id).contains { $0.sha256 == file.sha256 }) else { return }
        if full {
            throw AppError(
                .unprocessableContent, "too_many_files", zh: "每件投诉最多 \(policy.maxFilesPerCase) 个证据文件，已达上限",
                en: "A case holds at most \(policy.maxFilesPerCase) evidence files; this one is full", field: "file")
        }
        if over {
            throw AppError(
                .unprocessableContent, "member_quota_exceeded",
                zh: "您上传的证据已达总量上限 \(policy.maxBytesPerMember / 1_048_576) MB，请联系客服",
                en: "Your uploads have reached their limit of \(policy.maxBytesPerMember / 1_048_576) MB in all; contact support", field: "file")
        }
    }
}
