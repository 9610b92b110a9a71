import Foundation

/// Date arithmetic in the team's time zone. Days and weeks are computed as calendar days, never as multiples of
/// 86,400 seconds, so the week of a DST change still has its Monday post at 09:00 local time.
public struct TeamCalendar: Sendable {
    public let timeZone: TimeZone
    let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        self.calendar = calendar
    }

    public func localDate(of instant: Date) -> LocalDate {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: c.year!, month: c.month!, day: c.day!)
    }

    /// 1 = Sunday … 7 = Saturday, as `Calendar` counts.
    public func weekday(of date: LocalDate) -> Int {
        calendar.component(.weekday, from: startOfDay(date))
    }

    /// The instant a local date begins. On a day whose midnight a DST jump skips, the first instant that exists.
    public func startOfDay(_ date: LocalDate) -> Date {
        at(date, hour: 0, minute: 0)
    }

    /// The instant of a local wall-clock time; a time inside a spring-forward gap resolves to just after the gap.
    public func at(_ date: LocalDate, hour: Int, minute: Int) -> Date {
        let components = DateComponents(
            calendar: calendar, timeZone: timeZone, year: date.year, month: date.month, day: date.day,
            hour: hour, minute: minute)
        if let instant = calendar.date(from: components), localDate(of: instant) == date {
            return instant
        }
        // Foundation on Linux can return nil, or the wrong day, for a wall time a DST jump skips: step forward.
        let noon = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        let start = calendar.startOfDay(for: noon)
        return calendar.nextDate(
            after: start.addingTimeInterval(-1), matching: DateComponents(hour: hour, minute: minute),
            matchingPolicy: .nextTime) ?? start
    }

    public func adding(days: Int, to date: LocalDate) -> LocalDate {
        let noon = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        return localDate(of: calendar.date(byAdding: .day, value: days, to: noon)!)
    }

    /// The same day `months` later (earlier when negative); a day the month does not have becomes its last day.
    public func adding(months: Int, to date: LocalDate) -> LocalDate {
        let noon = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        return localDate(of: calendar.date(byAdding: .month, value: months, to: noon)!)
    }

    /// The Monday on or before a date.
    public func monday(of date: LocalDate) -> LocalDate {
        let weekday = weekday(of: date)
        return adding(days: -((weekday + 5) % 7), to: date)
    }

    public func monday(containing instant: Date) -> LocalDate {
        monday(of: localDate(of: instant))
    }

    /// The ISO week key, e.g. `2026-W48`, of the week starting on this Monday.
    public func weekKey(monday: LocalDate) -> String {
        let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: at(monday, hour: 12, minute: 0))
        return "\(c.yearForWeekOfYear!.zeroPadded(4))-W\(c.weekOfYear!.zeroPadded(2))"
    }

    public func days(from start: LocalDate, to end: LocalDate) -> Int {
        calendar.dateComponents([.day], from: startOfDay(start), to: startOfDay(end)).day ?? 0
    }
}
