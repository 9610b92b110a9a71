import Foundation

/// Each programme week's training with an owner and a time (seed 000, steps 5 and 6: "identify skills development …
/// match the training"): an admin schedules it, its owner is reminded in their check-in on the day and asked in the
/// next working day's check-in whether it happened, and the answer (`trained`) keeps who ran it and who attended.
/// The report-back lists every training's outcome once.
enum Trainings {
    static let commands: [CommandDeclaration] = [
        // Listed with the admins' commands: scheduling is what people look it up for; anyone may see what is scheduled.
        CommandDeclaration("training", aliases: ["train", "trainings"], listed: .admins) { words in parseTraining(words.args) },
        CommandDeclaration("trained") { words in parseTrained(words.args) },
    ]

    /// `training`, or `training <day> <HH:MM> [owner @name]`.
    static func parseTraining(_ args: [String]) -> CommandDeclaration.Parsed {
        guard let first = args.first else { return .form(Show()) }
        if args.count == 1, ["list", "show"].contains(first.lowercased()) { return .form(Show()) }
        guard let weekday = WeeklyTime.weekdayNumber(first) else { return .malformed(.badDay) }
        guard args.count >= 2, let time = clockTime(args[1]) else { return .malformed(.badTime) }
        let rest = args.dropFirst(2)
        var owner: String?
        if let word = rest.first {
            guard word.lowercased() == "owner" else { return .malformed(.badForm) }
            guard rest.count == 2, let mention = CustomerFeedback.mention(rest[rest.startIndex + 1]) else {
                return .malformed(.missingMention)
            }
            owner = mention
        }
        return .form(Schedule(weekday: weekday, hour: time.hour, minute: time.minute, owner: owner))
    }

    /// A 24-hour time, `15:00` or `9:30`.
    static func clockTime(_ text: String) -> (hour: Int, minute: Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return (hour, minute)
    }

    /// `trained [note] [@attendees]` or `trained no [note]`.
    static func parseTrained(_ args: [String]) -> CommandDeclaration.Parsed {
        var words = args[...]
        if let first = words.first?.lowercased(), first == "no" || first == "not" {
            return .form(Record(held: false, note: words.dropFirst().joined(separator: " "), attendees: []))
        }
        if words.first?.lowercased() == "yes" { words = words.dropFirst() }
        let attendees = words.compactMap(CustomerFeedback.mention)
        let note = words.filter { CustomerFeedback.mention($0) == nil }.joined(separator: " ")
        return .form(Record(held: true, note: note, attendees: attendees))
    }

    static func nextID(_ state: CoachState) -> Int { (state.trainings.map(\.id).max() ?? 0) + 1 }

    /// The programme week a training scheduled now is for: the running week until its report-back has gone out,
    /// then the next week that runs (as `skip` decides which week it means).
    struct Target {
        var monday: LocalDate
        var key: String
        var principleID: String
        var weekNumber: Int
    }

    /// Why no week can have a training scheduled now.
    enum NoWeek: String, TemplateFlag {
        case notStarted, paused, finished
    }

    static func target(_ tx: Transaction) -> Result<Target, NoWeekError> {
        let programme = tx.state.programme
        switch programme.phase {
        case .setup: return .failure(.init(reason: .notStarted))
        case .finished: return .failure(.init(reason: .finished))
        case .running: break
        }
        if programme.paused { return .failure(.init(reason: .paused)) }
        if let week = tx.currentWeek, !tx.hasRun(ProgrammeSchedule.jobKey(.summary, week.key)) {
            return .success(Target(
                monday: week.monday, key: week.key, principleID: week.principleID, weekNumber: tx.state.number(of: week)))
        }
        guard let next = Plan.nextPrinciple(tx.state) else { return .failure(.init(reason: .finished)) }
        let opened = tx.weeksInCycle.count
        guard let monday = Plan.mondays(count: opened + 1, tx)[opened] else { return .failure(.init(reason: .notStarted)) }
        return .success(Target(
            monday: monday, key: tx.calendar.weekKey(monday: monday), principleID: next,
            weekNumber: opened + Plan.firstNumber(tx.state.programme.plan)))
    }

    struct NoWeekError: Error {
        var reason: NoWeek
    }

    /// What `training` shows: what is scheduled and waiting, and the week a new one would be for.
    struct Show: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            var view = TrainingView()
            view.list = true
            let pending = tx.state.trainings.filter { $0.outcome == nil }.sorted { $0.at < $1.at }
            view.pending = pending.map { TrainingRow($0, tx) }
            view.hasPending = !pending.isEmpty
            switch Trainings.target(tx) {
            case .success(let target): view.week = TargetWeekView(target, tx)
            case .failure(let error): view.noWeek = error.reason
            }
            tx.reply(request, view)
        }
    }

    struct Schedule: CommandForm {
        static let access = Access.admins
        /// 1 = Sunday … 7 = Saturday, as `Calendar` counts.
        var weekday: Int
        var hour: Int
        var minute: Int
        var owner: String?

        func run(_ request: Request, _ tx: inout Transaction) {
            let target: Target
            switch Trainings.target(tx) {
            case .success(let found): target = found
            case .failure(let error):
                var view = TrainingView()
                view.noWeek = error.reason
                tx.reply(request, view)
                return
            }
            var ownerID = request.senderID
            if let owner {
                guard let id = tx.mentionedMember(owner, request) else { return }
                ownerID = id
            }
            let calendar = tx.calendar
            // The team's week runs Monday to Sunday: Sunday is its last day.
            let day = calendar.adding(days: (weekday + 5) % 7, to: target.monday)
            let at = calendar.at(day, hour: hour, minute: minute)
            // A week has one training waiting at a time: scheduling again moves it (and its reminder) rather than
            // adding a second, until its outcome is recorded.
            let existing = tx.state.trainings.last {
                $0.weekKey == target.key && $0.cycle == tx.state.programme.cycle && $0.outcome == nil
            }
            let training = Training(
                id: existing?.id ?? Trainings.nextID(tx.state), weekKey: target.key, cycle: tx.state.programme.cycle,
                principleID: target.principleID, at: at, ownerID: ownerID, scheduledByID: request.senderID,
                scheduledAt: tx.now)
            tx.record(.trainingScheduled(training))
            var view = TrainingView()
            view.scheduled = TrainingRow(training, tx)
            view.rescheduled = existing != nil
            view.past = at <= tx.now
            view.reminder = Trainings.reminderDue(for: training, tx).map { tx.coach.describe($0) }
            view.checkIns = tx.coach.capabilities.directMessages
            view.week = TargetWeekView(target, tx)
            tx.reply(request, view)
        }
    }

    /// The owner (or an admin) says whether the training happened, with a note and who attended.
    struct Record: CommandForm {
        static let access = Access.everyone
        var held: Bool
        var note: String
        /// Mentions to resolve.
        var attendees: [String]

        func run(_ request: Request, _ tx: inout Transaction) {
            let today = tx.today
            let calendar = tx.calendar
            // Trainings whose day has come and that nobody has answered for yet; the latest is the one meant.
            let due = tx.state.trainings.filter { $0.outcome == nil && calendar.localDate(of: $0.at) <= today }
            let mine = due.filter { $0.ownerID == request.senderID }
            guard let training = mine.max(by: { $0.at < $1.at }) ?? (tx.isAdmin(request) ? due.max(by: { $0.at < $1.at }) : nil)
            else {
                if let other = due.max(by: { $0.at < $1.at }) {
                    tx.reply(request, NotYoursView(kind: .training, id: other.id, owner: tx.name(of: other.ownerID)))
                    return
                }
                var view = TrainedView()
                let upcoming = tx.state.trainings.filter { $0.outcome == nil && $0.at > tx.now }.min { $0.at < $1.at }
                view.upcoming = upcoming.map { TrainingRow($0, tx) }
                view.nothingWaiting = upcoming == nil
                tx.reply(request, view)
                return
            }
            var attendeeIDs: [String] = []
            for token in attendees {
                guard let id = tx.mentionedMember(token, request) else { return }
                // The owner ran it; attendance is for everyone else.
                if id != training.ownerID, !attendeeIDs.contains(id) { attendeeIDs.append(id) }
            }
            tx.record(.trainingRecorded(id: training.id, outcome: Training.Outcome(
                held: held, note: note, attendeeIDs: attendeeIDs, byID: request.senderID, at: tx.now)))
            guard let recorded = tx.state.trainings.first(where: { $0.id == training.id }) else { return }
            var view = TrainedView()
            view.recorded = TrainingRow(recorded, tx)
            tx.reply(request, view)
        }
    }

    // MARK: - The owner's check-in

    /// What a member's daily digest says about the trainings they own: a reminder on the day (on the last check-in
    /// before it, when it starts before the check-in's time or falls on a day off), and afterwards the question
    /// whether it happened, asked on the next working day and again every `followUpEveryDays` until answered.
    ///
    /// Days are the owner's (`day`: their own time zone, or the team's), and so are the times the check-in shows: a
    /// training at 15:00 in London reads 20:30 to an owner in Kolkata, and is reminded on their day.
    static func digestItems(
        for ownerID: String, on day: CheckInDay, _ tx: inout Transaction
    ) -> (reminders: [TrainingRow], questions: [TrainingRow]) {
        var items: (reminders: [TrainingRow], questions: [TrainingRow]) = ([], [])
        let every = Double(tx.config.nudges.followUpEveryDays) * 86_400
        for training in tx.state.trainings where training.ownerID == ownerID && training.outcome == nil {
            if day.calendar.localDate(of: training.at) < day.date {
                let sinceAsked = training.askedAt.map { tx.now.timeIntervalSince($0) } ?? .infinity
                guard sinceAsked + ProgrammeSchedule.nudgeSlack >= every else { continue }
                items.questions.append(TrainingRow(training, in: day.calendar, tx))
                tx.record(.trainingAsked(id: training.id, at: tx.now))
            } else if training.remindedAt == nil, isReminderDay(for: training, on: day, tx) {
                items.reminders.append(TrainingRow(training, in: day.calendar, tx))
                tx.record(.trainingReminded(id: training.id, at: tx.now))
            }
        }
        return items
    }

    /// When the owner's reminder will come, as the scheduling reply promises it: the last check-in before the
    /// training that is still to come, on the owner's clock; nil when there is none (or no private messages to carry
    /// it).
    static func reminderDue(for training: Training, _ tx: Transaction) -> Date? {
        guard tx.coach.capabilities.directMessages else { return nil }
        let calendar = tx.coach.calendar(for: tx.state.members[training.ownerID])
        let today = calendar.localDate(of: tx.now)
        var day = calendar.localDate(of: training.at)
        while day >= today {
            if let due = DailyDigest.checkInDue(for: training.ownerID, on: day, in: calendar, tx), due < training.at {
                return due > tx.now ? due : nil
            }
            day = calendar.adding(days: -1, to: day)
        }
        return nil
    }

    /// Whether the owner's check-in on `day` is the last one before the training starts.
    static func isReminderDay(for training: Training, on day: CheckInDay, _ tx: Transaction) -> Bool {
        let calendar = day.calendar
        guard let todays = DailyDigest.checkInDue(for: training.ownerID, on: day.date, in: calendar, tx), todays < training.at
        else { return false }
        let trainingDay = calendar.localDate(of: training.at)
        var next = calendar.adding(days: 1, to: day.date)
        while next <= trainingDay {
            if let due = DailyDigest.checkInDue(for: training.ownerID, on: next, in: calendar, tx), due < training.at { return false }
            next = calendar.adding(days: 1, to: next)
        }
        return true
    }

    // MARK: - The report-back

    /// Every training whose outcome is recorded and not yet reported (so each is in exactly one report), and the
    /// ones still waiting: this week's, and any earlier one of the cycle nobody has answered for.
    static func forReport(cycle: Int, weekKey: String, _ tx: Transaction) -> (outcomes: [Training], waiting: [Training]) {
        let trainings = tx.state.trainings
        let outcomes = trainings.filter { $0.outcome != nil && !$0.reported }.sorted { $0.at < $1.at }
        let waiting = trainings.filter {
            $0.outcome == nil && $0.cycle == cycle && ($0.weekKey == weekKey || $0.at <= tx.now)
        }.sorted { $0.at < $1.at }
        return (outcomes, waiting)
    }
}

/// One training as replies, check-ins and reports show it.
struct TrainingRow: Encodable {
    var id: Int
    /// Its day and time, e.g. "Thursday 15:00", and its date.
    var when: String
    var date: String
    var owner: String
    var principle: PrincipleView
    var held: Bool
    var notHeld: Bool
    /// No outcome yet, and its time has come.
    var awaiting: Bool
    /// No outcome yet, and still to come.
    var upcoming: Bool
    var note: String?
    var attendees: String
    var hasAttendees: Bool
    var attendeeCount: Int

    init(_ training: Training, _ tx: Transaction) {
        self.init(training, in: tx.calendar, tx)
    }

    /// With its day and time as someone in `calendar`'s time zone reads them: a training in an owner's own check-in.
    init(_ training: Training, in calendar: TeamCalendar, _ tx: Transaction) {
        id = training.id
        when = tx.coach.prompts.dayAndTime(training.at, in: calendar)
        date = calendar.localDate(of: training.at).description
        owner = tx.name(of: training.ownerID)
        principle = PrincipleView(tx.principle(id: training.principleID), id: training.principleID)
        held = training.outcome?.held == true
        notHeld = training.outcome?.held == false
        awaiting = training.outcome == nil && training.at <= tx.now
        upcoming = training.outcome == nil && training.at > tx.now
        note = training.outcome.flatMap { $0.note.isEmpty ? nil : $0.note }
        let ids = training.outcome?.attendeeIDs ?? []
        attendees = ids.map { tx.name(of: $0) }.joined(separator: ", ")
        hasAttendees = !ids.isEmpty
        attendeeCount = ids.count
    }
}

/// The week a training scheduled now is for, with its principle's matched training.
struct TargetWeekView: Encodable {
    var weekNumber: Int
    var monday: String
    var principle: PrincipleView

    init(_ target: Trainings.Target, _ tx: Transaction) {
        weekNumber = target.weekNumber
        monday = target.monday.description
        principle = PrincipleView(tx.principle(id: target.principleID), id: target.principleID)
    }
}

/// The reply to `training`: what was scheduled, or what is waiting, or why no week can have one.
struct TrainingView: MessageView {
    static let template = Template.training
    var scheduled: TrainingRow?
    var rescheduled = false
    /// Scheduled for a time already past: record it with `trained`.
    var past = false
    /// When the owner's check-in will remind them, e.g. "Thursday 10:00"; nil when no check-in comes before it.
    var reminder: String?
    var checkIns = false
    var noWeek: Trainings.NoWeek?
    /// The bare command's list.
    var list = false
    var pending: [TrainingRow] = []
    var hasPending = false
    var week: TargetWeekView?
}

/// The reply to `trained`.
struct TrainedView: MessageView {
    static let template = Template.trained
    var recorded: TrainingRow?
    /// Nothing has come due yet; this is the next one.
    var upcoming: TrainingRow?
    var nothingWaiting = false
}
