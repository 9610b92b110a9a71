import Foundation

/// Letting go of what members wrote once it is older than the team keeps it (`retention.months`): examples, ideas,
/// answers to "Customer Service means..." and closed follow-ups. The runtime calls `letGo` when it compacts the
/// state, so what goes leaves the snapshot and the journal in the same step (the journal starts empty right after).
///
/// What stays, and why:
/// - each programme week's counts (examples, shout-outs, contributors, people recognised), in `RetentionRecord`, so
///   `history`, the trends, the report and the exports show the same weekly figures as before;
/// - open follow-ups, however old: they are live work that someone still owns and is nudged about, and letting one
///   go would drop a customer's problem half-way;
/// - a complaint's follow-up, as long as the complaint is kept (customer feedback is not let go): without it the
///   complaint would read as open again;
/// - the team's agreed definition of customer service (the latest; earlier ones go with the answers);
/// - goals, readings, trainings, ratings and customer feedback: retention covers what the issue names, the words
///   members wrote about each other's work.
///
/// Examples go by whole programme weeks: a week goes once its last day is older than the window, so its counts are
/// taken from all of it. Examples outside any programme week go by their own time.
public enum Retention {
    /// `letGo` with the team's window (`retention.months`) and calendar; nil, changing nothing, when retention is off.
    @discardableResult
    public static func letGo(_ state: inout CoachState, config: CoachConfig, now: Date) -> LetGo? {
        guard let months = config.retention.months else { return nil }
        return letGo(&state, months: months, now: now, calendar: TeamCalendar(timeZone: config.team.timeZone))
    }

    /// Whether `letGo` would let anything go at `now`, found without walking the examples: a programme week passed
    /// out of the window, the oldest example, the short lists. The runtime asks at every tick and compacts when it
    /// would, so what is due goes within a tick, not whenever the journal next fills.
    public static func isDue(_ state: CoachState, config: CoachConfig, now: Date) -> Bool {
        guard let months = config.retention.months else { return false }
        let window = Window(state, months: months, now: now, calendar: TeamCalendar(timeZone: config.team.timeZone))
        if state.weeks.contains(where: { window.expired.contains($0.key) && state.retention.tally(of: $0) == nil }) {
            return true
        }
        if let oldest = state.examples.all.first, window.examplesGo(oldest) { return true }
        return state.ideas.contains { $0.at < window.cutoff } || state.definitions.contains { $0.at < window.cutoff }
            || state.followUps.contains { window.followUpGoes($0) } || !window.agreedGo(state).isEmpty
    }

    /// Lets go of everything older than `months` before `now` in the team's calendar, and keeps the counts. Pure:
    /// the same state, window and moment always leave the same state. Returns what went.
    @discardableResult
    public static func letGo(_ state: inout CoachState, months: Int, now: Date, calendar: TeamCalendar) -> LetGo {
        let window = Window(state, months: months, now: now, calendar: calendar)
        let examplesGo = window.examplesGo
        var outcome = LetGo(
            examples: state.examples.all.lazy.filter(examplesGo).count,
            ideas: state.ideas.lazy.filter { $0.at < window.cutoff }.count,
            definitions: state.definitions.lazy.filter { $0.at < window.cutoff }.count,
            followUps: state.followUps.lazy.filter(window.followUpGoes).count,
            weeksTallied: 0)
        let agreedGo = window.agreedGo(state)
        let toTally = state.weeks.filter { window.expired.contains($0.key) && state.retention.tally(of: $0) == nil }
        guard outcome.examples + outcome.ideas + outcome.definitions + outcome.followUps + agreedGo.count > 0
            || !toTally.isEmpty
        else { return outcome }

        // The counts first, from the examples still held: the figures work them out exactly as they did before.
        if !toTally.isEmpty {
            let wanted = Set(toTally.map { TallyKey(key: $0.key, cycle: $0.cycle) })
            let figures = ProgrammeFigures.weeks(state.weeks, state: state, titles: [:], calendar: calendar, now: .distantFuture)
            for week in figures where wanted.contains(TallyKey(key: week.key, cycle: week.cycle)) {
                state.retention.weeks.append(WeekTally(week))
            }
            outcome.weeksTallied = toTally.count
        }
        // Ids are handed out as the highest plus one: remember the highest, so a let-go id is never given again.
        state.retention.highestIdeaID = max(state.retention.highestIdeaID, state.ideas.map(\.id).max() ?? 0)
        state.retention.highestDefinitionID = max(
            state.retention.highestDefinitionID, state.definitions.map(\.id).max() ?? 0)
        state.retention.highestFollowUpID = max(state.retention.highestFollowUpID, state.followUps.map(\.id).max() ?? 0)

        if outcome.examples > 0 { state.examples.removeAll(where: examplesGo) }
        state.ideas.removeAll { $0.at < window.cutoff }
        state.definitions.removeAll { $0.at < window.cutoff }
        state.followUps.removeAll(where: window.followUpGoes)
        for index in agreedGo.reversed() { state.agreedDefinitions.remove(at: index) }
        state.retention.letGoBefore = max(state.retention.letGoBefore ?? window.firstKept, window.firstKept)
        return outcome
    }

    struct TallyKey: Hashable {
        var key: String
        var cycle: Int
    }

    /// What the window keeps, worked out once for a state and a moment.
    struct Window {
        /// The first day kept, and the instant it begins.
        let firstKept: LocalDate
        let cutoff: Date
        let programmeKeys: Set<String>
        /// Programme weeks whose last day is before `firstKept`.
        let expired: Set<String>

        init(_ state: CoachState, months: Int, now: Date, calendar: TeamCalendar) {
            firstKept = calendar.adding(months: -months, to: calendar.localDate(of: now))
            cutoff = calendar.startOfDay(firstKept)
            programmeKeys = Set(state.weeks.map(\.key))
            let firstKept = firstKept
            expired = Set(state.weeks.filter { calendar.adding(days: 6, to: $0.monday) < firstKept }.map(\.key))
        }

        func examplesGo(_ example: Example) -> Bool {
            if let key = example.weekKey, programmeKeys.contains(key) { return expired.contains(key) }
            return example.at < cutoff
        }

        /// Closed ones only, and never a complaint's: see `Retention`.
        func followUpGoes(_ item: FollowUp) -> Bool {
            guard let fixed = item.fixedAt, item.feedbackID == nil else { return false }
            return fixed < cutoff
        }

        /// Earlier agreed definitions older than the window; never the latest, the team's own.
        func agreedGo(_ state: CoachState) -> [Int] {
            state.agreedDefinitions.indices.filter { $0 < state.agreedDefinitions.count - 1 && state.agreedDefinitions[$0].at < cutoff }
        }
    }

    /// What one `letGo` removed.
    public struct LetGo: Sendable, Equatable {
        public var examples: Int
        public var ideas: Int
        public var definitions: Int
        public var followUps: Int
        /// Programme weeks whose counts were kept as their examples went.
        public var weeksTallied: Int

        public var isEmpty: Bool { examples + ideas + definitions + followUps + weeksTallied == 0 }
    }

}

/// What retention has let go of, kept so what is left still adds up: each week's counts once its examples are gone,
/// and the highest ids handed out.
public struct RetentionRecord: Codable, Sendable, Equatable {
    /// The first day still kept at the last letting go; nil until retention has run.
    public var letGoBefore: LocalDate?
    /// The counts of the programme weeks whose examples were let go, in the order they went.
    public var weeks: [WeekTally] = []
    /// The highest ids ever given, so the next is always new (an answer to idea 3 never lands on another idea 3).
    public var highestIdeaID = 0
    public var highestDefinitionID = 0
    public var highestFollowUpID = 0

    public init() {}

    enum CodingKeys: String, CodingKey { case letGoBefore, weeks, highestIdeaID, highestDefinitionID, highestFollowUpID }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        letGoBefore = try c.decodeIfPresent(LocalDate.self, forKey: .letGoBefore)
        weeks = try c.decodeIfPresent([WeekTally].self, forKey: .weeks) ?? []
        highestIdeaID = try c.decodeIfPresent(Int.self, forKey: .highestIdeaID) ?? 0
        highestDefinitionID = try c.decodeIfPresent(Int.self, forKey: .highestDefinitionID) ?? 0
        highestFollowUpID = try c.decodeIfPresent(Int.self, forKey: .highestFollowUpID) ?? 0
    }

    /// The tally of a programme week whose examples were let go.
    public func tally(of week: ProgrammeWeek) -> WeekTally? { tally(key: week.key, cycle: week.cycle) }

    public func tally(key: String, cycle: Int) -> WeekTally? {
        // Usually empty, and a few dozen weeks at most: a walk is cheaper than keeping an index in step.
        weeks.last { $0.key == key && $0.cycle == cycle }
    }
}

/// A programme week's counts, kept when its examples are let go: the numbers `WeekFigures` shows, no names and no ids.
public struct WeekTally: Codable, Sendable, Equatable {
    public var key: String
    public var cycle: Int
    public var examples: Int
    public var ownExamples: Int
    public var shoutOuts: Int
    public var contributors: Int
    public var recognised: Int
    /// Different people recognised in the cycle up to and including this week, as it stood when the week went.
    public var recognisedSoFar: Int

    public init(_ week: WeekFigures) {
        key = week.key
        cycle = week.cycle
        examples = week.examples
        ownExamples = week.ownExamples
        shoutOuts = week.shoutOuts
        contributors = week.contributors
        recognised = week.recognised
        recognisedSoFar = week.recognisedSoFar
    }
}
