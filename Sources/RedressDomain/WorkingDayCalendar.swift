import Foundation

/// One year of a State Council holiday notice: the days off and the make-up working weekends (调休上班).
public struct HolidayYear: Codable, Sendable, Equatable {
    public var year: Int
    public var region: String
    public var timeZone: String
    public var source: String?
    public var daysOff: [CivilDate]
    public var workingWeekends: [CivilDate]

    public init(
        year: Int, region: String = "CN", timeZone: String = "Asia/Shanghai", source: String? = nil, daysOff: [CivilDate],
        workingWeekends: [CivilDate]
    ) {
        self.year = year
        self.region = region
        self.timeZone = timeZone
        self.source = source
        self.daysOff = daysOff
        self.workingWeekends = workingWeekends
    }

    /// Checks that every date belongs to the year, that no date is both off and working, and that
    /// make-up days fall on weekends. Returns a list of problems (empty when valid).
    public func problems() -> [String] {
        var out: [String] = []
        for d in daysOff + workingWeekends where d.year != year { out.append("\(d) is not in \(year)") }
        for d in Set(daysOff).intersection(workingWeekends) { out.append("\(d) is both a day off and a working day") }
        for d in workingWeekends where !d.isWeekend { out.append("\(d) is listed as a make-up working weekend but is a weekday") }
        if TimeZone(identifier: timeZone) == nil { out.append("unknown time zone \(timeZone)") }
        return out
    }
}

/// The result of a deadline computation.
public struct DeadlineComputation: Sendable, Equatable {
    /// The instant the deadline falls due.
    public var deadline: Date
    /// False when some day counted lay in a year with no holiday file; those days were counted Monday–Friday.
    public var calendarCovered: Bool
}

/// Chinese working days: weekends and public holidays off, make-up weekends worked, counted in the
/// platform's time zone. Years without a file fall back to Monday–Friday, and results say so.
public struct WorkingDayCalendar: Sendable {
    public let timeZone: TimeZone
    private let daysOff: Set<Int>
    private let workingWeekends: Set<Int>
    public let yearsCovered: Set<Int>

    public init(years: [HolidayYear], timeZone: TimeZone) {
        self.timeZone = timeZone
        self.daysOff = Set(years.flatMap { $0.daysOff.map(\.dayNumber) })
        self.workingWeekends = Set(years.flatMap { $0.workingWeekends.map(\.dayNumber) })
        self.yearsCovered = Set(years.map(\.year))
    }

    /// Whether `date` is a working day, and whether a holiday file covered it.
    public func status(of date: CivilDate) -> (working: Bool, covered: Bool) {
        guard yearsCovered.contains(date.year) else { return (!date.isWeekend, false) }
        let n = date.dayNumber
        if daysOff.contains(n) { return (false, true) }
        if workingWeekends.contains(n) { return (true, true) }
        return (!date.isWeekend, true)
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool { status(of: date).working }

    /// The local date of an instant in the calendar's zone.
    public func civilDate(of instant: Date) -> CivilDate {
        let offset = timeZone.secondsFromGMT(for: instant)
        let local = Int((instant.timeIntervalSince1970).rounded(.down)) + offset
        return CivilDate(dayNumber: Int((Double(local) / 86_400).rounded(.down)))
    }

    /// The instant at `secondsIntoDay` local time on `date`.
    public func instant(_ date: CivilDate, secondsIntoDay: Int) -> Date {
        let localSeconds = Double(date.dayNumber * 86_400 + secondsIntoDay)
        // Offsets in this zone do not depend on the hour for the zones we ship (no DST in China since 1991);
        // using the offset at local noon keeps this correct for zones that change at night as well.
        let guess = Date(timeIntervalSince1970: localSeconds)
        let offset = timeZone.secondsFromGMT(for: guess)
        return Date(timeIntervalSince1970: localSeconds - Double(offset))
    }

    /// The end (23:59:59 local) of the `n`-th working day after the day of `start`.
    /// The start day itself is not counted (民法典 Art. 201).
    public func deadline(after start: Date, workingDays n: Int) -> DeadlineComputation {
        precondition(n >= 0, "working-day count must not be negative")
        var day = civilDate(of: start)
        var covered = true
        var counted = 0
        while counted < n {
            day = day.adding(days: 1)
            let s = status(of: day)
            covered = covered && s.covered
            if s.working { counted += 1 }
        }
        if n == 0 {
            // Zero days: the end of the start day, rolled to a working day if it is a day off.
            let r = rollForward(day)
            day = r.day
            covered = covered && r.covered
        }
        return DeadlineComputation(deadline: instant(day, secondsIntoDay: 86_399), calendarCovered: covered)
    }

    /// A period of `n` natural days: ends 23:59:59 local on the `n`-th day after the start day
    /// (Art. 201); when that day is a day off, the period ends on the next working day (Art. 203).
    public func deadline(after start: Date, naturalDays n: Int) -> DeadlineComputation {
        precondition(n >= 0, "day count must not be negative")
        let last = civilDate(of: start).adding(days: n)
        let r = rollForward(last)
        return DeadlineComputation(deadline: instant(r.day, secondsIntoDay: 86_399), calendarCovered: r.covered)
    }

    /// `n` natural hours after `start`. Hours are a platform promise, not a statutory period, so they do not roll.
    public func deadline(after start: Date, hours n: Int) -> DeadlineComputation {
        DeadlineComputation(deadline: start.addingTimeInterval(Double(n) * 3600), calendarCovered: true)
    }

    /// Adds `seconds` of business time (working days between `opensAt` and `closesAt`, seconds into the local day).
    public func addingBusinessTime(_ seconds: Int, to start: Date, opensAt: Int, closesAt: Int) -> DeadlineComputation {
        precondition(closesAt > opensAt, "business day must close after it opens")
        var remaining = seconds
        var covered = true
        var day = civilDate(of: start)
        var cursor = Int(start.timeIntervalSince(instant(day, secondsIntoDay: 0)).rounded(.down))
        while true {
            let s = status(of: day)
            covered = covered && s.covered
            if s.working {
                let from = max(cursor, opensAt)
                if from < closesAt {
                    let available = closesAt - from
                    if remaining <= available {
                        return DeadlineComputation(deadline: instant(day, secondsIntoDay: from + remaining), calendarCovered: covered)
                    }
                    remaining -= available
                }
            }
            day = day.adding(days: 1)
            cursor = 0
        }
    }

    /// Business seconds between two instants (used to keep the remainder of a paused business-hours clock).
    public func businessSeconds(from start: Date, to end: Date, opensAt: Int, closesAt: Int) -> Int {
        guard end > start else { return 0 }
        var total = 0
        var day = civilDate(of: start)
        let lastDay = civilDate(of: end)
        while day <= lastDay {
            if isWorkingDay(day) {
                let dayStart = instant(day, secondsIntoDay: 0)
                let open = dayStart.addingTimeInterval(Double(opensAt))
                let close = dayStart.addingTimeInterval(Double(closesAt))
                let a = max(open, start), b = min(close, end)
                if b > a { total += Int(b.timeIntervalSince(a)) }
            }
            day = day.adding(days: 1)
        }
        return total
    }

    private func rollForward(_ date: CivilDate) -> (day: CivilDate, covered: Bool) {
        var day = date
        var covered = true
        while true {
            let s = status(of: day)
            covered = covered && s.covered
            if s.working { return (day, covered) }
            day = day.adding(days: 1)
        }
    }
}

extension WorkingDayCalendar {
    /// The calendar for China (Asia/Shanghai, UTC+8 all year) built from holiday files.
    public static func china(years: [HolidayYear]) -> WorkingDayCalendar {
        WorkingDayCalendar(years: years, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt)
    }
}
