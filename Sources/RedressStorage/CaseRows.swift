import Foundation
import RedressDomain

// Cases sealed and encoded before the write, for every engine: the domain change, sealing, hashing and
// encoding run on the caller's task, and the writer only runs the statements.

/// A new case.
struct PreparedCase: Sendable {
    var complaint: Complaint
    var events: [TimelineEvent]
    var body: String
    /// The events' log leaf hashes, computed before the write.
    var leafHashes: [MerkleTree.Hash]
    /// The events' payload texts and the notices' rows, encoded before the write.
    var payloads: [String]
    var notices: [NoticeRow]
    /// What the case adds to the maintained aggregates (`CaseFigures`).
    var figures: [CaseFigures.FigureKey: [Int64]]
    /// What the case puts in the search index.
    var search: [SearchText.Piece]
}

/// A notice as its row holds it.
struct NoticeRow: Sendable {
    var topic: String
    var sequence: Int
    var body: String
    var createdAtMs: Int64
    init(_ n: Notice) {
        topic = n.topic.rawValue
        sequence = n.eventSequence
        body = String(decoding: n.storageBytes, as: UTF8.self)
        createdAtMs = Codec.ms(n.createdAt)
    }
}

extension PreparedCase {
    /// `vault` holds the member's live data key (`liveKeys`): the body and the events' payloads are sealed under it.
    static func make(_ change: CaseChange, _ vault: PersonalDataVault) throws -> PreparedCase {
        var c = change.complaint
        let payloads = change.events.map { CanonicalValue.object($0.payload).canonicalBytes }
        let events = TimelineEvent.seal(change.events, complaintId: c.id, after: nil, payloadBytes: payloads)
        c.eventCount = events.count
        c.headHash = events.last?.hash ?? TimelineEvent.genesisHash
        return PreparedCase(
            complaint: c, events: events, body: try vault.seal(Codec.string(c), owner: c.memberId),
            leafHashes: events.map { MerkleTree.leafHash(LedgerEntry.event($0)) },
            payloads: try payloads.map { try vault.seal(String(decoding: $0, as: UTF8.self), owner: c.memberId) },
            notices: Notice.plan(c, events: events).map(NoticeRow.init),
            figures: CaseFigures.delta(before: nil, after: c), search: SearchText.pieces(c, events: events))
    }
}

/// A change to an existing case, sealed and encoded, ready for the writer.
struct PreparedUpdate: Sendable {
    var complaint: Complaint
    var events: [TimelineEvent]
    var body: String
    var leafHashes: [MerkleTree.Hash]
    var notices: [NoticeRow]
    var payloads: [String]
    /// The indexed columns as they were read.
    var previous: IndexedColumns
    /// The event count the stored case must still have.
    var expectedCount: Int
    /// What the change adds to the maintained aggregates: the case's contribution after, less before.
    var figures: [CaseFigures.FigureKey: [Int64]]
    /// What the new events add to the search index.
    var search: [SearchText.Piece]
    /// The respondent changed: the case is indexed again under its new merchant tag.
    var reindex: Bool
    /// The case as it was, when it is indexed again: its passages under the old tags are deleted first.
    var before: Complaint?
}

extension PreparedUpdate {
    static func make(_ change: CaseChange, to current: Complaint, _ vault: PersonalDataVault) throws -> PreparedUpdate {
        var c = change.complaint
        // Each payload is encoded once: hashed within its event and stored as it is.
        let payloads = change.events.map { CanonicalValue.object($0.payload).canonicalBytes }
        let events = TimelineEvent.seal(change.events, complaintId: c.id, after: (current.eventCount, current.headHash), payloadBytes: payloads)
        c.eventCount = current.eventCount + events.count
        c.headHash = events.last?.hash ?? current.headHash
        let notices = Notice.plan(c, events: events).map(NoticeRow.init)
        return PreparedUpdate(
            complaint: c, events: events, body: try vault.seal(Codec.string(c), owner: c.memberId),
            leafHashes: events.map { MerkleTree.leafHash(LedgerEntry.event($0)) }, notices: notices,
            payloads: try payloads.map { try vault.seal(String(decoding: $0, as: UTF8.self), owner: c.memberId) }, previous: IndexedColumns(current),
            expectedCount: current.eventCount,
            figures: CaseFigures.delta(before: current, after: c), search: SearchText.pieces(c, events: events),
            reindex: c.respondentMerchantId != current.respondentMerchantId,
            before: c.respondentMerchantId != current.respondentMerchantId ? current : nil)
    }
}

/// The columns of a case's row that indexes cover, to tell which a change touches.
struct IndexedColumns: Sendable {
    var status: ComplaintStatus
    var tier: Tier
    var queue: Queue
    var assigneeId: String?
    var amountAtStakeFen: Int64
    var nextDueAt: Date?
    var respondentMerchantId: String?
    var reviewerIds: [String]
    init(_ c: Complaint) {
        status = c.status
        tier = c.tier
        queue = c.queue
        assigneeId = c.assigneeId
        amountAtStakeFen = c.amountAtStakeFen
        nextDueAt = c.nextDueAt
        respondentMerchantId = c.respondentMerchantId
        reviewerIds = c.reviewerIds
    }
}

extension Complaint {
    /// The `reviewers` column: ",id1,id2," of the external reviewers given the case, found with a substring match.
    var reviewersColumn: String { reviewerIds.isEmpty ? "" : "," + reviewerIds.joined(separator: ",") + "," }
}

/// Which external reviewers each case is given to, one row each, so that a reviewer's list reads their rows instead of
/// every case's `reviewers` column. Kept by every write that changes a case's reviewers.
enum ReviewerRows {
    static let createTable = """
        CREATE TABLE complaint_reviewers(
          reviewer_id TEXT NOT NULL,
          complaint_id TEXT NOT NULL,
          PRIMARY KEY (reviewer_id, complaint_id)
        )
        """

    /// The clauses that bring a case's rows to its reviewers on PostgreSQL, written only if `condition` holds.
    static func postgresClauses(_ b: inout SQLBuilder, _ c: Complaint, previous: [String], condition: String) -> [String] {
        guard c.reviewerIds != previous else { return [] }
        let id = b.bind(c.id), current = b.bind(c.reviewerIds)
        return [
            "rd AS (DELETE FROM complaint_reviewers WHERE complaint_id = \(id) AND reviewer_id <> ALL(\(current)) AND \(condition))",
            """
            ri AS (INSERT INTO complaint_reviewers(reviewer_id, complaint_id) SELECT r, \(id) FROM unnest(\(current)) AS t(r) WHERE \(condition)
              ON CONFLICT DO NOTHING)
            """,
        ]
    }

    /// The rows of the cases stored before the table, from their `reviewers` column.
    static func rows(_ column: String) -> [String] { column.split(separator: ",").map(String.init) }
}
