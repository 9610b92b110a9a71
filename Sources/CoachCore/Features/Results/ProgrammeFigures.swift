import Foundation

/// The programme's results as numbers: what each principle week drew, how widely recognition is spread, every goal's
/// readings, how follow-ups and corrective actions are being closed, the ideas still waiting for an answer, and who
/// has gone quiet.
///
/// Worked out once, here, and shown everywhere: the report-back's trends, `history`, the admins' weekly digest, and
/// the HTML report and exports on the server. Pure: the state, the principles' titles, the team's calendar and the
/// moment `now` come in as values; it reads no clock, no file and no network.
///
/// The names are the words a team lead uses ("contributors", "shout-outs", "not recognised for 2 weeks") rather than
/// statistics terms: these figures end up in a manager's digest and a report forwarded to an owner, and whoever
/// reads the code next should see the same words the people using the bot see.
public struct ProgrammeFigures: Sendable, Equatable {
    /// Every principle week in the selection, oldest first (cycle by cycle).
    public var weeks: [WeekFigures]
    /// Different people who shared at least one example in the selected weeks.
    public var contributors: Int
    /// Recognition over the selected weeks: how many people it reached and how evenly it is given.
    public var recognition: RecognitionSpread
    /// Every goal, open and closed, in id order, with all its readings.
    public var goals: [GoalFigures]
    public var followUps: FollowUpFigures
    /// Every idea in the ideas box, in id order, with its answer when it has one.
    public var ideas: [IdeaFigures]
    /// People who have not been caught doing something right in the last `quietWeeks` principle weeks, by name.
    /// Empty until the latest cycle has run that many weeks: before then nobody has had the chance.
    public var notRecognised: [QuietPerson]
    /// People who have shared no example (their own or a shout-out) in the last `quietWeeks` principle weeks.
    public var notSharing: [QuietPerson]
    /// How many principle weeks "quiet" looks back over, and whether the latest cycle has run enough of them yet.
    public var quietWeeks: Int
    public var quietListsReady: Bool
    /// How long a follow-up may stay open before it counts as open too long, and a corrective action as overdue.
    public var followUpDays: Int

    /// The ideas no admin has answered yet.
    public var ideasNotAnswered: [IdeaFigures] { ideas.filter { $0.answer == nil } }

    /// The goals still open whose latest reading is off target by more than the allowed gap.
    public var goalsOffTarget: [GoalFigures] { goals.filter { !$0.closed && $0.offTarget } }

    /// The weeks that asked for examples: all but week 0, the opening "Customer Service means..." week, which asks
    /// for a sentence instead, so its count would read as a dip in participation that never happened.
    public var principleWeeks: [WeekFigures] { weeks.filter { !$0.opening } }

    /// The figures for a deployment, as the server's report and exports need them: the team's calendar and names
    /// from `config`, the quiet and overdue limits from `config.digest`.
    ///
    /// - Parameter cycle: one cycle's weeks (the chat shows the cycle running now), or nil for every cycle.
    public init(state: CoachState, catalogue: Catalogue, config: CoachConfig, now: Date, cycle: Int? = nil) {
        var titles: [String: String] = [:]
        for principle in catalogue.principles + state.teamPrinciples where titles[principle.id] == nil {
            titles[principle.id] = principle.title
        }
        self.init(
            state: state, titles: titles, names: Self.names(state: state, config: config), calendar: TeamCalendar(timeZone: config.team.timeZone), now: now,
            cycle: cycle, quietWeeks: config.digest.quietWeeks, followUpDays: config.digest.followUpDays)
    }

    /// Everyone's name by id: the name the chat last showed, or the config's roster for someone who has not spoken;
    /// a member erased by `forget` is shown as the words for a former member.
    public static func names(state: CoachState, config: CoachConfig) -> [String: String] {
        var names: [String: String] = [:]
        for entry in config.members { names[entry.id] = entry.name }
        for (id, label) in state.formerMembers { names[id] = label }
        for (id, member) in state.members { names[id] = member.name }
        return names
    }

    /// The figures from plain inputs. A principle without a title (a plan edited by hand) shows its id, and a person
    /// without a name their id, as the chat does.
    public init(
        state: CoachState, titles: [String: String], names: [String: String], calendar: TeamCalendar, now: Date,
        cycle: Int?, quietWeeks: Int, followUpDays: Int
    ) {
        func name(_ id: String) -> String { names[id] ?? id }
        let today = calendar.localDate(of: now)
        self.quietWeeks = max(1, quietWeeks)
        self.followUpDays = max(1, followUpDays)
        let selected = Self.selectedWeeks(state, cycle: cycle, today: today)
        weeks = Self.weeks(selected, state: state, titles: titles, calendar: calendar, now: now)

        // Recognition over the selected weeks, and who has gone quiet in the latest cycle: the last `quietWeeks`
        // weeks that have ended, and the week running now (what someone did this week counts for them already).
        var given: [String: Int] = [:]
        var shoutOuts = 0
        var recognised = Set<String>()
        var reporters = Set<String>()
        let latestCycle = selected.last?.cycle
        let cycleWeeks = selected.filter { $0.cycle == latestCycle && !DefinitionWeek.isOpening($0) }
        let thisMonday = calendar.monday(of: today)
        let ended = cycleWeeks.filter { $0.monday < thisMonday }
        quietListsReady = ended.count >= self.quietWeeks
        let window = Set((ended.suffix(self.quietWeeks) + cycleWeeks.filter { $0.monday == thisMonday }).map(\.key))
        let quietKeys = Set(cycleWeeks.map(\.key))
        var lastShared: [String: Date] = [:]
        var lastRecognised: [String: Date] = [:]
        var sharedInWindow = Set<String>()
        var recognisedInWindow = Set<String>()
        for week in selected {
            let inLatestCycle = quietListsReady && quietKeys.contains(week.key)
            let inWindow = window.contains(week.key)
            state.examples.forEachLive(inWeek: week.key) { example in
                guard example.at <= now else { return }
                reporters.insert(example.reporterID)
                if !example.caughtIDs.isEmpty {
                    shoutOuts += 1
                    given[example.reporterID, default: 0] += 1
                    recognised.formUnion(example.caughtIDs)
                }
                guard inLatestCycle else { return }
                lastShared[example.reporterID] = max(lastShared[example.reporterID] ?? .distantPast, example.at)
                for id in example.caughtIDs { lastRecognised[id] = max(lastRecognised[id] ?? .distantPast, example.at) }
                if inWindow {
                    sharedInWindow.insert(example.reporterID)
                    recognisedInWindow.formUnion(example.caughtIDs)
                }
            }
        }
        // Weeks whose examples retention let go add their counts; who was in them is gone, so the people counted
        // across weeks are at least as many as any one week (or the cycle so far) showed.
        var contributorsAtLeast = 0
        var recognisedAtLeast = 0
        for week in weeks where state.retention.tally(key: week.key, cycle: week.cycle) != nil {
            shoutOuts += week.shoutOuts
            contributorsAtLeast = max(contributorsAtLeast, week.contributors)
        }
        for week in weeks { recognisedAtLeast = max(recognisedAtLeast, week.recognisedSoFar) }
        contributors = max(reporters.count, contributorsAtLeast)
        recognition = RecognitionSpread(
            shoutOuts: shoutOuts, given: given, recognisedPeople: max(recognised.count, recognisedAtLeast),
            memberCount: state.members.count, name: name)
        if quietListsReady {
            // Someone away today is resting, not quiet.
            let present = state.members.values.filter { !$0.isAway(on: today) }
            func quiet(_ active: Set<String>, _ last: [String: Date]) -> [QuietPerson] {
                present.filter { !active.contains($0.id) }
                    .map { QuietPerson(memberID: $0.id, name: $0.name, lastTime: last[$0.id].map(calendar.localDate(of:))) }
                    .sorted { ($0.name, $0.memberID) < ($1.name, $1.memberID) }
            }
            notRecognised = quiet(recognisedInWindow, lastRecognised)
            notSharing = quiet(sharedInWindow, lastShared)
        } else {
            notRecognised = []
            notSharing = []
        }

        // Goals, with every reading up to now.
        goals = state.goals.map { goal in
            GoalFigures(goal, state: state, owner: name(goal.ownerID), name: name, calendar: calendar, now: now)
        }

        // Follow-ups and corrective actions.
        let limit = self.followUpDays
        let items = state.followUps.filter { $0.openedAt <= now }.map { item in
            FollowUpItem(item, owner: name(item.ownerID), calendar: calendar, today: today, now: now)
        }
        followUps = FollowUpFigures(items: items, limit: limit)

        ideas = state.ideas.filter { $0.at <= now }.map { idea in
            IdeaFigures(
                id: idea.id, text: idea.text, authorID: idea.authorID, author: name(idea.authorID),
                date: calendar.localDate(of: idea.at), answer: idea.answer.flatMap { $0.at <= now ? $0 : nil }.map {
                    IdeaFigures.Answer(text: $0.text, byID: $0.byID, by: name($0.byID), date: calendar.localDate(of: $0.at))
                })
        }
    }
}

extension ProgrammeFigures {
    /// The weeks of one cycle (or every cycle) that have begun by `today`, oldest first.
    static func selectedWeeks(_ state: CoachState, cycle: Int?, today: LocalDate) -> [ProgrammeWeek] {
        state.weeks.filter { (cycle == nil || $0.cycle == cycle) && $0.monday <= today }
    }

    /// Each week's figures, in one walk over each week's run of examples and nothing else: what the report-back's
    /// trends and `history` need, without the rest of the figures, so a Friday with a year of examples stays quick.
    static func weeks(
        _ selected: [ProgrammeWeek], state: CoachState, titles: [String: String], calendar: TeamCalendar, now: Date
    ) -> [WeekFigures] {
        weeksAndRecognised(selected, state: state, titles: titles, calendar: calendar, now: now).weeks
    }

    /// Each week's figures, and everyone recognised in each cycle's selected weeks: the report-back needs the people,
    /// not only their number, to add those caught in examples it counts late.
    static func weeksAndRecognised(
        _ selected: [ProgrammeWeek], state: CoachState, titles: [String: String], calendar: TeamCalendar, now: Date
    ) -> (weeks: [WeekFigures], recognised: [Int: Set<String>]) {
        var recognisedInCycle: [Int: Set<String>] = [:]
        // A week whose examples retention let go counts from its tally, and its "recognised so far" stays the least
        // the cycle can show afterwards: who was recognised in it is gone, how many is not.
        var recognisedAtLeast: [Int: Int] = [:]
        let weeks = selected.map { week in
            var examples = 0
            var own = 0
            var contributors = 0
            var recognised = 0
            if let tally = state.retention.tally(of: week) {
                examples = tally.examples
                own = tally.ownExamples
                contributors = tally.contributors
                recognised = tally.recognised
                recognisedAtLeast[week.cycle] = max(recognisedAtLeast[week.cycle] ?? 0, tally.recognisedSoFar)
            } else {
                var reporters = Set<String>()
                var caught = Set<String>()
                state.examples.forEachLive(inWeek: week.key) { example in
                    guard example.at <= now else { return }
                    examples += 1
                    if example.caughtIDs.isEmpty { own += 1 }
                    reporters.insert(example.reporterID)
                    caught.formUnion(example.caughtIDs)
                }
                contributors = reporters.count
                recognised = caught.count
                recognisedInCycle[week.cycle, default: []].formUnion(caught)
            }
            // A report-back recorded as sent after `now` had not gone out yet, as of `now`.
            let record = state.reportBacks.last { $0.weekKey == week.key && $0.cycle == week.cycle }
            let sentLater = record.map { $0.at > now } ?? false
            let job = sentLater ? nil : state.jobs[ProgrammeSchedule.jobKey(.summary, week.key)]
            return WeekFigures(
                key: week.key, cycle: week.cycle, number: state.number(of: week), opening: DefinitionWeek.isOpening(week),
                principleID: week.principleID, principle: titles[week.principleID] ?? week.principleID,
                monday: week.monday, lastDay: calendar.adding(days: 6, to: week.monday), examples: examples,
                ownExamples: own, shoutOuts: examples - own, contributors: contributors, recognised: recognised,
                recognisedSoFar: max(recognisedAtLeast[week.cycle] ?? 0, recognisedInCycle[week.cycle]?.count ?? 0),
                reportBack: job.map { $0 == .skipped ? .missed : .sent } ?? .notYet,
                reportBackSentAt: sentLater ? nil : record?.at)
        }
        return (weeks, recognisedInCycle)
    }
}

/// One principle week: its principle and dates, and what the team shared in it.
public struct WeekFigures: Sendable, Equatable {
    /// Whether the week's report-back has gone out, was missed (the bot was stopped for the rest of the week; its
    /// examples were counted in the next report-back), or is still to come.
    public enum ReportBack: String, Sendable, Equatable {
        case sent, missed, notYet
    }

    /// The ISO week, `2027-W03`, in the team's time zone.
    public var key: String
    public var cycle: Int
    /// The week's number as people read it: from 0 in a cycle that opened with the definition week, otherwise from 1.
    public var number: Int
    /// Week 0, the "Customer Service means..." activity, which asks for a sentence rather than examples.
    public var opening: Bool
    public var principleID: String
    public var principle: String
    public var monday: LocalDate
    /// The week's Sunday.
    public var lastDay: LocalDate
    /// Examples shared during the week (live ones: a deleted example no longer counts), own and shout-outs.
    public var examples: Int
    public var ownExamples: Int
    /// Examples that caught someone doing something right.
    public var shoutOuts: Int
    /// Different people who shared at least one example.
    public var contributors: Int
    /// Different people caught doing something right in the week.
    public var recognised: Int
    /// Different people recognised in the cycle up to and including this week: how far recognition has spread.
    public var recognisedSoFar: Int
    public var reportBack: ReportBack
    /// When its report-back went out, as recorded since `history` shows report-backs again.
    public var reportBackSentAt: Date?
}

/// How widely recognition reaches, and how evenly it is given: figures to notice a team where two people thank
/// everyone and nobody else does, never a ranking of who thanked most.
public struct RecognitionSpread: Sendable, Equatable {
    /// Examples that caught somebody doing something right.
    public var shoutOuts: Int
    /// Different people recognised at least once.
    public var recognisedPeople: Int
    /// Everyone the bot knows: the people recognition could reach.
    public var memberCount: Int
    /// Different people who gave at least one shout-out.
    public var giverCount: Int
    /// Who gave shout-outs, in alphabetical order, without counts: who, not how many.
    public var givers: [String]
    /// The most shout-outs one person gave, and what share of all shout-outs that is, in whole percent: near 100,
    /// one person does the thanking; near 100 ÷ givers, it is shared evenly.
    public var mostFromOnePerson: Int
    public var mostFromOnePersonPercent: Int

    init(shoutOuts: Int, given: [String: Int], recognisedPeople: Int, memberCount: Int, name: (String) -> String) {
        self.shoutOuts = shoutOuts
        self.recognisedPeople = recognisedPeople
        self.memberCount = memberCount
        giverCount = given.count
        givers = given.keys.map(name).sorted()
        mostFromOnePerson = given.values.max() ?? 0
        // A share of the shout-outs whose givers are known: those retention let go are counted, but not by whom.
        let known = given.values.reduce(0, +)
        mostFromOnePersonPercent = known == 0 ? 0 : Int((Double(mostFromOnePerson) * 100 / Double(known)).rounded())
    }
}

/// A goal and every reading posted for it, with what "on target" means for it.
public struct GoalFigures: Sendable, Equatable {
    public struct Reading: Sendable, Equatable {
        public var at: Date
        public var date: LocalDate
        public var value: Double
        /// Off target by more than the allowed gap, in the wrong direction.
        public var offTarget: Bool
        /// What the owner wrote with the figure, and who posted it.
        public var note: String
        public var byID: String
        public var by: String
    }

    public var id: Int
    public var kpi: String
    public var unit: String
    public var target: Double
    /// How far from the target still counts as on target, in the goal's unit (a percentage gap worked out).
    public var allowedGap: Double
    public var direction: Goal.Direction
    public var ownerID: String
    public var owner: String
    public var due: LocalDate?
    public var closed: Bool
    public var readings: [Reading]
    /// The latest reading is off target.
    public var offTarget: Bool
    /// The corrective action being seen through (its follow-up still open), if any.
    public var openAction: String?

    init(_ goal: Goal, state: CoachState, owner: String, name: (String) -> String, calendar: TeamCalendar, now: Date) {
        id = goal.id
        kpi = goal.kpi
        unit = goal.unit
        target = goal.target
        allowedGap = goal.allowance
        direction = goal.direction
        ownerID = goal.ownerID
        self.owner = owner
        due = goal.due
        closed = goal.closed
        readings = goal.history.filter { $0.at <= now }.map {
            Reading(
                at: $0.at, date: calendar.localDate(of: $0.at), value: $0.value, offTarget: goal.deviates($0.value),
                note: $0.note, byID: $0.byID, by: name($0.byID))
        }
        offTarget = readings.last?.offTarget ?? false
        openAction = Goals.openAction(goal, state)?.text
    }
}

/// Follow-ups ("you spot it, you own it, you fix it, you follow it") and corrective actions: how many are open,
/// how long closing takes, and which have been open too long.
public struct FollowUpFigures: Sendable, Equatable {
    /// Every follow-up, in id order.
    public var items: [FollowUpItem]
    public var open: Int
    public var closed: Int
    /// The middle of the closed ones' days to close (the lower middle of an even count), and their average: the
    /// middle is what a typical follow-up takes, the average shows when a few drag on.
    public var medianDaysToClose: Int?
    public var averageDaysToClose: Double?
    /// Open follow-ups (a complaint's included) older than the limit, oldest first.
    public var openTooLong: [FollowUpItem]
    /// Corrective actions for goals older than the limit: an action has no date of its own, so the same limit as
    /// any follow-up says when it is overdue. Oldest first.
    public var overdueActions: [FollowUpItem]

    init(items: [FollowUpItem], limit: Int) {
        self.items = items
        let openItems = items.filter { $0.closedOn == nil }
        open = openItems.count
        let days = items.compactMap(\.daysToClose).sorted()
        closed = days.count
        medianDaysToClose = days.isEmpty ? nil : days[(days.count - 1) / 2]
        averageDaysToClose = days.isEmpty ? nil : Double(days.reduce(0, +)) / Double(days.count)
        let late = openItems.filter { $0.daysOpen > limit }.sorted { ($0.openedOn, $0.id) < ($1.openedOn, $1.id) }
        openTooLong = late.filter { $0.goalID == nil }
        overdueActions = late.filter { $0.goalID != nil }
    }
}

public struct FollowUpItem: Sendable, Equatable {
    public var id: Int
    public var text: String
    public var ownerID: String
    public var owner: String
    /// The goal whose corrective action this is.
    public var goalID: Int?
    /// The customer complaint it sees through.
    public var feedbackID: Int?
    public var openedOn: LocalDate
    /// Nil while open (or when fixed after `now`).
    public var closedOn: LocalDate?
    /// The instants behind the two days, for exports that give the time too.
    public var openedAt: Date
    public var closedAt: Date?
    /// How it was fixed, in the owner's words; nil while open.
    public var resolution: String?
    /// Calendar days from opening to closing, or to today while open.
    public var daysOpen: Int
    public var daysToClose: Int?

    init(_ item: FollowUp, owner: String, calendar: TeamCalendar, today: LocalDate, now: Date) {
        id = item.id
        text = item.text
        ownerID = item.ownerID
        self.owner = owner
        goalID = item.goalID
        feedbackID = item.feedbackID
        openedOn = calendar.localDate(of: item.openedAt)
        closedAt = item.fixedAt.flatMap { $0 <= now ? $0 : nil }
        closedOn = closedAt.map(calendar.localDate(of:))
        openedAt = item.openedAt
        resolution = closedAt == nil ? nil : item.resolution
        daysOpen = calendar.days(from: openedOn, to: closedOn ?? today)
        daysToClose = closedOn.map { calendar.days(from: openedOn, to: $0) }
    }
}

public struct IdeaFigures: Sendable, Equatable {
    public struct Answer: Sendable, Equatable {
        public var text: String
        public var byID: String
        public var by: String
        public var date: LocalDate
    }

    public var id: Int
    public var text: String
    public var authorID: String
    public var author: String
    public var date: LocalDate
    public var answer: Answer?
}

/// Someone who has gone quiet, and when they were last active in the cycle (nil: not yet this cycle).
public struct QuietPerson: Sendable, Equatable {
    public var memberID: String
    public var name: String
    /// The day they last shared, or were last recognised (as the list says).
    public var lastTime: LocalDate?
}

/// The team's self-ratings, round by round: per principle how many rated it, the team's average and how far the
/// raters agree. The average and the agreement are shown only where at least `minRaters` people rated the principle
/// (`ratings.minRaters`): with fewer, anyone who knows who rated could work out each one's score.
public struct RatingFigures: Sendable, Equatable {
    /// One round of ratings: a cycle's baseline, or its re-rating at the end.
    public struct Round: Sendable, Equatable {
        public var cycle: Int
        public var purpose: RatingRound.Purpose
        /// Different people who rated at least one principle.
        public var raters: Int
        /// Every principle someone rated, in the catalogue's order, then the team's own.
        public var principles: [PrincipleRating]

        public func principle(_ id: String) -> PrincipleRating? { principles.first { $0.principleID == id } }
    }

    public struct PrincipleRating: Sendable, Equatable {
        public var principleID: String
        public var principle: String
        public var raters: Int
        /// The average as the chat shows it, to one decimal (halves away from zero); nil when too few rated it.
        public var average: Double?
        /// The share of raters, in percent, who gave the most common score; nil when too few rated it.
        public var agreement: Int?
        /// The average is left out because fewer than `minRaters` people rated the principle.
        public var hidden: Bool
    }

    /// Every round in the order the rounds were opened.
    public var rounds: [Round]
    public var minRaters: Int

    /// The ratings of a deployment: the principles' titles and order from the catalogue and the team's own,
    /// `minRaters` from `config.ratings`.
    public init(state: CoachState, catalogue: Catalogue, config: CoachConfig) {
        let principles = (catalogue.principles + state.teamPrinciples).map { (id: $0.id, title: $0.title) }
        self.init(state: state, principles: principles, minRaters: config.ratings.minRaters)
    }

    /// - Parameter principles: every principle's id and title, in the order they are listed.
    public init(state: CoachState, principles: [(id: String, title: String)], minRaters: Int) {
        self.minRaters = max(1, minRaters)
        let least = self.minRaters
        var order: [String: Int] = [:]
        var titles: [String: String] = [:]
        for (index, principle) in principles.enumerated() where order[principle.id] == nil {
            order[principle.id] = index
            titles[principle.id] = principle.title
        }
        rounds = state.ratingRounds.map { round in
            var values: [String: [Int]] = [:]
            for scores in round.scores.values {
                for (id, score) in scores { values[id, default: []].append(score) }
            }
            // A principle no longer in the catalogue (rated, then removed) still counts, after the known ones.
            let ids = values.keys.sorted { (order[$0] ?? Int.max, $0) < (order[$1] ?? Int.max, $1) }
            let rows = ids.map { id in
                let scores = values[id] ?? []
                let shown = scores.count >= least
                let mean = Double(scores.reduce(0, +)) / Double(max(scores.count, 1))
                return PrincipleRating(
                    principleID: id, principle: titles[id] ?? id, raters: scores.count,
                    average: shown ? RatingReport.roundedForShow(mean) : nil,
                    agreement: shown ? RatingReport.agreement(scores) : nil, hidden: !shown)
            }
            return Round(
                cycle: round.cycle, purpose: round.purpose, raters: round.scores.values.filter { !$0.isEmpty }.count,
                principles: rows)
        }
    }

    /// A cycle's latest round of the kind asked for.
    public func round(cycle: Int, _ purpose: RatingRound.Purpose) -> Round? {
        rounds.last { $0.cycle == cycle && $0.purpose == purpose }
    }
}
