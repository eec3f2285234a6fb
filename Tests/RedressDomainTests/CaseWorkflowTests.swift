import Foundation
import Testing

@testable import RedressDomain

@Suite("Case workflow")
struct CaseWorkflowTests {
    let wf = Fixtures.workflow
    let t0 = Fixtures.local(2026, 11, 30, 10)

    @Test func filingRoutesAndStartsTheClocks() throws {
        let change = try wf.file(Fixtures.draft(), id: "c-1", caseNumber: "RD-20261130-000001", memberId: "m-1", now: t0)
        let c = change.complaint
        #expect(c.status == .submitted && c.tier == .l1 && c.queue == .l1)
        let first = try #require(c.deadlines.first { $0.kind == .firstResponse })
        #expect(first.dueAt == t0.addingTimeInterval(24 * 3600))
        #expect(c.deadlines.first { $0.kind == .resolution }?.dueAt == t0.addingTimeInterval(72 * 3600))
        #expect(change.events.map(\.kind) == [.submitted, .routed])
        #expect(change.events[0].payload["narrative"] == .string("充值未到账"))
    }

    @Test func emergencyHasAOneHourTarget() throws {
        let c = try Fixtures.filed(Fixtures.draft(category: "security.account_stolen", emergency: true))
        #expect(c.queue == .emergency)
        #expect(c.deadlines.first { $0.kind == .firstResponse }?.dueAt == t0.addingTimeInterval(3600))
    }

    @Test func businessHourPolicyAppliesExceptOnTheEmergencyChannel() throws {
        var policy = Policy.default
        policy.deadlines.hourMode = .business
        let bw = CaseWorkflow(policy: policy, calendar: Fixtures.calendar)
        // Friday 17:00 + 24 business hours (9 h a day): Fri 1 h, Mon 9 h, Tue 9 h, Wed 5 h → Wed 14:00.
        let fri = Fixtures.local(2026, 11, 27, 17)
        let c = try bw.file(Fixtures.draft(), id: "c", caseNumber: "n", memberId: "m", now: fri).complaint
        #expect(c.deadlines[0].dueAt == Fixtures.local(2026, 12, 2, 14))
        let e = try bw.file(Fixtures.draft(category: "security.account_stolen", emergency: true), id: "e", caseNumber: "n", memberId: "m", now: fri)
            .complaint
        #expect(e.deadlines[0].dueAt == fri.addingTimeInterval(3600))
        #expect(e.deadlines[0].mode == .natural)
    }

    @Test func aPublicStaffReplyMeetsTheFirstResponseButAnInternalNoteDoesNot() throws {
        let c = try Fixtures.filed()
        let noted = try wf.message(on: c, by: Fixtures.agent, body: "查一下", visibility: .internal, now: t0.addingTimeInterval(60)).complaint
        #expect(noted.firstRespondedAt == nil)
        #expect(noted.deadlines[0].metAt == nil)
        let replied = try wf.message(on: noted, by: Fixtures.agent, body: "您好，已收到", visibility: .public, now: t0.addingTimeInterval(120))
        #expect(replied.complaint.deadlines[0].metAt == t0.addingTimeInterval(120))
        #expect(replied.complaint.status == .inProgress)
        #expect(replied.events.map(\.kind) == [.publicMessage, .statusChanged])
    }

    @Test func membersCannotWriteInternalNotes() throws {
        let c = try Fixtures.filed()
        #expect(throws: DomainError.self) { try wf.message(on: c, by: Fixtures.member, body: "x", visibility: .internal, now: t0) }
    }

    @Test func theClockPausesWhileAwaitingTheMember() throws {
        let c = try Fixtures.filed()
        // 10 h in, the agent asks for information: first response met, the resolution clock (72 h) pauses with 62 h left.
        let asked = try wf.act(.requestInfo, on: c, by: Fixtures.agent, input: .init(note: "请补充截图"), now: t0.addingTimeInterval(10 * 3600)).complaint
        let paused = try #require(asked.deadlines.first { $0.kind == .resolution })
        #expect(paused.isPaused && paused.pausedRemainingSeconds == 62 * 3600)
        #expect(asked.sweepDueAt == nil)
        // The member answers 100 h later; the clock restarts with 62 h.
        let back = t0.addingTimeInterval(110 * 3600)
        let answered = try wf.message(on: asked, by: Fixtures.member, body: "截图已上传", visibility: .public, now: back).complaint
        #expect(answered.status == .inProgress)
        #expect(answered.deadlines.first { $0.kind == .resolution }?.dueAt == back.addingTimeInterval(62 * 3600))
    }

    @Test func aMemberMayEscalateOnlyAfterTheDeadlineOrADispute() throws {
        let c = try Fixtures.filed()
        #expect(throws: DomainError.escalationNotYetAllowed) {
            try wf.escalate(c, by: Fixtures.member, reason: "太慢", now: t0.addingTimeInterval(3600))
        }
        let late = try wf.escalate(c, by: Fixtures.member, reason: "24 小时无人回复", now: t0.addingTimeInterval(24 * 3600 + 1))
        #expect(late.complaint.tier == .l2 && late.complaint.queue == .l2)
        let esc = try #require(late.complaint.deadlines.last)
        #expect(esc.kind == .escalationResponse && esc.dueAt == t0.addingTimeInterval(24 * 3600 + 1 + 48 * 3600))
        #expect(late.complaint.deadlines[0].supersededAt != nil)

        let proposed = try wf.act(.proposeResolution, on: c, by: Fixtures.agent, input: .init(note: "退款"), now: t0.addingTimeInterval(3600))
        let disputed = try wf.act(.dispute, on: proposed.complaint, by: Fixtures.member, now: t0.addingTimeInterval(7200))
        #expect(disputed.complaint.status == .inProgress)
        let up = try wf.escalate(disputed.complaint, by: Fixtures.member, reason: "方案不合理", now: t0.addingTimeInterval(7300))
        #expect(up.complaint.tier == .l2)
    }

    /// A disputed proposal starts the platform's clock again: the case does not wait with no promise running, and
    /// missing the new one escalates it as any missed response does.
    @Test func aDisputeStartsANewPlatformClockWhoseBreachEscalates() throws {
        let c = try Fixtures.filed()
        let proposed = try wf.act(.proposeResolution, on: c, by: Fixtures.agent, input: .init(note: "退款"), now: t0.addingTimeInterval(3600))
        let at = t0.addingTimeInterval(7200)
        let disputed = try wf.act(.dispute, on: proposed.complaint, by: Fixtures.member, now: at).complaint
        let clock = try #require(disputed.openDeadlines.first { $0.kind == .resolution })
        #expect(clock.tier == .l1 && clock.dueAt == at.addingTimeInterval(Double(Policy.default.deadlines.resolutionHours) * 3600))
        #expect(disputed.nextDueAt != nil)
        let swept = try #require(wf.sweep(disputed, now: clock.dueAt!.addingTimeInterval(1)))
        #expect(swept.complaint.tier == .l2 && swept.events.contains { $0.kind == .escalated })
    }

    @Test func staffEscalateAnyTimeUpToRiskControl() throws {
        var c = try Fixtures.filed()
        c = try wf.escalate(c, by: Fixtures.agent, reason: "复杂", now: t0).complaint
        c = try wf.escalate(c, by: Fixtures.specialist, reason: "涉及盗刷", now: t0).complaint
        #expect(c.tier == .riskControl && c.queue == .riskControl)
        #expect(throws: DomainError.alreadyTopTier) { try wf.escalate(c, by: Fixtures.specialist, reason: "x", now: t0) }
    }

    @Test func theSweeperRemindsOnceRecordsABreachOnceAndEscalatesAnOverdueL1Case() throws {
        let c = try Fixtures.filed()
        #expect(wf.sweep(c, now: t0.addingTimeInterval(17 * 3600)) == nil)
        // 24 h clock, 24 h reminder lead: the reminder comes a quarter of the clock early (at 18 h), once.
        let reminded = try #require(wf.sweep(c, now: t0.addingTimeInterval(19 * 3600)))
        #expect(reminded.events.map(\.kind) == [.deadlineApproaching])
        #expect(reminded.events[0].visibility == .internal)
        #expect(wf.sweep(reminded.complaint, now: t0.addingTimeInterval(20 * 3600)) == nil)
        let swept = try #require(wf.sweep(reminded.complaint, now: t0.addingTimeInterval(25 * 3600)))
        #expect(swept.events.map(\.kind) == [.deadlineBreached, .escalated])
        #expect(swept.complaint.tier == .l2)
        #expect(swept.events[1].payload["automatic"] == .bool(true))
        #expect(wf.sweep(swept.complaint, now: t0.addingTimeInterval(26 * 3600)) == nil)
    }

    @Test func aBreachAtL2EscalatesToRiskControlAndABreachThereIsOnlyRecorded() throws {
        let c = try wf.escalate(try Fixtures.filed(), by: Fixtures.agent, reason: "x", now: t0).complaint
        let swept = try #require(wf.sweep(c, now: t0.addingTimeInterval(49 * 3600)))
        // The 72 h resolution clock's reminder (24 h before) and the 48 h L2 response breach, which moves the case up.
        #expect(swept.events.map(\.kind) == [.deadlineApproaching, .deadlineBreached, .escalated])
        #expect(swept.complaint.tier == .riskControl)
        let top = try #require(wf.sweep(swept.complaint, now: t0.addingTimeInterval(98 * 3600)))
        #expect(top.events.filter { $0.kind == .deadlineBreached }.count == 2)
        #expect(!top.events.contains { $0.kind == .escalated })
        #expect(top.complaint.tier == .riskControl)
    }

    @Test func reopeningIsAllowedForThirtyDays() throws {
        var c = try Fixtures.filed()
        c = try wf.act(.resolve, on: wf.act(.acknowledge, on: c, by: Fixtures.agent, now: t0).complaint, by: Fixtures.agent, now: t0).complaint
        c = try wf.act(.close, on: c, by: Fixtures.agent, now: t0).complaint
        #expect(c.openDeadlines.isEmpty)
        let reopened = try wf.act(.reopen, on: c, by: Fixtures.member, now: t0.addingTimeInterval(29 * 86_400))
        #expect(reopened.complaint.status == .inProgress)
        #expect(reopened.complaint.openDeadlines.contains { $0.kind == .firstResponse })
        #expect(throws: DomainError.reopenWindowExpired) { try wf.act(.reopen, on: c, by: Fixtures.member, now: t0.addingTimeInterval(31 * 86_400)) }
    }

    @Test func rejectionNeedsAReasonAndProposalsNeedText() throws {
        let c = try Fixtures.filed()
        #expect(throws: DomainError.self) { try wf.act(.reject, on: c, by: Fixtures.agent, now: t0) }
        let r = try wf.act(.reject, on: c, by: Fixtures.agent, input: .init(rejectionReason: .duplicate), now: t0)
        #expect(r.complaint.rejectionReason == .duplicate)
        #expect(r.events[0].payload["reason"] == .string("duplicate"))
        #expect(throws: DomainError.self) { try wf.act(.proposeResolution, on: c, by: Fixtures.agent, input: .init(note: "  "), now: t0) }
    }
}

@Suite("Complaint validation")
struct ComplaintDraftTests {
    let now = Fixtures.local(2026, 11, 30, 10)

    func field(_ d: ComplaintDraft) -> String? {
        do {
            _ = try d.validated(taxonomy: .standard, now: now)
            return nil
        } catch {
            return "\(error.field ?? "-"):\(error.code)"
        }
    }

    @Test func aGoodDraftPasses() { #expect(field(Fixtures.draft()) == nil) }

    @Test func eachBadFieldIsNamed() {
        #expect(field(Fixtures.draft(category: "transaction.nope")) == "category:unknown_category")
        #expect(field(Fixtures.draft(paid: -1)) == "order.amountPaidFen:negative_amount")
        #expect(field(Fixtures.draft(claimed: 10_000_000_001)) == "amountClaimedFen:out_of_range")
        #expect(field(Fixtures.draft(narrative: String(repeating: "字", count: 10_001))) == "narrative:too_long")
        #expect(field(Fixtures.draft(narrative: String(repeating: "字", count: 10_000))) == nil)
        #expect(field(Fixtures.draft(narrative: "   ")) == "narrative:required")
        #expect(field(Fixtures.draft(respondent: .merchant)) == "order.merchantId:required")
        var d = Fixtures.draft()
        d.remedy = Remedy(kind: .other)
        #expect(field(d) == "remedy.text:required")
        d = Fixtures.draft()
        d.occurredAt = now.addingTimeInterval(86_400)
        #expect(field(d) == "occurredAt:out_of_range")
        d = Fixtures.draft()
        d.order.orderNumber = ""
        #expect(field(d) == "order.orderNumber:required")
    }

    @Test func taxonomyHasThreeDimensionsPlusOther() {
        let t = Taxonomy.standard
        #expect(Set(t.categories.map(\.dimension)) == Set(Dimension.allCases))
        #expect(t.categories.filter { $0.dimension == .transaction }.count == 3)
        #expect(t.categories.filter { $0.dimension == .service }.count == 3)
        #expect(t.categories.filter { $0.dimension == .security }.count == 3)
        #expect(t.category("transaction.topup_not_credited")?.evidence.contains(.paymentVoucher) == true)
        #expect(Set(t.categories.map(\.code)).count == t.categories.count)
    }
}

@Suite("Notices name things in words")
struct NoticeWordsTests {
    /// A notice's summary becomes an e-mail subject: the deadline is named, not coded.
    @Test func aDeadlineNoticeNamesTheDeadline() throws {
        let c = try Fixtures.filed()
        for (kind, zh) in [(DeadlineKind.externalReply, "外部投诉答复期限"), (.firstResponse, "首次响应期限")] {
            for topic in [EventKind.deadlineBreached, .deadlineApproaching] {
                let e = TimelineEvent(
                    complaintId: c.id, sequence: 3, kind: topic, actor: .system, visibility: .public, occurredAtMs: 0,
                    payload: ["deadline": .string(kind.rawValue), "owner": "platform", "tier": "l1", "dueAtMs": 0], previousHash: "", hash: "")
                let notice = try #require(Notice.plan(c, events: [e]).first)
                #expect(notice.summaryZh.contains(zh) && !notice.summaryZh.contains(kind.rawValue), "\(notice.summaryZh)")
                #expect(!notice.summaryEn.contains(kind.rawValue), "\(notice.summaryEn)")
            }
        }
    }
}
