import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A file made for one download (a dossier, a member's copy of their data): sent in 64 KiB pieces, never whole in
/// memory, and removed once sent or once the client goes away.
package enum FileDownload {
    package static func response(_ url: URL, contentType: String, fileName: String) -> Response {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
        return Response(
            status: .ok,
            headers: [
                .contentType: contentType, .contentDisposition: "attachment; filename=\"\(fileName)\"", .cacheControl: "private, no-store",
                .contentLength: String(size),
            ],
            body: ResponseBody { writer in
                defer { try? FileManager.default.removeItem(at: url) }
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                while let chunk = try handle.read(upToCount: 65_536), !chunk.isEmpty { try await writer.write(ByteBuffer(data: chunk)) }
                try await writer.finish(nil)
            })
    }
}
