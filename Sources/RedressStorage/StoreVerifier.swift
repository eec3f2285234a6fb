import Foundation
import RedressDomain

/// Walks a whole store: every case's chain against its recorded head, every evidence file's bytes against
/// its SHA-256, every event and file against its evidence-log entry, the stored tree against its leaves,
/// and every signed head against its key and the tree.
public struct StoreVerifier: Sendable {
    public struct Report: Sendable {
        public var cases = 0
        public var events = 0
        public var files = 0
        public var logEntries = 0
        public var signedHeads = 0
        /// A sentence naming the first thing that did not verify, or nil.
        public var firstFailure: String?
    }

    let store: any RedressStore
    /// Told the number of cases checked so far, after each page.
    let progress: (@Sendable (Int) -> Void)?

    public init(store: any RedressStore, progress: (@Sendable (Int) -> Void)? = nil) {
        self.store = store
        self.progress = progress
    }

    public func verifyAll() async throws -> Report {
        var report = Report()
        if let failure = try await verifyCases(&report) {
            report.firstFailure = failure
            return report
        }
        let tree = try await LedgerAudit.checkTree(store: store)
        report.logEntries = tree.leaves
        if let failure = tree.failure {
            report.firstFailure = failure
            return report
        }
        if tree.leaves != report.events + report.files {
            report.firstFailure =
                "evidence log: \(tree.leaves) entries, but the store holds \(report.events) events and \(report.files) evidence files (\(tree.leaves - report.events - report.files) entries record nothing the store holds)"
            return report
        }
        let keys = try await store.ledgerKeys()
        var from = 0
        while true {
            let heads = try await store.treeHeads(from: from, limit: 500)
            for head in heads {
                if let failure = try await LedgerAudit.checkHead(head, keys: keys, store: store) {
                    report.firstFailure = failure
                    return report
                }
                report.signedHeads += 1
            }
            guard let last = heads.last, heads.count == 500 else { break }
            from = last.treeSize + 1
        }
        return report
    }

    /// Cases are read in id order, a page of 500 at a time, and each page checked by as many workers as the machine
    /// has cores; the first failure reported is the first in id order, as a one-by-one walk would find it.
    private func verifyCases(_ report: inout Report) async throws -> String? {
        var after: String?
        let workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        while true {
            let ids = try await store.complaintIds(after: after, limit: 500)
            if ids.isEmpty { return nil }
            var checks = [(events: Int, files: Int, failure: String?)?](repeating: nil, count: ids.count)
            try await withThrowingTaskGroup(of: (Int, (events: Int, files: Int, failure: String?)?).self) { group in
                var next = 0
                func add() {
                    let i = next
                    next += 1
                    group.addTask {
                        do {
                            guard let c = try await store.complaint(id: ids[i]) else { return (i, nil) }
                            let check = try await checkCase(c)
                            return (i, (check.events.count, check.files.count, check.firstFailure))
                        } catch let e as StoreError {
                            // A sealed value that does not open (altered, or moved from another row) is a finding.
                            return (i, (0, 0, "case \(ids[i]): \(e)"))
                        }
                    }
                }
                while next < min(workers, ids.count) { add() }
                for try await (i, result) in group {
                    checks[i] = result
                    if next < ids.count { add() }
                }
            }
            for check in checks {
                guard let check else { continue }
                report.cases += 1
                report.events += check.events
                report.files += check.files
                if let failure = check.failure { return failure }
            }
            progress?(report.cases)
            after = ids.last
        }
    }
}

extension StoreVerifier {
    /// What one case's check found.
    public struct CaseCheck: Sendable {
        public var events: [TimelineEvent]
        public var files: [EvidenceFile]
        public var records: [LedgerRecord]
        /// Where the hash chain breaks, if it does.
        public var chainBreak: ChainBreak?
        /// The first evidence file or log entry that does not verify, in a sentence naming the case.
        public var ledgerFailure: String?
        /// The signed head the case's entries were checked under, when one was asked for.
        public var head: SignedTreeHead?

        /// The first thing that does not verify, chain first.
        public var firstFailure: String? {
            if let b = chainBreak {
                return
                    "case \(caseNumber) (\(complaintId)): event at position \(b.position)\(b.foundSequence.map { " (sequence \($0))" } ?? ""): \(b.reason); expected \(b.expected), found \(b.found)"
            }
            return ledgerFailure
        }
        var caseNumber: String
        var complaintId: String
    }

    /// Checks one case, the one routine for `redress verify` and a case's verify endpoint: its chain against its
    /// recorded head, every evidence file's bytes against its SHA-256 and its `evidence_added` event, every event and
    /// file against its log entry, and, given a signed head, each entry's inclusion under it.
    ///
    /// `headCovering`, when given, returns a signed head covering at least the given number of entries: the case's
    /// entries are then checked under the head covering its last one (within the committed log), which `head` holds.
    public func checkCase(
        _ c: Complaint, headCovering: (@Sendable (Int) async throws -> SignedTreeHead)? = nil
    ) async throws -> CaseCheck {
        let (events, files, records) = try await store.caseRecords(complaintId: c.id)
        let chain = EventChain.verify(complaintId: c.id, events: events, head: (c.eventCount, c.headHash))
        var logSize: Int?
        var head: SignedTreeHead?
        if let headCovering {
            let size = try await store.ledgerState().size
            logSize = size
            head = try await headCovering(min(size, (records.map(\.leafIndex).max() ?? -1) + 1))
        }
        var check = CaseCheck(
            events: events, files: files, records: records, chainBreak: chain.firstBreak, ledgerFailure: nil, head: head,
            caseNumber: c.caseNumber, complaintId: c.id)
        let recorded = Set(events.filter { $0.kind == .evidenceAdded }.compactMap { $0.payload["sha256"]?.stringValue })
        for file in files {
            guard let (_, bytes) = try await store.evidenceContent(complaintId: c.id, sha256: file.sha256) else {
                check.ledgerFailure = "case \(c.caseNumber): evidence file \(file.fileName) (\(file.sha256)) is missing its bytes"
                return check
            }
            let actual = sha256Hex(bytes)
            if actual != file.sha256 {
                check.ledgerFailure = "case \(c.caseNumber): evidence file \(file.fileName): expected SHA-256 \(file.sha256), found \(actual)"
                return check
            }
            if !recorded.contains(file.sha256) && !(file.isNameErased && events.contains { $0.kind == .evidenceAdded && $0.isContentErased }) {
                check.ledgerFailure = "case \(c.caseNumber): evidence file \(file.sha256) has no evidence_added event in the chain"
                return check
            }
        }
        if let head, let failure = try await LedgerAudit.checkHead(head, keys: try await store.ledgerKeys(), store: store) {
            check.ledgerFailure = failure
            return check
        }
        check.ledgerFailure = try await LedgerAudit.checkCase(
            caseNumber: c.caseNumber, complaintId: c.id, events: events, files: files, records: records, head: head,
            store: head == nil ? nil : store, logSize: logSize)
        return check
    }
}
