import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import RedressApp
import RedressDomain
import RedressHTTP

/// The pages' templates (Resources/templates/web, swift-mustache) and static assets (Resources/web), loaded once.
struct WebPages: Sendable {
    let library: MustacheLibrary
    let assets: [String: (type: String, bytes: ByteBuffer)]

    static let shared: WebPages = {
        var templates: [String: MustacheTemplate] = [:]
        if let dir = Bundle.module.url(forResource: "templates", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        {
            for name in names where name.hasSuffix(".mustache") {
                if let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8), let t = try? MustacheTemplate(string: text)
                {
                    templates[String(name.dropLast(".mustache".count))] = t
                }
            }
        }
        var assets: [String: (String, ByteBuffer)] = [:]
        if let dir = Bundle.module.url(forResource: "web", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        {
            for name in names {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                let type =
                    name.hasSuffix(".css")
                    ? "text/css; charset=utf-8"
                    : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : name.hasSuffix(".ico") ? "image/x-icon" : "application/octet-stream"
                assets[name] = (type, ByteBuffer(bytes: data))
            }
        }
        assets["words.json"] = ("application/json", ByteBuffer(bytes: WebText.ownWordsJSON()))
        return WebPages(library: MustacheLibrary(templates: templates), assets: assets)
    }()

    /// Renders `template` inside the layout. `model` gets the words (`t`), the language, the CSRF token and the user.
    func page(
        _ template: String, title: String, model: some PageModel, request: Request, context: RedressRequestContext,
        status: HTTPResponse.Status = .ok, cookies: [Cookie] = []
    ) -> Response {
        page(template, title: title, model: model.fields, request: request, context: context, status: status, cookies: cookies)
    }

    func page(
        _ template: String, title: String, model: [String: Any], request: Request, context: RedressRequestContext, status: HTTPResponse.Status = .ok,
        cookies: [Cookie] = []
    ) -> Response {
        let chinese = WebSession.chinese(request)
        let (csrf, isNew) = WebSession.csrf(request)
        var m = model
        m["t"] = WebText.words(chinese: chinese)
        m["u"] = SiteURL.named
        m["csrf"] = csrf
        m["lang"] = chinese ? "zh-CN" : "en"
        m["otherLang"] = chinese ? "en" : "zh"
        m["path"] = request.uri.path
        if let identity = context.identity {
            m["signedIn"] = true
            m["staff"] = identity.role.isStaff
            m["member"] = identity.role == .member
            m["merchant"] = identity.role == .merchant
            m["reviewer"] = identity.role == .arbitrator
            m["supervisor"] = identity.role == .admin || identity.role.decides
        }
        let content = library.render(m, withTemplate: template) ?? ""
        m["content"] = content
        m["title"] = title
        let html = library.render(m, withTemplate: "layout") ?? content
        var all = cookies
        if isNew { all.append(WebSession.csrfCookie(csrf, request: request)) }
        if let lang = request.uri.queryParameters.get("lang") {
            all.append(
                Cookie(
                    name: WebSession.languageCookie, value: lang == "en" ? "en" : "zh", maxAge: 365 * 86_400, path: "/", httpOnly: true,
                    sameSite: .lax))
        }
        return WebSession.html(html, status: status, cookies: all)
    }

    /// A fragment without the layout (for live updates).
    func fragment(_ template: String, model: [String: Any], request: Request) -> Response {
        var m = model
        m["t"] = WebText.words(chinese: WebSession.chinese(request))
        m["u"] = SiteURL.named
        m["csrf"] = WebSession.csrf(request).value
        return WebSession.html(library.render(m, withTemplate: template) ?? "")
    }
}

/// Formatting shared by the pages.
enum WebFormat {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!

    /// "2026-11-30 14:05" in Beijing time (UTC+8 all year: China has no summer time). Written by hand: a formatter
    /// per call cost more than the rest of a queue page.
    static func instant(_ d: Date) -> String {
        let local = Int64((d.timeIntervalSince1970).rounded(.down)) + 8 * 3600
        let days = Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        let seconds = Int(local - Int64(days) * 86_400)
        return "\(CivilDate(dayNumber: days)) \(two(seconds / 3600)):\(two(seconds % 3600 / 60))"
    }

    /// RFC 3339 in UTC, for the countdowns.
    static func iso(_ d: Date) -> String {
        let t = Int64((d.timeIntervalSince1970).rounded(.down))
        let days = Int(t >= 0 ? t / 86_400 : (t - 86_399) / 86_400)
        let seconds = Int(t - Int64(days) * 86_400)
        return "\(CivilDate(dayNumber: days))T\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))Z"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// The hour buckets durations are counted in (the dashboard's distributions, the public figures' median answer
    /// time), by `CaseFigures.answerEdges`: "1 小时内", "1–4 小时", …, "72 小时以上".
    static func hourBuckets(chinese zh: Bool) -> [String] {
        let edges = CaseFigures.answerEdges.map { Int($0) }
        let unit = zh ? " 小时" : " h"
        var out = [zh ? "\(edges[0]) 小时内" : "< \(edges[0]) h"]
        for (a, b) in zip(edges, edges.dropFirst()) { out.append("\(a)–\(b)\(unit)") }
        out.append(zh ? "\(edges.last!) 小时以上" : "≥ \(edges.last!) h")
        return out
    }

    /// A span of waiting: "3 分 20 秒" / "3 min 20 s", "2 小时 5 分" / "2 h 5 min".
    static func waited(seconds s: Int, chinese zh: Bool) -> String {
        let h = s / 3600, m = (s % 3600) / 60, sec = s % 60
        if zh { return h > 0 ? "\(h) 小时 \(m) 分" : m > 0 ? "\(m) 分 \(sec) 秒" : "\(sec) 秒" }
        return h > 0 ? "\(h) h \(m) min" : m > 0 ? "\(m) min \(sec) s" : "\(sec) s"
    }

    /// "剩余 2 天 3 小时" / "2 d 3 h left" until `due`, or nil when it has passed.
    static func remaining(_ due: Date, now: Date, chinese: Bool) -> String? {
        let s = Int(due.timeIntervalSince(now))
        guard s > 0 else { return nil }
        let d = s / 86_400, h = (s % 86_400) / 3600, m = (s % 3600) / 60
        if chinese { return "剩余 " + (d > 0 ? "\(d) 天 \(h) 小时" : h > 0 ? "\(h) 小时 \(m) 分" : "\(m) 分钟") }
        return (d > 0 ? "\(d) d \(h) h" : h > 0 ? "\(h) h \(m) min" : "\(m) min") + " left"
    }

    /// A case's open deadlines for a page: label, due time, the ISO instant for the live countdown, overdue or not.
    /// A member reads the deadline they owe in their own words ("your answer to the proposal").
    static func deadlines(_ c: Complaint, now: Date, for viewer: Role, chinese: Bool) -> [DeadlineRow] {
        c.openDeadlines.compactMap { d in
            guard let due = d.dueAt else { return nil }
            let left = remaining(due, now: now, chinese: chinese)
            let label =
                viewer == .member && d.kind == .memberConfirmation
                ? WebText.word("yourAnswerDeadline", chinese: chinese) : d.kind.label(chinese: chinese)
            return DeadlineRow(label: label, due: instant(due), iso: iso(due), remaining: left, overdue: left == nil)
        }
    }

    /// One timeline entry: who, when, what (a message's text; otherwise the kind of event and its reason or note).
    static func event(_ e: TimelineEvent, chinese: Bool) -> EventRow {
        // Staff speak for the platform: a member or merchant reads "platform staff", not the staff member's tier.
        let who = e.actor.role.isStaff ? WebText.word("platformStaff", chinese: chinese) : e.actor.role.label(chinese: chinese)
        var text = ""
        for key in ["body", "narrative", "note", "reason", "text"] {
            if case .string(let s)? = e.payload[key], !s.isEmpty {
                text = s
                break
            }
        }
        if text.isEmpty, case .string(let to)? = e.payload["to"], let s = ComplaintStatus(rawValue: to) {
            text = WebText.word("statusNow", chinese: chinese) + s.label(chinese: chinese)
        }
        if e.kind == .evidenceAdded, case .string(let name)? = e.payload["fileName"] { text = name }
        // The system's own escalation reads in the reader's language (its stored reason is in both).
        if e.kind == .escalated, case .bool(true)? = e.payload["automatic"] { text = WebText.word("autoEscalated", chinese: chinese) }
        if e.isContentErased { text = WebText.word("contentErased", chinese: chinese) }
        return EventRow(
            kind: e.kind.rawValue, what: e.kind.label(chinese: chinese), who: who, at: instant(e.occurredAt), text: text,
            internal: e.visibility == .internal, sequence: e.sequence)
    }
}
