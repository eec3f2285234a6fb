import Foundation
import RedressDomain
import RedressStorage

/// The policy (thresholds and clocks) and the holiday calendars: changed by admins, in force on every server within
/// seconds, without a restart.
package struct PolicyService: Sendable {
    let app: RedressServices
    var store: any RedressStore { app.store }

    /// The workflow of the policy and calendars in force.
    package func workflow() async throws -> CaseWorkflow { try await app.policies.workflow() }

    /// The policy in force (staff).
    package func current(by caller: Identity) async throws -> Policy {
        guard caller.role.isStaff else { throw AppError.forbidden }
        return try await store.policy()
    }

    /// Replaces the policy (admins), recording who changed what.
    package func save(_ policy: Policy, by caller: Identity) async throws {
        try AccountService.requireAdmin(caller)
        try policy.validate()
        try await store.savePolicy(policy, by: caller.userId, at: app.now())
        app.policies.invalidate()
        app.logger.info("policy saved", metadata: ["by": "\(caller.userId)"])
    }

    /// Every change of the policy, newest first (admins).
    package func history(limit: Int, by caller: Identity) async throws -> [PolicyChange] {
        try AccountService.requireAdmin(caller)
        return try await store.policyHistory(limit: limit)
    }

    /// The holiday calendars on file (public).
    package func calendarYears() async throws -> [HolidayYear] { try await store.calendarYears() }

    /// Saves a year's holiday calendar (admins), checked first.
    package func saveCalendarYear(_ year: HolidayYear, by caller: Identity) async throws {
        try AccountService.requireAdmin(caller)
        if let problem = year.problems().first {
            throw AppError.invalid("daysOff", "invalid_calendar", zh: "日历数据有误：\(problem)", en: "The calendar is not valid: \(problem)")
        }
        try await store.saveCalendarYear(year, at: app.now())
        app.policies.invalidate()
        app.logger.info("calendar year saved", metadata: ["year": "\(year.year)", "by": "\(caller.userId)"])
    }
}
