import Foundation
import RedressDomain

/// The holiday files exactly as shipped, read from the source tree.
enum Fixtures {
    static let years: [HolidayYear] = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Sources/RedressStorage/Resources/calendars")
        let files = (try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.pathExtension == "json" }.compactMap { try? JSONDecoder().decode(HolidayYear.self, from: Data(contentsOf: $0)) }
    }()

    static let calendar = WorkingDayCalendar.china(years: years)

    /// An instant given as local (Asia/Shanghai) wall-clock time.
    static func local(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0) -> Date {
        calendar.instant(CivilDate(year: y, month: m, day: d)!, secondsIntoDay: h * 3600 + min * 60)
    }

    static func date(_ s: String) -> CivilDate { CivilDate(iso: s)! }

    static let workflow = CaseWorkflow(policy: .default, calendar: calendar)

    static func draft(
        category: String = "transaction.topup_not_credited", paid: Int64 = 9_800, claimed: Int64 = 9_800, emergency: Bool = false,
        narrative: String = "充值未到账", respondent: RespondentKind = .platform, merchantId: String? = nil
    ) -> ComplaintDraft {
        ComplaintDraft(
            category: category,
            order: OrderReference(orderNumber: "KM1", amountPaidFen: paid, productKind: .gameTopup, respondent: respondent, merchantId: merchantId),
            occurredAt: local(2026, 11, 20, 10), narrative: narrative, remedy: Remedy(kind: .refund), amountClaimedFen: claimed, emergency: emergency)
    }

    static let member = CaseActor(id: "m-1", role: .member)
    static let agent = CaseActor(id: "a-1", role: .agent)
    static let specialist = CaseActor(id: "s-1", role: .specialist)

    static func filed(_ d: ComplaintDraft = draft(), at now: Date = local(2026, 11, 30, 10)) throws -> Complaint {
        try workflow.file(d, id: "c-1", caseNumber: "RD-20261130-000001", memberId: "m-1", now: now).complaint
    }
}
