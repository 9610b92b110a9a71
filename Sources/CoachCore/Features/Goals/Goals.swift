import Foundation

/// Customer-care goals: something the team measures with an aim, an owner who posts its figures, a corrective action when it drifts off
/// target (which opens a follow-up), and nudges when it is off target or has not been updated for a while.
enum Goals {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("goal", aliases: ["goals", "kpi"]) { words in parseGoal(words.args) }
    ]

    static func parseGoal(_ args: [String]) -> CommandDeclaration.Parsed {
        guard let sub = args.first?.lowercased() else { return .form(List()) }
        let rest = Array(args.dropFirst())
        switch sub {
        case "list", "all": return .form(List())
        case "add", "new", "set": return parseDraft(rest)
        case "action", "act":
            return CommandWords.numberAndText(rest[...]) { RecordAction(id: $0, text: $1) }
        case "close", "done":
            guard rest.count == 1, let id = CommandWords.number(rest[0]) else { return .malformed(.missingNumber) }
            return .form(Close(id: id))
        case "update", "progress":
            return parseUpdate(rest)
        default:
            return parseUpdate(args)
        }
    }

    /// `goal 2 1.5 note…`: the goal's number, the new value, an optional note.
    static func parseUpdate(_ args: [String]) -> CommandDeclaration.Parsed {
        guard args.count >= 2, let id = CommandWords.number(args[0]) else { return .malformed(.badForm) }
        guard let value = CommandWords.decimal(args[1]) else { return .malformed(.badNumber) }
        return .form(Update(id: id, value: value, note: args.dropFirst(2).joined(separator: " ")))
    }

    /// `goal add Reply time aim 2 hours down is good due 2027-01-31 allowed gap 10% owner @sam`.
    ///
    /// Plain words first ("aim", "allowed gap", "up is good" / "down is good"), as a team without a management
    /// course would say them; the earlier words ("target", "tolerance", "higher" / "lower") still work.
    static func parseDraft(_ args: [String]) -> CommandDeclaration.Parsed {
        let lowered = args.map { $0.lowercased() }
        guard let aimAt = lowered.firstIndex(where: { aimWords.contains($0) }), aimAt > 0 else {
            return .malformed(.badForm)
        }
        let kpi = args[..<aimAt].joined(separator: " ")
        guard aimAt + 1 < args.count, let target = CommandWords.decimal(args[aimAt + 1]) else {
            return .malformed(.badNumber)
        }
        var draft = Draft(
            kpi: kpi, target: target, unit: args[aimAt + 1].hasSuffix("%") ? "%" : "", direction: .higherIsBetter,
            dueDate: nil, tolerance: 0, tolerancePercent: false, owner: nil)
        var i = aimAt + 2
        var unitWords: [String] = []
        while i < args.count, !optionWords.contains(lowered[i]) {
            unitWords.append(args[i])
            i += 1
        }
        if !unitWords.isEmpty { draft.unit = unitWords.joined(separator: " ") }
        while i < args.count {
            let word = lowered[i]
            let next = i + 1 < args.count ? args[i + 1] : nil
            switch word {
            case "higher", "up":
                draft.direction = .higherIsBetter
                i += 1
            case "lower", "down":
                draft.direction = .lowerIsBetter
                i += 1
            case "due":
                guard let next, let date = LocalDate(next) else { return .malformed(.badDate) }
                draft.dueDate = date
                i += 2
            case "tolerance", "tol", "gap", "allowed":
                // "allowed gap 10%": the value follows the second word.
                let valueAt = word == "allowed" && next?.lowercased() == "gap" ? i + 2 : i + 1
                guard valueAt < args.count, let value = CommandWords.decimal(args[valueAt]), value >= 0 else {
                    return .malformed(.badNumber)
                }
                draft.tolerance = value
                draft.tolerancePercent = args[valueAt].hasSuffix("%")
                i = valueAt + 1
            case "owner":
                guard let next, next.hasPrefix("@"), next.count > 1 else { return .malformed(.missingMention) }
                draft.owner = String(next.dropFirst())
                i += 2
            default:
                // "up is good", "lower is better" and similar filler read naturally; anything else is a mistake.
                guard ["is", "better", "good", "the"].contains(word) else { return .malformed(.badForm) }
                i += 1
            }
        }
        return .form(Add(draft: draft))
    }

    /// The word before a goal's aim, and the words that start its options: where the unit ends.
    static let aimWords: Set<String> = ["aim", "target"]
    static let optionWords: Set<String> = [
        "due", "owner", "higher", "lower", "up", "down", "tolerance", "tol", "gap", "allowed",
    ]

    /// A goal as typed, before it has an id.
    struct Draft: Equatable, Sendable {
        var kpi: String
        var target: Double
        var unit: String
        var direction: Goal.Direction
        var dueDate: LocalDate?
        var tolerance: Double
        var tolerancePercent: Bool
        /// A mention to resolve, or nil for the person adding it.
        var owner: String?
    }

    struct List: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let goals = tx.state.goals.filter { !$0.closed }
            tx.reply(request, GoalsView(goals: goals.map { GoalView($0, tx) }, empty: goals.isEmpty))
        }
    }

    struct Add: CommandForm {
        static let access = Access.admins
        var draft: Draft

        func run(_ request: Request, _ tx: inout Transaction) {
            if let due = draft.dueDate, !tx.acceptsDate(due, for: "goal", request) { return }
            var owner = request.senderID
            if let token = draft.owner {
                guard let id = tx.mentionedMember(token, request) else { return }
                owner = id
            }
            let id = (tx.state.goals.map(\.id).max() ?? 0) + 1
            let goal = Goal(
                id: id, kpi: draft.kpi, target: draft.target, unit: draft.unit, direction: draft.direction,
                ownerID: owner, due: draft.dueDate, tolerance: draft.tolerance,
                tolerancePercent: draft.tolerancePercent, createdAt: tx.now)
            tx.record(.goalAdded(goal))
            tx.reply(request, GoalAddedView(goal: GoalView(goal, tx)))
        }
    }

    struct Update: CommandForm {
        static let access = Access.everyone
        var id: Int
        var value: Double
        var note: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard Goals.open(id, request, ownerOnly: true, &tx) != nil else { return }
            tx.record(.goalUpdated(id: id, update: Goal.Update(value: value, note: note, at: tx.now, byID: request.senderID)))
            guard let updated = tx.state.goals.first(where: { $0.id == id }) else { return }
            tx.reply(request, GoalUpdatedView(goal: GoalView(updated, tx)))
        }
    }

    /// A corrective action opens a follow-up owned by the goal's owner, so it is nudged until it is fixed.
    struct RecordAction: CommandForm {
        static let access = Access.everyone
        var id: Int
        var text: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let goal = Goals.open(id, request, ownerOnly: true, &tx) else { return }
            let followUpID = FollowUps.nextID(tx.state)
            tx.record(.followUpOpened(FollowUp(id: followUpID, text: text, ownerID: goal.ownerID, openedAt: tx.now, goalID: id)))
            tx.record(.goalActionRecorded(id: id, action: Goal.Action(text: text, at: tx.now, followUpID: followUpID)))
            guard let updated = tx.state.goals.first(where: { $0.id == id }) else { return }
            tx.reply(request, GoalActionView(goal: GoalView(updated, tx), followUp: followUpID))
        }
    }

    struct Close: CommandForm {
        static let access = Access.admins
        var id: Int

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let goal = Goals.open(id, request, ownerOnly: false, &tx) else { return }
            tx.record(.goalClosed(id: id))
            tx.reply(request, GoalClosedView(goal: GoalView(goal, tx)))
        }
    }

    /// The goal's corrective action that is still open (its follow-up not fixed), if any.
    static func openAction(_ goal: Goal, _ state: CoachState) -> Goal.Action? {
        goal.actions.last { action in state.followUps.contains { $0.id == action.followUpID && $0.isOpen } }
    }

    /// Off target with nothing being done about it: no corrective action open, and none recorded since the figure
    /// that showed it. While one is open, nobody is asked for another.
    static func needsAction(_ goal: Goal, _ state: CoachState) -> Bool {
        goal.needsAction && openAction(goal, state) == nil
    }

    /// An open goal by number, checked for ownership when only its owner (or an admin) may touch it.
    static func open(_ id: Int, _ request: Request, ownerOnly: Bool, _ tx: inout Transaction) -> Goal? {
        guard let goal = tx.state.goals.first(where: { $0.id == id }), !goal.closed else {
            tx.reply(request, NotFoundView(kind: .goal, ref: "\(id)"))
            return nil
        }
        guard !ownerOnly || goal.ownerID == request.senderID || tx.isAdmin(request) else {
            tx.reply(request, NotYoursView(kind: .goal, id: id, owner: tx.name(of: goal.ownerID)))
            return nil
        }
        return goal
    }

    /// What a member's daily digest says about the goals they own, noting each as nudged: a first figure wanted (a
    /// goal with none yet), a corrective action wanted (off target, none open, none since the figure that showed
    /// it), or a figure gone stale. Action requests come every `followUpEveryDays`, figures every `goalStaleDays`.
    static func digestItems(for ownerID: String, _ tx: inout Transaction) -> (
        firstFigures: [GoalView], actions: [GoalView], stale: [GoalStaleView]
    ) {
        let day: TimeInterval = 86_400
        let slack = ProgrammeSchedule.nudgeSlack
        let staleAfter = Double(tx.config.nudges.goalStaleDays) * day
        let actionEvery = Double(tx.config.nudges.followUpEveryDays) * day
        var items: (firstFigures: [GoalView], actions: [GoalView], stale: [GoalStaleView]) = ([], [], [])
        for goal in tx.state.goals where !goal.closed && goal.ownerID == ownerID {
            let sinceNudge = goal.lastNudgedAt.map { tx.now.timeIntervalSince($0) } ?? .infinity
            let sinceActivity = tx.now.timeIntervalSince(goal.lastActivity)
            if needsAction(goal, tx.state),
                sinceNudge + slack >= actionEvery || (goal.lastNudgedAt ?? .distantPast) < (goal.latest?.at ?? .distantPast)
            {
                items.actions.append(GoalView(goal, tx))
            } else if sinceActivity + slack >= staleAfter, sinceNudge + slack >= staleAfter {
                if goal.latest == nil {
                    items.firstFigures.append(GoalView(goal, tx))
                } else {
                    items.stale.append(GoalStaleView(goal: GoalView(goal, tx), days: Int(sinceActivity / day)))
                }
            } else {
                continue
            }
            tx.record(.goalNudged(id: goal.id, at: tx.now))
        }
        return items
    }
}

/// One goal as replies, lists and the report-back show it.
struct GoalView: Encodable {
    var id: Int
    var kpi: String
    var target: String
    var unit: String
    var higher: Bool
    var lower: Bool
    var owner: String
    var hasTolerance: Bool
    var tolerance: String
    var deviating: Bool
    var needsAction: Bool
    var noUpdate: Bool
    var closed: Bool
    var updates: Int
    var due: String?
    var value: String?
    var note: String?
    var updated: String?
    var action: String?
    var actionFollowUp: Int?
    /// The corrective action still being seen through (its follow-up open): the only one shown as under way.
    var openAction: String?
    /// Its readings as a sparkline, from two readings on.
    var trend: Sparkline?

    init(_ goal: Goal, _ tx: Transaction) {
        id = goal.id
        kpi = goal.kpi
        target = Coach.format(goal.target)
        unit = goal.unit
        higher = goal.direction == .higherIsBetter
        lower = goal.direction == .lowerIsBetter
        owner = tx.name(of: goal.ownerID)
        hasTolerance = goal.allowance > 0
        tolerance = Coach.format(goal.tolerance) + (goal.tolerancePercent ? "%" : "")
        deviating = goal.isDeviating
        needsAction = Goals.needsAction(goal, tx.state)
        openAction = Goals.openAction(goal, tx.state)?.text
        noUpdate = goal.latest == nil
        closed = goal.closed
        updates = goal.history.count
        due = goal.due?.description
        if let latest = goal.latest {
            value = Coach.format(latest.value)
            note = latest.note
            updated = tx.calendar.localDate(of: latest.at).description
        }
        if let last = goal.actions.last {
            action = last.text
            actionFollowUp = last.followUpID
        }
        trend = Sparkline(goal.history.filter { $0.at <= tx.now }.map(\.value), scale: .lowestToHighest)
    }
}

struct GoalsView: MessageView {
    static let template = Template.goals
    var goals: [GoalView]
    var empty: Bool
}

/// The replies about one goal. Each reads the same goal; the templates differ in what they say about it.
struct GoalAddedView: MessageView {
    static let template = Template.goalAdded
    @Inline var goal: GoalView
}

struct GoalUpdatedView: MessageView {
    static let template = Template.goalUpdated
    @Inline var goal: GoalView
}

struct GoalActionView: MessageView {
    static let template = Template.goalAction
    @Inline var goal: GoalView
    /// The follow-up opened to see the action through.
    var followUp: Int
}

struct GoalClosedView: MessageView {
    static let template = Template.goalClosed
    @Inline var goal: GoalView
}

/// A goal whose figure has not been updated for a while, in a member's daily digest.
struct GoalStaleView: Encodable {
    @Inline var goal: GoalView
    var days: Int
}

extension CoachState {
    /// Whether the owner of `goal` is due to be asked for a corrective action: off target, none open, none since
    /// the figure that showed it. (The simulated team acts on the same rule as the bot.)
    public func needsCorrectiveAction(_ goal: Goal) -> Bool { Goals.needsAction(goal, self) }
}
