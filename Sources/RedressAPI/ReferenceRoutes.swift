import Foundation
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP

/// The taxonomy, the working-day calculator, the policy in force and the holiday calendars.
struct ReferenceRoutes {
    let services: RedressServices

    struct CategoryDTO: Encodable {
        struct Evidence: Encodable {
            var code: String
            var label: String
        }
        var code: String
        var dimension: RedressDomain.Dimension
        var dimensionLabel: String
        var label: String
        var labelZh: String
        var labelEn: String
        var evidence: [Evidence]
    }

    struct DeadlineResponse: Encodable {
        var start: Date
        var deadline: Date
        var calendarCovered: Bool
        var timeZone: String
        var note: String?
    }

    func register(on api: RouterGroup<RedressRequestContext>) {
        api.get("taxonomy", use: taxonomy)
        api.get("calendar/deadline", use: deadline)
        api.get("calendar/years", use: years)
        api.put("calendar/years/:year", use: saveYear)
        api.get("policy", use: policy)
        api.get("guide", use: guide)
        api.put("policy", use: savePolicy)
    }

    @Sendable func taxonomy(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let zh = context.chinese
        let items = Taxonomy.standard.categories.map { c in
            CategoryDTO(
                code: c.code, dimension: c.dimension, dimensionLabel: zh ? c.dimension.labelZh : c.dimension.labelEn,
                label: zh ? c.labelZh : c.labelEn,
                labelZh: c.labelZh, labelEn: c.labelEn, evidence: c.evidence.map { .init(code: $0.rawValue, label: zh ? $0.labelZh : $0.labelEn) })
        }
        return try JSONBody.response(items)
    }

    @Sendable func deadline(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let q = request.uri.queryParameters
        guard let startText = q.get("start") else {
            throw AppError.badQuery("start", zh: "缺少参数 start（RFC 3339 时间）", en: "The parameter start (an RFC 3339 instant) is required")
        }
        guard let start = JSONBody.parseDate(startText),
            (2000...2100).contains(CivilDate(dayNumber: Int((start.timeIntervalSince1970 + 8 * 3600) / 86_400)).year)
        else {
            throw AppError.badQuery(
                "start", zh: "start 必须是 2000 至 2100 年间的 RFC 3339 时间，例如 2026-09-30T10:00:00+08:00",
                en: "start must be an RFC 3339 instant between 2000 and 2100, such as 2026-09-30T10:00:00+08:00")
        }
        let given = ["workingDays", "hours", "days"].filter { q.get($0) != nil }
        guard given.count == 1 else {
            throw AppError.badQuery("workingDays", zh: "请且仅请提供 workingDays、hours、days 之一", en: "Give exactly one of workingDays, hours or days")
        }
        let wf = try await services.policy.workflow()
        let cal = wf.calendar
        let result: DeadlineComputation
        switch given[0] {
        case "workingDays":
            let n = try ComplaintRoutes.intParameter(q.get("workingDays"), name: "workingDays", range: 0...3650) ?? 0
            result = cal.deadline(after: start, workingDays: n)
        case "hours":
            let n = try ComplaintRoutes.intParameter(q.get("hours"), name: "hours", range: 0...87_600) ?? 0
            result = cal.deadline(after: start, hours: n)
        default:
            let n = try ComplaintRoutes.intParameter(q.get("days"), name: "days", range: 0...3650) ?? 0
            result = cal.deadline(after: start, naturalDays: n)
        }
        let note: String? =
            result.calendarCovered
            ? nil
            : (context.chinese
                ? "部分日期超出已发布的节假日安排，按周一至周五计算"
                : "Some days lie beyond the published holiday calendars and were counted Monday to Friday")
        return try JSONBody.response(
            DeadlineResponse(
                start: start, deadline: result.deadline, calendarCovered: result.calendarCovered, timeZone: cal.timeZone.identifier, note: note))
    }

    @Sendable func years(_ request: Request, context: RedressRequestContext) async throws -> Response {
        try JSONBody.response(try await services.policy.calendarYears())
    }

    @Sendable func saveYear(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw AppError.forbidden }
        guard let year = Int(try context.parameters.require("year")), (2000...2100).contains(year) else {
            throw AppError.badQuery("year", zh: "年份须在 2000–2100 之间", en: "year must be between 2000 and 2100")
        }
        let body = try await JSONBody.decode(HolidayYear.self, from: request, context: context)
        guard body.year == year else {
            throw AppError.invalid("year", zh: "请求体中的年份与路径不一致", en: "The year in the body does not match the path")
        }
        try await services.policy.saveCalendarYear(body, by: identity)
        return try JSONBody.response(body)
    }

    @Sendable func policy(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        return try JSONBody.response(try await services.policy.current(by: identity))
    }

    /// The published complaint guide (public), as in force on `date` (yyyy-mm-dd, Beijing time; today when absent).
    struct GuideDTO: Encodable {
        var title: String
        var platform: String
        var language: String
        var inForceSince: Date?
        var sections: [ComplaintGuide.Section]
        /// Every instant the policy changed (each starts a version of the guide), oldest first.
        var versions: [Date]
    }

    @Sendable func guide(_ request: Request, context: RedressRequestContext) async throws -> Response {
        var date: Date?
        if let text = request.uri.queryParameters.get("date") {
            guard let d = ComplaintGuide.endOfDay(String(text)) else {
                throw AppError.badQuery("date", zh: "date 须写作“年-月-日”，如 2026-11-30", en: "date must be yyyy-mm-dd, e.g. 2026-11-30")
            }
            date = d
        }
        let zh = context.chinese
        let (g, versions) = try await services.policy.guide(at: date, chinese: zh)
        return try JSONBody.response(
            GuideDTO(
                title: g.title, platform: g.platform, language: zh ? "zh-CN" : "en", inForceSince: g.inForceSince, sections: g.sections,
                versions: versions))
    }

    @Sendable func savePolicy(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.role == .admin else { throw AppError.forbidden }
        let body = try await JSONBody.decode(Policy.self, from: request, context: context)
        try await services.policy.save(body, by: identity)
        return try JSONBody.response(body)
    }
}
