import Foundation
import Testing

@testable import RedressDomain

@Suite("Hash-chained timeline")
struct EventChainTests {
    func chain(_ n: Int) -> [TimelineEvent] {
        let drafts = (0..<n).map { i in
            EventDraft(
                kind: .publicMessage, actor: Fixtures.agent, occurredAt: Date(timeIntervalSince1970: 1_764_400_000 + Double(i)),
                payload: ["body": .string("m\(i)")])
        }
        return TimelineEvent.seal(drafts, complaintId: "c-1", after: nil)
    }

    func head(_ e: [TimelineEvent]) -> (count: Int, hash: String) { (e.count, e.last!.hash) }

    @Test func canonicalEncodingMatchesAnIndependentImplementation() {
        // Expected bytes and hash computed with Python: json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False).
        let e = TimelineEvent.seal(
            EventDraft(
                kind: .publicMessage, actor: CaseActor(id: "u-1", role: .agent), occurredAt: Date(timeIntervalSince1970: 1_764_400_000),
                payload: ["body": "您好，\"已收到\"\n\tOK", "n": -42, "ok": true, "z": .null, "list": [1, "a"]]),
            complaintId: "c-1", after: nil)
        let expected =
            #"{"actor":{"id":"u-1","role":"agent"},"complaintId":"c-1","kind":"public_message","occurredAtMs":1764400000000,"payload":{"body":"您好，\"已收到\"\n\tOK","list":[1,"a"],"n":-42,"ok":true,"z":null},"previousHash":"0000000000000000000000000000000000000000000000000000000000000000","sequence":1,"v":1,"visibility":"public"}"#
        #expect(String(decoding: e.canonicalBytes, as: UTF8.self) == expected)
        #expect(e.hash == "d8bf2cbf4993c353b56ef8531dbf5116687e7cb923fc876daddfa046546678e2")
    }

    @Test func anIntactChainVerifies() {
        let events = chain(5)
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(events[1].previousHash == events[0].hash)
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: head(events)).valid)
    }

    @Test func anEditedPayloadIsNamed() {
        var events = chain(5)
        let h = head(events)
        events[2].payload["body"] = "rewritten"
        let b = EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak
        #expect(b?.position == 3 && b?.reason == "hash_mismatch")
    }

    @Test func anEditedTimeOrActorIsNamed() {
        var events = chain(4)
        let h = head(events)
        events[1].occurredAtMs += 1
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.position == 2)
        events = chain(4)
        events[3].actor = CaseActor(id: "a-2", role: .agent)
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.position == 4)
    }

    @Test func aDeletedEventIsNamed() {
        var events = chain(5)
        let h = head(events)
        events.remove(at: 1)
        let b = EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak
        #expect(b?.position == 2 && b?.reason == "sequence_gap" && b?.foundSequence == 3)
    }

    @Test func reorderedEventsAreNamed() {
        var events = chain(5)
        let h = head(events)
        events.swapAt(1, 2)
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.position == 2)
        // Renumbering after the swap still breaks the link to the previous hash.
        events[1].sequence = 2
        events[2].sequence = 3
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.reason == "previous_hash_mismatch")
    }

    @Test func anInsertedEventIsNamed() {
        var events = chain(4)
        let h = head(events)
        var forged = events[1]
        forged.payload["body"] = "forged"
        events.insert(forged, at: 2)
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.position == 3)
    }

    @Test func aTruncatedOrFullyRewrittenTailIsCaughtByTheHead() {
        let events = chain(5)
        let h = head(events)
        let truncated = Array(events.prefix(4))
        #expect(EventChain.verify(complaintId: "c-1", events: truncated, head: h).firstBreak?.reason == "head_mismatch")
        // Rewrite event 3 and re-seal everything after it: the chain is self-consistent but its head differs.
        var rewritten = Array(events.prefix(2))
        var drafts = (2..<5).map { i in
            EventDraft(
                kind: .publicMessage, actor: Fixtures.agent, occurredAt: Date(timeIntervalSince1970: 1_764_400_000 + Double(i)),
                payload: ["body": .string("m\(i)")])
        }
        drafts[0].payload["body"] = "history rewritten"
        rewritten += TimelineEvent.seal(drafts, complaintId: "c-1", after: (2, events[1].hash))
        #expect(EventChain.verify(complaintId: "c-1", events: rewritten, head: nil).valid)
        #expect(EventChain.verify(complaintId: "c-1", events: rewritten, head: h).firstBreak?.reason == "head_mismatch")
    }

    @Test func anEventMovedFromAnotherCaseIsNamed() {
        var events = chain(3)
        let h = head(events)
        events[1].complaintId = "c-2"
        #expect(EventChain.verify(complaintId: "c-1", events: events, head: h).firstBreak?.reason == "wrong_case")
    }
}

@Suite("Evidence files")
struct EvidenceFileTests {
    @Test func typesAreSniffedFromTheBytes() {
        #expect(EvidenceMediaType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]) == .jpeg)
        #expect(EvidenceMediaType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(EvidenceMediaType.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(EvidenceMediaType.sniff(Array("%PDF-1.7\n".utf8)) == .pdf)
        #expect(EvidenceMediaType.sniff(Array("订单号 KM1\n支付时间 10:00\r\n".utf8)) == .text)
        #expect(EvidenceMediaType.sniff(Array("MZ\u{90}\u{0}".utf8)) == nil)
        #expect(EvidenceMediaType.sniff([0xC3, 0x28]) == nil)  // invalid UTF-8
        #expect(EvidenceMediaType.sniff(Array("GIF89a".utf8) + [0, 1]) == nil)
    }

    @Test func inspectionChecksSizeTypeAndCleansTheName() throws {
        let now = Date(timeIntervalSince1970: 1_764_400_000)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 100)
        let f = try EvidenceFile.inspect(bytes: png, fileName: "../../etc/截图.png", limit: 1024, by: Fixtures.member, at: now)
        #expect(f.fileName == "截图.png" && f.mediaType == .png && f.sizeBytes == 108)
        #expect(f.sha256 == sha256Hex(png))
        #expect(throws: DomainError.evidenceTooLarge(limitBytes: 100)) {
            try EvidenceFile.inspect(bytes: png, fileName: nil, limit: 100, by: Fixtures.member, at: now)
        }
        #expect(throws: DomainError.unsupportedEvidenceType) {
            try EvidenceFile.inspect(bytes: [0x4D, 0x5A, 0x00, 0x01], fileName: "a.png", limit: 1024, by: Fixtures.member, at: now)
        }
    }
}
