import Foundation

/// One local day in one zone (`TimeZoneNames.day`).
struct ZoneDay: Sendable {
    let calendar: TeamCalendar
    let date: LocalDate
    /// 1 = Sunday … 7 = Saturday, as `Calendar` counts.
    let weekday: Int
    /// The day's first instant, and the next day's.
    let start: Date
    let end: Date
    /// The wall-clock time asked for, that day.
    let at: Date
}

/// A value behind a lock, for the few caches shared by every engine step.
final class Locked<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.withLock { body(&value) }
    }
}

/// The time zones a member may choose (`timezone Asia/Kolkata`): IANA names, as this machine's time zone database
/// spells them, and the older aliases it still knows (`Asia/Calcutta`, `US/Pacific`). Abbreviations (`EST`, `CET`)
/// and fixed offsets (`GMT+2`) are refused even where Foundation reads them: they do not follow daylight saving time,
/// and an abbreviation means different zones in different places.
public enum TimeZoneNames {
    /// Every name matched and offered, in the database's spelling. Foundation lists the names CLDR keeps, which
    /// still spell Kolkata the old way (`Asia/Calcutta`); the IANA name people know is added where the lookup
    /// takes it.
    static let known: [String] = Set(TimeZone.knownTimeZoneIdentifiers + ["UTC", "Asia/Kolkata"].filter {
        TimeZone(identifier: $0) != nil
    }).sorted()
    private static let byLowercase = Dictionary(known.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })

    /// The zone a stored name means, or nil when it is not one a member could have chosen. A state is checked with
    /// this when it is read, so a hand-edited `"Mars/Olympus"` is refused there, not met at a check-in.
    public static func zone(_ name: String) -> TimeZone? {
        if byLowercase[name.lowercased()] == name { return TimeZone(identifier: name) }
        // An alias: written as the database writes names, so nothing that reads as a path reaches the lookup.
        guard name.contains("/"), !name.hasPrefix("GMT"), name.count <= 60, !name.contains(".."),
            name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "/_-+".unicodeScalars.contains($0)) })
        else { return nil }
        return TimeZone(identifier: name)
    }

    /// A name as a member typed it, case aside, in the database's spelling (`europe/berlin` is `Europe/Berlin`);
    /// nil when it names no zone.
    public static func canonical(_ typed: String) -> String? {
        if let name = byLowercase[typed.lowercased()] { return name }
        return zone(typed) == nil ? nil : typed
    }

    /// Up to three names close to one that names no zone: the whole name misspelt (`Europe/Berln`), or its city
    /// alone or misspelt (`Berlin`, `Kolkatta`, `new york`). Deterministic: the database's order, never a
    /// dictionary's.
    public static func suggestions(for typed: String) -> [String] {
        let typed = String(typed.prefix(60))
        var found: [String] = []
        if let near = Spelling.closest(to: typed, among: known) { found.append(near) }
        let city = Self.city(of: typed)
        var sameCity = known.filter { Self.city(of: $0) == city }
        if sameCity.isEmpty, let near = Spelling.closest(to: city, among: Set(known.map(Self.city)).sorted()) {
            sameCity = known.filter { Self.city(of: $0) == near }
        }
        for name in sameCity where !found.contains(name) { found.append(name) }
        return Array(found.prefix(3))
    }

    /// The calendar of a zone by its name, made once per name and process: making one is costly on Linux, and every
    /// tick and wake-up needs the calendar of every zone members chose. Nil for a name `zone` refuses.
    public static func calendar(_ name: String) -> TeamCalendar? {
        if let known = calendars.withLock({ $0[name] }) { return known }
        guard let zone = zone(name) else { return nil }
        let made = TeamCalendar(timeZone: zone)
        calendars.withLock { $0[name] = made }
        return made
    }

    private static let calendars = Locked<[String: TeamCalendar]>([:])

    /// The local day `now` falls in, in a zone by its name, with the instant of a wall-clock time that day; kept
    /// per zone and time until `now` leaves that day, so most ticks need no calendar arithmetic for a zone at all.
    /// Nil for a name `zone` refuses.
    static func day(_ name: String, at now: Date, time: DailyTime) -> ZoneDay? {
        let key = "\(name) \(time.hour):\(time.minute)"
        if let known = days.withLock({ $0[key] }), known.start <= now, now < known.end { return known }
        guard let calendar = calendar(name) else { return nil }
        let date = calendar.localDate(of: now)
        let day = ZoneDay(
            calendar: calendar, date: date, weekday: calendar.weekday(of: date), start: calendar.startOfDay(date),
            end: calendar.startOfDay(calendar.adding(days: 1, to: date)), at: calendar.at(date, hour: time.hour, minute: time.minute))
        days.withLock { $0[key] = day }
        return day
    }

    private static let days = Locked<[String: ZoneDay]>([:])

    /// The last part of a name, lowercased, with spaces as the database writes them: `new_york`.
    static func city(of name: String) -> String {
        String(name.split(separator: "/").last ?? Substring(name)).lowercased().replacingOccurrences(of: " ", with: "_")
    }
}
