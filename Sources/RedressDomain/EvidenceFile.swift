import Foundation

/// The file types accepted as evidence, recognised from their bytes (never from the name or the client's word).
public enum EvidenceMediaType: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case webp = "image/webp"
    case pdf = "application/pdf"
    case text = "text/plain"
    /// A message as it arrived by e-mail, kept whole (never sniffed from an upload: only the mail gateway adds one).
    case message = "message/rfc822"

    /// Sniffs the type from the first bytes; nil when the file is none of the accepted types.
    public static func sniff(_ bytes: some Collection<UInt8>) -> EvidenceMediaType? {
        let head = Array(bytes.prefix(16))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) { return .webp }
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if !bytes.isEmpty, isPlainText(bytes) { return .text }
        return nil
    }

    /// Valid UTF-8 (a BOM allowed) with no control characters other than tab, line feed, carriage return and form feed.
    static func isPlainText(_ bytes: some Collection<UInt8>) -> Bool {
        for b in bytes where b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { return false }
        if bytes.contains(0x7F) { return false }
        return String(validating: Array(bytes), as: UTF8.self) != nil
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        case .pdf: "pdf"
        case .text: "txt"
        case .message: "eml"
        }
    }
}

/// A stored evidence file's record: content-addressed by SHA-256.
public struct EvidenceFile: Sendable, Codable, Equatable {
    public var sha256: String
    public var sizeBytes: Int
    public var mediaType: EvidenceMediaType
    public var fileName: String
    public var uploadedBy: CaseActor
    public var uploadedAt: Date

    public init(sha256: String, sizeBytes: Int, mediaType: EvidenceMediaType, fileName: String, uploadedBy: CaseActor, uploadedAt: Date) {
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.mediaType = mediaType
        self.fileName = fileName
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }

    /// Checks and describes uploaded bytes. The name is cleaned to a safe display name.
    public static func inspect(
        bytes: [UInt8], fileName: String?, limit: Int, by actor: CaseActor, at now: Date, declared: EvidenceMediaType? = nil
    ) throws(DomainError) -> EvidenceFile {
        guard !bytes.isEmpty else { throw .invalidField(field: "file", code: "empty_file", zh: "文件为空", en: "The file is empty") }
        guard bytes.count <= limit else { throw .evidenceTooLarge(limitBytes: limit) }
        guard let type = declared ?? EvidenceMediaType.sniff(bytes) else { throw .unsupportedEvidenceType }
        let hash = sha256Hex(bytes)
        let cleaned =
            (fileName ?? "")
            .split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)?
            .filter { c in
                // Controls, and format characters: the bidi overrides (evil\u{202E}gnp.exe shows as evilexe.png), zero-width
                // spaces and joiners, which make one name look like another.
                !c.isNewline && c != "\0"
                    && !c.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
            } ?? ""
        let name = cleaned.isEmpty ? "\(hash.prefix(12)).\(type.fileExtension)" : String(cleaned.prefix(255))
        return EvidenceFile(sha256: hash, sizeBytes: bytes.count, mediaType: type, fileName: name, uploadedBy: actor, uploadedAt: now)
    }

}
