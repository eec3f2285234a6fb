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

    /// The published complaint guide (public) as it read at `date` (now when nil): written from the policy in force then,
    /// with the instants at which the policy changed, so that every version stays readable by its date.
    package func guide(at date: Date?, chinese: Bool) async throws -> (guide: ComplaintGuide, versions: [Date]) {
        let changes = try await store.policyHistory(limit: 1_000).sorted { $0.at < $1.at }
        let when = date ?? app.now()
        let inForce = changes.last { $0.at <= when }
        let policy = inForce?.policy ?? (changes.first?.previous ?? .default)
        let guide = ComplaintGuide.make(
            policy: policy, taxonomy: try await workflow().taxonomy, platform: app.configuration.platformName, since: inForce?.at, chinese: chinese)
        return (guide, changes.map(\.at))
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
