import Foundation

/// Customer-care goals: a KPI with a target, an owner who posts its figures, a corrective action when it drifts off
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

    /// `goal add Reply time target 2 hours lower due 2027-01-31 tolerance 10% owner @sam`.
    static func parseDraft(_ args: [String]) -> CommandDeclaration.Parsed {
        let keywords: Set<String> = ["target", "due", "tolerance", "tol", "owner", "higher", "lower"]
        guard let targetAt = args.firstIndex(where: { $0.lowercased() == "target" }), targetAt > 0 else {
            return .malformed(.badForm)
        }
        let kpi = args[..<targetAt].joined(separator: " ")
        guard targetAt + 1 < args.count, let target = CommandWords.decimal(args[targetAt + 1]) else {
            return .malformed(.badNumber)
        }
        var draft = Draft(
            kpi: kpi, target: target, unit: args[targetAt + 1].hasSuffix("%") ? "%" : "", direction: .higherIsBetter,
            dueDate: nil, tolerance: 0, tolerancePercent: false, owner: nil)
        var i = targetAt + 2
        var unitWords: [String] = []
        while i < args.count, !keywords.contains(args[i].lowercased()) {
            unitWords.append(args[i])
            i += 1
        }
        if !unitWords.isEmpty { draft.unit = unitWords.joined(separator: " ") }
        while i < args.count {
            let word = args[i].lowercased()
            let next = i + 1 < args.count ? args[i + 1] : nil
            switch word {
            case "higher":
                draft.direction = .higherIsBetter
                i += 1
            case "lower":
                draft.direction = .lowerIsBetter
                i += 1
            case "due":
                guard let next, let date = LocalDate(next) else { return .malformed(.badDate) }
                draft.dueDate = date
                i += 2
            case "tolerance", "tol":
                guard let next, let value = CommandWords.decimal(next), value >= 0 else { return .malformed(.badNumber) }
                draft.tolerance = value
                draft.tolerancePercent = next.hasSuffix("%")
                i += 2
            case "owner":
                guard let next, next.hasPrefix("@"), next.count > 1 else { return .malformed(.missingMention) }
                draft.owner = String(next.dropFirst())
                i += 2
            default:
                // "is better" and similar filler after higher/lower reads naturally; anything else is a mistake.
                guard ["is", "better", "the"].contains(word) else { return .malformed(.badForm) }
                i += 1
            }
        }
        return .form(Add(draft: draft))
    }

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

    /// The daily nudges: an owner whose goal is off target without a corrective action, or has not been updated for
    /// `goalStaleDays`, hears about it privately (away owners are skipped).
    static func nudgeOwners(_ tx: inout Transaction) {
        let day: TimeInterval = 86_400
        let staleAfter = Double(tx.config.nudges.goalStaleDays) * day
        let actionEvery = Double(tx.config.nudges.followUpEveryDays) * day
        for goal in tx.state.goals where !goal.closed {
            guard let owner = tx.state.members[goal.ownerID], !owner.isAway(on: tx.today) else { continue }
            let sinceNudge = goal.lastNudgedAt.map { tx.now.timeIntervalSince($0) } ?? .infinity
            let destination = ProgrammeSchedule.nudgeDestination(owner.id, tx)
            if goal.needsAction,
                sinceNudge + ProgrammeSchedule.nudgeSlack >= actionEvery || (goal.lastNudgedAt ?? .distantPast) < (goal.latest?.at ?? .distantPast)
            {
                tx.send(GoalActionNudgeView(goal: GoalView(goal, tx), name: owner.name), to: destination, kind: .nudge)
                tx.record(.goalNudged(id: goal.id, at: tx.now))
            } else if tx.now.timeIntervalSince(goal.lastActivity) + ProgrammeSchedule.nudgeSlack >= staleAfter, sinceNudge + ProgrammeSchedule.nudgeSlack >= staleAfter {
                let days = Int(tx.now.timeIntervalSince(goal.lastActivity) / day)
                tx.send(GoalStaleNudgeView(goal: GoalView(goal, tx), name: owner.name, days: days), to: destination, kind: .nudge)
                tx.record(.goalNudged(id: goal.id, at: tx.now))
            }
        }
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
        needsAction = goal.needsAction
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

/// The private nudge about a goal off target with no corrective action yet.
struct GoalActionNudgeView: MessageView {
    static let template = Template.nudgeGoalAction
    @Inline var goal: GoalView
    var name: String
}

/// The private nudge about a goal that has not been updated for a while.
struct GoalStaleNudgeView: MessageView {
    static let template = Template.nudgeGoal
    @Inline var goal: GoalView
    var name: String
    var days: Int
}
