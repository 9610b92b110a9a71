import Foundation

/// The programme engine: `(state, input, now) → (state', events)`. Pure: time comes in as a value, and it neither
/// reads files nor talks to the network.
///
/// `Coach` routes: a message to its command's form (`Commands`), a clock tick to the schedule (`ProgrammeSchedule`).
/// What each feature does lives in its own room under `Features/`; what every feature needs to look up (principles,
/// members, names, dates) lives here.
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
        transact(&state, at: now) { tx in ProgrammeSchedule.run(&tx) }
    }

    func handle(_ message: InboundMessage, _ tx: inout Transaction) {
        // The config's roster names people as the team knows them ("Alice"), whatever the platform shows ("alice").
        let rostered = config.members.first { $0.id == message.senderID }?.name
        let name = rostered ?? (message.senderName.isEmpty ? message.senderID : message.senderName)
        let known = tx.state.members[message.senderID]
        if known?.name != name || (message.senderHandle != nil && known?.handle != message.senderHandle) {
            tx.record(.memberSeen(id: message.senderID, name: name, handle: message.senderHandle))
        }
        let request = Request(message: message, replyTo: replyDestination(for: message))
        switch parser.parse(message.text, addressed: message.isDirect || message.addressed) {
        case .command(let command):
            tx.outcome.commands.append(command.name)
            if command.isAdminOnly && !config.isAdmin(message.senderID) {
                tx.reply(request, AdminOnlyView(command: command.name))
            } else {
                command.form.run(request, &tx)
            }
        case .malformed(let command, let problem):
            var view = UsageView(command, problem: problem, prompts: prompts)
            if problem == .tooLong, let rest = parser.splitCommand(CommandParser.clean(message.text))?.rest {
                view.measure(rest)
            }
            tx.reply(request, view)
        case .unknown(let word, let suggestions):
            var view = UnknownCommandView(word: word, suggestions: suggestions)
            if let offer = nearMiss(message, suggestions: suggestions) {
                tx.record(.suggestionOffered(memberID: message.senderID, suggestion: PendingSuggestion(text: offer, at: tx.now)))
                view.offer = offer
            }
            tx.reply(request, view)
        case .notACommand:
            if Help.Confirm.isYes(message.text), tx.state.pendingSuggestions[message.senderID] != nil {
                Help.Confirm().run(request, &tx)
            } else if let root = message.threadRootID, let week = tx.currentWeek, week.announcementPlatformID == root {
                let text = CommandParser.clean(message.text)
                if CommandParser.isTooLong(text) {
                    // A reply in the announcement's thread is an example too, and is held to the same limits.
                    var view = UsageView("example", problem: .tooLong, prompts: prompts)
                    view.measure(text)
                    tx.reply(request, view)
                } else {
                    Examples.add(text: text, caught: [], source: .threadReply, request, &tx)
                }
            } else if message.isDirect || message.addressed {
                tx.reply(request, NotUnderstoodView())
            }
        }
    }

    /// A mistyped command word with words after it (`exmaple Helped a customer`): the command it most likely
    /// meant, with the text kept, if that reads as a whole command.
    func nearMiss(_ message: InboundMessage, suggestions: [String]) -> String? {
        guard let meant = suggestions.first,
            let rest = parser.splitCommand(CommandParser.clean(message.text))?.rest, !rest.isEmpty
        else { return nil }
        let offer = "!\(meant) \(rest)"
        guard case .command = parser.parse(offer, addressed: true) else { return nil }
        return offer
    }

    func replyDestination(for message: InboundMessage) -> OutboundMessage.Destination {
        if message.isDirect { return .direct(userID: message.senderID) }
        if let root = message.threadRootID, capabilities.threads { return .thread(rootID: root) }
        return .channel
    }

    // MARK: - Shared look-ups

    /// Catalogue principles, then the team's own: the numbering people use in `rate 4 5`.
    /// Every principle, the catalogue's then the team's own, each with the team's own wording where it has some.
    func allPrinciples(_ state: CoachState) -> [Principle] {
        let all = catalogue.principles + state.teamPrinciples
        return state.principleDetails.isEmpty ? all : all.map { $0.with(state.principleDetails[$0.id] ?? [:]) }
    }

    func principle(id: String, _ state: CoachState) -> Principle? {
        let base = catalogue.principle(id: id) ?? state.teamPrinciples.first { $0.id.caseInsensitiveCompare(id) == .orderedSame }
        return base.map { $0.with(state.principleDetails[$0.id] ?? [:]) }
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

    /// A member's name; for a member erased by `forget`, the words for a former member.
    func name(of memberID: String, _ state: CoachState) -> String {
        state.members[memberID]?.name ?? state.formerMembers[memberID] ?? config.members.first { $0.id == memberID }?.name
            ?? memberID
    }

    /// Who a mention in a command means.
    enum MentionedPerson: Equatable {
        case member(String)
        /// The bot itself, which is nobody's colleague: never caught, never an owner.
        case bot
        /// A typed name that matches nobody the bot knows; `ref` is the name as typed.
        case unknown(ref: String)
        /// A platform mention of someone the bot cannot count as one of the team: not in the roster, never seen, and
        /// not confirmed by the platform as in the channel (or a made-up id). `ref` names them as the platform does.
        case outsider(ref: String)
    }

    /// Finds the member a mention means: a transport-resolved id, an id, a handle, a name, or an unambiguous first
    /// name.
    ///
    /// A platform's mention markup (`<@U…>`, `<@123>`, `@**Name|12**`, a Matrix pill) carries whatever id its writer
    /// typed, so a resolved id names a member only when it is one: in the config's roster, seen by the bot (they
    /// wrote, or were named before), or confirmed by the platform as in the channel. Any other id is read as if it
    /// had been typed, which matches a member only by their id or handle, and is refused otherwise. The bot, by its
    /// platform id or its name, is never a member.
    func resolveMember(_ token: String, in message: InboundMessage, _ state: CoachState) -> MentionedPerson {
        let isBot = { (id: String) in id == message.botID }
        if let id = message.mentions[token] ?? message.mentions["@" + token] {
            if isBot(id) { return .bot }
            if isMember(id, state) || message.confirmedMembers.contains(id) { return .member(id) }
            return typedMember(token, state).map { isBot($0) ? .bot : .member($0) }
                ?? .outsider(ref: message.mentionedNames[id] ?? token)
        }
        if let id = typedMember(token, state) { return isBot(id) ? .bot : .member(id) }
        let botKey = Self.nameKey(config.team.botName)
        if token == message.botID || (!botKey.isEmpty && Self.nameKey(token) == botKey) { return .bot }
        return .unknown(ref: token)
    }

    /// Whether `id` is one of the team: in the config's roster, or known to the bot.
    func isMember(_ id: String, _ state: CoachState) -> Bool {
        state.members[id] != nil || config.members.contains { $0.id == id }
    }

    /// The member a typed `@name` means: an id, a name, a handle, or an unambiguous first name.
    func typedMember(_ token: String, _ state: CoachState) -> String? {
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

    public func localDate(_ instant: Date) -> LocalDate { calendar.localDate(of: instant) }

    /// The calendar a member's check-ins keep: their own time zone (`timezone`), or the team's. A name this machine
    /// cannot look up never gets this far (`StateBounds` refuses it when the state is read), but would fall back to
    /// the team's rather than trap.
    public func calendar(for member: Member?) -> TeamCalendar {
        member?.timeZone.flatMap(TimeZoneNames.calendar) ?? calendar
    }

    /// Members who count for nudges and recognition spread: everyone known except the away.
    func activeMembers(_ state: CoachState, on date: LocalDate) -> [Member] {
        state.members.values.filter { !$0.isAway(on: date) }.sorted { $0.name < $1.name }
    }

    /// A local day and time as people say it, e.g. "Monday 09:00".
    public func describe(_ instant: Date) -> String { prompts.dayAndTime(instant, in: calendar) }

    /// A full local timestamp for transcripts and the console, e.g. "2027-01-04 Monday 09:00".
    public func timestamp(_ instant: Date) -> String { prompts.timestamp(instant, in: calendar) }

    /// A goal's or a rating's number as people write it: `2`, `2.5`, `0.25`.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.2f", value)
            .replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
    }
}

/// A request in progress: who asked, and where the answer goes.
struct Request {
    var message: InboundMessage
    var replyTo: OutboundMessage.Destination
    var senderID: String { message.senderID }
}
