import Foundation
import Logging

/// The server's log lines on standard output, as swift-log's `StreamLogHandler` writes them
/// (`2026-12-08T02:17:49+0000 warning redress.store: key=value [Source] message`), with the metadata formatted when a
/// line is written rather than each time it changes: the stream handler formats it again on every change, and every
/// request changes it twice (its id, then its user) whether a line is written or not.
struct LogLines: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        if let error = event.error {
            all["error.message"] = "\(error)"
            all["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let pretty = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        Self.write("\(Self.timestamp()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty) [\(event.source)] \(event.message)\n")
    }

    /// One line, one write (no buffer to flush: a service's log shows it at once, and lines do not interleave).
    static func write(_ line: String) {
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [Int8](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Installs this handler for the process, before the first logger is made.
    static func bootstrap() {
        LoggingSystem.bootstrap { label in LogLines(label: label) }
    }
}
