import Foundation

/// The week's fixed posts, in the order they happen. Each is declared once here: its raw value is its key in the
/// config's `schedule` and in its job keys (`announce:2026-W48`); the config, the schedule and the runner derive from
/// this list, and `ProgrammeSchedule.post` says what each one posts.
public enum WeeklySlot: String, Sendable, CaseIterable {
    case announce
    case reminder
    /// The report-back session's agenda, posted ahead of the team's own meeting. Only when the config sets a time:
    /// otherwise the agenda is part of the report-back.
    case session
    case summary

    /// When the post goes out unless the config says otherwise; nil for a post that goes out only when configured.
    public var defaultTime: WeeklyTime? {
        switch self {
        case .announce: WeeklyTime(weekday: 2, hour: 9, minute: 0)
        case .reminder: WeeklyTime(weekday: 4, hour: 12, minute: 0)
        case .session: nil
        case .summary: WeeklyTime(weekday: 6, hour: 16, minute: 0)
        }
    }
}

/// When each of a week's posts is due, with holidays applied. Pure: it answers questions about given instants.
public struct WeeklySchedule: Sendable {
    public let calendar: TeamCalendar
    let settings: CoachConfig.ScheduleSettings
    let digest: CoachConfig.DigestSettings
    let holidays: [HolidayRange]

    public init(config: CoachConfig) {
        self.calendar = TeamCalendar(timeZone: config.team.timeZone)
        self.settings = config.schedule
        self.digest = config.digest
        self.holidays = config.holidays
    }

    func isHoliday(_ date: LocalDate) -> Bool { holidays.contains { $0.contains(date) } }

    /// The working days of a week that are not holidays.
    func openDays(monday: LocalDate) -> [LocalDate] {
        (0..<7).map { calendar.adding(days: $0, to: monday) }.filter {
            settings.workdays.contains(calendar.weekday(of: $0)) && !isHoliday($0)
        }
    }

    /// A week whose every working day is a holiday has no programme; its principle waits for the next week.
    public func isHolidayWeek(monday: LocalDate) -> Bool { openDays(monday: monday).isEmpty }

    /// When a slot is due in the week starting `monday`, or nil in a holiday week or for a slot the config leaves
    /// unset.
    ///
    /// A post that lands on a holiday moves to the nearest open day of the same week: later for the announcement and
    /// reminder, so they still come first, and earlier for the summary, so it still ends the week.
    public func due(_ slot: WeeklySlot, monday: LocalDate) -> Date? {
        guard let wanted = settings.time(of: slot) else { return nil }
        let offset = (wanted.weekday + 5) % 7
        let day = calendar.adding(days: offset, to: monday)
        var chosen = day
        if isHoliday(day) {
            let open = openDays(monday: monday)
            // The session, like the summary, moves earlier: the meeting it prepares still comes at the week's end.
            let earlier = slot == .summary || slot == .session
            let candidate = earlier ? open.last(where: { $0 < day }) : open.first(where: { $0 > day })
            guard let candidate = candidate ?? (earlier ? open.first : open.last) else { return nil }
            chosen = candidate
        }
        return calendar.at(chosen, hour: wanted.hour, minute: wanted.minute)
    }

    /// When the admins' weekly digest is due in the week starting `monday`: its day and time, moved off a day off or a
    /// holiday to the next open day of that week (or the last open day before it, at the week's end), so it never
    /// lands on a day the team is not at work. Nil when it is switched off or the week has no open day.
    ///
    /// `calendar` is an admin's own time zone (`timezone`): the same day and time, on their clock.
    public func digestDue(monday: LocalDate, in calendar: TeamCalendar? = nil) -> Date? {
        let calendar = calendar ?? self.calendar
        guard digest.enabled else { return nil }
        let day = calendar.adding(days: (digest.day + 5) % 7, to: monday)
        let open = openDays(monday: monday)
        guard let chosen = open.contains(day) ? day : open.first(where: { $0 > day }) ?? open.last else { return nil }
        return calendar.at(chosen, hour: digest.time.hour, minute: digest.time.minute)
    }

    /// When the daily nudges are due on a date, or nil on days off.
    ///
    /// `calendar` is a member's own time zone (`timezone`): `date` is then their local date, a working day by its
    /// weekday there, and the nudge comes at the configured time on their clock. The team's holidays are dates, and
    /// apply to a member's local date of the same name: the programme rests on those days, so there is nothing to
    /// nudge about, wherever the member is (their own days off are `away`).
    public func dailyNudgeDue(on date: LocalDate, in calendar: TeamCalendar? = nil) -> Date? {
        let calendar = calendar ?? self.calendar
        guard settings.workdays.contains(calendar.weekday(of: date)), !isHoliday(date) else { return nil }
        return calendar.at(date, hour: settings.dailyNudge.hour, minute: settings.dailyNudge.minute)
    }

    /// When the daily nudges are due on a zone's day (`TimeZoneNames.day` at the nudge time), or nil on days off:
    /// `dailyNudgeDue(on:in:)` without calendar arithmetic, for every zone on every tick.
    func dailyNudgeDue(on day: ZoneDay) -> Date? {
        guard settings.workdays.contains(day.weekday), !isHoliday(day.date) else { return nil }
        return day.at
    }

    /// The next instant after `now` a check-in could fall due on a member's own clock: the nudge time of each of the
    /// next days there, and with `digest` (an admin) the digest's time too. The runtime must wake for these as well
    /// as for the team's (`Coach.nextWakeUp`), or it would sleep past them.
    public func nextCheckIn(after now: Date, in calendar: TeamCalendar, digest: Bool) -> Date? {
        // Each day's nudge comes after the day before's, and each week's digest after the week before's: the first
        // found is the next. Worked out for every zone on every turn of the loop, so it stops there.
        let today = calendar.localDate(of: now)
        var next: Date?
        for dayOffset in 0...8 {
            if let due = dailyNudgeDue(on: calendar.adding(days: dayOffset, to: today), in: calendar), due > now {
                next = due
                break
            }
        }
        if digest {
            let monday = calendar.monday(of: today)
            for week in 0...1 {
                if let due = digestDue(monday: calendar.adding(days: 7 * week, to: monday), in: calendar), due > now {
                    next = min(next ?? due, due)
                    break
                }
            }
        }
        return next
    }

    /// Whether a post due at `due` and made at `now` counts as late.
    public func isLate(due: Date, now: Date) -> Bool {
        now.timeIntervalSince(due) > Double(settings.lateAfterMinutes * 60)
    }

    /// The next instant anything could become due after `now`: the runtime sleeps until then between polls.
    public func nextWakeUp(after now: Date) -> Date {
        let today = calendar.localDate(of: now)
        var candidates: [Date] = []
        for dayOffset in 0...8 {
            let date = calendar.adding(days: dayOffset, to: today)
            candidates.append(calendar.startOfDay(date))
            candidates.append(calendar.at(date, hour: settings.dailyNudge.hour, minute: settings.dailyNudge.minute))
            for slot in WeeklySlot.allCases {
                if let due = due(slot, monday: calendar.monday(of: date)) { candidates.append(due) }
            }
            if let due = digestDue(monday: calendar.monday(of: date)) { candidates.append(due) }
        }
        return candidates.filter { $0 > now }.min() ?? now.addingTimeInterval(3600)
    }
}
