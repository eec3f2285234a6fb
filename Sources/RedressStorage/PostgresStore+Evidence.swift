import Foundation
import NIOCore
import PostgresNIO
import RedressDomain

/// Evidence files on PostgreSQL (`CaseStore`): the bytes once per content, the case's record of each with its name
/// sealed under the member's key.
extension PostgresStore {
    // MARK: Evidence

    public func addEvidence(
        complaintId: String, file: EvidenceFile, bytes: [UInt8], change: @escaping @Sendable (Complaint) throws -> CaseChange
    ) async throws -> (Complaint, [TimelineEvent], alreadyPresent: Bool) {
        let blob = ByteBuffer(bytes: bytes)
        return try await retryingForKeys {
            try await writer.submit { [vault] w in
                guard let current = try await Self.complaint(w, vault, id: complaintId) else { throw StoreError.notFound }
                if !(try await w.rows("SELECT 1 FROM complaint_evidence WHERE complaint_id = \(complaintId) AND sha256 = \(file.sha256)").isEmpty) {
                    return (current, [], true)
                }
                try await w.write(
                    """
                    INSERT INTO evidence_blobs(sha256, size_bytes, media_type, bytes, created_at_ms)
                    VALUES (\(file.sha256), \(file.sizeBytes), \(file.mediaType.rawValue), \(blob), \(Codec.ms(file.uploadedAt))) ON CONFLICT DO NOTHING
                    """)
                let p = try PreparedUpdate.make(try change(current), to: current, vault)
                try await w.write(
                    """
                    INSERT INTO complaint_evidence(complaint_id, sha256, file_name, uploaded_by_id, uploaded_by_role, uploaded_at_ms, event_sequence)
                    VALUES (\(complaintId), \(file.sha256), \(try vault.seal(file.fileName, owner: current.memberId)), \(file.uploadedBy.id), \(file.uploadedBy.role.rawValue),
                            \(Codec.ms(file.uploadedAt)), \(p.events.first?.sequence))
                    """)
                let entry = LedgerAppend(
                    complaintId: complaintId, kind: "evidence_file", sequence: 0, sha256: file.sha256,
                    leafHash: MerkleTree.leafHash(LedgerEntry.evidenceFile(complaintId: complaintId, file)))
                guard try await Self.write(w, p, vault, extra: [entry]) else { throw StoreError.unavailable("the case changed during the update") }
                return (p.complaint, p.events, false)
            }
        }
    }

    static let evidenceColumns =
        "e.sha256, b.size_bytes, b.media_type, e.file_name, e.uploaded_by_id, e.uploaded_by_role, e.uploaded_at_ms"

    static func evidenceFile(_ row: PostgresRow) throws -> EvidenceFile {
        let cells = row.makeRandomAccess()
        let sha = try cells["sha256"].decode(String.self)
        let size = try cells["size_bytes"].decode(Int.self)
        let mediaType = try cells["media_type"].decode(String.self)
        let name = try cells["file_name"].decode(String.self)
        let byId = try cells["uploaded_by_id"].decode(String?.self)
        let byRole = try cells["uploaded_by_role"].decode(String.self)
        let at = try cells["uploaded_at_ms"].decode(Int64.self)
        guard let type = EvidenceMediaType(rawValue: mediaType), let role = Role(rawValue: byRole) else {
            throw StoreError.unavailable("unreadable evidence row")
        }
        return EvidenceFile(
            sha256: sha, sizeBytes: size, mediaType: type, fileName: name, uploadedBy: CaseActor(id: byId, role: role), uploadedAt: Codec.date(at))
    }

    public func evidence(complaintId: String) async throws -> [EvidenceFile] {
        let files = try await rows(
            """
            SELECT \(unescaped: Self.evidenceColumns) FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
            WHERE e.complaint_id = \(complaintId) ORDER BY e.uploaded_at_ms, e.sha256
            """
        ).map(Self.evidenceFile)
        return try await Self.openFiles(files, vault, pooled)
    }

    public func evidenceContent(complaintId: String, sha256: String) async throws -> (EvidenceFile, [UInt8])? {
        guard
            let row = try await rows(
                """
                SELECT \(unescaped: Self.evidenceColumns), b.bytes FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
                WHERE e.complaint_id = \(complaintId) AND e.sha256 = \(sha256)
                """
            ).first
        else { return nil }
        let bytes = try row.makeRandomAccess()["bytes"].decode(ByteBuffer.self)
        return (try await Self.openFiles([try Self.evidenceFile(row)], vault, pooled)[0], Array(bytes.readableBytesView))

    }
}
