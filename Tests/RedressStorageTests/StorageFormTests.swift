import Foundation
import Testing

@testable import RedressDomain
@testable import RedressStorage

/// The hand-written reader of stored cases must read exactly what `JSONDecoder` reads.
@Suite("Stored form")
struct StorageFormTests {
    static func viaFoundation(_ text: String) throws -> Complaint {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return try d.decode(Complaint.self, from: Data(text.utf8))
    }

    @Test func theFastReaderReadsWhatJSONDecoderReads() throws {
        let wf = CaseWorkflow(policy: .default, calendar: .china(years: []))
        let t0 = Date(timeIntervalSince1970: 1_795_939_200.123)
        var draft = ComplaintDraft(
            category: "service.membership_not_activated",
            order: OrderReference(
                orderNumber: "KM\"1\\/\u{1F600}", amountPaidFen: 129_900, productKind: .membership, respondent: .merchant, merchantId: "M-1",
                merchantName: "商城\n\t", paidAt: t0.addingTimeInterval(-3600.5), paymentReference: "WX1"),
            occurredAt: t0.addingTimeInterval(-7200), narrative: "描述\u{0001}\\ \u{2028}", remedy: Remedy(kind: .other, text: "换货"),
            amountClaimedFen: 1)
        draft.emergency = true
        var c = try wf.file(draft, id: "c-1", caseNumber: "RD-1", memberId: "m-1", now: t0).complaint
        var states = [c]
        c = try wf.act(.requestInfo, on: c, by: CaseActor(id: "a", role: .riskControl), input: .init(note: "x"), now: t0.addingTimeInterval(10))
            .complaint
        states.append(c)
        c = try wf.assignReviewer(c, reviewerId: "r-1", by: CaseActor(id: "ad", role: .admin), now: t0).complaint
        c.assigneeId = "a"
        c = try wf.act(.resume, on: c, by: CaseActor(id: "a", role: .riskControl), now: t0.addingTimeInterval(20)).complaint
        c = try #require(wf.sweep(c, now: t0.addingTimeInterval(86_400 * 5))).complaint
        states.append(c)
        c = try wf.freeze(c, target: .account, reference: "U-1", reason: "盗刷", id: "f-1", by: CaseActor(id: "rc", role: .riskControl), now: t0)
            .complaint
        states.append(c)  // a rare section: read through JSONDecoder
        c = try wf.rate(
            try wf.rule(
                c, outcome: .partial, remedy: Remedy(kind: .refund), amountFen: 10, reason: "r", by: CaseActor(id: "s", role: .admin), now: t0
            ).complaint,
            attitude: 3, speed: 2, overall: 1, comment: "评", by: CaseActor(id: "m-1", role: .member), now: t0
        ).complaint
        c.closedAt = t0
        c.rejectionReason = .duplicate
        c.memberDisputedAt = t0
        states.append(c)
        for (n, s) in states.enumerated() {
            let text = String(decoding: s.storageValue.canonicalBytes, as: UTF8.self)
            // The first states have no rare section: the direct reader takes them.
            var reader = StoredComplaintReader(bytes: Array(text.utf8))
            #expect((reader.read() != nil) == (n < 3), "state \(n)")
            let fast = try Complaint.fromStorage(text)
            #expect(fast == (try Self.viaFoundation(text)))
            #expect(fast.storageValue == s.storageValue)
            #expect(s.storageBytes == s.storageValue.canonicalBytes)
            for n in Notice.plan(
                s, events: TimelineEvent.seal([EventDraft(kind: .submitted, actor: .system, occurredAt: t0)], complaintId: s.id, after: nil))
            {
                #expect(n.storageBytes == n.storageValue.canonicalBytes)
            }
        }
    }

    @Test func theParserRefusesWhatIsNotACanonicalValue() {
        #expect(
            CanonicalValue.parse(Array(#"{"a":[1,-2,"x\u00e9\ud83d\ude00",true,null,{}]}"#.utf8))
                == .object(["a": .array([.int(1), .int(-2), .string("xé😀"), .bool(true), .null, .object([:])])]))
        for bad in ["1.5", "1e3", "[1,]", "{\"a\" 1}", "\"open", "99999999999999999999", "[1] x", "\"\\ud800\""] {
            #expect(CanonicalValue.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func canonicalKeyOrderAndIntegersMatchTheirDefinitions() {
        let alphabet: [Character] = ["a", "B", "z", "0", "é", "中", "\u{E000}", "\u{FFFD}", "😀", "\u{10000}", "_"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let a = String((0..<Int.random(in: 0...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let b = String((0..<Int.random(in: 0...4, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            #expect(CanonicalValue.keyPrecedes(a, b) == a.utf16.lexicographicallyPrecedes(b.utf16), "\(a) vs \(b)")
        }
        for i: Int64 in [0, 1, -1, 9, 10, -10, 1_795_939_200_123, Int64.max, Int64.min] {
            #expect(String(decoding: CanonicalValue.int(i).canonicalBytes, as: UTF8.self) == String(i))
        }
    }
}
