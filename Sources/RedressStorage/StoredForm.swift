import Foundation
import RedressDomain

// The stored form of a case and of a notice as JSON values: keys and shapes as their `Codable` forms, instants in
// integer milliseconds. The writers (`storageBytes`) produce the same bytes without building these values; the values
// are the reference the stored-form tests compare the writers and the reader with.

private func ms(_ d: Date) -> CanonicalValue { .int(d.millisecondsSince1970) }

extension Complaint {
    /// The complaint as a JSON value, keys and shapes as its `Codable` form with instants in integer
    /// milliseconds: what storage writes. Built by hand because Foundation's encoder costs several
    /// times more on the filing path.
    package var storageValue: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "id": .string(id), "caseNumber": .string(caseNumber), "memberId": .string(memberId), "categoryCode": .string(categoryCode),
            "dimension": .string(dimension.rawValue), "order": order.storageValue, "occurredAt": ms(occurredAt), "narrative": .string(narrative),
            "remedy": remedy.value, "amountClaimedFen": .int(amountClaimedFen), "channel": .string(channel.rawValue), "emergency": .bool(emergency),
            "status": .string(status.rawValue), "tier": .string(tier.rawValue), "queue": .string(queue.rawValue),
            "deadlines": .array(deadlines.map(\.storageValue)), "createdAt": ms(createdAt), "updatedAt": ms(updatedAt),
            "eventCount": .int(Int64(eventCount)), "headHash": .string(headHash),
        ]
        if let v = assigneeId { o["assigneeId"] = .string(v) }
        if let v = rejectionReason { o["rejectionReason"] = .string(v.rawValue) }
        if let v = memberDisputedAt { o["memberDisputedAt"] = ms(v) }
        if let v = firstRespondedAt { o["firstRespondedAt"] = ms(v) }
        if let v = memberAcceptedAt { o["memberAcceptedAt"] = ms(v) }
        if let v = merchantAnsweredAt { o["merchantAnsweredAt"] = ms(v) }
        if let v = reopenedAt { o["reopenedAt"] = ms(v) }
        if let v = resolvedAt { o["resolvedAt"] = ms(v) }
        if let v = closedAt { o["closedAt"] = ms(v) }
        o["respondent"] = respondent.value
        if !recordsRequests.isEmpty { o["recordsRequests"] = .array(recordsRequests.map(\.value)) }
        if let v = proposedRuling { o["proposedRuling"] = v.value }
        if let v = ruling { o["ruling"] = v.value }
        if !freezes.isEmpty { o["freezes"] = .array(freezes.map(\.value)) }
        if !externalComplaints.isEmpty { o["externalComplaints"] = .array(externalComplaints.map(\.value)) }
        if let v = rating { o["rating"] = v.value }
        if !reviewerIds.isEmpty { o["reviewerIds"] = .array(reviewerIds.map(CanonicalValue.string)) }
        return .object(o)
    }
}

extension OrderReference {
    var storageValue: CanonicalValue { value { .int($0.millisecondsSince1970) } }
}

extension CaseDeadline {
    var storageValue: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "kind": .string(kind.rawValue), "tier": .string(tier.rawValue), "mode": .string(mode.rawValue), "startedAt": ms(startedAt),
        ]
        if let v = dueAt { o["dueAt"] = ms(v) }
        if let v = pausedRemainingSeconds { o["pausedRemainingSeconds"] = .int(Int64(v)) }
        if let v = metAt { o["metAt"] = ms(v) }
        if let v = breachedAt { o["breachedAt"] = ms(v) }
        if let v = supersededAt { o["supersededAt"] = ms(v) }
        if let v = ref { o["ref"] = .string(v) }
        if let v = remindedAt { o["remindedAt"] = ms(v) }
        if let v = reminderLeadSeconds { o["reminderLeadSeconds"] = .int(Int64(v)) }
        return .object(o)
    }
}

extension Notice {
    /// The notice as its `Codable` form reads it back (instants in integer milliseconds), built without Foundation's
    /// encoder: every case change writes its notices inside the writer's transaction.
    package var storageValue: CanonicalValue {
        var o: [String: CanonicalValue] = [
            "complaintId": .string(complaintId), "caseNumber": .string(caseNumber), "eventSequence": .int(Int64(eventSequence)),
            "topic": .string(topic.rawValue), "audiences": .array(audiences.map { .string($0.rawValue) }), "memberId": .string(memberId),
            "queue": .string(queue.rawValue), "status": .string(status.rawValue), "summaryZh": .string(summaryZh), "summaryEn": .string(summaryEn),
            "createdAt": ms(createdAt),
        ]
        if let m = merchantId { o["merchantId"] = .string(m) }
        if let a = assigneeId { o["assigneeId"] = .string(a) }
        return .object(o)
    }
}
