import Foundation
import HTTPTypes
import Hummingbird
import RedressApp
import RedressDomain
import RedressHTTP
import Synchronization

/// The supervisor's dashboard (charts drawn as SVG on the server), the policy editor and user management.
/// Supervisors are admins; specialists and risk control see the dashboard too.
struct AdminPages {
    let site: Site
    var services: RedressServices { site.services }
    var pages: WebPages { site.pages }
    /// The dashboard of the last 30 days, kept for a minute (it reads every case filed in the window).
    let cache = DashboardCache()

    /// The dashboard under `/admin` behind the supervisors' gate; the rest of `/admin` behind the admins' gate.
    func register(supervisor: RouterGroup<RedressRequestContext>, admin: RouterGroup<RedressRequestContext>) {
        supervisor.get(use: dashboard)
        admin.get("policy", use: policyPage)
        admin.post("policy", use: savePolicy)
        admin.post("calendar", use: saveCalendar)
        let merchants = MerchantAdminPages(site: site)
        admin.get("merchants", use: merchants.merchantsPage)
        admin.post("merchants", use: merchants.registerMerchant)
        admin.get("merchants/:merchantId", use: merchants.merchantPage)
        admin.post("merchants/:merchantId", use: merchants.saveMerchant)
        admin.post("merchants/:merchantId/verification", use: merchants.verifyMerchant)
        let users = UserAdminPages(site: site)
        admin.get("users", use: users.usersPage)
        admin.post("users", use: users.createUser)
        admin.post("users/:userId/disabled", use: users.setDisabled)
    }

    // MARK: Dashboard

    /// The supervisor's dashboard: the charts (SVG drawn on the server) and the merchants ranked.
    struct DashboardPage: PageModel {
        struct MerchantFigures: Sendable {
            var name: String
            var cases: Int
            var response: String
            var completion: String
            var satisfaction: String
        }
        var cases: Int
        var scope: String
        var perDay: String
        var deadlines: String
        var firstResponse: String
        var resolution: String
        var merchants: [MerchantFigures]
        /// The cases the platform answers for itself, with the same figures.
        var platform: MerchantFigures
        var isAdmin: Bool
        /// Online support: chats opened, answered, and the time to the first reply.
        var chatsOpened: Int
        var chatsAnswered: Int
        var chatMedian: String
        var chatP90: String
        var derived: [String: Any] { ["hasMerchants": !merchants.isEmpty] }
    }

    /// The days the dashboard covers (its caption says so).
    static let dashboardDays = 30

    @Sendable func dashboard(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let now = services.now()
        let d = try await cache.get(now: now) { try await services.cases.dashboard(days: Self.dashboardDays, by: identity) }
        var merchantNames: [String: String] = [:]
        for m in d.merchants.prefix(10) { merchantNames[m.merchantId] = try await services.merchants.shopName(m.merchantId) }
        let model = DashboardPage(
            cases: d.cases,
            scope: WebText.word("dashboardScope", chinese: zh).replacingOccurrences(of: "{days}", with: "\(Self.dashboardDays)"),
            perDay: Charts.stackedBars(d, chinese: zh), deadlines: Charts.deadlineShares(d, chinese: zh),
            firstResponse: Charts.histogram(d.firstResponseBuckets, title: WebText.word("chartFirstResponse", chinese: zh), chinese: zh),
            resolution: Charts.histogram(d.resolutionBuckets, title: WebText.word("chartResolution", chinese: zh), chinese: zh),
            merchants: d.merchants.prefix(10).map { m in
                DashboardPage.MerchantFigures(
                    name: merchantNames[m.merchantId] ?? WebText.word("unregisteredMerchant", chinese: zh), cases: m.cases,
                    response: m.responseRate.map { String(format: "%.0f%%", $0 * 100) } ?? "—",
                    completion: String(format: "%.0f%%", m.completionRate * 100),
                    satisfaction: m.satisfaction.map { String(format: "%.1f", $0) } ?? "—")
            },
            platform: DashboardPage.MerchantFigures(
                name: WebText.word("platformOwnCases", chinese: zh), cases: d.platform.cases, response: "—",
                completion: d.platform.cases == 0 ? "—" : String(format: "%.0f%%", d.platform.completionRate * 100),
                satisfaction: d.platform.satisfaction.map { String(format: "%.1f", $0) } ?? "—"),
            isAdmin: identity.role == .admin, chatsOpened: d.chats.opened, chatsAnswered: d.chats.answered,
            chatMedian: d.chats.medianSeconds.map { WebFormat.waited(seconds: $0, chinese: zh) } ?? "—",
            chatP90: d.chats.p90Seconds.map { WebFormat.waited(seconds: $0, chinese: zh) } ?? "—")
        return pages.page("dashboard", title: WebText.word("dashboard", chinese: zh), model: model, request: request, context: context)
    }

    // MARK: Policy

    /// The policy editor: each setting with its value (or what was typed), the changes made, the calendars on file.
    struct PolicyPage: PageModel {
        struct Field: Sendable {
            var name: String
            var label: String
            var value: String
            var unit: String
            var isClock: Bool
        }
        struct Change: Sendable {
            var at: String
            var by: String
            var changes: [String]
        }
        struct Year: Sendable {
            var year: Int
            var daysOff: Int
            var workingWeekends: String
        }
        struct CalendarForm: Sendable {
            var year: String
            var daysOff: String
            var workingWeekends: String
            var source: String
        }
        var fields: [Field]
        var scannerDown: [Choice]
        var history: [Change]
        var years: [Year]
        var saved = false
        var error: String?
        var calendarError: String?
        var calendar: CalendarForm?
    }

    /// The policy's settings as the editor shows them: form name, label, value, unit; `typed` wins over the policy.
    static func fields(_ p: Policy, typed: [String: String] = [:], chinese zh: Bool) -> [PolicyPage.Field] {
        let h = WebText.word("unitHours", chinese: zh), d = WebText.word("unitDays", chinese: zh), wd = WebText.word("unitWorkingDays", chinese: zh)
        let settings: [(String, String, String)] = [
            ("riskControlThresholdYuan", String(p.routing.riskControlThresholdFen / 100), WebText.word("unitYuan", chinese: zh)),
            ("firstResponseHours", String(p.deadlines.firstResponseHours), h),
            ("emergencyFirstResponseHours", String(p.deadlines.emergencyFirstResponseHours), h),
            ("escalationResponseHours", String(p.deadlines.escalationResponseHours), h),
            ("resolutionHours", String(p.deadlines.resolutionHours), h),
            ("reopenWindowDays", String(p.deadlines.reopenWindowDays), d),
            ("merchantEvidenceHours", String(p.merchant.evidenceHours), h),
            ("reverifyDays", String(p.merchant.reverifyDays), d),
            ("silenceDays", String(p.member.silenceDays), d),
            ("escalateAfterHours", String(p.member.escalateAfterHours), h),
            ("replyWorkingDays", String(p.external.replyWorkingDays), wd),
            ("businessOpensAt", Self.clock(p.deadlines.businessOpensAt), WebText.word("unitClock", chinese: zh)),
            ("businessClosesAt", Self.clock(p.deadlines.businessClosesAt), WebText.word("unitClock", chinese: zh)),
            ("evidenceMaxMiB", String(p.evidence.maxFileBytes / 1_048_576), "MB"),
            ("evidenceFilesPerCase", String(p.evidence.maxFilesPerCase), WebText.word("unitFiles", chinese: zh)),
            ("evidenceMemberMiB", String(p.evidence.maxBytesPerMember / 1_048_576), "MB"),
            ("sessionIdleMinutes", String(p.sessions.idleMinutes), WebText.word("unitMinutes", chinese: zh)),
            ("sessionAbsoluteHours", String(p.sessions.absoluteHours), h),
        ]
        return settings.map { name, value, unit in
            PolicyPage.Field(
                name: name, label: WebText.word("policy_" + name, chinese: zh), value: typed[name] ?? value, unit: unit,
                isClock: name.hasPrefix("business"))
        }
    }

    /// Seconds into the day as "09:00".
    static func clock(_ seconds: Int) -> String { "\(WebFormat.two(seconds / 3600)):\(WebFormat.two(seconds % 3600 / 60))" }

    /// What a change of the policy changed, setting by setting: "首次响应 24 → 12 小时".
    static func changes(_ c: PolicyChange, chinese zh: Bool) -> [String] {
        // Before the first change the defaults were in force (the store answers them until a policy is saved).
        let before = fields(c.previous ?? .default, chinese: zh)
        return zip(before, fields(c.policy, chinese: zh)).compactMap { old, new in
            old.value == new.value ? nil : "\(new.label) \(old.value) → \(new.value) \(new.unit)"
        }
    }

    static func apply(_ form: [String: String], to current: Policy) throws -> Policy {
        var p = current
        func int(_ name: String, _ field: String) throws -> Int {
            guard let v = Int((form[name] ?? "").trimmingCharacters(in: .whitespaces)) else {
                throw DomainError.invalidField(field: field, code: "invalid_number", zh: "请输入整数", en: "Enter a whole number")
            }
            return v
        }
        p.routing.riskControlThresholdFen = Int64(try int("riskControlThresholdYuan", "routing.riskControlThresholdFen")) * 100
        p.deadlines.firstResponseHours = try int("firstResponseHours", "deadlines.firstResponseHours")
        p.deadlines.emergencyFirstResponseHours = try int("emergencyFirstResponseHours", "deadlines.emergencyFirstResponseHours")
        p.deadlines.escalationResponseHours = try int("escalationResponseHours", "deadlines.escalationResponseHours")
        p.deadlines.resolutionHours = try int("resolutionHours", "deadlines.resolutionHours")
        p.deadlines.reopenWindowDays = try int("reopenWindowDays", "deadlines.reopenWindowDays")
        p.merchant.evidenceHours = try int("merchantEvidenceHours", "merchant.evidenceHours")
        p.merchant.reverifyDays = try int("reverifyDays", "merchant.reverifyDays")
        p.member.silenceDays = try int("silenceDays", "member.silenceDays")
        p.member.escalateAfterHours = try int("escalateAfterHours", "member.escalateAfterHours")
        p.external.replyWorkingDays = try int("replyWorkingDays", "external.replyWorkingDays")
        func time(_ name: String, _ field: String) throws -> Int {
            let parts = (form[name] ?? "").trimmingCharacters(in: .whitespaces).split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 24 * 60
            else {
                throw DomainError.invalidField(
                    field: field, code: "invalid_time", zh: "时间须写作“时:分”，如 09:00", en: "Write the time as hh:mm, e.g. 09:00")
            }
            return (h * 60 + m) * 60
        }
        p.deadlines.businessOpensAt = try time("businessOpensAt", "deadlines.businessOpensAt")
        p.deadlines.businessClosesAt = try time("businessClosesAt", "deadlines.businessClosesAt")
        p.evidence.maxFileBytes = try int("evidenceMaxMiB", "evidence.maxFileBytes") * 1_048_576
        p.evidence.maxFilesPerCase = try int("evidenceFilesPerCase", "evidence.maxFilesPerCase")
        p.evidence.maxBytesPerMember = try int("evidenceMemberMiB", "evidence.maxBytesPerMember") * 1_048_576
        p.sessions.idleMinutes = try int("sessionIdleMinutes", "sessions.idleMinutes")
        p.sessions.absoluteHours = try int("sessionAbsoluteHours", "sessions.absoluteHours")
        if let s = form["whenScannerDown"] {
            guard let mode = ScannerDown(rawValue: s) else {
                throw DomainError.invalidField(field: "evidence.whenScannerDown", code: "invalid_choice", zh: "请选择一项", en: "Choose one")
            }
            p.evidence.whenScannerDown = mode
        }
        try p.validate()
        return p
    }

    func policyModel(_ p: Policy, typed: [String: String] = [:], by identity: Identity, chinese zh: Bool) async throws -> PolicyPage {
        var names: [String: String] = [:]
        for u in try await services.accounts.users(role: .admin, by: identity) { names[u.id] = u.displayName }
        return PolicyPage(
            fields: Self.fields(p, typed: typed, chinese: zh),
            scannerDown: ScannerDown.allCases.map {
                Choice(value: $0.rawValue, label: $0.label(chinese: zh), selected: $0 == p.evidence.whenScannerDown)
            },
            history: try await services.policy.history(limit: 10, by: identity).map {
                PolicyPage.Change(
                    at: WebFormat.instant($0.at), by: names[$0.by] ?? WebText.word("formerAdmin", chinese: zh), changes: Self.changes($0, chinese: zh)
                )
            },
            years: try await services.policy.calendarYears().map {
                PolicyPage.Year(
                    year: $0.year, daysOff: $0.daysOff.count, workingWeekends: $0.workingWeekends.map(\.description).joined(separator: "、"))
            })
    }

    @Sendable func policyPage(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        var m = try await policyModel(try await services.policy.current(by: identity), by: identity, chinese: zh)
        m.saved = request.uri.queryParameters.get("saved") == "1"
        return pages.page("policy", title: WebText.word("policy", chinese: zh), model: m, request: request, context: context)
    }

    @Sendable func savePolicy(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        let current = try await services.policy.current(by: identity)
        return try await site.submit(request, form: form) {
            try await services.policy.save(try Self.apply(form, to: current), by: identity)
            return WebSession.redirect(SiteURL.policy(saved: true).path)
        } refused: { failure in
            // What was typed stays in the form.
            var m = try await policyModel(current, typed: form, by: identity, chinese: zh)
            m.error = failure
            return pages.page(
                "policy", title: WebText.word("policy", chinese: zh), model: m, request: request, context: context, status: .unprocessableContent)
        }
    }

    /// A year's holidays and make-up working weekends, as the State Council publishes them: dates separated by spaces,
    /// commas or new lines.
    @Sendable func saveCalendar(_ request: Request, context: RedressRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let zh = WebSession.chinese(request)
        let form = try await WebSession.form(request)
        return try await site.submit(request, form: form) {
            func dates(_ key: String) throws -> [CivilDate] {
                try (form[key] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0.isWhitespace || $0 == "、" }).map { part in
                    guard let d = CivilDate(iso: String(part)) else {
                        throw DomainError.invalidField(
                            field: key, code: "invalid_date", zh: "日期须写作“年-月-日”（如 2026-10-01）：\(part)", en: "Dates are written YYYY-MM-DD: \(part)")
                    }
                    return d
                }
            }
            guard let year = Int(form["year"] ?? ""), (2000...2100).contains(year) else {
                throw DomainError.invalidField(
                    field: "year", code: "invalid_year", zh: "年份须在 2000–2100 之间", en: "The year must be between 2000 and 2100")
            }
            let y = HolidayYear(
                year: year, region: "CN", timeZone: "Asia/Shanghai", source: (form["source"] ?? "").isEmpty ? nil : form["source"],
                daysOff: try dates("daysOff"), workingWeekends: try dates("workingWeekends"))
            try await services.policy.saveCalendarYear(y, by: identity)
            return WebSession.redirect(SiteURL.policy(saved: true).path)
        } refused: { failure in
            var m = try await policyModel(try await services.policy.current(by: identity), by: identity, chinese: zh)
            m.calendarError = failure
            m.calendar = PolicyPage.CalendarForm(
                year: form["year"] ?? "", daysOff: form["daysOff"] ?? "", workingWeekends: form["workingWeekends"] ?? "", source: form["source"] ?? ""
            )
            return pages.page(
                "policy", title: WebText.word("policy", chinese: zh), model: m, request: request, context: context, status: .unprocessableContent)
        }
    }
}

/// The dashboard of a window, recomputed at most once a minute.
final class DashboardCache: Sendable {
    private let entry = Mutex<(Dashboard, Date)?>(nil)

    func get(now: Date, _ make: () async throws -> Dashboard) async throws -> Dashboard {
        if let (d, at) = entry.withLock({ $0 }), abs(now.timeIntervalSince(at)) < 60 { return d }
        let d = try await make()
        entry.withLock { $0 = (d, now) }
        return d
    }
}

/// Charts as SVG, drawn on the server (no script, no library): each with a title and a text alternative.
enum Charts {
    static let colours: [RedressDomain.Dimension: String] = [
        .transaction: "#0b5cad", .service: "#1b6b2f", .security: "#a4161a", .other: "#8a5300",
    ]

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func dimensionLabel(_ d: RedressDomain.Dimension, chinese zh: Bool) -> String { zh ? d.labelZh : d.labelEn }

    /// Complaints per day, stacked by dimension.
    static func stackedBars(_ d: Dashboard, chinese zh: Bool) -> String {
        let w = 640.0, h = 220.0, left = 36.0, bottom = 28.0
        let maxCount = max(1, d.perDay.map { $0.counts.values.reduce(0, +) }.max() ?? 1)
        let slot = (w - left) / Double(max(1, d.perDay.count))
        var out =
            ##"<svg viewBox="0 0 \##(Int(w)) \##(Int(h + 40))" role="img" aria-labelledby="perday-title" class="chart"><title id="perday-title">"##
        out += esc(WebText.word("chartPerDay", chinese: zh)) + "</title>"
        out += ##"<line x1="\##(left)" y1="\##(h - bottom)" x2="\##(w)" y2="\##(h - bottom)" stroke="#4a5560"/>"##
        out += ##"<text x="2" y="14" font-size="11" fill="#4a5560">\##(maxCount)</text>"##
        for (i, day) in d.perDay.enumerated() {
            var y = h - bottom
            let x = left + Double(i) * slot + slot * 0.15
            for dim in RedressDomain.Dimension.allCases {
                let n = day.counts[dim] ?? 0
                guard n > 0 else { continue }
                let bh = (h - bottom - 10) * Double(n) / Double(maxCount)
                y -= bh
                out +=
                    ##"<rect x="\##(fmt(x))" y="\##(fmt(y))" width="\##(fmt(slot * 0.7))" height="\##(fmt(bh))" fill="\##(colours[dim] ?? "#888")"><title>\##(day.day) \##(esc(dimensionLabel(dim, chinese: zh))) \##(n)</title></rect>"##
            }
            if i % max(1, d.perDay.count / 7) == 0 {
                let label = String(day.day.description.suffix(5))
                out += ##"<text x="\##(fmt(x))" y="\##(fmt(h - bottom + 14))" font-size="10" fill="#4a5560">\##(label)</text>"##
            }
        }
        var lx = left
        for dim in RedressDomain.Dimension.allCases {
            out += ##"<rect x="\##(fmt(lx))" y="\##(fmt(h + 8))" width="10" height="10" fill="\##(colours[dim] ?? "#888")"/>"##
            out +=
                ##"<text x="\##(fmt(lx + 14))" y="\##(fmt(h + 17))" font-size="11" fill="#1d2329">\##(esc(dimensionLabel(dim, chinese: zh)))</text>"##
            lx += 130
        }
        return out + "</svg>"
    }

    /// Share of platform deadlines met on time, per tier.
    static func deadlineShares(_ d: Dashboard, chinese zh: Bool) -> String {
        let tiers = Tier.allCases
        let w = 640.0, row = 34.0
        var out =
            ##"<svg viewBox="0 0 \##(Int(w)) \##(Int(row * Double(tiers.count) + 20))" role="img" aria-labelledby="met-title" class="chart"><title id="met-title">"##
        out += esc(WebText.word("chartDeadlinesMet", chinese: zh)) + "</title>"
        for (i, t) in tiers.enumerated() {
            let (met, ended) = d.deadlines[t] ?? (0, 0)
            let share = ended == 0 ? 0 : Double(met) / Double(ended)
            let y = 10 + Double(i) * row
            out += ##"<text x="0" y="\##(fmt(y + 16))" font-size="12" fill="#1d2329">\##(esc(t.label(chinese: zh)))</text>"##
            out += ##"<rect x="150" y="\##(fmt(y))" width="400" height="22" fill="#e3ecf5"/>"##
            out +=
                ##"<rect x="150" y="\##(fmt(y))" width="\##(fmt(400 * share))" height="22" fill="\##(share >= 0.9 ? "#1b6b2f" : share >= 0.7 ? "#8a5300" : "#a4161a")"/>"##
            let text = ended == 0 ? "—" : String(format: "%.0f%% (%d/%d)", share * 100, met, ended)
            out += ##"<text x="558" y="\##(fmt(y + 16))" font-size="12" fill="#1d2329">\##(text)</text>"##
        }
        return out + "</svg>"
    }

    /// A distribution of durations (hours) in buckets, with its median and 90th percentile.
    /// Cases by hours, in the buckets of `CaseFigures.answerEdges` (the maintained aggregates count them so), with the
    /// buckets the median and the 90th percentile fall in.
    static func histogram(_ counts: [Int], title: String, chinese zh: Bool) -> String {
        let labels = WebFormat.hourBuckets(chinese: zh)
        let total = counts.reduce(0, +)
        let maxCount = max(1, counts.max() ?? 1)
        let w = 640.0, h = 180.0, slot = w / Double(counts.count)
        let p50 = Dashboard.percentileBucket(counts, 0.5).map { labels[$0] } ?? "—"
        let p90 = Dashboard.percentileBucket(counts, 0.9).map { labels[$0] } ?? "—"
        let summary =
            zh
            ? "中位数在「\(p50)」；90% 在「\(p90)」或更快；共 \(total) 件" : "median in \(p50); 90% in \(p90) or sooner; \(total) cases"
        let id = "h\(abs(title.hashValue % 100_000))"
        var out = ##"<svg viewBox="0 0 \##(Int(w)) \##(Int(h + 30))" role="img" aria-labelledby="\##(id)" class="chart"><title id="\##(id)">"##
        out += esc(title) + (zh ? "：" : ": ") + esc(summary) + "</title>"
        out += ##"<text x="0" y="14" font-size="14" fill="#1d2329">\##(esc(summary))</text>"##
        for (i, n) in counts.enumerated() {
            let bh = (h - 64) * Double(n) / Double(maxCount)
            let x = Double(i) * slot + slot * 0.1
            out +=
                ##"<rect x="\##(fmt(x))" y="\##(fmt(h - 20 - bh))" width="\##(fmt(slot * 0.8))" height="\##(fmt(bh))" fill="#0b5cad"><title>\##(labels[i]): \##(n)</title></rect>"##
            out += ##"<text x="\##(fmt(x))" y="\##(fmt(h - 4))" font-size="11" fill="#4a5560">\##(labels[i])</text>"##
            if n > 0 { out += ##"<text x="\##(fmt(x))" y="\##(fmt(h - 24 - bh))" font-size="11" fill="#1d2329">\##(n)</text>"## }
        }
        return out + "</svg>"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}
