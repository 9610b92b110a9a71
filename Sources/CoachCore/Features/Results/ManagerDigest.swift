import Foundation

/// The admins' private weekly digest: who has not been recognised or has not shared for a few weeks, who gives
/// recognition and how evenly (never a ranking), follow-ups open too long and corrective actions overdue, the ideas
/// still waiting for an answer, and the goals off target with their readings. Everything a manager would otherwise
/// piece together from a month of report-backs, in one private message a week.
///
/// How it counts against "at most one scheduled private message a day": on its day, an admin's daily check-in and
/// the digest are one message, sent at the later of the two times (`DailyDigest`). A digest the bot missed (down on
/// its day) goes with the admin's next check-in that week, once; a week's digest is never made up in the next week.
/// It goes only to admins, only privately, never while they are away, only on working days and never while the
/// programme is paused. An admin in a time zone of their own (`timezone`) gets it on its day and at its time on their
/// own clock, once (`Member.ridesHad`). It names people, so where the platform has no private messages it is not
/// sent at all: the operator's log says why, and `digest` in the chat says so too.
///
/// It speaks from a programme's second week on, and once more in the re-rating week after its last principle;
/// between cycles there is nothing new to say.
enum ManagerDigest {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("digest", listed: .admins) { words in
            words.args.isEmpty ? .form(Show()) : .malformed(.badForm)
        }
    ]

    /// One job a week, `digest:2027-W03`, committed with the messages it sent.
    static func jobKey(_ weekKey: String) -> String { "digest:\(weekKey)" }

    /// How many ideas and overdue follow-ups the digest lists; the counts cover them all.
    static let listed = 10

    /// The week's digest, when it has fallen due (on `day` or earlier that week) and has not gone (`gone`: the
    /// team's job, or an admin's own record): when it was due. `day` is the team's, or an admin's own (`timezone`),
    /// whose digest comes on the same day and time on their clock.
    static func pending(on day: CheckInDay, gone: Bool, _ tx: Transaction) -> Date? {
        guard !gone, let due = tx.coach.schedule.digestDue(monday: day.monday, in: day.calendar),
            day.calendar.localDate(of: due) <= day.date
        else { return nil }
        return due
    }

    /// Whether there is a week to look back on in the week starting `monday`: the programme has run a whole week
    /// and is still running, or has just ended (its re-rating week). On the first Monday of a programme there is
    /// nothing yet to say.
    static func hasProgramme(monday: LocalDate, _ tx: Transaction) -> Bool {
        let programme = tx.state.programme
        switch programme.phase {
        case .setup: return false
        case .running: return tx.weeksInCycle.contains { $0.monday < monday }
        case .finished: return programme.finishedOn == monday
        }
    }

    /// `digest`: an admin's digest as of now, whenever they ask, privately. Not counted as a scheduled message: it
    /// answers the person who asked.
    struct Show: CommandForm {
        static let access = Access.admins

        func run(_ request: Request, _ tx: inout Transaction) {
            var view = DigestView(name: tx.name(of: request.senderID))
            view.manager = ManagerDigest.view(tx)
            if request.message.isDirect {
                tx.reply(request, view)
            } else if tx.coach.capabilities.directMessages {
                tx.send(view, to: .direct(userID: request.senderID), kind: .reply)
                tx.reply(request, SentPrivatelyView(what: .digest, weekNumber: nil, sent: true))
            } else {
                tx.reply(request, SentPrivatelyView(what: .digest, weekNumber: nil, sent: false))
            }
        }
    }

    static func view(_ tx: Transaction) -> ManagerDigestView {
        let figures = ProgrammeFigures(tx, cycle: tx.state.programme.cycle)
        let week = tx.currentWeek
        // Who has gone quiet is news while the programme asks for examples; after its last week it would only
        // repeat the same names.
        let quiet = figures.quietListsReady && tx.state.programme.phase == .running
        let kpis = Dictionary(tx.state.goals.map { ($0.id, $0.kpi) }, uniquingKeysWith: { first, _ in first })
        let overdue = figures.followUps.openTooLong
        let ideas = figures.ideasNotAnswered
        let goals = tx.state.goals.filter { goal in figures.goalsOffTarget.contains { $0.id == goal.id } }
        var view = ManagerDigestView(
            weekNumber: week.map { tx.state.number(of: $0) },
            principle: week.map { tx.principle(id: $0.principleID)?.title ?? $0.principleID },
            // Weeks whose report-back is out: on a Monday the week just begun would read as a collapse.
            trends: ParticipationTrend(figures.weeks.filter { $0.reportBack != .notYet }), quietWeeks: figures.quietWeeks,
            oneWeek: figures.quietWeeks == 1, quiet: quiet,
            notRecognised: quiet ? figures.notRecognised.map(ManagerDigestView.QuietRow.init) : [],
            notSharing: quiet ? figures.notSharing.map(ManagerDigestView.QuietRow.init) : [],
            recognition: .init(figures.recognition), followUpDays: figures.followUpDays, oneDay: figures.followUpDays == 1,
            openTooLong: overdue.prefix(listed).map { .init($0, kpi: nil) },
            moreOpenTooLong: max(0, overdue.count - listed),
            overdueActions: figures.followUps.overdueActions.map { .init($0, kpi: $0.goalID.flatMap { kpis[$0] }) },
            ideas: ideas.prefix(listed).map(ManagerDigestView.IdeaRow.init), ideaCount: ideas.count,
            moreIdeas: max(0, ideas.count - listed), goals: goals.map { GoalView($0, tx) }, allClear: false)
        view.allClear = view.notRecognised.isEmpty && view.notSharing.isEmpty && overdue.isEmpty
            && view.overdueActions.isEmpty && ideas.isEmpty && goals.isEmpty
        return view
    }
}

/// The digest's own part of an admin's message (`DigestView.manager`), shown by the `manager-digest` partial.
struct ManagerDigestView: Encodable {
    /// The programme week running now, if one is.
    var weekNumber: Int?
    var principle: String?
    var trends: ParticipationTrend?
    /// The weeks the quiet lists look back over (besides this week so far); `oneWeek` when that is one.
    var quietWeeks: Int
    var oneWeek: Bool
    /// The quiet lists are shown: the cycle has run `quietWeeks` weeks, and is still running.
    var quiet: Bool
    var notRecognised: [QuietRow]
    var notSharing: [QuietRow]
    var recognition: Recognition
    /// How long a follow-up may stay open; `oneDay` when that is one.
    var followUpDays: Int
    var oneDay: Bool
    var openTooLong: [FollowUpRow]
    var moreOpenTooLong: Int
    var overdueActions: [FollowUpRow]
    var ideas: [IdeaRow]
    var ideaCount: Int
    var moreIdeas: Int
    var goals: [GoalView]
    /// Nobody quiet, nothing overdue, no idea waiting and no goal off target.
    var allClear: Bool

    struct QuietRow: Encodable {
        var name: String
        /// When they last shared, or were last recognised; nil when not yet this cycle. Not `last`: the templates'
        /// `last()` marks a list's final entry.
        var lastDate: String?

        init(_ person: QuietPerson) {
            name = person.name
            lastDate = person.lastTime?.description
        }

        /// For `TemplateSamples`.
        init(name: String, lastDate: String?) {
            self.name = name
            self.lastDate = lastDate
        }
    }

    /// Recognition this cycle: its reach, and how evenly it is given.
    struct Recognition: Encodable {
        var none: Bool
        var shoutOuts: Int
        var recognisedPeople: Int
        var memberCount: Int
        var giverCount: Int
        /// Alphabetical, without counts: who, not how many.
        var givers: [String]
        /// More than one person gives, so the share of the most from one person says how evenly.
        var several: Bool
        var most: Int
        var mostPercent: Int
        /// Each giver's share if all gave alike, to read `mostPercent` against.
        var evenPercent: Int

        init(_ spread: RecognitionSpread) {
            none = spread.shoutOuts == 0
            shoutOuts = spread.shoutOuts
            recognisedPeople = spread.recognisedPeople
            memberCount = spread.memberCount
            giverCount = spread.giverCount
            givers = spread.givers
            several = spread.giverCount > 1
            most = spread.mostFromOnePerson
            mostPercent = spread.mostFromOnePersonPercent
            evenPercent = spread.giverCount > 0 ? Int((100 / Double(spread.giverCount)).rounded()) : 0
        }
    }

    struct FollowUpRow: Encodable {
        var id: Int
        var text: String
        var owner: String
        var days: Int
        /// A corrective action's goal.
        var goal: Int?
        var kpi: String?
        /// A complaint's follow-up.
        var complaint: Int?

        init(_ item: FollowUpItem, kpi: String?) {
            id = item.id
            text = item.text
            owner = item.owner
            days = item.daysOpen
            goal = item.goalID
            self.kpi = kpi
            complaint = item.feedbackID
        }
    }

    struct IdeaRow: Encodable {
        var id: Int
        var text: String
        var author: String
        var date: String

        init(_ idea: IdeaFigures) {
            id = idea.id
            text = idea.text
            author = idea.author
            date = idea.date.description
        }
    }
}
