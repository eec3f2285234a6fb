import Foundation
import Testing

@testable import RedressAPI
@testable import RedressApp
@testable import RedressDomain
@testable import RedressHTTP

@Suite("Response bodies")
struct DTOTests {
    /// Each viewer sees the case as their role allows: a merchant the member's personal data masked, a member the
    /// respondent's registered details and no internal assignee, staff everything.
    @Test func eachViewerSeesTheCaseTheirRoleAllows() throws {
        let cal = WorkingDayCalendar.china(years: [])
        let wf = CaseWorkflow(policy: .default, calendar: cal)
        let now = Date(timeIntervalSince1970: 1_795_939_200.123)
        var draft = ComplaintDraft(
            category: "transaction.goods_not_as_described",
            order: OrderReference(
                orderNumber: "KM\"1\"", amountPaidFen: 129_900, productKind: .licenceKey, respondent: .merchant, merchantId: "M-1",
                merchantName: "商城\n", paidAt: now.addingTimeInterval(-3600), paymentReference: "6222021234567890123"),
            occurredAt: now.addingTimeInterval(-7200), narrative: "请拨打13812345678联系我", remedy: Remedy(kind: .other, text: "换货"),
            amountClaimedFen: 1, emergency: false)
        draft.channel = .web
        var c = try wf.file(draft, id: "c-1", caseNumber: "RD-1", memberId: "m-1", now: now).complaint
        c = try wf.act(.requestInfo, on: c, by: CaseActor(id: "a", role: .riskControl), input: .init(note: "x"), now: now).complaint
        c.assigneeId = "a"
        let merchant = Merchant(
            id: "M-1", registeredName: "某某网络科技有限公司", shopName: "某某商城", businessLicenceNumber: BusinessLicence.withCheck("91110105MA01ABCDE")!,
            icpFilingNumber: "京ICP备2026012345号-1", registeredAddress: "北京市朝阳区", contactName: "王经理", contactPhone: "01012345678", contactEmail: nil,
            verifiedAt: nil, createdAt: now, updatedAt: now)
        let member = User(id: "m-1", role: .member, login: "13812345678", displayName: "张三丰", phone: "13812345678", createdAt: now)
        func json(_ viewer: Identity) throws -> [String: Any] {
            // As the routes hand it over: the case as the viewer may read it (CaseService.readable).
            let readable = viewer.role == .merchant ? c.redacted(knowing: PersonalData.KnownValues(member: member)) : c
            let dto = ComplaintDTO(readable, viewer: viewer, now: now, chinese: true, workflow: wf, merchant: merchant, member: member)
            return try JSONSerialization.jsonObject(with: Data(dto.value.canonicalBytes)) as? [String: Any] ?? [:]
        }
        let asMerchant = try json(Identity(userId: "u-m", role: .merchant, merchantId: "M-1"))
        #expect(asMerchant["narrative"] as? String == "请拨打138****5678联系我")
        #expect((asMerchant["order"] as? [String: Any])?["paymentReference"] as? String == "***************0123")
        #expect((asMerchant["member"] as? [String: Any])?["phone"] as? String == "138****5678")
        #expect((asMerchant["member"] as? [String: Any])?["displayName"] as? String == "张**")
        #expect(asMerchant["assigneeId"] == nil)
        let asMember = try json(Identity(userId: "m-1", role: .member))
        #expect(asMember["narrative"] as? String == "请拨打13812345678联系我")
        #expect(asMember["assigneeId"] == nil && asMember["member"] == nil)
        let disclosed = (asMember["respondent"] as? [String: Any])?["merchant"] as? [String: Any]
        #expect(disclosed?["registeredName"] as? String == "某某网络科技有限公司")
        #expect(disclosed?["verificationDue"] as? Bool == true)
        let asStaff = try json(Identity(userId: "a", role: .riskControl))
        #expect(asStaff["assigneeId"] as? String == "a")
        #expect((asStaff["member"] as? [String: Any])?["phone"] as? String == "138****5678")
        // The hand-written canonical form (what the API sends for cases, written field by field for speed) says the
        // same as the DTO's synthesized Encodable form: a field added to one and not the other, or named differently,
        // fails here.
        let dto = ComplaintDTO(
            c, viewer: Identity(userId: "a", role: .riskControl), now: now, chinese: true, workflow: wf, merchant: merchant, member: member)
        // The canonical form lifts the process section's keys (respondent, member, rulings, …) to the top level.
        var slow = try JSONSerialization.jsonObject(with: JSONBody.encoder.encode(dto)) as? [String: Any] ?? [:]
        let process = slow.removeValue(forKey: "process") as? [String: Any] ?? [:]
        slow.merge(process) { field, _ in field }
        #expect(!process.isEmpty)
        #expect((slow as NSDictionary) == (asStaff as NSDictionary))
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
