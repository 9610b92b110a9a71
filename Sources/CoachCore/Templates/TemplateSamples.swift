import Foundation

/// One sample of every view the engine renders, so `coach check` can render every template before the bot does:
/// a template that leaves a tag unread (a missing brace shows as `{{` in the post) or renders nothing is reported
/// at check time, not on a Friday. Samples fill every list and optional they can, so the sections that show them
/// open. `TemplateSampleTests` keeps the set complete: every `Template` case is rendered by a sample, or is a
/// partial that a sampled template includes.
public enum TemplateSamples {
    /// CoachCore's views, each in the envelope (bot, team, you) the engine sends it in. Views of the console, the
    /// chat line, the simulation and `coach check` come from their own modules.
    public static func views(prompts: PromptBook) -> [any MessageView] {
        let help = HelpCommandView(prompts.commandHelp.keys.sorted().first ?? "help", prompts: prompts)
        var usage = UsageView(help.command, problem: .tooLong, prompts: prompts)
        usage.limit = 1000
        usage.length = 1204
        var unknown = UnknownCommandView(word: "exampel", suggestions: ["example", "examples"])
        unknown.offer = "!example Helped a customer"
        var examples = ExamplesView(everyone: true, examples: [row, row], empty: false)
        examples.weekNumber = 3
        examples.asked = 2
        examples.total = 24
        examples.page = 1
        examples.pages = 3
        examples.paged = true
        examples.nextPage = 2
        var changed = PlanChangedView(plan: plan, started: true)
        changed.accepted = true
        changed.newPrinciple = .init(id: "team-1", title: "Smile at the door", number: 32, missing: [part])
        changed.skippedWeek = "2027-W03"
        changed.cycle = 2
        var digest = DigestView(name: "Sam")
        digest.definition = true
        digest.agreeFrom = 3
        digest.example = week
        digest.firstFigures = [goal]
        digest.actions = [goal]
        digest.stale = [GoalStaleView(goal: goal, days: 9)]
        digest.followUps = [followUp]
        digest.trainingToday = [training]
        digest.trainingAsked = [training]
        digest.rerate = true
        digest.reward = RewardPrompt(sample: ())
        digest.checkIn = true
        digest.manager = ManagerDigestView(sample: ())

        var shownAgain = reportBack
        shownAgain.again = .init(sentOn: "2027-01-22")
        shownAgain.late = nil
        shownAgain.agenda = nil
        shownAgain.next = nil

        let core: [any MessageView] = [
            AwayAckView(until: "2027-01-15"),
            BackAckView(wasAway: true),
            reportBack,
            shownAgain,
            HistoryView(
                weeks: [HistoryView.Row(sample: ())], empty: false, cycle: 1, trends: participation, example: 2),
            HistoryWeekView(weekNumber: 3, principle: "Listen to the customer", why: .notYet, due: "Friday 16:00"),
            HistoryWeekView(
                weekNumber: 1, principle: "Listen to the customer", why: .letGo, due: nil, months: 12, examples: 14,
                contributors: 6),
            SentPrivatelyView(what: .history, weekNumber: 2, sent: true),
            SentPrivatelyView(what: .digest, weekNumber: nil, sent: false),
            IdeaAnsweredView(id: 3, idea: "A tips jar", author: "Jo", answer: "Yes, from March", replaced: true, waiting: 2),
            ReportBackHeadlineView(full: reportBack),
            ProgrammeFinishedView(late: late, weekCount: 12, principles: numbered),
            AnnouncementView(week: week, late: late, threads: true, lookingBack: lookingBack),
            ReminderView(week: week, late: late, exampleCount: 5, contributorCount: 3, answerCount: 2),
            SessionView(week: week, late: late, caught: [row], agenda: agenda),
            LateNoteView(due: "Monday 09:00"),
            WeekdayView(weekday: 2),
            IntroView(principleCount: 13, principles: numbered, otherCount: 18, openingWeek: true),
            FeedbackAckView(entry: feedbackRow, logged: true, opened: followUp),
            FeedbackListView(
                thisWeek: [feedbackRow], compliments: 2, complaints: 1, earlierOpen: [feedbackRow], hasEarlierOpen: true,
                empty: false),
            GoalsView(goals: [goal], empty: false),
            GoalAddedView(goal: goal),
            GoalUpdatedView(goal: goal),
            GoalActionView(goal: goal, followUp: 4),
            GoalClosedView(goal: goal),
            ProgrammeStartedView(
                startDate: "2027-01-04", usedSuggestion: true, plan: plan, weekCount: 12, opening: true),
            PausedView(),
            ResumedView(wasPaused: true),
            SkippedView(thisWeek: true, monday: "2027-01-11", next: principle, you: "Alex"),
            CycleStartedView(cycle: 2, carried: true),
            ProgrammeView(suggested: true, accepted: false, plan: plan, started: false, isAdmin: true, scores: [scoreRow]),
            changed,
            PrinciplesView(principles: numbered),
            PrincipleReplyView(principle: principle),
            DuplicatePrincipleView(id: "listen"),
            PrincipleDetailSetView(
                principle: principle, number: 4, part: part, restored: false, isCatalogue: true, missing: [part]),
            RatePromptView(
                principles: numbered, principleCount: 13, round: numbered, unratedCount: 9, otherCount: 18,
                wrongCount: true, tooMany: false, given: 4),
            RateAckView(
                count: 3, rated: 6, principleCount: 13, complete: false, rerate: false, keptForRerate: true, round: numbered),
            RatingWidenedView(added: numbered, already: 1, principleCount: 15, everything: false),
            scores,
            BeforeAfterView(
                late: late, cycle: 1,
                rows: [
                    .init(
                        title: "Listen to the customer", before: "2.6", after: "3.8", beforeHidden: false,
                        afterHidden: false, beforeAgreement: 60, afterAgreement: 75, comparable: true, change: "+1.2",
                        up: true, down: false, same: false),
                    .init(
                        title: "Keep your promises", before: "-", after: "3.4", beforeHidden: true, afterHidden: false,
                        beforeAgreement: nil, afterAgreement: 50, comparable: false, change: "-", up: false, down: false,
                        same: false),
                ],
                overallBefore: "2.9", overallAfter: "3.6", overallShown: true, minRaters: 3, someHidden: true, improved: 9, principleCount: 13, beforeRaters: 5,
                afterRaters: 4, noRerate: false, running: false, teamDefinition: "Customer service means care",
                earlier: [earlier], hasEarlier: true, feedback: feedbackCounts, trainings: [training], hasTrainings: true),
            VotesView(sample: ()),
            ScoresSharedView(scores: scores, complete: true, votesOpen: true, perMember: 3),
            ScoresSharedAckView(),
            RecordView(sample: ()),
            RecordPrivateView(name: "Sam", sent: true),
            ReportFileView(name: "Sam"),
            GoalReviewView(month: "January 2027", goals: [recordGoal], onTarget: 1, offTarget: 1, noFigure: 1),
            TrainingView(
                scheduled: training, rescheduled: true, past: false, reminder: "Thursday 10:00", checkIns: true,
                noWeek: .paused, list: true, pending: [training], hasPending: true, week: targetWeek),
            TrainedView(recorded: training, upcoming: training, nothingWaiting: false),
            FollowUpOpenedView(followUp: followUp),
            FollowUpsView(followups: [followUp], empty: false),
            FollowUpFixedView(followUp: followUp),
            NotFoundView(kind: .member, ref: "@sammy", known: ["Sam", "Jo"]),
            NotYoursView(kind: .example, id: 7, owner: "Jo"),
            HelpView(commands: [help], adminCommands: [help], isAdmin: true),
            help,
            StatusView(
                setup: false, running: true, finished: false, paused: false, planLength: 12, cycle: 1,
                startDate: "2027-01-04", rated: 5, principleCount: 13, week: week, exampleCount: 8, yourCount: 2,
                next: principle),
            usage,
            unknown,
            NothingToConfirmView(expired: true),
            AdminOnlyView(command: "start"),
            NotUnderstoodView(),
            IdeaAckView(id: 3, count: 5),
            IdeasView(
                ideas: [.init(id: 3, text: "A tips jar for the team", author: "Jo", answer: "Yes", answeredBy: "Alex")],
                empty: false, total: 5),
            MeansAckView(id: 2, text: "listening before answering", count: 4, beforeAgreeing: true),
            DefinitionsView(agreed: "Customer service means care", definitions: [answer], empty: false, total: 4, isAdmin: true),
            DefinitionAgreedView(
                definition: "Customer service means care", from: [.init(text: "care", author: "Jo")], written: false,
                replaced: true),
            digest,
            ExampleAckView(
                id: 7, caught: ["Jo"], hasCaught: true, counted: .thisWeek, weekCount: 5, threadReply: true,
                principleTitle: "Listen to the customer"),
            examples,
            ExampleEditedView(id: 7, text: "Helped a customer to the car"),
            ExampleDeletedView(id: 7),
        ]
        // Every outcome, so each branch of the template is tried.
        let reportFileNotices = ReportFileNoticeView.Outcome.allCases.map { ReportFileNoticeView(outcome: $0, name: "Sam") }
        let timeZones = TimeZoneView.What.allCases.map { TimeZoneView(sample: $0) }
        return (core + reportFileNotices + memberData + timeZones).map { view in envelope(view) }
    }

    /// As `Transaction.render` sends it.
    static func envelope(_ view: some MessageView) -> any MessageView {
        Envelope(view: view, bot: "coach", team: "Corner Bakery", you: "Sam")
    }

    /// `mydata` and `forget`: each form and outcome, every role once, so each branch of their templates is tried.
    static var memberData: [any MessageView] {
        var views: [any MessageView] = []
        var file = MyDataView(sample: ())
        file.form = .file
        views.append(file)
        for problem in [nil] + FileProblem.allCases.map(Optional.some) {
            var text = MyDataView(sample: ())
            text.problem = problem.map(MyDataView.Problem.init)
            views.append(text)
        }
        var nothing = MyDataView(sample: ())
        nothing.empty = true
        nothing.items = []
        nothing.records = 0
        views.append(nothing)
        views.append(MyDataRecordsView(part: 1, parts: 2, records: [
            RecordRow(place: "examples", roles: [.shoutOutGiven], fields: [
                .init(name: "id", value: "12"), .init(name: "text", value: "Stayed late to sort a delivery"),
            ]),
            RecordRow(place: "goals", roles: [.goalOwned, .goalReading], fields: [.init(name: "kpi", value: "Reply time")]),
        ]))
        for outcome in ForgetView.Outcome.allCases {
            var view = ForgetView(outcome: outcome, admin: "Alex", mention: "sam", yourself: outcome == .adminsOnly)
            view.name = "Sam"
            view.items = RoleCount.list(Dictionary(uniqueKeysWithValues: FootprintRole.allCases.map { ($0, 2) }))
            view.minutes = 10
            view.inRoster = true
            view.isAdmin = outcome == .done
            view.label = "a former member"
            views.append(view)
        }
        var member = ForgetView(outcome: .adminsOnly, yourself: false)
        member.isAdmin = true
        views.append(member)
        views += FormerMemberView.Part.allCases.map { FormerMemberView(part: $0) }
        for what in [SentPrivatelyView.What.mydata, .forget] {
            views.append(SentPrivatelyView(what: what, weekNumber: nil, sent: true))
        }
        views.append(SentPrivatelyView(what: .mydata, weekNumber: nil, sent: false))
        return views
    }

    // MARK: - The parts the views share

    static var principle: PrincipleView { PrincipleView(sample: ()) }
    static var numbered: [NumberedPrinciple] { [
        NumberedPrinciple(number: 1, id: "listen", title: "Listen to the customer"),
        NumberedPrinciple(number: 2, id: "own-it", title: "You spot it, you own it"),
    ] }
    static var plan: [PlanRow] { [
        PlanRow(position: 0, id: "means", title: "Customer service means", done: true, monday: "2026-12-28", opening: true),
        PlanRow(position: 1, id: "listen", title: "Listen to the customer", done: false, monday: "2027-01-04"),
    ] }
    static var week: WeekView { WeekView(sample: ()) }
    static var late: LateNotice { LateNotice(sampleNote: "This was due Monday 09:00; sorry it is late.") }
    static var row: ExampleRow { ExampleRow(sample: ()) }
    static var earlier: EarlierExample { EarlierExample(row: row, lateForWeek: 2, outsideWeeks: false) }
    static var goal: GoalView { GoalView(sample: ()) }
    static var followUp: FollowUpView { FollowUpView(sample: ()) }
    static var feedbackRow: FeedbackRow { FeedbackRow(sample: ()) }
    static var feedbackCounts: FeedbackCounts { FeedbackCounts(compliments: 2, complaints: 1, stillOpen: 1) }
    static var training: TrainingRow { TrainingRow(sample: ()) }
    static var lookingBack: LookingBack { LookingBack(sample: ()) }
    static var recordGoal: RecordGoal { RecordGoal(sample: ()) }
    static var targetWeek: TargetWeekView { TargetWeekView(sample: ()) }
    static var answer: NumberedAnswer { NumberedAnswer(sample: ()) }
    static var agenda: SessionAgenda { SessionAgenda(inReport: true, inThread: true, shoutOuts: 3) }
    static var part: PrincipleDetailSetView.Part { PrincipleDetailSetView.Part(.skills) }
    static var scoreRow: ScoresView.Row { ScoresView.Row(sample: ()) }
    /// A principle only two rated: its average is held back (`ratings.minRaters`).
    static var hiddenScoreRow: ScoresView.Row {
        var row = scoreRow
        (row.number, row.id, row.title, row.mean, row.raters, row.hidden, row.agreement) =
            (2, "promise", "Keep your promises", "-", 2, true, nil)
        return row
    }
    static var scores: ScoresView {
        ScoresView(
            rows: [scoreRow, hiddenScoreRow], raterCount: 4, memberCount: 5, empty: false, frozen: true, minRaters: 3,
            someHidden: true)
    }
    static var sparkline: Sparkline { Sparkline(sample: ()) }
    static var participation: ParticipationTrend {
        ParticipationTrend(firstWeek: 1, lastWeek: 5, examples: sparkline, contributors: sparkline)
    }

    static var reportBack: ReportBackView {
        ReportBackView(
            week: week, late: late, inThread: false,
            counts: .init(examples: 5, own: 2, shoutOuts: 3, contributors: 3), caughtExamples: [row], hasCaught: true,
            ownExamples: [row], hasOwn: true, noExamples: false, earlier: [earlier], earlierCount: 1, hasEarlier: true,
            recognised: [.init(name: "Jo", count: 2, several: true)], hasRecognised: true, recognisedSoFar: 4,
            memberCount: 5, goals: [goal], hasGoals: true, offTarget: ["Callbacks within a day"], deviationCount: 1,
            followups: [followUp], hasFollowups: true, ideas: [.init(text: "A tips jar", author: "Jo")], hasIdeas: true,
            definitions: [.init(text: "care", author: "Sam")], hasDefinitions: true,
            definitionWeek: OpeningReport(answers: [answer], answerCount: 1, agreed: "Customer service means care", earlier: nil),
            agenda: agenda, next: NextWeek(sample: ()), feedback: feedbackCounts, hasFeedback: true,
            openComplaints: [feedbackRow], hasOpenComplaints: true, trainings: [training], trainingsHeld: 1,
            waitingTrainings: [training], hasTrainings: true, trends: participation)
    }
}

// The views and parts whose own initializers read a transaction, given sample values directly.

extension PrincipleView {
    init(sample: ()) {
        id = "listen"
        title = "Listen to the customer"
        why = "People come back to those who hear them."
        skills = ["Let them finish", "Repeat back what you heard"]
        hasSkills = true
        managerSkills = ["Ask the team what customers said this week"]
        hasManagerSkills = true
        training = ["Ten minutes of listening practice in pairs"]
        hasTraining = true
        challenge = "Catch a colleague letting a customer finish."
        question = "What did a customer tell you this week?"
    }
}

extension WeekView {
    init(sample: ()) {
        weekNumber = 3
        weekCount = 12
        weekKey = "2027-W02"
        principle = TemplateSamples.principle
        opening = false
        teamDefinition = "Customer service means care"
    }
}

extension LateNotice {
    init(sampleNote: String) {
        lateNote = sampleNote
    }
}

extension ExampleRow {
    init(sample: ()) {
        id = 7
        text = "Helped a customer carry boxes to the car"
        reporter = "Sam"
        caught = "Jo, Priya"
        hasCaught = true
        date = "2027-01-05"
    }
}

extension GoalView {
    init(sample: ()) {
        id = 2
        kpi = "Callbacks within a day"
        target = "90"
        unit = "%"
        higher = true
        lower = false
        owner = "Priya"
        hasTolerance = true
        tolerance = "5%"
        deviating = true
        needsAction = true
        noUpdate = false
        closed = false
        updates = 3
        due = "2027-03-31"
        value = "82"
        note = "Two of us were off"
        updated = "2027-01-06"
        action = "Share the callback list each morning"
        actionFollowUp = 4
        openAction = "Share the callback list each morning"
        trend = TemplateSamples.sparkline
    }
}

extension Sparkline {
    init(sample: ()) {
        blocks = "▂▃▅▆▇"
        first = "3"
        last = "9"
        shown = 5
        total = 7
        cut = true
    }
}

extension ManagerDigestView {
    init(sample: ()) {
        weekNumber = 3
        principle = "Listen to the customer"
        trends = TemplateSamples.participation
        quietWeeks = 2
        oneWeek = false
        quiet = true
        notRecognised = [.init(name: "Priya", lastDate: "2027-01-05"), .init(name: "Ben", lastDate: nil)]
        notSharing = [.init(name: "Theo", lastDate: nil)]
        recognition = Recognition(sample: ())
        followUpDays = 7
        oneDay = false
        openTooLong = [FollowUpRow(sample: ())]
        moreOpenTooLong = 2
        overdueActions = [FollowUpRow(sample: ())]
        ideas = [IdeaRow(sample: ())]
        ideaCount = 12
        moreIdeas = 2
        goals = [TemplateSamples.goal]
        allClear = true
    }
}

extension ManagerDigestView.Recognition {
    init(sample: ()) {
        none = false
        shoutOuts = 12
        recognisedPeople = 7
        memberCount = 10
        giverCount = 4
        givers = ["Alex", "Jo", "Priya", "Sam"]
        several = true
        most = 5
        mostPercent = 42
        evenPercent = 25
    }
}

extension ManagerDigestView.IdeaRow {
    init(sample: ()) {
        id = 3
        text = "A tips jar"
        author = "Jo"
        date = "2027-01-05"
    }
}

extension ManagerDigestView.FollowUpRow {
    init(sample: ()) {
        id = 4
        text = "The door sticks in the cold"
        owner = "Alex"
        days = 9
        goal = 2
        kpi = "Callbacks within a day"
        complaint = 1
    }
}

extension HistoryView.Row {
    init(sample: ()) {
        number = 2
        principle = "Listen to the customer"
        monday = "2027-01-11"
        opening = false
        examples = 9
        contributors = 5
        shoutOuts = 4
        current = true
        missed = true
    }
}

extension FollowUpView {
    init(sample: ()) {
        id = 4
        text = "The door sticks in the cold"
        owner = "Alex"
        opened = "2027-01-05"
        fixed = true
        goal = 2
        feedback = 1
        resolution = "Planed the door"
    }
}

extension FeedbackRow {
    init(sample: ()) {
        id = 1
        text = "Waited ten minutes at the till"
        compliment = false
        complaint = true
        reporter = "Jo"
        date = "2027-01-05"
        open = true
        followUp = 4
        owner = "Alex"
        resolved = false
    }
}

extension TrainingRow {
    init(sample: ()) {
        id = 1
        when = "Thursday 15:00"
        date = "2027-01-07"
        owner = "Alex"
        principle = TemplateSamples.principle
        held = true
        notHeld = false
        awaiting = false
        upcoming = false
        note = "Good questions"
        attendees = "Sam, Jo"
        hasAttendees = true
        attendeeCount = 2
    }
}

extension LookingBack {
    init(sample: ()) {
        weekNumber = 1
        title = "Listen to the customer"
        skill = "Let them finish"
        example = TemplateSamples.row
    }
}

extension NextWeek {
    init(sample: ()) {
        runs = true
        principle = TemplateSamples.principle
        resumes = "2027-01-18"
    }
}

extension RecordGoal {
    init(sample: ()) {
        id = 2
        kpi = "Callbacks within a day"
        target = "90"
        unit = "%"
        higher = true
        lower = false
        closed = false
        updates = 2
        first = "80"
        latest = "86"
        several = true
        onTarget = false
        offTarget = true
        earlier = "78"
    }
}

extension TargetWeekView {
    init(sample: ()) {
        weekNumber = 3
        monday = "2027-01-18"
        principle = TemplateSamples.principle
    }
}

extension NumberedAnswer {
    init(sample: ()) {
        id = 2
        text = "listening before answering"
        author = "Jo"
    }
}

extension ScoresView.Row {
    init(sample: ()) {
        number = 1
        id = "listen"
        title = "Listen to the customer"
        mean = "2.6"
        raters = 4
        rated = true
        hidden = false
        oneView = false
        agreement = 50
        suggested = true
        rank = 1
        votes = 2
    }
}

extension RewardPrompt {
    init(sample: ()) {
        month = "January 2027"
        recognised = [.init(name: "Jo", count: 4)]
        examples = [.init(name: "Sam", count: 6)]
        followUps = [.init(name: "Priya", count: 2)]
        trainings = [.init(name: "Alex", count: 1)]
        ideas = ["A coffee on the team", "First pick of shifts"]
    }
}

extension VotesView {
    init(sample: ()) {
        tally = [.init(number: 1, title: "Listen to the customer", votes: 3)]
        voters = 4
        yours = TemplateSamples.numbered
        perMember = 3
        closed = false
        saved = true
    }
}

extension RecordView {
    init(sample: ()) {
        name = "Sam"
        from = "2027-01-01"
        to = "2027-01-31"
        period = .month
        figures = Figures(
            examplesShared: 4, ownExamples: 1, shoutOutsGiven: 3, shoutOutsReceived: 2, recognisedBy: 2,
            followUpsClosed: 1, complaintsResolved: 1, complaintsOpen: 1, trainingsRun: 1, trainingsAttended: 2)
        examples = [TemplateSamples.row]
        received = [TemplateSamples.row]
        closedFollowUps = [TemplateSamples.followUp]
        goals = [TemplateSamples.recordGoal]
        hasGoals = true
        complaintsResolved = [TemplateSamples.followUp]
        complaintsOpen = [TemplateSamples.followUp]
        run = [TemplateSamples.training]
        attended = [TemplateSamples.training]
        empty = false
    }
}

/// What rendering one template with a sample view showed.
public struct TemplateSampleResult: Sendable, Equatable {
    /// What makes the text no message. The wording is `coach check`'s, which names the file.
    public enum Problem: Sendable, Equatable {
        /// The library has no template of that name.
        case notRendered
        /// The sample view could not be turned into the values a template reads: a fault in the view, not the file.
        case notEncodable
        /// A line of the message still shows `{{` or `}}`: a tag the library did not read as one (a brace missing
        /// or extra). No sample value holds braces, so they came from the file. `line` counts from 1.
        case unreadTag(line: Int, text: String)
        /// Rendered with a sample that fills every value it can, the template says nothing: an empty post.
        case empty
    }

    public var template: Template
    public var problem: Problem?
    /// The text rendered with the sample view, for a person (or a test) to look at.
    public var text: String
}

/// Every sample rendered, and the templates no sample reached.
public struct TemplateSampleRun: Sendable, Equatable {
    /// One per sample view, in the order given.
    public var results: [TemplateSampleResult]
    /// Rendered by a sample, or included (through any chain of partials) by a template a sample rendered.
    public var covered: Set<Template>
    /// The rest of `Template.allCases`, in its order: templates whose text no sample put to the test.
    public var uncovered: [Template]
}

extension PromptBook {
    /// Renders each view with its template, as the bot would, and says which templates that left untested: a
    /// template used only as a partial counts as rendered when a template that includes it was.
    public func renderSamples(_ views: [any MessageView]) -> TemplateSampleRun {
        let results = views.map { renderSample($0) }
        let reached = includes(of: Set(results.map(\.template.rawValue)))
        let covered = Set(Template.allCases.filter { reached.contains($0.rawValue) })
        return TemplateSampleRun(
            results: results, covered: covered, uncovered: Template.allCases.filter { !covered.contains($0) })
    }

    /// Renders `view` with its template as the bot would, and says what would go wrong.
    public func renderSample(_ view: some MessageView) -> TemplateSampleResult {
        let template = type(of: view).template
        guard let tree = try? ViewEncoder.box(view) else {
            return .init(template: template, problem: .notEncodable, text: "")
        }
        guard let raw = library.render(tree, withTemplate: template.rawValue) else {
            return .init(template: template, problem: .notRendered, text: "")
        }
        let text = Self.tidy(raw)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = lines.firstIndex(where: { $0.contains("{{") || $0.contains("}}") }) {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            return .init(template: template, problem: .unreadTag(line: index + 1, text: line), text: text)
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .init(template: template, problem: .empty, text: text)
        }
        return .init(template: template, problem: nil, text: text)
    }

    /// `names` and every partial they include, directly or through other partials. Partial loops were refused
    /// when the book was built; the visited set keeps this finite regardless.
    public func includes(of names: Set<String>) -> Set<String> {
        var reached = names
        var waiting = Array(names)
        while let name = waiting.popLast() {
            for partial in partials[name] ?? [] where reached.insert(partial).inserted {
                waiting.append(partial)
            }
        }
        return reached
    }
}

extension MyDataView {
    init(sample: ()) {
        name = "Sam"
        id = "U024BE7LH"
        handle = "sam"
        awayUntil = "2027-02-12"
        timeZone = "Asia/Kolkata"
        inRoster = true
        isAdmin = true
        items = RoleCount.list(Dictionary(uniqueKeysWithValues: FootprintRole.allCases.map { ($0, 3) }))
        empty = false
        form = .text
        records = 180
        shown = 150
        left = 30
    }
}
