import Foundation
import Hummingbird
import Mustache
import NIOCore
import RedressDomain

/// The pages' templates (Resources/templates/web, swift-mustache) and static assets (Resources/web), loaded once.
struct WebPages: Sendable {
    let library: MustacheLibrary
    let assets: [String: (type: String, bytes: ByteBuffer)]

    static let shared: WebPages = {
        var templates: [String: MustacheTemplate] = [:]
        if let dir = Bundle.module.url(forResource: "web", withExtension: nil, subdirectory: "templates"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        {
            for name in names where name.hasSuffix(".mustache") {
                if let text = try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8), let t = try? MustacheTemplate(string: text) {
                    templates[String(name.dropLast(".mustache".count))] = t
                }
            }
        }
        var assets: [String: (String, ByteBuffer)] = [:]
        if let dir = Bundle.module.url(forResource: "web", withExtension: nil), let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) {
            for name in names {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
                assets[name] = (type, ByteBuffer(bytes: data))
            }
        }
        return WebPages(library: MustacheLibrary(templates: templates), assets: assets)
    }()

    /// Renders `template` inside the layout. `model` gets the words (`t`), the language, the CSRF token and the user.
    func page(
        _ template: String, title: String, model: [String: Any], request: Request, context: RedressRequestContext, status: HTTPResponse.Status = .ok,
        cookies: [Cookie] = []
    ) -> Response {
        let chinese = WebSession.chinese(request)
        let (csrf, isNew) = WebSession.csrf(request)
        var m = model
        m["t"] = WebText.words(chinese: chinese)
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
            all.append(Cookie(name: WebSession.languageCookie, value: lang == "en" ? "en" : "zh", maxAge: 365 * 86_400, path: "/", httpOnly: true, sameSite: .lax))
        }
        return WebSession.html(html, status: status, cookies: all)
    }

    /// A fragment without the layout (for live updates).
    func fragment(_ template: String, model: [String: Any], request: Request) -> Response {
        var m = model
        m["t"] = WebText.words(chinese: WebSession.chinese(request))
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

    static func yuan(_ fen: Int64) -> String { String(format: "¥%.2f", Double(fen) / 100) }

    /// "2 天 3 小时" / "2 d 3 h" until `due`, or nil when it has passed.
    static func remaining(_ due: Date, now: Date, chinese: Bool) -> String? {
        let s = Int(due.timeIntervalSince(now))
        guard s > 0 else { return nil }
        let d = s / 86_400, h = (s % 86_400) / 3600, m = (s % 3600) / 60
        if chinese { return d > 0 ? "\(d) 天 \(h) 小时" : h > 0 ? "\(h) 小时 \(m) 分" : "\(m) 分钟" }
        return d > 0 ? "\(d) d \(h) h" : h > 0 ? "\(h) h \(m) min" : "\(m) min"
    }

    static func deadlineLabel(_ k: DeadlineKind, chinese: Bool) -> String {
        switch k {
        case .firstResponse: chinese ? "首次响应" : "First response"
        case .escalationResponse: chinese ? "升级后响应" : "Response after escalation"
        case .resolution: chinese ? "处理结果" : "Resolution"
        case .merchantEvidence: chinese ? "商家举证" : "Merchant's records"
        case .memberConfirmation: chinese ? "您确认方案" : "Your answer to the proposal"
        case .externalReply: chinese ? "外部投诉答复" : "Reply to the external complaint"
        case .odrNegotiation: chinese ? "ODR 协商" : "ODR negotiation"
        }
    }

    /// A case's open deadlines for a page: label, due time, the ISO instant for the live countdown, overdue or not.
    static func deadlines(_ c: Complaint, now: Date, chinese: Bool) -> [[String: Any]] {
        c.openDeadlines.compactMap { d in
            guard let due = d.dueAt else { return nil }
            var m: [String: Any] = ["label": deadlineLabel(d.kind, chinese: chinese), "due": instant(due), "iso": iso(due)]
            if let r = remaining(due, now: now, chinese: chinese) { m["remaining"] = r } else { m["overdue"] = true }
            return m
        }
    }

    static func status(_ s: ComplaintStatus, chinese: Bool) -> String { chinese ? s.labelZh : s.labelEn }

    static func queue(_ q: Queue, chinese: Bool) -> String {
        switch q {
        case .l1: chinese ? "一线客服队列" : "L1 queue"
        case .l2: chinese ? "投诉专员队列" : "L2 queue"
        case .riskControl: chinese ? "风控队列" : "Risk control queue"
        case .emergency: chinese ? "紧急通道" : "Emergency channel"
        }
    }

    static func tier(_ t: Tier, chinese: Bool) -> String {
        switch t {
        case .l1: chinese ? "一线客服" : "L1 support"
        case .l2: chinese ? "投诉处理专员" : "L2 specialist"
        case .riskControl: chinese ? "风控" : "Risk control"
        }
    }

    static func role(_ r: Role, chinese zh: Bool) -> String {
        switch r {
        case .member: zh ? "会员" : "Member"
        case .agent: zh ? "一线客服" : "L1 agent"
        case .specialist: zh ? "投诉处理专员" : "L2 specialist"
        case .riskControl: zh ? "风控" : "Risk control"
        case .admin: zh ? "管理员" : "Admin"
        case .merchant: zh ? "商家" : "Merchant"
        case .arbitrator: zh ? "外部评审" : "External reviewer"
        case .system: zh ? "系统" : "System"
        }
    }

    static func kindLabel(_ k: EventKind, chinese zh: Bool) -> String {
        switch k {
        case .submitted: zh ? "提交投诉" : "Filed"
        case .routed: zh ? "分派处理" : "Routed"
        case .publicMessage: zh ? "留言" : "Message"
        case .internalNote: zh ? "内部备注" : "Internal note"
        case .statusChanged: zh ? "状态变更" : "Status changed"
        case .assigned: zh ? "指派" : "Assigned"
        case .escalated: zh ? "升级处理" : "Escalated"
        case .evidenceAdded: zh ? "上传证据" : "Evidence added"
        case .deadlineBreached: zh ? "期限超时" : "Deadline missed"
        case .automaticAction: zh ? "自动处理" : "Automatic action"
        case .respondentChanged: zh ? "变更被投诉方" : "Respondent changed"
        case .recordsRequested: zh ? "要求商家举证" : "Records requested"
        case .recordsSubmitted: zh ? "商家提交材料" : "Records submitted"
        case .recordsDefaulted: zh ? "商家逾期未举证" : "Records not provided"
        case .remedyOffered: zh ? "商家提出方案" : "Merchant's offer"
        case .rulingProposed: zh ? "拟定裁决" : "Ruling proposed"
        case .ruled: zh ? "裁决" : "Ruling"
        case .frozen: zh ? "冻结" : "Frozen"
        case .freezeReleased: zh ? "解除冻结" : "Freeze released"
        case .externalComplaintRecorded: zh ? "外部投诉登记" : "External complaint recorded"
        case .externalComplaintUpdated: zh ? "外部投诉更新" : "External complaint updated"
        case .rated: zh ? "评价" : "Rated"
        case .reviewerAssigned: zh ? "指定外部评审" : "External reviewer assigned"
        case .deadlineApproaching: zh ? "期限提醒" : "Deadline reminder"
        }
    }

    /// One timeline entry: who, when, what (a message's text; otherwise the kind of event and its reason or note).
    static func event(_ e: TimelineEvent, chinese: Bool) -> [String: Any] {
        let who: String =
            switch e.actor.role {
            case .member: chinese ? "会员" : "Member"
            case .system: chinese ? "系统" : "System"
            case .merchant: chinese ? "商家" : "Merchant"
            case .arbitrator: chinese ? "外部评审" : "External reviewer"
            default: chinese ? "平台客服" : "Platform staff"
            }
        var text = ""
        for key in ["body", "narrative", "note", "reason", "text"] {
            if case .string(let s)? = e.payload[key], !s.isEmpty {
                text = s
                break
            }
        }
        if text.isEmpty, case .string(let to)? = e.payload["to"], let s = ComplaintStatus(rawValue: to) {
            text = (chinese ? "状态变为：" : "Status: ") + status(s, chinese: chinese)
        }
        if e.kind == .evidenceAdded, case .string(let name)? = e.payload["fileName"] { text = name }
        return [
            "kind": e.kind.rawValue, "what": kindLabel(e.kind, chinese: chinese), "who": who, "at": instant(e.occurredAt), "text": text, "internal": e.visibility == .internal,
            "sequence": e.sequence,
        ]
    }
}
