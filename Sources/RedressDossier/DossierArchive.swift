import Foundation
import RedressDomain
import ZIPFoundation

/// A dossier as a ZIP archive (ZIPFoundation): written to a file entry by entry, or in memory for small ones.
public enum DossierArchive {
    public struct Item: Sendable {
        public var path: String
        public var bytes: [UInt8]
        /// Deflate text; store files that are compressed already (images, PDFs) as they are.
        public var compress: Bool
        public init(path: String, bytes: [UInt8], compress: Bool) {
            self.path = path
            self.bytes = bytes
            self.compress = compress
        }
    }

    /// An archive written to a file entry by entry, so that a dossier with many large files never holds more than one
    /// of them in memory.
    public final class FileWriter {
        let archive: Archive
        let modified: Date

        public init(url: URL, modified: Date) throws {
            archive = try Archive(url: url, accessMode: .create)
            self.modified = modified
        }

        public func add(_ item: Item) throws {
            let bytes = Data(item.bytes)
            try archive.addEntry(
                with: item.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified, permissions: 0o644,
                compressionMethod: item.compress ? .deflate : .none
            ) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    /// The archive's bytes.
    public static func write(_ items: [Item], modified: Date) throws -> Data {
        let archive = try Archive(data: Data(), accessMode: .create)
        for item in items {
            let bytes = Data(item.bytes)
            try archive.addEntry(
                with: item.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified, permissions: 0o644,
                compressionMethod: item.compress ? .deflate : .none
            ) { position, size in
                bytes.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw DossierFailure("the archive could not be written") }
        return data
    }

    /// Every file in the archive by path. Fails on a file that is not a ZIP, is truncated, or holds a damaged or repeated entry.
    public static func read(_ data: Data) throws(DossierFailure) -> [String: [UInt8]] {
        guard !data.isEmpty else { throw DossierFailure("the file is empty") }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw DossierFailure("the file is not a ZIP archive, or it is truncated or corrupt (no readable central directory)")
        }
        var files: [String: [UInt8]] = [:]
        for entry in archive where entry.type == .file {
            if files[entry.path] != nil { throw DossierFailure("the archive holds two entries named \(entry.path)") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(Int(clamping: entry.uncompressedSize))
            do {
                let crc = try archive.extract(entry) { chunk in bytes.append(contentsOf: chunk) }
                guard crc == entry.checksum else { throw DossierFailure("the archive entry \(entry.path) is damaged (its CRC-32 does not match)") }
            } catch let f as DossierFailure {
                throw f
            } catch {
                throw DossierFailure("the archive entry \(entry.path) is damaged or truncated (\(error))")
            }
            files[entry.path] = bytes
        }
        return files
    }

    /// Reads and verifies a dossier archive.
    public static func verify(zip data: Data, trustedKey: [UInt8]?) -> Result<DossierReport, DossierFailure> {
        do throws(DossierFailure) {
            return DossierVerifier.verify(files: try read(data), trustedKey: trustedKey)
        } catch {
            return .failure(error)
        }
    }
}
