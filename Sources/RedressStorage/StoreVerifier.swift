import Foundation
import RedressDomain

/// Walks a whole store: every case's chain against its recorded head, and every evidence file's bytes against its SHA-256.
public struct StoreVerifier: Sendable {
    public struct Report: Sendable {
        public var cases = 0
        public var events = 0
        public var files = 0
        /// A sentence naming the first thing that did not verify, or nil.
        public var firstFailure: String?
    }

    let store: any RedressStore

    public init(store: any RedressStore) { self.store = store }

    public func verifyAll() async throws -> Report {
        var report = Report()
        var after: String?
        while true {
            let ids = try await store.complaintIds(after: after, limit: 500)
            if ids.isEmpty { return report }
            for id in ids {
                guard let c = try await store.complaint(id: id) else { continue }
                let events = try await store.timeline(complaintId: id)
                let chain = EventChain.verify(complaintId: id, events: events, head: (c.eventCount, c.headHash))
                report.cases += 1
                report.events += events.count
                if let b = chain.firstBreak {
                    report.firstFailure =
                        "case \(c.caseNumber) (\(id)): event at position \(b.position)\(b.foundSequence.map { " (sequence \($0))" } ?? ""): \(b.reason); expected \(b.expected), found \(b.found)"
                    return report
                }
                let recorded = Set(events.filter { $0.kind == .evidenceAdded }.compactMap { $0.payload["sha256"]?.stringValue })
                for file in try await store.evidence(complaintId: id) {
                    report.files += 1
                    guard let (_, bytes) = try await store.evidenceContent(complaintId: id, sha256: file.sha256) else {
                        report.firstFailure = "case \(c.caseNumber): evidence file \(file.sha256) is missing its bytes"
                        return report
                    }
                    let actual = sha256Hex(bytes)
                    if actual != file.sha256 {
                        report.firstFailure = "case \(c.caseNumber): evidence file \(file.fileName): expected SHA-256 \(file.sha256), found \(actual)"
                        return report
                    }
                    if !recorded.contains(file.sha256) {
                        report.firstFailure = "case \(c.caseNumber): evidence file \(file.sha256) has no evidence_added event in the chain"
                        return report
                    }
                }
            }
            after = ids.last
        }
    }
}
