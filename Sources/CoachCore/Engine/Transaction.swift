import Foundation

/// The working copy of one engine step: every change goes through `record`, which applies the event and keeps it
/// for the journal, so what is committed is exactly what was applied. It also carries the engine (`coach`) and the
/// step's time, so a feature's handler needs nothing else.
struct Transaction {
    let coach: Coach
    var state: CoachState
    var outcome = Outcome()
    let now: Date
    /// The calendar week `now` falls in, worked out once per step: calendar arithmetic is costly on Linux.
    let weekMonday: LocalDate
    let weekKey: String

    mutating func record(_ event: StateEvent) {
        state.apply(event)
        outcome.events.append(event)
    }

    /// Renders a view and queues the message in the outbox. Returns the outbox id. With `threadUnder`, the message
    /// goes in the thread of that earlier queued message once it is sent (in the channel if it has no thread). With
    /// `attachment`, the runtime makes that file when it sends the message, and the view is its caption.
    @discardableResult
    mutating func send<View: MessageView>(
        _ view: View, to destination: OutboundMessage.Destination, kind: OutboundMessage.Kind, threadUnder: String? = nil,
        attachment: OutboundMessage.Attachment? = nil
    ) -> String {
        queue(render(view), to: destination, kind: kind, threadUnder: threadUnder, attachment: attachment)
    }

    /// A view's text as `send` would post it, for a step that must know a message's length before choosing its form.
    func render<View: MessageView>(_ view: View) -> String {
        coach.prompts.render(Envelope(view: view, bot: coach.config.team.botName, team: coach.config.team.name))
    }

    /// Queues text already rendered from a view (see `render`).
    @discardableResult
    mutating func queue(
        _ text: String, to destination: OutboundMessage.Destination, kind: OutboundMessage.Kind, threadUnder: String? = nil,
        attachment: OutboundMessage.Attachment? = nil
    ) -> String {
        let id = "o\(state.nextOutboxNumber)"
        record(.queued(OutboundMessage(
            id: id, destination: destination, kind: kind, text: text, createdAt: now, threadUnder: threadUnder,
            attachment: attachment)))
        return id
    }

    /// Answers a request where it was asked; the template may greet the asker as `{{you}}`.
    mutating func reply<View: MessageView>(_ request: Request, _ view: View) {
        let envelope = Envelope(
            view: view, bot: coach.config.team.botName, team: coach.config.team.name, you: name(of: request.senderID))
        post(envelope, to: request.replyTo, kind: .reply)
    }

    private mutating func post<View: MessageView>(
        _ view: Envelope<View>, to destination: OutboundMessage.Destination, kind: OutboundMessage.Kind
    ) -> String {
        queue(coach.prompts.render(view), to: destination, kind: kind)
    }

    mutating func note(_ level: LogNote.Level, _ message: String, _ metadata: [String: String] = [:]) {
        outcome.notes.append(LogNote(level, message, metadata))
    }

    func hasRun(_ job: String) -> Bool { state.jobs[job] != nil }

    // MARK: - Dates people type

    /// How far from today a date a command takes may lie: far enough for any plan, holiday or appraisal period, and
    /// near enough that no calendar arithmetic on it leaves the dates the state can hold (`start 9999-12-31` once
    /// rounded to 10000-01-03).
    static let dateWindowYears = 10

    /// The first and last dates a command accepts today.
    var dateWindow: ClosedRange<LocalDate> {
        let today = self.today
        // Compared as (year, month, day), so 29 February needs no special case.
        return LocalDate(year: today.year - Self.dateWindowYears, month: today.month, day: today.day)
            ... LocalDate(year: today.year + Self.dateWindowYears, month: today.month, day: today.day)
    }

    /// Whether a date a member typed lies in the window; if not, answers with the command's right form and the
    /// dates that work.
    mutating func acceptsDate(_ date: LocalDate, for command: String, _ request: Request) -> Bool {
        guard !dateWindow.contains(date) else { return true }
        var view = UsageView(command, problem: .dateOutOfRange, prompts: coach.prompts)
        view.earliest = dateWindow.lowerBound.description
        view.latest = dateWindow.upperBound.description
        reply(request, view)
        return false
    }

    // MARK: - Look-ups every feature uses

    var config: CoachConfig { coach.config }
    var calendar: TeamCalendar { coach.calendar }
    var today: LocalDate { calendar.localDate(of: now) }

    func name(of memberID: String) -> String { coach.name(of: memberID, state) }
    func principle(id: String) -> Principle? { coach.principle(id: id, state) }
    func resolvePrinciple(_ ref: String) -> Principle? { coach.resolvePrinciple(ref, state) }
    var allPrinciples: [Principle] { coach.allPrinciples(state) }
    func isAdmin(_ request: Request) -> Bool { config.isAdmin(request.senderID) }

    /// The cycle's week that is running in the transaction's calendar week, if the programme opened one.
    var currentWeek: ProgrammeWeek? {
        state.weeks.last { $0.key == weekKey && $0.cycle == state.programme.cycle }
    }

    /// The weeks the current cycle has opened so far.
    var weeksInCycle: [ProgrammeWeek] { state.weeksInCycle }

    /// Some of the people the bot knows, to help with spelling.
    var knownNames: [String] { Array(state.members.values.map(\.name).sorted().prefix(12)) }

    /// The member an @-mention in a command means (see `Coach.resolveMember`), or nil after telling the sender why
    /// nobody is: a name nobody has, someone the bot cannot count as one of the team, or the bot itself.
    mutating func mentionedMember(_ token: String, _ request: Request) -> String? {
        switch coach.resolveMember(token, in: request.message, state) {
        case .member(let id):
            // Someone named before they ever spoke: in the roster, or confirmed by the platform with their name.
            if state.members[id] == nil,
                let name = config.members.first(where: { $0.id == id })?.name ?? request.message.mentionedNames[id]
            {
                record(.memberSeen(id: id, name: name))
            }
            return id
        case .bot:
            reply(request, NotFoundView(kind: .bot, ref: config.team.botName))
            return nil
        case .unknown(let ref):
            reply(request, NotFoundView(kind: .member, ref: ref, known: knownNames))
            return nil
        case .outsider(let ref):
            reply(request, NotFoundView(kind: .outsider, ref: ref, known: knownNames))
            return nil
        }
    }
}

extension Coach {
    /// Runs `body` on the state without copying it: the state moves into the transaction and back, so appending to
    /// a year of examples stays O(1).
    func transact(_ state: inout CoachState, at now: Date, _ body: (inout Transaction) -> Void) -> Outcome {
        let monday = calendar.monday(containing: now)
        var tx = Transaction(
            coach: self, state: CoachState(), now: now, weekMonday: monday, weekKey: calendar.weekKey(monday: monday))
        swap(&tx.state, &state)
        body(&tx)
        swap(&tx.state, &state)
        return tx.outcome
    }
}

extension CoachState {
    /// The weeks the current cycle has opened so far.
    var weeksInCycle: [ProgrammeWeek] { weeks.filter { $0.cycle == programme.cycle } }

    /// A programme week's number as people read it: from 0 in a cycle that opened with the definition week, from 1
    /// otherwise (see `Plan.firstNumber`).
    func number(of week: ProgrammeWeek) -> Int {
        let opened = weeks.first { $0.cycle == week.cycle && $0.index == 0 }.map(DefinitionWeek.isOpening) ?? false
        return week.index + (opened ? 0 : 1)
    }
}
