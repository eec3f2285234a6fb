import Foundation
import Testing

@testable import RedressDomain

@Suite("Working-day calendar")
struct WorkingDayCalendarTests {
    let cal = Fixtures.calendar

    @Test func shippedFilesCoverBothYearsAndAreConsistent() {
        #expect(Fixtures.years.map(\.year).sorted() == [2025, 2026])
        for y in Fixtures.years { #expect(y.problems().isEmpty, "\(y.year): \(y.problems())") }
    }

    @Test func civilDateArithmetic() {
        let d = Fixtures.date("2026-11-29")
        #expect(d.isoWeekday == 7)
        #expect(CivilDate(dayNumber: d.dayNumber) == d)
        #expect(Fixtures.date("2024-02-28").adding(days: 1) == Fixtures.date("2024-02-29"))
        #expect(Fixtures.date("2026-12-31").adding(days: 1) == Fixtures.date("2027-01-01"))
        #expect(CivilDate(iso: "2026-02-30") == nil)
        #expect(CivilDate(iso: "2026-1-3") == nil)
    }

    @Test(arguments: [
        ("2025-01-26", true), ("2025-02-08", true), ("2025-04-27", true), ("2025-09-28", true), ("2025-10-11", true),
        ("2026-01-04", true), ("2026-02-14", true), ("2026-02-28", true), ("2026-05-09", true), ("2026-09-20", true), ("2026-10-10", true),
    ])
    func makeUpWeekendsAreWorkingDays(day: String, working: Bool) {
        #expect(cal.isWorkingDay(Fixtures.date(day)) == working)
    }

    @Test(arguments: [
        "2025-01-01", "2025-01-28", "2025-02-04", "2025-04-04", "2025-05-05", "2025-06-02", "2025-10-08", "2026-01-02", "2026-02-16",
        "2026-02-23", "2026-04-06", "2026-05-04", "2026-06-19", "2026-09-25", "2026-10-07",
    ])
    func holidaysAreDaysOff(day: String) {
        #expect(!cal.isWorkingDay(Fixtures.date(day)))
    }

    @Test func ordinaryWeekendsAreOffAndWeekdaysWork() {
        #expect(!cal.isWorkingDay(Fixtures.date("2026-11-28")))
        #expect(!cal.isWorkingDay(Fixtures.date("2026-11-29")))
        #expect(cal.isWorkingDay(Fixtures.date("2026-11-30")))
    }

    @Test func nationalDayWeekCountsTheMakeUpSaturday() {
        // Oct 1–7 off; Oct 8 (Thu) 1, Oct 9 (Fri) 2, Oct 10 (make-up Sat) 3, Oct 12–15 4–7.
        let r = cal.deadline(after: Fixtures.local(2026, 9, 30, 10), workingDays: 7)
        #expect(r.deadline == Fixtures.local(2026, 10, 15, 23, 59).addingTimeInterval(59))
        #expect(r.calendarCovered)
    }

    @Test func springFestival2026() {
        // Feb 13 (Fri) start; Feb 14 make-up Saturday is day 1; Feb 15–23 off; Feb 24 is day 2.
        let r = cal.deadline(after: Fixtures.local(2026, 2, 13, 9), workingDays: 2)
        #expect(cal.civilDate(of: r.deadline) == Fixtures.date("2026-02-24"))
    }

    @Test func startDayIsNotCounted() {
        // 民法典 Art. 201: filed Monday 23:30 local, one working day ends Tuesday.
        let r = cal.deadline(after: Fixtures.local(2026, 11, 23, 23, 30), workingDays: 1)
        #expect(cal.civilDate(of: r.deadline) == Fixtures.date("2026-11-24"))
        #expect(r.deadline == Fixtures.local(2026, 11, 24, 23, 59).addingTimeInterval(59))
    }

    @Test func localDateDecidesNotTheUTCDate() {
        // 2026-11-29T17:00Z is Monday 01:00 in Shanghai: the start day is Monday, so +1 is Tuesday.
        let start = Date(timeIntervalSince1970: 1_795_971_600)  // 2026-11-29T17:00:00Z
        #expect(cal.civilDate(of: start) == Fixtures.date("2026-11-30"))
        #expect(cal.civilDate(of: cal.deadline(after: start, workingDays: 1).deadline) == Fixtures.date("2026-12-01"))
    }

    @Test func naturalDaysRollForwardOffADayOff() {
        // Art. 203: seven days from Sep 24 end Oct 1, a holiday; the period ends on Oct 8, the next working day.
        let r = cal.deadline(after: Fixtures.local(2026, 9, 24, 12), naturalDays: 7)
        #expect(cal.civilDate(of: r.deadline) == Fixtures.date("2026-10-08"))
        // A period ending on a make-up Saturday does not roll.
        let s = cal.deadline(after: Fixtures.local(2026, 10, 3, 12), naturalDays: 7)
        #expect(cal.civilDate(of: s.deadline) == Fixtures.date("2026-10-10"))
    }

    @Test func pastTheLastYearOnFileFallsBackToWeekdaysAndSaysSo() {
        let inside = cal.deadline(after: Fixtures.local(2026, 12, 1, 9), workingDays: 3)
        #expect(inside.calendarCovered)
        // Dec 31 (Thu) is 1, Jan 1 2027 (Fri, no file: a weekday) is 2, Jan 4 (Mon) is 3.
        let across = cal.deadline(after: Fixtures.local(2026, 12, 30, 9), workingDays: 3)
        #expect(cal.civilDate(of: across.deadline) == Fixtures.date("2027-01-04"))
        #expect(!across.calendarCovered)
    }

    @Test func naturalHoursDoNotRoll() {
        let start = Fixtures.local(2026, 9, 30, 20)
        let r = cal.deadline(after: start, hours: 24)
        #expect(r.deadline == start.addingTimeInterval(86_400))
    }

    @Test func businessHoursSkipNightsWeekendsAndHolidays() {
        // Friday 17:00 + 2 business hours (09:00–18:00): 1 h on Friday, 1 h on Monday → Monday 10:00.
        let r = cal.addingBusinessTime(7200, to: Fixtures.local(2026, 11, 27, 17), opensAt: 9 * 3600, closesAt: 18 * 3600)
        #expect(r.deadline == Fixtures.local(2026, 11, 30, 10))
        // From Sep 30 17:00, 2 h: 1 h on Sep 30, then Oct 1–7 off, 1 h on Oct 8 → Oct 8 10:00.
        let h = cal.addingBusinessTime(7200, to: Fixtures.local(2026, 9, 30, 17), opensAt: 9 * 3600, closesAt: 18 * 3600)
        #expect(h.deadline == Fixtures.local(2026, 10, 8, 10))
        #expect(
            cal.businessSeconds(from: Fixtures.local(2026, 11, 27, 17), to: Fixtures.local(2026, 11, 30, 10), opensAt: 9 * 3600, closesAt: 18 * 3600)
                == 7200)
    }

    @Test func invalidHolidayFilesAreReported() {
        let bad = HolidayYear(year: 2027, daysOff: [Fixtures.date("2026-12-31")], workingWeekends: [Fixtures.date("2027-01-06")])
        let problems = bad.problems()
        #expect(problems.contains { $0.contains("2026-12-31") })
        #expect(problems.contains { $0.contains("weekday") })
    }
}
