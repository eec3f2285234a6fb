import Foundation

/// The published complaint guide (《虚拟商品交易投诉指引》; 电子商务法 Art. 59: a platform publishes its complaint
/// channels and handles complaints promptly), written from the policy in force and the taxonomy, never by hand: every
/// promised time, threshold and window in it is the number the workflow runs on.
public struct ComplaintGuide: Sendable, Equatable, Encodable {
    /// One part of the guide: a heading, what it says, and its points (a title and what it means).
    public struct Section: Sendable, Equatable, Encodable {
        public var id: String
        public var title: String
        public var text: String
        public var points: [Point]
    }

    public struct Point: Sendable, Equatable, Encodable {
        public var title: String
        public var detail: String
    }

    public var title: String
    public var platform: String
    /// When the policy it is written from took effect (nil: the defaults, in force since the platform started).
    public var inForceSince: Date?
    public var sections: [Section]

    /// The guide for `policy` (in force since `since`) in one language.
    public static func make(policy p: Policy, taxonomy: Taxonomy, platform: String, since: Date?, chinese zh: Bool) -> ComplaintGuide {
        func t(_ c: String, _ e: String) -> String { zh ? c : e }
        let d = p.deadlines
        let hours = d.hourMode == .business ? t("个工作小时", " working hours") : t(" 小时", " hours")
        func h(_ n: Int) -> String { zh ? "\(n)\(hours)" : "\(n)\(hours)" }
        let threshold = "¥" + Yuan.plain(p.routing.riskControlThresholdFen)
        let replyDays = p.external.replyWorkingDays
        var sections: [Section] = []

        sections.append(
            Section(
                id: "channels", title: t("投诉渠道", "Where to complain"),
                text: t(
                    "您可以通过以下渠道向\(platform)投诉。每件投诉都有编号，处理进展和每一步记录都可以随时查看。",
                    "You can complain to \(platform) through these channels. Every complaint gets a number; its progress and every step are there for you to read at any time."
                ),
                points: [
                    Point(
                        title: t("网页与手机投诉", "On the web and on a phone"),
                        detail: t("登录后点击“我要投诉”，按五个步骤填写并上传证据。", "Log in and choose “File a complaint”: five steps, with your evidence.")),
                    Point(
                        title: t("开放接口", "Through the API"),
                        detail: t("合作方可通过开放接口代会员提交投诉，与网页投诉同样计时。", "Partners may file for members through the API; the same clocks run.")),
                    Point(
                        title: t("紧急通道", "The emergency channel"),
                        detail: t(
                            "账号被盗、盗刷等安全问题进入紧急通道，\(h(d.emergencyFirstResponseHours))内首次响应。",
                            "Security problems such as a stolen account or fraudulent charges go to the emergency channel: a first response within \(h(d.emergencyFirstResponseHours))."
                        )),
                    Point(
                        title: t("外部渠道", "Outside the platform"),
                        detail: t(
                            "您也可以随时向全国12315平台、黑猫投诉等提出投诉（见下文“外部途径”）。",
                            "You may also complain on the national 12315 platform, Black Cat (黑猫投诉) and elsewhere at any time (see “Outside routes” below)."
                        )),
                ]))

        sections.append(
            Section(
                id: "promises", title: t("我们承诺的处理时限", "The times we promise"),
                text: d.hourMode == .business
                    ? t(
                        "时限按工作时间计算（\(clock(d.businessOpensAt))–\(clock(d.businessClosesAt))，法定节假日与调休按国家安排）。",
                        "Times count working hours (\(clock(d.businessOpensAt))–\(clock(d.businessClosesAt)), public holidays and make-up working days as the State Council sets them)."
                    )
                    : t("时限按自然小时连续计算，节假日不停止。", "Times run in natural hours, holidays included."),
                points: [
                    Point(
                        title: t("首次响应", "First response"),
                        detail: t("投诉提交后 \(h(d.firstResponseHours))内。", "Within \(h(d.firstResponseHours)) of filing.")),
                    Point(
                        title: t("紧急通道首次响应", "First response, emergency channel"),
                        detail: t("\(h(d.emergencyFirstResponseHours))内。", "Within \(h(d.emergencyFirstResponseHours)).")),
                    Point(
                        title: t("升级后响应", "Response after escalation"),
                        detail: t("投诉升级后 \(h(d.escalationResponseHours))内由上一级答复。", "The next tier answers within \(h(d.escalationResponseHours)).")),
                    Point(
                        title: t("办结", "Resolution"),
                        detail: t(
                            "提交后 \(h(d.resolutionHours))内提出解决方案或作出处理决定；等待您补充材料的时间不计入。",
                            "A proposed resolution or a decision within \(h(d.resolutionHours)) of filing; time spent waiting for you is not counted."
                        )),
                    Point(
                        title: t("大额与风控", "Large amounts and risk control"),
                        detail: t(
                            "涉及金额超过 \(threshold) 的投诉，以及账号安全问题，直接由风控团队处理。",
                            "Complaints about more than \(threshold), and account-security problems, go straight to the risk-control team."
                        )),
                ]))

        sections.append(
            Section(
                id: "missed", title: t("承诺未兑现时", "When a promise is missed"),
                text: t(
                    "每个期限是否按时完成都记录在处理记录中，并写入可核验的案件档案。",
                    "Whether each deadline was met is recorded in the timeline and in the verifiable case dossier."),
                points: [
                    Point(
                        title: t("自动升级", "Automatic escalation"),
                        detail: t(
                            "一线客服或投诉处理专员未在期限内答复的，系统自动把投诉升级至上一级处理。",
                            "If L1 support or a complaint specialist misses a deadline, the case moves up a tier by itself.")),
                    Point(
                        title: t("您可以申请升级", "You may escalate"),
                        detail: t(
                            "首次响应期限届满、提交满 \(p.member.escalateAfterHours) 小时仍未结案，或您不接受解决方案时，可在案件页面申请升级。",
                            "Once the first-response deadline has passed, \(p.member.escalateAfterHours) hours after filing while the case is open, or after you dispute a proposal, escalate from the case page."
                        )),
                    Point(
                        title: t("可以转向外部途径", "You may go outside"),
                        detail: t(
                            "平台未兑现承诺或作出您不认可的决定时，案件页面会提示外部途径，并为您生成可直接提交的投诉文本。",
                            "When the platform misses a promise or decides against you, the case page shows the outside routes and a complaint text ready to file."
                        )),
                ]))

        sections.append(
            Section(
                id: "evidence", title: t("各类问题需要准备的材料", "What to prepare for each problem"),
                text: t("提交时按问题类型提示以下材料；材料越完整，处理越快。", "The filing asks for these by kind of problem; the more complete, the faster."),
                points: taxonomy.categories.map { c in
                    Point(title: c.label(chinese: zh), detail: c.evidence.map { $0.label(chinese: zh) }.joined(separator: zh ? "、" : ", "))
                }))

        let ruling =
            p.merchant.defaultRuling == .proposeForReview
            ? t("由投诉处理专员按默认规则拟定支持您的裁决并复核确认。", "a complaint specialist confirms a ruling for you proposed by the default rule.")
            : t("平台按默认规则直接作出支持您的裁决。", "the platform rules for you by the default rule.")
        sections.append(
            Section(
                id: "burden", title: t("商家的举证责任", "The merchant's burden of proof"),
                text: t(
                    "平台要求商家提供原始交易记录时（《电子商务法》第六十二条），商家须在 \(p.merchant.evidenceHours) 小时内提供；逾期不提供的，\(ruling)",
                    "When the platform asks a merchant for its original transaction records (E-Commerce Law, Art. 62), the merchant has \(p.merchant.evidenceHours) hours; if it does not answer, \(ruling)"
                ),
                points: [
                    Point(
                        title: t("商家资质公示", "The merchant's records are public"),
                        detail: t(
                            "平台核验商家的营业执照与备案信息，每 \(p.merchant.reverifyDays) 天复核一次，并在投诉页面向您展示（《电子商务法》第二十七条）。",
                            "The platform checks each merchant's business licence and filings, again every \(p.merchant.reverifyDays) days, and shows them to you on the complaint (E-Commerce Law, Art. 27)."
                        ))
                ]))

        sections.append(
            Section(
                id: "proposal", title: t("解决方案与您的确认", "A proposal and your answer"),
                text: t(
                    "平台或商家提出解决方案后，请在 \(p.member.silenceDays) 天内接受或不接受；逾期未答复视为接受。不接受的，平台重新开始计算办结期限，您也可以申请升级。",
                    "When the platform or the merchant proposes a resolution, accept or dispute it within \(p.member.silenceDays) days; silence counts as acceptance. If you dispute it, the resolution clock starts again and you may escalate."
                ),
                points: [
                    Point(
                        title: t("重新处理", "Reopening"),
                        detail: t(
                            "结案后 \(d.reopenWindowDays) 天内，问题再次出现或方案未兑现的，可申请重新处理。",
                            "Within \(d.reopenWindowDays) days of closing, if the problem comes back or the remedy is not delivered, ask to reopen.")),
                    Point(
                        title: t("外部审查", "External review"),
                        detail: t(
                            "争议较大的案件，平台可交由独立的外部审查人审阅公开的处理记录并作出裁决。",
                            "For disputed cases the platform may give the public record to an independent external reviewer, who rules on it.")),
                ]))

        sections.append(
            Section(
                id: "outside", title: t("外部途径", "Outside routes"),
                text: t("这些途径随时可用，不以平台处理完毕为前提。", "These routes are open at any time, whether or not the platform has finished."),
                points: [
                    Point(
                        title: t("全国12315平台", "The national 12315 platform"),
                        detail: t(
                            "市场监管部门在 7 个工作日内决定是否受理（《市场监督管理投诉举报处理暂行办法》第十四条）；平台在 \(replyDays) 个工作日内答复，在线纠纷解决（ODR）协商期为 \(p.external.odrNegotiationWorkingDays) 个工作日。",
                            "The market regulator decides within 7 working days whether to accept it (Interim Measures, Art. 14); the platform replies within \(replyDays) working days, and online dispute resolution (ODR) negotiation runs \(p.external.odrNegotiationWorkingDays) working days."
                        )),
                    Point(
                        title: t("黑猫投诉", "Black Cat (黑猫投诉)"),
                        detail: t("平台在 \(replyDays) 个工作日内答复。", "The platform replies within \(replyDays) working days.")),
                    Point(
                        title: t("惩罚性赔偿", "Punitive compensation"),
                        detail: t(
                            "经营者有欺诈行为的，可要求赔偿价款的三倍，不足 500 元的按 500 元计（《消费者权益保护法》第五十五条）。",
                            "If the seller acted fraudulently you may claim three times the price, at least ¥500 (Consumer Rights Protection Law, Art. 55)."
                        )),
                    Point(
                        title: t("向人民法院起诉", "A people's court"),
                        detail: t(
                            "诉讼时效为三年，自知道权利受损之日起计算（《民法典》第一百八十八条）。",
                            "The limitation period is three years from when you knew of the harm (Civil Code, Art. 188).")),
                ]))

        sections.append(
            Section(
                id: "dossier", title: t("如何核验案件档案", "How to check a case dossier"),
                text: t(
                    "每条处理记录和每个证据文件都写入平台的防篡改证据日志。您可以在案件页面下载案件档案和证据回执，交给监管部门或法院。",
                    "Every timeline entry and evidence file is written to the platform's tamper-evident evidence log. Download the dossier and the receipts from the case page, for a regulator or a court."
                ),
                points: [
                    Point(
                        title: t("离线核验", "Checking offline"),
                        detail: t(
                            "任何人都可以用平台公布的签名公钥离线核验档案：记录被改动、删除或调换顺序都会被发现。",
                            "Anyone can check a dossier offline with the platform's published signing key: an edited, deleted or reordered entry shows."
                        )),
                    Point(
                        title: t("签名公钥", "The signing key"),
                        detail: t("公钥地址：/api/v1/ledger/key", "The key is published at /api/v1/ledger/key")),
                ]))

        return ComplaintGuide(
            title: t("虚拟商品交易投诉指引", "Complaint guide for virtual goods"), platform: platform, inForceSince: since, sections: sections)
    }

    /// The last instant of a day given as yyyy-mm-dd in Beijing time (the guide in force on that day), for days from
    /// 2000 to 2100; nil for anything else.
    public static func endOfDay(_ text: String) -> Date? {
        guard let day = CivilDate(iso: text), (2000...2100).contains(day.year) else { return nil }
        return Date(timeIntervalSince1970: Double(day.dayNumber + 1) * 86_400 - 8 * 3600 - 0.001)
    }

    static func clock(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60
        return "\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }
}
