import Crypto
import Foundation

/// What happened on a case.
public enum EventKind: String, Sendable, Codable, CaseIterable {
    case submitted
    case routed
    case publicMessage = "public_message"
    case internalNote = "internal_note"
    case statusChanged = "status_changed"
    case assigned
    case escalated
    case evidenceAdded = "evidence_added"
    case deadlineBreached = "deadline_breached"
    case automaticAction = "automatic_action"
    case respondentChanged = "respondent_changed"
    case recordsRequested = "records_requested"
    case recordsSubmitted = "records_submitted"
    case recordsDefaulted = "records_defaulted"
    case remedyOffered = "remedy_offered"
    case rulingProposed = "ruling_proposed"
    case ruled
    case frozen
    case freezeReleased = "freeze_released"
    case externalComplaintRecorded = "external_complaint_recorded"
    case externalComplaintUpdated = "external_complaint_updated"
    case rated
    case reviewerAssigned = "reviewer_assigned"
    case deadlineApproaching = "deadline_approaching"
}

public enum Visibility: String, Sendable, Codable, CaseIterable {
    /// Seen by the member and staff.
    case `public`
    /// Staff only; never reaches a member.
    case `internal`
}

/// An event before it is sealed into the chain.
public struct EventDraft: Sendable, Equatable {
    public var kind: EventKind
    public var actor: CaseActor
    public var visibility: Visibility
    public var occurredAt: Date
    public var payload: [String: CanonicalValue]

    public init(kind: EventKind, actor: CaseActor, visibility: Visibility = .public, occurredAt: Date, payload: [String: CanonicalValue] = [:]) {
        self.kind = kind
        self.actor = actor
        self.visibility = visibility
        self.occurredAt = occurredAt
        self.payload = payload
    }
}

/// One event in a case's timeline: appended, never changed, hash-chained to the one before.
public struct TimelineEvent: Sendable, Codable, Equatable {
    public var complaintId: String
    /// 1, 2, 3, … within the case.
    public var sequence: Int
    public var kind: EventKind
    public var actor: CaseActor
    public var visibility: Visibility
    /// Milliseconds since 1970-01-01T00:00:00Z (integers hash reproducibly; floating seconds do not).
    public var occurredAtMs: Int64
    public var payload: [String: CanonicalValue]
    /// Hex SHA-256 of the previous event, or 64 zeros for the first.
    public var previousHash: String
    /// Hex SHA-256 of `canonicalBytes`.
    public var hash: String

    public init(
        complaintId: String, sequence: Int, kind: EventKind, actor: CaseActor, visibility: Visibility, occurredAtMs: Int64,
        payload: [String: CanonicalValue], previousHash: String, hash: String
    ) {
        self.complaintId = complaintId
        self.sequence = sequence
        self.kind = kind
        self.actor = actor
        self.visibility = visibility
        self.occurredAtMs = occurredAtMs
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    public var occurredAt: Date { Date(millisecondsSince1970: occurredAtMs) }

    public static let genesisHash = String(repeating: "0", count: 64)

    /// The exact bytes hashed: the event as canonical JSON, version tag included, previous hash included.
    public var canonicalBytes: [UInt8] {
        TimelineEvent.canonical(
            complaintId: complaintId, sequence: sequence, kind: kind, actor: actor, visibility: visibility, occurredAtMs: occurredAtMs,
            payload: payload, previousHash: previousHash)
    }

    static func canonical(
        complaintId: String, sequence: Int, kind: EventKind, actor: CaseActor, visibility: Visibility, occurredAtMs: Int64,
        payload: [String: CanonicalValue], previousHash: String, payloadBytes: [UInt8]? = nil
    ) -> [UInt8] {
        // The same bytes as CanonicalValue.object([...]).canonicalBytes, written field by field in
        // sorted key order so that sealing does not build and sort a dictionary for every event.
        var out: [UInt8] = []
        out.reserveCapacity(320)
        func key(_ k: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        }
        key(#"{"actor":{"id":"#)
        if let id = actor.id { CanonicalValue.writeString(id, into: &out) } else { key("null") }
        key(#","role":"#)
        CanonicalValue.writeString(actor.role.rawValue, into: &out)
        key(#"},"complaintId":"#)
        CanonicalValue.writeString(complaintId, into: &out)
        key(#","kind":"#)
        CanonicalValue.writeString(kind.rawValue, into: &out)
        key(#","occurredAtMs":"#)
        CanonicalValue.int(occurredAtMs).write(into: &out)
        key(#","payload":"#)
        if let payloadBytes { out += payloadBytes } else { CanonicalValue.object(payload).write(into: &out) }
        key(#","previousHash":"#)
        CanonicalValue.writeString(previousHash, into: &out)
        key(#","sequence":"#)
        CanonicalValue.int(Int64(sequence)).write(into: &out)
        key(#","v":1,"visibility":"#)
        CanonicalValue.writeString(visibility.rawValue, into: &out)
        key("}")
        return out
    }

    /// Seals a draft after `previous` (nil for the first event).
    /// `payloadBytes`: the payload's canonical bytes, when the caller has them already.
    public static func seal(
        _ draft: EventDraft, complaintId: String, after previous: (sequence: Int, hash: String)?, payloadBytes: [UInt8]? = nil
    ) -> TimelineEvent {
        let sequence = (previous?.sequence ?? 0) + 1
        let prev = previous?.hash ?? genesisHash
        let ms = draft.occurredAt.millisecondsSince1970
        let bytes = canonical(
            complaintId: complaintId, sequence: sequence, kind: draft.kind, actor: draft.actor, visibility: draft.visibility, occurredAtMs: ms,
            payload: draft.payload, previousHash: prev, payloadBytes: payloadBytes)
        return TimelineEvent(
            complaintId: complaintId, sequence: sequence, kind: draft.kind, actor: draft.actor, visibility: draft.visibility, occurredAtMs: ms,
            payload: draft.payload, previousHash: prev, hash: Hex.sha256(bytes))
    }

    /// Seals several drafts in order after a head.
    public static func seal(
        _ drafts: [EventDraft], complaintId: String, after head: (sequence: Int, hash: String)?, payloadBytes: [[UInt8]]? = nil
    ) -> [TimelineEvent] {
        var out: [TimelineEvent] = []
        var last = head
        for (i, d) in drafts.enumerated() {
            let e = seal(d, complaintId: complaintId, after: last, payloadBytes: payloadBytes?[i])
            out.append(e)
            last = (e.sequence, e.hash)
        }
        return out
    }
}

enum Hex {
    static func sha256(_ bytes: some DataProtocol) -> String { encode(SHA256.hash(data: bytes)) }

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// SHA-256 as lowercase hex.
public func sha256Hex(_ bytes: some DataProtocol) -> String { Hex.sha256(bytes) }

/// Where a chain first breaks.
public struct ChainBreak: Sendable, Equatable, Codable {
    /// The sequence number the verifier expected at this position (1-based).
    public var position: Int
    /// The sequence number found there, if any.
    public var foundSequence: Int?
    /// `sequence_gap`, `previous_hash_mismatch`, `hash_mismatch`, `wrong_case`, `head_mismatch`.
    public var reason: String
    public var expected: String
    public var found: String
}

/// The outcome of checking one case's chain.
public struct ChainReport: Sendable, Equatable, Encodable {
    public var complaintId: String
    public var eventCount: Int
    public var valid: Bool { firstBreak == nil }
    public var firstBreak: ChainBreak?

    enum CodingKeys: String, CodingKey { case complaintId, eventCount, valid, firstBreak }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(complaintId, forKey: .complaintId)
        try c.encode(eventCount, forKey: .eventCount)
        try c.encode(valid, forKey: .valid)
        try c.encodeIfPresent(firstBreak, forKey: .firstBreak)
    }
}

public enum EventChain {
    /// Verifies events in storage order against the head the case records (count and last hash).
    ///
    /// Detects an edited event (its hash no longer matches its content), a deleted or inserted event
    /// (sequence gap or previous-hash mismatch), reordering, and a truncated tail (head mismatch).
    public static func verify(complaintId: String, events: [TimelineEvent], head: (count: Int, hash: String)?) -> ChainReport {
        var previousHash = TimelineEvent.genesisHash
        for (i, e) in events.enumerated() {
            let position = i + 1
            func broken(_ reason: String, _ expected: String, _ found: String) -> ChainReport {
                ChainReport(
                    complaintId: complaintId, eventCount: events.count,
                    firstBreak: ChainBreak(position: position, foundSequence: e.sequence, reason: reason, expected: expected, found: found))
            }
            if e.complaintId != complaintId { return broken("wrong_case", complaintId, e.complaintId) }
            if e.sequence != position { return broken("sequence_gap", "sequence \(position)", "sequence \(e.sequence)") }
            if e.previousHash != previousHash { return broken("previous_hash_mismatch", previousHash, e.previousHash) }
            // An event whose words were erased with its member's key keeps its hash, linked to its neighbours and
            // committed in the signed log; only its content can no longer be hashed again.
            if !e.isContentErased {
                let recomputed = Hex.sha256(e.canonicalBytes)
                if recomputed != e.hash { return broken("hash_mismatch", recomputed, e.hash) }
            }
            previousHash = e.hash
        }
        if let head, head.count != events.count || head.hash != (events.last?.hash ?? TimelineEvent.genesisHash) {
            return ChainReport(
                complaintId: complaintId, eventCount: events.count,
                firstBreak: ChainBreak(
                    position: min(head.count, events.count + 1), foundSequence: events.last?.sequence, reason: "head_mismatch",
                    expected: "\(head.count) events ending in \(head.hash)",
                    found: "\(events.count) events ending in \(events.last?.hash ?? TimelineEvent.genesisHash)"))
        }
        return ChainReport(complaintId: complaintId, eventCount: events.count, firstBreak: nil)
    }
}
