import Foundation

/// A calendar month in the team's time zone, e.g. `2026-12`.
struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    var year: Int
    var month: Int

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    init(_ date: LocalDate) {
        self.init(year: date.year, month: date.month)
    }

    /// `2026-12`.
    init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, (4...5).contains(parts[0].count), parts[1].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            (1...12).contains(m)
        else { return nil }
        self.init(year: y, month: m)
    }

    var description: String { "\(year.zeroPadded(4))-\(month.zeroPadded(2))" }

    var firstDay: LocalDate { LocalDate(year: year, month: month, day: 1) }

    func adding(_ months: Int) -> Month {
        let index = year * 12 + (month - 1) + months
        return Month(year: index / 12, month: index % 12 + 1)
    }

    func lastDay(_ calendar: TeamCalendar) -> LocalDate { calendar.adding(days: -1, to: adding(1).firstDay) }

    static func < (lhs: Month, rhs: Month) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }
}

/// A stretch of time a record or a monthly post covers: from the start of its first day up to `end`, the start of
/// the day after its last (today, for a period still running: nothing can have happened later than now).
struct Span: Sendable {
    var first: LocalDate?
    var last: LocalDate
    var start: Date
    var end: Date

    func contains(_ instant: Date) -> Bool { instant >= start && instant < end }

    /// A whole month, or the part of it that has passed by `now`.
    static func month(_ month: Month, now: Date, _ calendar: TeamCalendar) -> Span {
        let last = min(month.lastDay(calendar), calendar.localDate(of: now))
        return Span(
            first: month.firstDay, last: last, start: calendar.startOfDay(month.firstDay),
            end: calendar.startOfDay(calendar.adding(days: 1, to: last)))
    }

    /// From the start of a day to today.
    static func since(_ first: LocalDate?, now: Date, _ calendar: TeamCalendar) -> Span {
        let today = calendar.localDate(of: now)
        return Span(
            first: first, last: today, start: first.map(calendar.startOfDay) ?? .distantPast,
            end: calendar.startOfDay(calendar.adding(days: 1, to: today)))
    }
}

/// The periods `record` takes. Whole calendar months throughout, so a record reads the same whichever day it is
/// asked for: `month` is this month so far (the default), `quarter` this month and the two before, `year` this
/// month and the eleven before (in January, `year` is last year and January so far, not a week).
enum Period: Equatable, Sendable {
    case month
    case lastMonth
    case quarter
    case year
    case all
    case named(Month)
    case since(LocalDate)

    static func parse(_ words: ArraySlice<String>) -> Period? {
        let lowered = words.map { $0.lowercased() }
        switch lowered {
        case [], ["month"], ["this-month"]: return .month
        case ["last-month"], ["lastmonth"], ["last", "month"]: return .lastMonth
        case ["quarter"]: return .quarter
        case ["year"]: return .year
        case ["all"]: return .all
        case let words where words.count == 2 && words[0] == "since":
            return LocalDate(words[1]).map { .since($0) }
        case let words where words.count == 1:
            return Month(words[0]).map { .named($0) }
        default: return nil
        }
    }

    /// The span this period covers at `now`; nil for a start still to come.
    func span(now: Date, _ calendar: TeamCalendar) -> Span? {
        let thisMonth = Month(calendar.localDate(of: now))
        switch self {
        case .month: return .month(thisMonth, now: now, calendar)
        case .lastMonth: return .month(thisMonth.adding(-1), now: now, calendar)
        case .quarter: return .since(thisMonth.adding(-2).firstDay, now: now, calendar)
        case .year: return .since(thisMonth.adding(-11).firstDay, now: now, calendar)
        case .all: return .since(nil, now: now, calendar)
        case .named(let month):
            guard month <= thisMonth else { return nil }
            return .month(month, now: now, calendar)
        case .since(let date):
            guard date <= calendar.localDate(of: now) else { return nil }
            return .since(date, now: now, calendar)
        }
    }

    /// Which period it is, for the template's wording.
    var flag: Flag {
        switch self {
        case .month: .month
        case .lastMonth: .lastMonth
        case .quarter: .quarter
        case .year: .year
        case .all: .all
        case .named: .namedMonth
        case .since: .since
        }
    }

    enum Flag: String, TemplateFlag {
        case month, lastMonth, quarter, year, all, namedMonth, since
    }
}
