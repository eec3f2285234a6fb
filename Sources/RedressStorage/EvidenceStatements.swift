import Foundation

/// What the evidence quotas read: files on a case, bytes one uploader has stored (read through an index on the uploader).
enum EvidenceUsage {
    static let uploaderIndex = "CREATE INDEX complaint_evidence_by_uploader ON complaint_evidence(uploaded_by_id)"
    static let filesOnCase = "SELECT count(*) FROM complaint_evidence WHERE complaint_id = $1"
    static let bytesByUploader = """
        SELECT CAST(COALESCE(SUM(b.size_bytes), 0) AS BIGINT) FROM complaint_evidence e JOIN evidence_blobs b ON b.sha256 = e.sha256
        WHERE e.uploaded_by_id = $1
        """
}

/// What the virus scanner said of each stored file (by its SHA-256): `clean`, `infected` (with the signature) or
/// `quarantined` (stored while the scanner did not answer, served to no one until a rescan). A file without a row
/// was stored before scanning began, or with no scanner configured.
enum EvidenceScans {
    static let createTable = """
        CREATE TABLE evidence_scans (
          sha256 TEXT PRIMARY KEY,
          status TEXT NOT NULL CHECK (status IN ('clean', 'infected', 'quarantined')),
          signature TEXT,
          scanned_at_ms BIGINT NOT NULL
        )
        """
    static let record = """
        INSERT INTO evidence_scans (sha256, status, signature, scanned_at_ms) VALUES ($1, $2, $3, $4)
        ON CONFLICT (sha256) DO UPDATE SET status = excluded.status, signature = excluded.signature, scanned_at_ms = excluded.scanned_at_ms
        """
    static let read = "SELECT status, signature FROM evidence_scans WHERE sha256 = $1"
    /// Parameters: after (a SHA-256, "" to start), limit.
    static let page = "SELECT sha256 FROM evidence_blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT $2"
    static let bytes = "SELECT bytes FROM evidence_blobs WHERE sha256 = $1"
}
