import Foundation
import Testing

@testable import RedressDomain

@Suite("Case life cycle")
struct LifecycleTests {
    @Test func theHappyPath() throws {
        var s = ComplaintStatus.submitted
        s = try Lifecycle.apply(.acknowledge, to: s, by: .agent)
        #expect(s == .acknowledged)
        s = try Lifecycle.apply(.startWork, to: s, by: .agent)
        s = try Lifecycle.apply(.requestInfo, to: s, by: .agent)
        #expect(s == .awaitingMember)
        s = try Lifecycle.apply(.resume, to: s, by: .agent)
        s = try Lifecycle.apply(.awaitMerchant, to: s, by: .specialist)
        #expect(s == .awaitingMerchant)
        s = try Lifecycle.apply(.proposeResolution, to: s, by: .specialist)
        #expect(s == .resolutionProposed)
        s = try Lifecycle.apply(.accept, to: s, by: .member)
        #expect(s == .resolved)
        s = try Lifecycle.apply(.close, to: s, by: .system)
        #expect(s == .closed)
        s = try Lifecycle.apply(.reopen, to: s, by: .member)
        #expect(s == .inProgress)
    }

    @Test func everyActionFromEveryStatusIsEitherItsTargetOrAnIllegalTransitionError() {
        for action in CaseAction.allCases {
            for status in ComplaintStatus.allCases {
                for role in Lifecycle.roles(for: action) {
                    do {
                        let next = try Lifecycle.apply(action, to: status, by: role)
                        #expect(next == Lifecycle.target(of: action, from: status))
                    } catch {
                        #expect(Lifecycle.target(of: action, from: status) == nil)
                        #expect(error == .illegalTransition(from: status, action: action.rawValue))
                        #expect(error.code == "illegal_transition")
                    }
                }
            }
        }
    }

    @Test func finishedCasesCannotBeWorked() {
        for status in [ComplaintStatus.closed, .withdrawn] {
            #expect(throws: DomainError.illegalTransition(from: status, action: "resolve")) { try Lifecycle.apply(.resolve, to: status, by: .agent) }
        }
        #expect(throws: DomainError.illegalTransition(from: .submitted, action: "close")) { try Lifecycle.apply(.close, to: .submitted, by: .agent) }
    }

    @Test func whoMayTakeEachAction() {
        #expect(throws: DomainError.actionNotPermitted(action: "acknowledge", role: .member)) {
            try Lifecycle.apply(.acknowledge, to: .submitted, by: .member)
        }
        #expect(throws: DomainError.actionNotPermitted(action: "accept", role: .agent)) {
            try Lifecycle.apply(.accept, to: .resolutionProposed, by: .agent)
        }
        #expect(throws: DomainError.actionNotPermitted(action: "withdraw", role: .agent)) {
            try Lifecycle.apply(.withdraw, to: .inProgress, by: .agent)
        }
        #expect(Lifecycle.roles(for: .withdraw) == [.member])
    }
}

@Suite("Routing")
struct RoutingTests {
    let policy = RoutingPolicy()

    @Test func defaultsToL1() {
        #expect(
            policy.route(dimension: .transaction, amountFen: 9_800, emergency: false) == RoutingDecision(tier: .l1, queue: .l1, reasons: ["default"]))
    }

    @Test func exactlyFiveHundredYuanStaysWithL1AndOneFenMoreGoesToRiskControl() {
        #expect(policy.route(dimension: .service, amountFen: 50_000, emergency: false).tier == .l1)
        let r = policy.route(dimension: .service, amountFen: 50_001, emergency: false)
        #expect(r.tier == .riskControl && r.queue == .riskControl && r.reasons == ["amount_over_threshold"])
    }

    @Test func securityGoesToRiskControl() {
        let r = policy.route(dimension: .security, amountFen: 0, emergency: false)
        #expect(r.queue == .riskControl && r.reasons == ["security_dimension"])
    }

    @Test func emergencyGoesToTheEmergencyQueue() {
        let r = policy.route(dimension: .security, amountFen: 90_000, emergency: true)
        #expect(r.queue == .emergency && r.tier == .riskControl)
        #expect(r.reasons == ["emergency", "amount_over_threshold", "security_dimension"])
    }

    @Test func thresholdIsPolicyData() {
        let p = RoutingPolicy(riskControlThresholdFen: 10_000, securityToRiskControl: false)
        #expect(p.route(dimension: .transaction, amountFen: 10_001, emergency: false).tier == .riskControl)
        #expect(p.route(dimension: .security, amountFen: 0, emergency: false).tier == .l1)
        let decoded = try? JSONDecoder().decode(RoutingPolicy.self, from: JSONEncoder().encode(p))
        #expect(decoded == p)
    }

    @Test func escalationLadder() {
        #expect(Tier.l1.next == .l2)
        #expect(Tier.l2.next == .riskControl)
        #expect(Tier.riskControl.next == nil)
    }
}
