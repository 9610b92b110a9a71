import Foundation

/// Deployment settings, read once from `Config/*.json` into this typed form.
///
/// Decoding is strict about values (a bad time zone or time fails fast, naming the field) and about keys (one that
/// coach does not read is refused, with the closest it does), and lenient about presence: every field has a
/// sensible default, so a config file only says what differs.
public struct CoachConfig: Sendable, Equatable {
    public static let schemaVersion = 1

    public var team = Team()
    public var admins: [String] = []
    /// Members the bot knows before they speak: the console's cast, or a roster for nudges.
    public var members: [RosterEntry] = []
    public var schedule = ScheduleSettings()
    public var nudges = NudgeSettings()
    public var digest = DigestSettings()
    public var ratings = RatingSettings()
    public var retention = RetentionSettings()
    /// Single days (`2026-12-25`) or ranges (`2026-12-24..2027-01-01`) when the programme rests.
    public var holidays: [HolidayRange] = []
    public var programme = ProgrammeSettings()
    public var transport = TransportSettings()
    /// Where state lives; a relative path is relative to the folder coach runs in.
    public var stateDirectory = "state"

    public init() {}

    public struct Team: Sendable, Equatable {
        public var name = "Our team"
        public var timeZone = TimeZone(identifier: "UTC")!
        public var botName = "coach"
    }

    public struct RosterEntry: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct ScheduleSettings: Sendable, Equatable {
        /// When a weekly post goes out.
        public func time(of slot: WeeklySlot) -> WeeklyTime? { weekly[slot] ?? slot.defaultTime }

        /// When each of the week's posts goes out; the config names them by `WeeklySlot`'s raw values.
        public var weekly: [WeeklySlot: WeeklyTime] = Dictionary(
            uniqueKeysWithValues: WeeklySlot.allCases.compactMap { slot in slot.defaultTime.map { (slot, $0) } })
        /// Daily time for goal and follow-up nudges.
        public var dailyNudge = DailyTime(hour: 10, minute: 0)
        /// Working days (1 = Sunday … 7 = Saturday), for holidays and shifting posts off them.
        public var workdays: Set<Int> = [2, 3, 4, 5, 6]
        /// A post more than this late says so.
        public var lateAfterMinutes = 15
    }

    public struct NudgeSettings: Sendable, Equatable {
        /// Owners who have not updated a goal for this many days are nudged.
        public var goalStaleDays = 7
        /// Open follow-ups are nudged this often.
        public var followUpEveryDays = 2
        /// Members with no example by the midweek reminder get a private nudge.
        public var midweekExampleNudge = true
    }

    /// The admins' private weekly digest (`ManagerDigest`): who has gone quiet, how recognition is spread, what is
    /// overdue, the ideas waiting for an answer and the goals off target.
    public struct DigestSettings: Sendable, Equatable {
        /// Admins get it at all.
        public var enabled = true
        /// The day it goes out (1 = Sunday … 7 = Saturday). A day off or a holiday moves it to the next open day of
        /// the same week (or the last one before, at the week's end), as the weekly posts move.
        public var day = 2
        /// Its time. On its day an admin's daily check-in comes with it, as one message at the later of the two
        /// times, so nobody gets two private messages in a day.
        public var time = DailyTime(hour: 10, minute: 0)
        /// People recognised by nobody (or sharing nothing) in this many principle weeks are listed.
        public var quietWeeks = 2
        /// A follow-up open longer than this many days is listed, and a corrective action counts as overdue.
        public var followUpDays = 7
    }

    /// How the team's self-ratings are shown.
    public struct RatingSettings: Sendable, Equatable {
        /// A principle's average is shown only when at least this many people rated it: with fewer, anyone who knows
        /// who rated could work out each one's score. A small team lowers it, trading that privacy for the figure.
        public var minRaters = 3
    }

    /// How long what members wrote is kept (`Retention`).
    public struct RetentionSettings: Sendable, Equatable {
        /// Examples, ideas, definitions and closed follow-ups older than this many months are let go when the state
        /// is compacted; each week's counts stay. Nil (the default) keeps everything.
        public var months: Int?

        /// The longest window a config may set: ten years, past which "keep" and "keep everything" are the same.
        public static let allowedMonths = 1...120
    }

    public struct ProgrammeSettings: Sendable, Equatable {
        /// How many principles the suggested plan holds (weakest first).
        public var suggestedLength = 12
        /// The suggested plan opens with week 0, seed 004's definition activity (`DefinitionWeek`), before its
        /// principles.
        public var openingWeek = true
        /// What the first rating asks about: seed 000's thirteen principles (`core`, a light start), or `all`.
        public var firstRating = FirstRating.core

        public enum FirstRating: String, Sendable, Equatable, CaseIterable {
            case core, all
        }
    }

    public struct TransportSettings: Sendable, Equatable {
        public var kind = "console"
        /// Platform-specific settings (channel ids, base URLs, names of token environment variables).
        public var settings: [String: String] = [:]
    }

    public func isAdmin(_ userID: String) -> Bool { admins.contains(userID) }

    public func isHoliday(_ date: LocalDate) -> Bool { holidays.contains { $0.contains(date) } }
}

/// A day of the week and a time of day in the team's zone. Weekday follows `Calendar`: 1 = Sunday … 7 = Saturday.
public struct WeeklyTime: Sendable, Equatable {
    public var weekday: Int
    public var hour: Int
    public var minute: Int

    public init(weekday: Int, hour: Int, minute: Int) {
        self.weekday = weekday
        self.hour = hour
        self.minute = minute
    }
}

public struct DailyTime: Sendable, Equatable {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }
}

public struct HolidayRange: Sendable, Equatable {
    public var first: LocalDate
    public var last: LocalDate
    public func contains(_ date: LocalDate) -> Bool { first <= date && date <= last }
}

// MARK: - Decoding

extension CoachConfig {
    /// Parses a config file's bytes. Every problem names the field and how to fix it; a key coach does not read is
    /// refused (the first one, in the order `reading` lists them), with the closest known key.
    public init(json: [UInt8]) throws(ConfigError) {
        let (config, unknownKeys) = try Self.reading(json: json)
        if let first = unknownKeys.first { throw first }
        self = config
    }

    /// Parses a config file's bytes, listing every key that coach does not read instead of stopping at the first,
    /// so `coach check` can name them all and still show the settings the rest of the file gives. The config
    /// returned leaves those keys out; the bot itself never runs with it (`init(json:)` refuses such a file).
    ///
    /// The unknown keys come sorted by their path, so the list is the same on every run.
    public static func reading(json: [UInt8]) throws(ConfigError) -> (config: CoachConfig, unknownKeys: [ConfigError]) {
        // The grammar first, with one strict parser on every platform, so a syntax error names its line and column.
        if let syntax = JSONSyntax.firstError(in: json) {
            throw .notJSON(line: syntax.line, column: syntax.column, problem: syntax.problem)
        }
        let log = UnknownKeyLog()
        let decoder = JSONCoding.decoder
        decoder.userInfo[.unknownConfigKeys] = log
        var unknownKeys: [ConfigError] { log.found.sorted { $0.unknownFieldPath < $1.unknownFieldPath } }
        // A typo is usually what makes the rest fail (`"nmae"` leaves a member without a name), so when both
        // happen, the typo is named: fixing it fixes the other.
        let raw: RawConfig
        do {
            raw = try decoder.decode(RawConfig.self, from: Data(json))
        } catch {
            throw unknownKeys.first ?? .invalidJSON(reason: JSONCoding.describe(error, in: json))
        }
        do {
            return (try CoachConfig(raw: raw), unknownKeys)
        } catch {
            throw unknownKeys.first ?? error
        }
    }

    init(raw: RawConfig) throws(ConfigError) {
        self.init()
        if let schema = raw.schema, schema > Self.schemaVersion {
            throw .invalidField(field: "schema", value: "\(schema)", fix: "this build reads config schema \(Self.schemaVersion); upgrade coach")
        }
        if let team = raw.team {
            if let name = team.name { self.team.name = name }
            if let zone = team.timeZone {
                guard let tz = TimeZone(identifier: zone) else {
                    throw .invalidField(field: "team.timeZone", value: zone, fix: "use an IANA name such as Europe/London or America/New_York")
                }
                self.team.timeZone = tz
            }
            if let bot = team.botName {
                guard !bot.isEmpty, !bot.contains(" ") else {
                    throw .invalidField(field: "team.botName", value: bot, fix: "use one word, the name people write after @")
                }
                self.team.botName = bot
            }
        }
        admins = raw.admins ?? []
        members = (raw.members ?? []).map { RosterEntry(id: $0.id, name: $0.name) }
        for (i, member) in members.enumerated() where member.id.isEmpty || member.name.isEmpty {
            throw .invalidField(field: "members[\(i)]", value: member.id, fix: "give each member a non-empty id and name")
        }
        if let s = raw.schedule {
            for slot in WeeklySlot.allCases {
                guard let text = s.weekly[slot] else { continue }
                schedule.weekly[slot] = try WeeklyTime(parsing: text, field: "schedule.\(slot.rawValue)")
            }
            if let text = s.dailyNudge { schedule.dailyNudge = try DailyTime(parsing: text, field: "schedule.dailyNudge") }
            if let days = s.workdays {
                schedule.workdays = Set(try days.map { day throws(ConfigError) in
                    guard let n = WeeklyTime.weekdayNumber(day) else {
                        throw .invalidField(field: "schedule.workdays", value: day, fix: "use day names such as monday, tuesday")
                    }
                    return n
                })
            }
            if let late = s.lateAfterMinutes {
                guard late >= 0 else { throw .invalidField(field: "schedule.lateAfterMinutes", value: "\(late)", fix: "use 0 or more") }
                schedule.lateAfterMinutes = late
            }
            // The slots are declared in the order they happen; a config must keep that order within the week (a slot
            // left unset, such as the session, has no place in it).
            let set = WeeklySlot.allCases.filter { schedule.time(of: $0) != nil }
            let times = set.compactMap { schedule.time(of: $0) }.map { ($0.weekday + 5) % 7 * 1_440 + $0.hour * 60 + $0.minute }
            guard times == times.sorted() else {
                throw .invalidField(
                    field: "schedule",
                    value: set.map { s.weekly[$0] ?? "" }.joined(separator: " / "),
                    fix: "the \(set.map(\.rawValue).joined(separator: ", ")) posts must fall in that order within one Monday-to-Sunday week")
            }
        }
        if let n = raw.nudges {
            if let days = n.goalStaleDays {
                guard days >= 1 else { throw .invalidField(field: "nudges.goalStaleDays", value: "\(days)", fix: "use 1 or more days") }
                nudges.goalStaleDays = days
            }
            if let days = n.followUpEveryDays {
                guard days >= 1 else { throw .invalidField(field: "nudges.followUpEveryDays", value: "\(days)", fix: "use 1 or more days") }
                nudges.followUpEveryDays = days
            }
            if let on = n.midweekExampleNudge { nudges.midweekExampleNudge = on }
        }
        if let d = raw.digest {
            if let on = d.enabled { digest.enabled = on }
            if let day = d.day {
                guard let number = WeeklyTime.weekdayNumber(day) else {
                    throw .invalidField(field: "digest.day", value: day, fix: "use a day name such as monday")
                }
                digest.day = number
            }
            if let text = d.time { digest.time = try DailyTime(parsing: text, field: "digest.time") }
            if let weeks = d.quietWeeks {
                guard (1...52).contains(weeks) else {
                    throw .invalidField(field: "digest.quietWeeks", value: "\(weeks)", fix: "use 1 to 52 weeks")
                }
                digest.quietWeeks = weeks
            }
            if let days = d.followUpDays {
                guard (1...365).contains(days) else {
                    throw .invalidField(field: "digest.followUpDays", value: "\(days)", fix: "use 1 to 365 days")
                }
                digest.followUpDays = days
            }
        }
        if let r = raw.ratings, let count = r.minRaters {
            guard (1...1000).contains(count) else {
                throw .invalidField(field: "ratings.minRaters", value: "\(count)", fix: "use 1 to 1000 people")
            }
            ratings.minRaters = count
        }
        if let months = raw.retention?.months {
            guard RetentionSettings.allowedMonths.contains(months) else {
                throw .invalidField(
                    field: "retention.months", value: "\(months)",
                    fix: "use 1 to 120 months, e.g. 12 to keep a year; leave it out to keep everything")
            }
            retention.months = months
        }
        holidays = try (raw.holidays ?? []).map { text throws(ConfigError) in try HolidayRange(parsing: text) }
        if let p = raw.programme, let length = p.suggestedLength {
            guard length >= 1 else { throw .invalidField(field: "programme.suggestedLength", value: "\(length)", fix: "use 1 or more") }
            programme.suggestedLength = length
        }
        if let opening = raw.programme?.openingWeek { programme.openingWeek = opening }
        if let first = raw.programme?.firstRating {
            guard let value = ProgrammeSettings.FirstRating(rawValue: first.lowercased()) else {
                throw .invalidField(field: "programme.firstRating", value: first, fix: "use \"core\" (seed 000's thirteen) or \"all\"")
            }
            programme.firstRating = value
        }
        if let t = raw.transport {
            transport.kind = t.kind.lowercased()
            transport.settings = t.settings ?? [:]
        }
        if let dir = raw.stateDirectory {
            guard !dir.isEmpty else { throw .invalidField(field: "stateDirectory", value: dir, fix: "name a folder, e.g. \"state\"") }
            stateDirectory = dir
        }
    }
}

/// The config file as written. Each section decodes through `Decoder.section`, which notes any key its `CodingKeys`
/// do not list: the keys a section knows are the ones it reads, declared once.
struct RawConfig: Decodable {
    var schema: Int?
    var team: RawTeam?
    var admins: [String]?
    var members: [RawMember]?
    var schedule: RawSchedule?
    var nudges: RawNudges?
    var digest: RawDigest?
    var ratings: RawRatings?
    var retention: RawRetention?
    var holidays: [String]?
    var programme: RawProgramme?
    var transport: RawTransport?
    var stateDirectory: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case schema, team, admins, members, schedule, nudges, digest, ratings, retention, holidays, programme
        case transport, stateDirectory
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.section(CodingKeys.self)
        schema = try c.decodeWholeNumber(forKey: .schema)
        team = try c.decodeIfPresent(RawTeam.self, forKey: .team)
        admins = try c.decodeIfPresent([String].self, forKey: .admins)
        members = try c.decodeIfPresent([RawMember].self, forKey: .members)
        schedule = try c.decodeIfPresent(RawSchedule.self, forKey: .schedule)
        nudges = try c.decodeIfPresent(RawNudges.self, forKey: .nudges)
        digest = try c.decodeIfPresent(RawDigest.self, forKey: .digest)
        ratings = try c.decodeIfPresent(RawRatings.self, forKey: .ratings)
        retention = try c.decodeIfPresent(RawRetention.self, forKey: .retention)
        holidays = try c.decodeIfPresent([String].self, forKey: .holidays)
        programme = try c.decodeIfPresent(RawProgramme.self, forKey: .programme)
        transport = try c.decodeIfPresent(RawTransport.self, forKey: .transport)
        stateDirectory = try c.decodeIfPresent(String.self, forKey: .stateDirectory)
    }

    struct RawTeam: Decodable {
        var name: String?
        var timeZone: String?
        var botName: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, timeZone, botName }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone)
            botName = try c.decodeIfPresent(String.self, forKey: .botName)
        }
    }

    /// One entry of `members`; decoded here rather than as `RosterEntry` so that a typo such as `"nmae"` is named.
    struct RawMember: Decodable {
        var id: String
        var name: String

        enum CodingKeys: String, CodingKey, CaseIterable { case id, name }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            name = try c.decode(String.self, forKey: .name)
        }
    }

    struct RawSchedule: Decodable {
        /// The weekly posts' times, by slot: `"announce": "monday 09:00"`.
        var weekly: [WeeklySlot: String] = [:]
        var dailyNudge: String?
        var workdays: [String]?
        var lateAfterMinutes: Int?

        /// The schedule's keys besides one per `WeeklySlot` (whose keys are the slots' names).
        enum Field: String, CaseIterable { case dailyNudge, workdays, lateAfterMinutes }

        static var knownKeys: [String] { WeeklySlot.allCases.map(\.rawValue) + Field.allCases.map(\.rawValue) }

        init(from decoder: any Decoder) throws {
            try decoder.noteUnknownKeys(known: Self.knownKeys)
            let c = try decoder.container(keyedBy: AnyKey.self)
            func key(_ field: Field) -> AnyKey { AnyKey(stringValue: field.rawValue) }
            for slot in WeeklySlot.allCases {
                weekly[slot] = try c.decodeIfPresent(String.self, forKey: AnyKey(stringValue: slot.rawValue))
            }
            dailyNudge = try c.decodeIfPresent(String.self, forKey: key(.dailyNudge))
            workdays = try c.decodeIfPresent([String].self, forKey: key(.workdays))
            lateAfterMinutes = try c.decodeWholeNumber(forKey: key(.lateAfterMinutes))
        }
    }
    struct RawNudges: Decodable {
        var goalStaleDays: Int?
        var followUpEveryDays: Int?
        var midweekExampleNudge: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable { case goalStaleDays, followUpEveryDays, midweekExampleNudge }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            goalStaleDays = try c.decodeWholeNumber(forKey: .goalStaleDays)
            followUpEveryDays = try c.decodeWholeNumber(forKey: .followUpEveryDays)
            midweekExampleNudge = try c.decodeIfPresent(Bool.self, forKey: .midweekExampleNudge)
        }
    }
    struct RawDigest: Decodable {
        var enabled: Bool?
        var day: String?
        var time: String?
        var quietWeeks: Int?
        var followUpDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case enabled, day, time, quietWeeks, followUpDays }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled)
            day = try c.decodeIfPresent(String.self, forKey: .day)
            time = try c.decodeIfPresent(String.self, forKey: .time)
            quietWeeks = try c.decodeWholeNumber(forKey: .quietWeeks)
            followUpDays = try c.decodeWholeNumber(forKey: .followUpDays)
        }
    }
    struct RawRatings: Decodable {
        var minRaters: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case minRaters }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            minRaters = try c.decodeWholeNumber(forKey: .minRaters)
        }
    }
    struct RawRetention: Decodable {
        var months: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case months }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            months = try c.decodeWholeNumber(forKey: .months)
        }
    }
    struct RawProgramme: Decodable {
        var suggestedLength: Int?
        var openingWeek: Bool?
        var firstRating: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case suggestedLength, openingWeek, firstRating }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            suggestedLength = try c.decodeWholeNumber(forKey: .suggestedLength)
            openingWeek = try c.decodeIfPresent(Bool.self, forKey: .openingWeek)
            firstRating = try c.decodeIfPresent(String.self, forKey: .firstRating)
        }
    }
    struct RawTransport: Decodable {
        var kind: String
        /// Each platform checks its own keys (`PlatformSettings.validateKeys`), since only it knows them.
        var settings: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, settings }

        init(from decoder: any Decoder) throws {
            let c = try decoder.section(CodingKeys.self)
            kind = try c.decode(String.self, forKey: .kind)
            settings = try c.decodeIfPresent([String: String].self, forKey: .settings)
        }
    }
}

extension ConfigError {
    /// Orders `reading`'s unknown keys.
    var unknownFieldPath: String {
        if case .unknownField(let field, _, _, _) = self { return field }
        return ""
    }
}

extension WeeklyTime {
    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    static func weekdayNumber(_ name: String) -> Int? {
        let lower = name.lowercased()
        guard lower.count >= 3 else { return nil }
        return weekdayNames.firstIndex { $0.hasPrefix(lower) }.map { $0 + 1 }
    }

    /// Parses `monday 09:00`.
    init(parsing text: String, field: String) throws(ConfigError) {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 2, let day = Self.weekdayNumber(parts[0]),
            let time = try? DailyTime(parsing: parts[1], field: field)
        else {
            throw .invalidField(field: field, value: text, fix: "write a day and a 24-hour time, e.g. \"monday 09:00\"")
        }
        self.init(weekday: day, hour: time.hour, minute: time.minute)
    }
}

extension DailyTime {
    /// Parses `09:00`.
    init(parsing text: String, field: String) throws(ConfigError) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else {
            throw .invalidField(field: field, value: text, fix: "write a 24-hour time, e.g. \"10:00\"")
        }
        self.init(hour: h, minute: m)
    }
}

extension HolidayRange {
    init(parsing text: String) throws(ConfigError) {
        let parts = text.components(separatedBy: "..")
        guard (1...2).contains(parts.count), let first = LocalDate(parts[0]), let last = LocalDate(parts[parts.count - 1]),
            first <= last
        else {
            throw .invalidField(field: "holidays", value: text, fix: "write a date \"2026-12-25\" or a range \"2026-12-24..2027-01-01\"")
        }
        self.init(first: first, last: last)
    }
}
