import Foundation
import Testing

@testable import RedressAPI
@testable import RedressDomain

@Suite("Response bodies")
struct DTOTests {
    /// The hand-written JSON of a case must be the JSON its Encodable conformance produces.
    @Test func handWrittenComplaintJSONMatchesTheEncodableForm() throws {
        let cal = WorkingDayCalendar.china(years: [])
        let wf = CaseWorkflow(policy: .default, calendar: cal)
        let now = Date(timeIntervalSince1970: 1_795_939_200.123)
        var draft = ComplaintDraft(
            category: "transaction.goods_not_as_described",
            order: OrderReference(
                orderNumber: "KM\"1\"", amountPaidFen: 129_900, productKind: .licenceKey, respondent: .merchant, merchantId: "M-1",
                merchantName: "商城\n", paidAt: now.addingTimeInterval(-3600), paymentReference: "WX1"),
            occurredAt: now.addingTimeInterval(-7200), narrative: "描述\t\\", remedy: Remedy(kind: .other, text: "换货"), amountClaimedFen: 1, emergency: false)
        draft.channel = .web
        var c = try wf.file(draft, id: "c-1", caseNumber: "RD-1", memberId: "m-1", now: now).complaint
        c = try wf.act(.requestInfo, on: c, by: CaseActor(id: "a", role: .riskControl), input: .init(note: "x"), now: now).complaint
        c.assigneeId = "a"
        for viewer in [Identity(userId: "m-1", role: .member), Identity(userId: "a", role: .riskControl)] {
            for chinese in [true, false] {
                let dto = ComplaintDTO(c, viewer: viewer, now: now.addingTimeInterval(90_000), chinese: chinese)
                let fast = try JSONSerialization.jsonObject(with: Data(dto.value.canonicalBytes)) as? NSDictionary
                let slow = try JSONSerialization.jsonObject(with: JSONBody.encoder.encode(dto)) as? NSDictionary
                #expect(fast != nil && fast == slow)
            }
        }
    }
}

@Suite("Identifiers")
struct TimeOrderedIDTests {
    @Test func idsAreVersion7UUIDsThatRiseWithTime() {
        let a = TimeOrderedID.make(at: Date(timeIntervalSince1970: 1_795_939_200))
        let b = TimeOrderedID.make(at: Date(timeIntervalSince1970: 1_795_939_200.002))
        #expect(UUID(uuidString: a) != nil && a == a.lowercased())
        #expect(Array(a)[14] == "7")
        #expect("89ab".contains(Array(a)[19]))
        #expect(a < b)
        #expect(a.hasPrefix("01a22651-6c00-7"))  // 1795939200000 ms = 0x01A2_2651_6C00
        #expect(Set((0..<1000).map { _ in TimeOrderedID.make(at: Date(timeIntervalSince1970: 1_795_939_200)) }).count == 1000)
    }
}
