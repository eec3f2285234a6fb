import Foundation
import RedressDomain

extension Complaint {
    /// Reads a complaint as storage writes it (`storageValue`). Common cases are read straight from their bytes; a
    /// case with rarer sections (records requests, rulings, freezes, external complaints, a rating) goes through
    /// `JSONDecoder`, which reads the same JSON more slowly.
    public static func fromStorage(_ text: String) throws -> Complaint {
        var reader = StoredComplaintReader(bytes: Array(text.utf8))
        if let c = reader.read() { return c }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return try d.decode(Complaint.self, from: Data(text.utf8))
    }

    /// Reads a stored body sealed under its member's data key (which the caller has loaded into `vault`).
    static func fromStorage(_ stored: String, _ vault: PersonalDataVault) throws -> Complaint {
        guard let text = try vault.open(stored) else {
            throw StoreError.unavailable("a case's body is sealed under a destroyed key and was not kept under legal hold")
        }
        return try fromStorage(text)
    }
}

extension Complaint {
    /// The same bytes as `storageValue.canonicalBytes`, written field by field in sorted key order without building
    /// dictionaries: every change to a case rewrites its stored body.
    public var storageBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1_536)
        var first = true
        func key(_ k: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func str(_ k: StaticString, _ v: String?) {
            guard let v else { return }
            key(k)
            CanonicalValue.writeString(v, into: &out)
        }
        func int(_ k: StaticString, _ v: Int64?) {
            guard let v else { return }
            key(k)
            CanonicalValue.writeInt(v, into: &out)
        }
        func time(_ k: StaticString, _ d: Date?) { int(k, d.map { $0.millisecondsSince1970 }) }
        func value(_ k: StaticString, _ v: CanonicalValue?) {
            guard let v else { return }
            key(k)
            v.write(into: &out)
        }
        int("amountClaimedFen", amountClaimedFen)
        str("assigneeId", assigneeId)
        str("caseNumber", caseNumber)
        str("categoryCode", categoryCode)
        str("channel", channel.rawValue)
        time("closedAt", closedAt)
        time("createdAt", createdAt)
        key("deadlines")
        out.append(UInt8(ascii: "["))
        for (i, d) in deadlines.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            d.writeStorage(into: &out)
        }
        out.append(UInt8(ascii: "]"))
        str("dimension", dimension.rawValue)
        key("emergency")
        out.append(contentsOf: emergency ? CanonicalValue.trueBytes : CanonicalValue.falseBytes)
        int("eventCount", Int64(eventCount))
        value("externalComplaints", externalComplaints.isEmpty ? nil : .array(externalComplaints.map(\.value)))
        time("firstRespondedAt", firstRespondedAt)
        value("freezes", freezes.isEmpty ? nil : .array(freezes.map(\.value)))
        str("headHash", headHash)
        str("id", id)
        time("memberAcceptedAt", memberAcceptedAt)
        time("memberDisputedAt", memberDisputedAt)
        str("memberId", memberId)
        time("merchantAnsweredAt", merchantAnsweredAt)
        str("narrative", narrative)
        time("occurredAt", occurredAt)
        key("order")
        order.writeStorage(into: &out)
        value("proposedRuling", proposedRuling?.value)
        str("queue", queue.rawValue)
        value("rating", rating?.value)
        value("recordsRequests", recordsRequests.isEmpty ? nil : .array(recordsRequests.map(\.value)))
        str("rejectionReason", rejectionReason?.rawValue)
        key("remedy")
        var rw = CanonicalObjectWriter()
        rw.string("kind", remedy.kind.rawValue, into: &out)
        rw.string("text", remedy.text, into: &out)
        rw.end(into: &out)
        time("reopenedAt", reopenedAt)
        time("resolvedAt", resolvedAt)
        key("respondent")
        var pw = CanonicalObjectWriter()
        pw.string("kind", respondent.kind.rawValue, into: &out)
        pw.string("merchantId", respondent.merchantId, into: &out)
        pw.end(into: &out)
        value("reviewerIds", reviewerIds.isEmpty ? nil : .array(reviewerIds.map(CanonicalValue.string)))
        value("ruling", ruling?.value)
        str("status", status.rawValue)
        str("tier", tier.rawValue)
        time("updatedAt", updatedAt)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// Writes a JSON object whose keys the caller gives in sorted order.
struct CanonicalObjectWriter {
    var first = true

    mutating func key(_ k: StaticString, into out: inout [UInt8]) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        first = false
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func string(_ k: StaticString, _ v: String?, into out: inout [UInt8]) {
        guard let v else { return }
        key(k, into: &out)
        CanonicalValue.writeString(v, into: &out)
    }

    mutating func int(_ k: StaticString, _ v: Int64?, into out: inout [UInt8]) {
        guard let v else { return }
        key(k, into: &out)
        CanonicalValue.writeInt(v, into: &out)
    }

    mutating func time(_ k: StaticString, _ d: Date?, into out: inout [UInt8]) {
        int(k, d.map { $0.millisecondsSince1970 }, into: &out)
    }

    func end(into out: inout [UInt8]) {
        if first { out.append(UInt8(ascii: "{")) }
        out.append(UInt8(ascii: "}"))
    }
}

extension OrderReference {
    func writeStorage(into out: inout [UInt8]) {
        var w = CanonicalObjectWriter()
        w.int("amountPaidFen", amountPaidFen, into: &out)
        w.string("merchantId", merchantId, into: &out)
        w.string("merchantName", merchantName, into: &out)
        w.string("orderNumber", orderNumber, into: &out)
        w.time("paidAt", paidAt, into: &out)
        w.string("paymentReference", paymentReference, into: &out)
        w.string("productKind", productKind.rawValue, into: &out)
        w.string("respondent", respondent.rawValue, into: &out)
        w.end(into: &out)
    }
}

extension Notice {
    /// The same bytes as `storageValue.canonicalBytes`, written directly.
    public var storageBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        var w = CanonicalObjectWriter()
        w.string("assigneeId", assigneeId, into: &out)
        w.key("audiences", into: &out)
        out.append(UInt8(ascii: "["))
        for (i, a) in audiences.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalValue.writeString(a.rawValue, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        w.string("caseNumber", caseNumber, into: &out)
        w.string("complaintId", complaintId, into: &out)
        w.time("createdAt", createdAt, into: &out)
        w.int("eventSequence", Int64(eventSequence), into: &out)
        w.string("memberId", memberId, into: &out)
        w.string("merchantId", merchantId, into: &out)
        w.string("queue", queue.rawValue, into: &out)
        w.string("status", status.rawValue, into: &out)
        w.string("summaryEn", summaryEn, into: &out)
        w.string("summaryZh", summaryZh, into: &out)
        w.string("topic", topic.rawValue, into: &out)
        w.end(into: &out)
        return out
    }
}

extension CaseDeadline {
    func writeStorage(into out: inout [UInt8]) {
        var first = true
        func key(_ k: StaticString) {
            out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func int(_ k: StaticString, _ v: Int64?) {
            guard let v else { return }
            key(k)
            CanonicalValue.writeInt(v, into: &out)
        }
        func time(_ k: StaticString, _ d: Date?) { int(k, d.map { $0.millisecondsSince1970 }) }
        func str(_ k: StaticString, _ v: String?) {
            guard let v else { return }
            key(k)
            CanonicalValue.writeString(v, into: &out)
        }
        time("breachedAt", breachedAt)
        time("dueAt", dueAt)
        str("kind", kind.rawValue)
        time("metAt", metAt)
        str("mode", mode.rawValue)
        int("pausedRemainingSeconds", pausedRemainingSeconds.map(Int64.init))
        str("ref", ref)
        time("remindedAt", remindedAt)
        int("reminderLeadSeconds", reminderLeadSeconds.map(Int64.init))
        time("startedAt", startedAt)
        time("supersededAt", supersededAt)
        str("tier", tier.rawValue)
        out.append(UInt8(ascii: "}"))
    }
}

/// Reads a stored complaint straight from its JSON bytes into the struct, key by key, without an intermediate tree.
/// Gives up (nil) on anything unexpected — a rarer section, an unknown key, a fraction — and the caller reads the
/// text the slower ways.
struct StoredComplaintReader {
    var p: CanonicalValue.Parser

    init(bytes: [UInt8]) { p = CanonicalValue.Parser(bytes: bytes) }

    mutating func byte(_ b: UInt8) -> Bool {
        p.skip()
        guard p.i < p.bytes.count, p.bytes[p.i] == b else { return false }
        p.i += 1
        return true
    }

    /// Calls `field` for each key of an object; `field` reads the value and returns false to give up.
    mutating func object(_ field: (inout StoredComplaintReader, String) -> Bool) -> Bool {
        guard byte(UInt8(ascii: "{")) else { return false }
        if byte(UInt8(ascii: "}")) { return true }
        while true {
            p.skip()
            guard let k = p.string(), byte(UInt8(ascii: ":")), field(&self, k) else { return false }
            if byte(UInt8(ascii: ",")) { continue }
            return byte(UInt8(ascii: "}"))
        }
    }

    mutating func array(_ element: (inout StoredComplaintReader) -> Bool) -> Bool {
        guard byte(UInt8(ascii: "[")) else { return false }
        if byte(UInt8(ascii: "]")) { return true }
        while true {
            guard element(&self) else { return false }
            if byte(UInt8(ascii: ",")) { continue }
            return byte(UInt8(ascii: "]"))
        }
    }

    mutating func string() -> String? {
        p.skip()
        return p.string()
    }

    mutating func int() -> Int64? {
        p.skip()
        guard p.i < p.bytes.count, case .int(let v)? = p.number() else { return nil }
        return v
    }

    mutating func date() -> Date? { int().map { Date(millisecondsSince1970: $0) } }

    mutating func bool() -> Bool? {
        p.skip()
        guard p.i < p.bytes.count else { return nil }
        if case .bool(let b)? = p.value() { return b }
        return nil
    }

    mutating func read() -> Complaint? {
        var id: String?, caseNumber: String?, memberId: String?, categoryCode: String?, dimension: RedressDomain.Dimension?
        var order: OrderReference?, occurredAt: Date?, narrative: String?, remedy: Remedy?, claimed: Int64?, channel: Channel?
        var emergency: Bool?, status: ComplaintStatus?, tier: Tier?, queue: Queue?, assigneeId: String?, deadlines: [CaseDeadline] = []
        var rejection: RejectionReason?, disputed: Date?, firstResponded: Date?, resolved: Date?, closed: Date?
        var accepted: Date?, merchantAnswered: Date?, reopened: Date?
        var created: Date?, updated: Date?, eventCount: Int64?, headHash: String?, respondent: CaseRespondent?, reviewers: [String] = []
        let ok = object { r, k in
            switch k {
            case "id": id = r.string()
            case "caseNumber": caseNumber = r.string()
            case "memberId": memberId = r.string()
            case "categoryCode": categoryCode = r.string()
            case "dimension": dimension = r.string().flatMap(RedressDomain.Dimension.init(rawValue:))
            case "order": order = r.order()
            case "occurredAt": occurredAt = r.date()
            case "narrative": narrative = r.string()
            case "remedy": remedy = r.remedy()
            case "amountClaimedFen": claimed = r.int()
            case "channel": channel = r.string().flatMap(Channel.init(rawValue:))
            case "emergency": emergency = r.bool()
            case "status": status = r.string().flatMap(ComplaintStatus.init(rawValue:))
            case "tier": tier = r.string().flatMap(Tier.init(rawValue:))
            case "queue": queue = r.string().flatMap(Queue.init(rawValue:))
            case "assigneeId": assigneeId = r.string(); return assigneeId != nil
            case "deadlines":
                return r.array { r in
                    guard let d = r.deadline() else { return false }
                    deadlines.append(d)
                    return true
                }
            case "rejectionReason": rejection = r.string().flatMap(RejectionReason.init(rawValue:)); return rejection != nil
            case "memberDisputedAt": disputed = r.date(); return disputed != nil
            case "firstRespondedAt": firstResponded = r.date(); return firstResponded != nil
            case "memberAcceptedAt": accepted = r.date(); return accepted != nil
            case "merchantAnsweredAt": merchantAnswered = r.date(); return merchantAnswered != nil
            case "reopenedAt": reopened = r.date(); return reopened != nil
            case "resolvedAt": resolved = r.date(); return resolved != nil
            case "closedAt": closed = r.date(); return closed != nil
            case "createdAt": created = r.date()
            case "updatedAt": updated = r.date()
            case "eventCount": eventCount = r.int()
            case "headHash": headHash = r.string()
            case "respondent": respondent = r.respondent(); return respondent != nil
            case "reviewerIds":
                return r.array { r in
                    guard let s = r.string() else { return false }
                    reviewers.append(s)
                    return true
                }
            default: return false
            }
            return true
        }
        p.skip()
        guard ok, p.i == p.bytes.count, let id, let caseNumber, let memberId, let categoryCode, let dimension, let order, let occurredAt,
            let narrative, let remedy, let claimed, let channel, let emergency, let status, let tier, let queue, let created, let updated,
            let eventCount, let headHash
        else { return nil }
        return Complaint(
            id: id, caseNumber: caseNumber, memberId: memberId, categoryCode: categoryCode, dimension: dimension, order: order,
            occurredAt: occurredAt,
            narrative: narrative, remedy: remedy, amountClaimedFen: claimed, channel: channel, emergency: emergency, status: status, tier: tier,
            queue: queue, assigneeId: assigneeId, deadlines: deadlines, rejectionReason: rejection, memberDisputedAt: disputed,
            firstRespondedAt: firstResponded, memberAcceptedAt: accepted, merchantAnsweredAt: merchantAnswered, reopenedAt: reopened,
            resolvedAt: resolved, closedAt: closed, createdAt: created, updatedAt: updated,
            eventCount: Int(eventCount), headHash: headHash,
            respondent: respondent ?? CaseRespondent(kind: order.respondent, merchantId: order.merchantId), reviewerIds: reviewers)
    }

    mutating func order() -> OrderReference? {
        var number: String?, paid: Int64?, product: ProductKind?, respondent: RespondentKind?
        var merchantId: String?, merchantName: String?, paidAt: Date?, reference: String?
        let ok = object { r, k in
            switch k {
            case "orderNumber": number = r.string()
            case "amountPaidFen": paid = r.int()
            case "productKind": product = r.string().flatMap(ProductKind.init(rawValue:))
            case "respondent": respondent = r.string().flatMap(RespondentKind.init(rawValue:))
            case "merchantId": merchantId = r.string(); return merchantId != nil
            case "merchantName": merchantName = r.string(); return merchantName != nil
            case "paidAt": paidAt = r.date(); return paidAt != nil
            case "paymentReference": reference = r.string(); return reference != nil
            default: return false
            }
            return true
        }
        guard ok, let number, let paid, let product, let respondent else { return nil }
        return OrderReference(
            orderNumber: number, amountPaidFen: paid, productKind: product, respondent: respondent, merchantId: merchantId,
            merchantName: merchantName,
            paidAt: paidAt, paymentReference: reference)
    }

    mutating func remedy() -> Remedy? {
        var kind: RemedyKind?, text: String?
        let ok = object { r, k in
            switch k {
            case "kind": kind = r.string().flatMap(RemedyKind.init(rawValue:))
            case "text": text = r.string(); return text != nil
            default: return false
            }
            return true
        }
        guard ok, let kind else { return nil }
        return Remedy(kind: kind, text: text)
    }

    mutating func respondent() -> CaseRespondent? {
        var kind: RespondentKind?, merchantId: String?
        let ok = object { r, k in
            switch k {
            case "kind": kind = r.string().flatMap(RespondentKind.init(rawValue:))
            case "merchantId": merchantId = r.string(); return merchantId != nil
            default: return false
            }
            return true
        }
        guard ok, let kind else { return nil }
        return CaseRespondent(kind: kind, merchantId: merchantId)
    }

    mutating func deadline() -> CaseDeadline? {
        var kind: DeadlineKind?, tier: Tier?, mode: HourMode?, started: Date?, due: Date?, paused: Int64?, met: Date?, breached: Date?
        var superseded: Date?, ref: String?, reminded: Date?, lead: Int64?
        let ok = object { r, k in
            switch k {
            case "kind": kind = r.string().flatMap(DeadlineKind.init(rawValue:))
            case "tier": tier = r.string().flatMap(Tier.init(rawValue:))
            case "mode": mode = r.string().flatMap(HourMode.init(rawValue:))
            case "startedAt": started = r.date()
            case "dueAt": due = r.date(); return due != nil
            case "pausedRemainingSeconds": paused = r.int(); return paused != nil
            case "metAt": met = r.date(); return met != nil
            case "breachedAt": breached = r.date(); return breached != nil
            case "supersededAt": superseded = r.date(); return superseded != nil
            case "ref": ref = r.string(); return ref != nil
            case "remindedAt": reminded = r.date(); return reminded != nil
            case "reminderLeadSeconds": lead = r.int(); return lead != nil
            default: return false
            }
            return true
        }
        guard ok, let kind, let tier, let mode, let started else { return nil }
        return CaseDeadline(
            kind: kind, tier: tier, mode: mode, startedAt: started, dueAt: due, pausedRemainingSeconds: paused.map { Int($0) }, metAt: met,
            breachedAt: breached, supersededAt: superseded, ref: ref, remindedAt: reminded, reminderLeadSeconds: lead.map { Int($0) })
    }
}
