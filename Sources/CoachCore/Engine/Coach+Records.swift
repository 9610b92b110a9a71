import Foundation

extension Coach {
    // MARK: - Examples

    func addExample(text: String, caught: [String], source: Example.Source, _ request: Request, _ tx: inout Transaction) {
        guard !text.isEmpty else { return }
        let week = currentWeek(tx)
        let example = Example(
            id: tx.state.examples.nextID, weekKey: week?.key, principleID: week?.principleID,
            reporterID: request.senderID, caughtIDs: caught, text: text, at: tx.now, source: source)
        tx.record(.exampleAdded(example))
        let weekCount = week.map { tx.state.examples.count(inWeek: $0.key) } ?? 0
        reply(request, "example-ack", [
            "id": example.id, "caught": caught.map { name(of: $0, tx.state) }, "hasCaught": !caught.isEmpty,
            "inWeek": week != nil, "weekCount": weekCount, "threadReply": source == .threadReply,
            "principleTitle": week.flatMap { principle(id: $0.principleID, tx.state)?.title } ?? "",
        ], &tx)
    }

    /// The member an @-mention in a command means, or nil after telling the sender who is known.
    func mentionedMember(_ token: String, _ request: Request, _ tx: inout Transaction) -> String? {
        guard let id = resolveMember(token, in: request.message, tx.state) else {
            let known = tx.state.members.values.map(\.name).sorted()
            reply(request, "not-found", ["member": true, "ref": token, "known": Array(known.prefix(12))], &tx)
            return nil
        }
        // Someone named before they ever spoke: the platform told us their name with the mention.
        if tx.state.members[id] == nil, let name = request.message.mentionedNames[id] {
            tx.record(.memberSeen(id: id, name: name))
        }
        return id
    }

    func caught(_ mentions: [String], text: String, _ request: Request, _ tx: inout Transaction) {
        var ids: [String] = []
        for token in mentions {
            guard let id = mentionedMember(token, request, &tx) else { return }
            // Catching yourself is still an example, but recognition is for others.
            if id != request.senderID, !ids.contains(id) { ids.append(id) }
        }
        addExample(text: text, caught: ids, source: ids.isEmpty ? .command : .caught, request, &tx)
    }

    func exampleRow(_ example: Example, _ state: CoachState) -> [String: Any] {
        [
            "id": example.id, "text": example.text, "reporter": name(of: example.reporterID, state),
            "caught": example.caughtIDs.map { name(of: $0, state) }.joined(separator: ", "),
            "hasCaught": !example.caughtIDs.isEmpty, "date": calendar.localDate(of: example.at).description,
        ]
    }

    func listExamples(everyone: Bool, _ request: Request, _ tx: inout Transaction) {
        let limit = 20
        let rows: [Example]
        if everyone {
            rows = currentWeek(tx).map { tx.state.examples.inWeek($0.key) } ?? []
        } else {
            // Newest first from the end: a member's recent examples, without walking a year of history.
            var mine: [Example] = []
            for example in tx.state.examples.all.reversed() where example.reporterID == request.senderID && !example.deleted {
                mine.append(example)
                if mine.count == limit { break }
            }
            rows = mine.reversed()
        }
        let shown = rows.suffix(limit)
        reply(request, "examples", [
            "everyone": everyone, "examples": shown.map { exampleRow($0, tx.state) }, "empty": rows.isEmpty,
            "more": rows.count - shown.count, "hasMore": rows.count > shown.count,
        ], &tx)
    }

    /// Members change only their own entries; admins may also remove anyone's (moderation).
    func ownedExample(_ id: Int, _ request: Request, allowAdmin: Bool, _ tx: inout Transaction) -> Example? {
        guard let example = tx.state.examples.example(id: id) else {
            reply(request, "not-found", ["example": true, "ref": "\(id)"], &tx)
            return nil
        }
        guard example.reporterID == request.senderID || (allowAdmin && config.isAdmin(request.senderID)) else {
            reply(request, "not-yours", ["example": true, "id": id], &tx)
            return nil
        }
        return example
    }

    func editExample(_ id: Int, text: String, _ request: Request, _ tx: inout Transaction) {
        guard ownedExample(id, request, allowAdmin: false, &tx) != nil else { return }
        tx.record(.exampleEdited(id: id, text: text))
        reply(request, "example-edited", ["id": id, "text": text], &tx)
    }

    func deleteExample(_ id: Int, _ request: Request, _ tx: inout Transaction) {
        guard ownedExample(id, request, allowAdmin: true, &tx) != nil else { return }
        tx.record(.exampleDeleted(id: id))
        reply(request, "example-deleted", ["id": id], &tx)
    }

    // MARK: - Goals

    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.2f", value)
            .replacingOccurrences(of: "0+$", with: "", options: .regularExpression)
    }

    func goalContext(_ goal: Goal, _ state: CoachState) -> [String: Any] {
        var context: [String: Any] = [
            "id": goal.id, "kpi": goal.kpi, "target": Self.format(goal.target), "unit": goal.unit,
            "higher": goal.direction == .higherIsBetter, "lower": goal.direction == .lowerIsBetter,
            "owner": name(of: goal.ownerID, state), "hasTolerance": goal.allowance > 0,
            "tolerance": Self.format(goal.tolerance) + (goal.tolerancePercent ? "%" : ""),
            "deviating": goal.isDeviating, "needsAction": goal.needsAction, "noUpdate": goal.latest == nil,
            "closed": goal.closed, "updates": goal.history.count,
        ]
        if let due = goal.due { context["due"] = due.description }
        if let latest = goal.latest {
            context["value"] = Self.format(latest.value)
            context["note"] = latest.note
            context["updated"] = calendar.localDate(of: latest.at).description
        }
        if let action = goal.actions.last {
            context["action"] = action.text
            context["actionFollowUp"] = action.followUpID
        }
        return context
    }

    func goal(_ id: Int, _ request: Request, ownerOnly: Bool, _ tx: inout Transaction) -> Goal? {
        guard let goal = tx.state.goals.first(where: { $0.id == id }), !goal.closed else {
            reply(request, "not-found", ["goal": true, "ref": "\(id)"], &tx)
            return nil
        }
        guard !ownerOnly || goal.ownerID == request.senderID || config.isAdmin(request.senderID) else {
            reply(request, "not-yours", ["goal": true, "id": id, "owner": name(of: goal.ownerID, tx.state)], &tx)
            return nil
        }
        return goal
    }

    func addGoal(_ draft: GoalDraft, _ request: Request, _ tx: inout Transaction) {
        var owner = request.senderID
        if let token = draft.owner {
            guard let id = mentionedMember(token, request, &tx) else { return }
            owner = id
        }
        let id = (tx.state.goals.map(\.id).max() ?? 0) + 1
        let goal = Goal(
            id: id, kpi: draft.kpi, target: draft.target, unit: draft.unit, direction: draft.direction, ownerID: owner,
            due: draft.dueDate, tolerance: draft.tolerance, tolerancePercent: draft.tolerancePercent, createdAt: tx.now)
        tx.record(.goalAdded(goal))
        reply(request, "goal-added", goalContext(goal, tx.state).merging(["bot": config.team.botName]) { $1 }, &tx)
    }

    func updateGoal(_ id: Int, value: Double, note: String, _ request: Request, _ tx: inout Transaction) {
        guard goal(id, request, ownerOnly: true, &tx) != nil else { return }
        tx.record(.goalUpdated(id: id, update: Goal.Update(value: value, note: note, at: tx.now, byID: request.senderID)))
        let updated = tx.state.goals.first { $0.id == id }!
        reply(request, "goal-updated", goalContext(updated, tx.state).merging(["bot": config.team.botName]) { $1 }, &tx)
    }

    /// A corrective action opens a follow-up owned by the goal's owner, so it is nudged until it is fixed.
    func recordGoalAction(_ id: Int, text: String, _ request: Request, _ tx: inout Transaction) {
        guard let goal = goal(id, request, ownerOnly: true, &tx) else { return }
        let followUpID = (tx.state.followUps.map(\.id).max() ?? 0) + 1
        tx.record(.followUpOpened(FollowUp(id: followUpID, text: text, ownerID: goal.ownerID, openedAt: tx.now, goalID: id)))
        tx.record(.goalActionRecorded(id: id, action: Goal.Action(text: text, at: tx.now, followUpID: followUpID)))
        let updated = tx.state.goals.first { $0.id == id }!
        reply(request, "goal-action", goalContext(updated, tx.state).merging(["followUp": followUpID, "bot": config.team.botName]) { $1 }, &tx)
    }

    func closeGoal(_ id: Int, _ request: Request, _ tx: inout Transaction) {
        guard let goal = goal(id, request, ownerOnly: false, &tx) else { return }
        tx.record(.goalClosed(id: id))
        reply(request, "goal-closed", goalContext(goal, tx.state), &tx)
    }

    func listGoals(_ request: Request, _ tx: inout Transaction) {
        let goals = tx.state.goals.filter { !$0.closed }
        reply(request, "goals", ["goals": goals.map { goalContext($0, tx.state) }, "empty": goals.isEmpty, "bot": config.team.botName], &tx)
    }

    // MARK: - Follow-ups

    func followUpContext(_ item: FollowUp, _ state: CoachState) -> [String: Any] {
        var context: [String: Any] = [
            "id": item.id, "text": item.text, "owner": name(of: item.ownerID, state),
            "opened": calendar.localDate(of: item.openedAt).description, "fixed": !item.isOpen,
        ]
        if let goalID = item.goalID { context["goal"] = goalID }
        if let resolution = item.resolution { context["resolution"] = resolution }
        return context
    }

    func openFollowUp(_ text: String, _ request: Request, _ tx: inout Transaction) {
        let id = (tx.state.followUps.map(\.id).max() ?? 0) + 1
        let item = FollowUp(id: id, text: text, ownerID: request.senderID, openedAt: tx.now)
        tx.record(.followUpOpened(item))
        reply(request, "followup-opened", followUpContext(item, tx.state).merging(["bot": config.team.botName]) { $1 }, &tx)
    }

    func listFollowUps(_ request: Request, _ tx: inout Transaction) {
        let open = tx.state.followUps.filter(\.isOpen)
        reply(request, "followups", ["followups": open.map { followUpContext($0, tx.state) }, "empty": open.isEmpty, "bot": config.team.botName], &tx)
    }

    func fixFollowUp(_ id: Int, resolution: String, _ request: Request, _ tx: inout Transaction) {
        guard let item = tx.state.followUps.first(where: { $0.id == id && $0.isOpen }) else {
            reply(request, "not-found", ["followup": true, "ref": "\(id)"], &tx)
            return
        }
        guard item.ownerID == request.senderID || config.isAdmin(request.senderID) else {
            reply(request, "not-yours", ["followup": true, "id": id, "owner": name(of: item.ownerID, tx.state)], &tx)
            return
        }
        tx.record(.followUpFixed(id: id, resolution: resolution, at: tx.now))
        let fixed = tx.state.followUps.first { $0.id == id }!
        reply(request, "followup-fixed", followUpContext(fixed, tx.state), &tx)
    }

    // MARK: - Ideas, definitions, away

    func addIdea(_ text: String, _ request: Request, _ tx: inout Transaction) {
        let idea = Idea(id: tx.state.ideas.count + 1, text: text, authorID: request.senderID, at: tx.now,
            weekKey: currentWeek(tx)?.key)
        tx.record(.ideaAdded(idea))
        reply(request, "idea-ack", ["id": idea.id, "count": tx.state.ideas.count], &tx)
    }

    func listIdeas(_ request: Request, _ tx: inout Transaction) {
        let recent = tx.state.ideas.suffix(20)
        reply(request, "ideas", [
            "ideas": recent.map { ["id": $0.id, "text": $0.text, "author": name(of: $0.authorID, tx.state)] },
            "empty": recent.isEmpty, "total": tx.state.ideas.count, "bot": config.team.botName,
        ], &tx)
    }

    func addDefinition(_ text: String, _ request: Request, _ tx: inout Transaction) {
        let definition = Definition(id: tx.state.definitions.count + 1, text: text, authorID: request.senderID, at: tx.now)
        tx.record(.definitionAdded(definition))
        reply(request, "means-ack", ["id": definition.id, "text": text, "count": tx.state.definitions.count], &tx)
    }

    func listDefinitions(_ request: Request, _ tx: inout Transaction) {
        let recent = tx.state.definitions.suffix(30)
        reply(request, "definitions", [
            "definitions": recent.map { ["text": $0.text, "author": name(of: $0.authorID, tx.state)] },
            "empty": recent.isEmpty, "bot": config.team.botName,
        ], &tx)
    }

    func setAway(_ until: LocalDate, _ request: Request, _ tx: inout Transaction) {
        guard until >= calendar.localDate(of: tx.now) else {
            reply(request, "usage", usageContext("away", problem: .badDate), &tx)
            return
        }
        tx.record(.memberAway(id: request.senderID, until: until))
        reply(request, "away-ack", ["until": until.description], &tx)
    }

    func setBack(_ request: Request, _ tx: inout Transaction) {
        let wasAway = tx.state.members[request.senderID]?.awayUntil != nil
        if wasAway { tx.record(.memberAway(id: request.senderID, until: nil)) }
        reply(request, "back-ack", ["wasAway": wasAway], &tx)
    }
}
