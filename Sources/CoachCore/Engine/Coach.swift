import Foundation

/// The programme engine: `(state, input, now) → (state', events)`. Pure: time comes in as a value, and it neither
/// reads files nor talks to the network.
public struct Coach: Sendable {
    public let config: CoachConfig
    public let catalogue: Catalogue
    public let prompts: PromptBook
    public let capabilities: TransportCapabilities
    public let schedule: WeeklySchedule
    let parser: CommandParser

    public init(config: CoachConfig, catalogue: Catalogue, prompts: PromptBook, capabilities: TransportCapabilities) {
        self.config = config
        self.catalogue = catalogue
        self.prompts = prompts
        self.capabilities = capabilities
        self.schedule = WeeklySchedule(config: config)
        self.parser = CommandParser(botName: config.team.botName)
    }

    var calendar: TeamCalendar { schedule.calendar }

    /// Handles one poll batch of messages. Duplicates (by platform id) and the bot's own messages are skipped.
    public func receive(_ messages: [InboundMessage], at now: Date, state: inout CoachState) -> Outcome {
        transact(&state, at: now) { tx in
            var seen = Set<String>()
            var fresh: [InboundMessage] = []
            for message in messages {
                guard !tx.state.recentMessageIDs.contains(message.id), seen.insert(message.id).inserted else {
                    tx.note(.info, "duplicate message skipped", ["message": message.id])
                    continue
                }
                fresh.append(message)
            }
            guard !fresh.isEmpty else { return }
            tx.record(.messagesSeen(ids: fresh.map(\.id)))
            for message in fresh where !message.fromBot { handle(message, &tx) }
        }
    }

    /// Runs whatever the clock has made due: the intro, the week's posts, nudges, the end of the programme.
    public func tick(at now: Date, state: inout CoachState) -> Outcome {
        transact(&state, at: now) { tx in runSchedule(&tx) }
    }

    func handle(_ message: InboundMessage, _ tx: inout Transaction) {
        let name = message.senderName.isEmpty ? message.senderID : message.senderName
        let known = tx.state.members[message.senderID]
        if known?.name != name || (message.senderHandle != nil && known?.handle != message.senderHandle) {
            tx.record(.memberSeen(id: message.senderID, name: name, handle: message.senderHandle))
        }
        let request = Request(message: message, replyTo: replyDestination(for: message))
        switch parser.parse(message.text, addressed: message.isDirect || message.addressed) {
        case .command(let command):
            if command.isAdminOnly && !config.isAdmin(message.senderID) {
                reply(request, "admin-only", ["command": command.name], &tx)
            } else {
                run(command, request, &tx)
            }
        case .malformed(let command, let problem):
            reply(request, "usage", usageContext(command, problem: problem), &tx)
        case .unknown(let word, let suggestions):
            reply(request, "unknown-command", ["word": word, "suggestions": suggestions, "hasSuggestions": !suggestions.isEmpty], &tx)
        case .notACommand:
            if let root = message.threadRootID, let week = currentWeek(tx),
                week.announcementPlatformID == root
            {
                addExample(text: Self.tidyText(message.text), caught: [], source: .threadReply, request, &tx)
            } else if message.isDirect || message.addressed {
                reply(request, "not-understood", [:], &tx)
            }
        }
    }

    /// A request in progress: who asked, and where the answer goes.
    struct Request {
        var message: InboundMessage
        var replyTo: OutboundMessage.Destination
        var senderID: String { message.senderID }
    }

    func replyDestination(for message: InboundMessage) -> OutboundMessage.Destination {
        if message.isDirect { return .direct(userID: message.senderID) }
        if let root = message.threadRootID, capabilities.threads { return .thread(rootID: root) }
        return .channel
    }

    func reply(_ request: Request, _ template: String, _ context: [String: Any], _ tx: inout Transaction) {
        var context = context
        context["you"] = name(of: request.senderID, tx.state)
        tx.send(template, context, to: request.replyTo, kind: .reply)
    }

    func usageContext(_ command: String, problem: ParseProblem?) -> [String: Any] {
        let help = prompts.commandHelp[command]
        var context: [String: Any] = [
            "command": command, "usage": help?.usage ?? command, "example": help?.example ?? "",
            "summary": help?.summary ?? "",
        ]
        if let problem { context["problem_\(problem.rawValue)"] = true }
        return context
    }

    func run(_ command: Command, _ request: Request, _ tx: inout Transaction) {
        switch command {
        case .help(let topic): help(topic, request, &tx)
        case .status: status(request, &tx)
        case .principles: listPrinciples(request, &tx)
        case .principle(let ref): showPrinciple(ref, request, &tx)
        case .rate(let input): rate(input, request, &tx)
        case .scores: showScores(request, &tx)
        case .example(let text): addExample(text: text, caught: [], source: .command, request, &tx)
        case .caught(let mentions, let text): caught(mentions, text: text, request, &tx)
        case .examples(let everyone): listExamples(everyone: everyone, request, &tx)
        case .edit(let id, let text): editExample(id, text: text, request, &tx)
        case .delete(let id): deleteExample(id, request, &tx)
        case .goalAdd(let draft): addGoal(draft, request, &tx)
        case .goalUpdate(let id, let value, let note): updateGoal(id, value: value, note: note, request, &tx)
        case .goalAction(let id, let text): recordGoalAction(id, text: text, request, &tx)
        case .goalClose(let id): closeGoal(id, request, &tx)
        case .goals: listGoals(request, &tx)
        case .followUp(let text): openFollowUp(text, request, &tx)
        case .followUps: listFollowUps(request, &tx)
        case .fixed(let id, let resolution): fixFollowUp(id, resolution: resolution, request, &tx)
        case .idea(let text): addIdea(text, request, &tx)
        case .ideas: listIdeas(request, &tx)
        case .means(let text): addDefinition(text, request, &tx)
        case .definitions: listDefinitions(request, &tx)
        case .away(let until): setAway(until, request, &tx)
        case .back: setBack(request, &tx)
        case .programmeShow: showProgramme(request, &tx)
        case .programmeAccept: acceptPlan(request, &tx)
        case .programmeMove(let ref, let position): movePlan(ref, to: position, request, &tx)
        case .programmeDrop(let ref): dropFromPlan(ref, request, &tx)
        case .programmeAdd(let ref, let position): addToPlan(ref, at: position, request, &tx)
        case .principleNew(let title, let why): addTeamPrinciple(title: title, why: why, request, &tx)
        case .start(let date): start(date, request, &tx)
        case .pause: pause(request, &tx)
        case .resume: resume(request, &tx)
        case .skip: skip(request, &tx)
        case .newCycle: newCycle(request, &tx)
        case .report: beforeAfter(request, &tx)
        }
    }

    // MARK: - Shared look-ups

    /// Catalogue principles, then the team's own: the numbering people use in `rate 4 5`.
    func allPrinciples(_ state: CoachState) -> [Principle] { catalogue.principles + state.teamPrinciples }

    func principle(id: String, _ state: CoachState) -> Principle? {
        catalogue.principle(id: id) ?? state.teamPrinciples.first { $0.id.caseInsensitiveCompare(id) == .orderedSame }
    }

    /// A principle by its number, its id, or an unambiguous start of its id.
    func resolvePrinciple(_ ref: String, _ state: CoachState) -> Principle? {
        let all = allPrinciples(state)
        if let n = Int(ref.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) {
            return (1...all.count).contains(n) ? all[n - 1] : nil
        }
        if let exact = principle(id: ref, state) { return exact }
        let matches = all.filter { $0.id.lowercased().hasPrefix(ref.lowercased()) }
        return matches.count == 1 ? matches[0] : nil
    }

    func name(of memberID: String, _ state: CoachState) -> String {
        state.members[memberID]?.name ?? config.members.first { $0.id == memberID }?.name ?? memberID
    }

    /// Finds the member a mention means: a transport-resolved id, an id, a handle, a name, or an unambiguous first
    /// name.
    func resolveMember(_ token: String, in message: InboundMessage, _ state: CoachState) -> String? {
        if let id = message.mentions[token] ?? message.mentions["@" + token] { return id }
        let wanted = Self.nameKey(token)
        if state.members[token] != nil { return token }
        let exact = state.members.values.filter {
            Self.nameKey($0.name) == wanted || Self.nameKey($0.id) == wanted || $0.handle.map(Self.nameKey) == wanted
        }
        if exact.count == 1 { return exact[0].id }
        let first = state.members.values.filter {
            Self.nameKey(String($0.name.split(separator: " ").first ?? "")) == wanted
        }
        return first.count == 1 ? first[0].id : nil
    }

    static func nameKey(_ name: String) -> String {
        name.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    /// User text as it will be stored: trimmed, single-line runs of spaces kept, nothing else changed.
    static func tidyText(_ text: String) -> String {
        CommandParser.clean(text)
    }

    public func localDate(_ instant: Date) -> LocalDate { calendar.localDate(of: instant) }

    /// Members who count for nudges and recognition spread: everyone known except the away.
    func activeMembers(_ state: CoachState, on date: LocalDate) -> [Member] {
        state.members.values.filter { !$0.isAway(on: date) }.sorted { $0.name < $1.name }
    }
}
