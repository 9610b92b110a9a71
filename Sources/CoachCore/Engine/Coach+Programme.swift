import Foundation

extension Coach {
    // MARK: - Help and status

    func help(_ topic: String?, _ request: Request, _ tx: inout Transaction) {
        let isAdmin = config.isAdmin(request.senderID)
        if let topic {
            guard prompts.commandHelp[topic] != nil else {
                let suggestions = CommandParser.suggestions(for: topic)
                reply(request, "unknown-command", ["word": topic, "suggestions": suggestions, "hasSuggestions": !suggestions.isEmpty], &tx)
                return
            }
            reply(request, "help-command", usageContext(topic, problem: nil), &tx)
            return
        }
        let entries = prompts.commandHelp.sorted { $0.key < $1.key }
        func rows(admin: Bool) -> [[String: Any]] {
            entries.filter { ($0.value.admin ?? false) == admin }.map {
                ["command": $0.key, "usage": $0.value.usage, "summary": $0.value.summary, "example": $0.value.example]
            }
        }
        reply(request, "help", ["commands": rows(admin: false), "adminCommands": rows(admin: true), "isAdmin": isAdmin, "bot": config.team.botName], &tx)
    }

    func status(_ request: Request, _ tx: inout Transaction) {
        let state = tx.state
        var context: [String: Any] = [
            "team": config.team.name, "setup": state.programme.phase == .setup,
            "running": state.programme.phase == .running, "finished": state.programme.phase == .finished,
            "paused": state.programme.paused, "planLength": state.programme.plan.count,
            "cycle": state.programme.cycle,
        ]
        if let start = state.programme.startDate { context["startDate"] = start.description }
        if let week = currentWeek(tx) {
            context["week"] = weekContext(week, state)
            let examples = state.examples.inWeek(week.key)
            context["exampleCount"] = examples.count
            context["yourCount"] = examples.filter { $0.reporterID == request.senderID }.count
        }
        let next = nextPrinciple(state)
        if let next { context["next"] = principleContext(principle(id: next, state), id: next) }
        context["rated"] = state.ratingRounds.last?.scores[request.senderID]?.count ?? 0
        context["principleCount"] = allPrinciples(state).count
        reply(request, "status", context, &tx)
    }

    /// The principle after the current one, if the plan has one.
    func nextPrinciple(_ state: CoachState) -> String? {
        let opened = weeksInCycle(state).count
        return opened < state.programme.plan.count ? state.programme.plan[opened] : nil
    }

    func numberedPrinciples(_ state: CoachState) -> [[String: Any]] {
        allPrinciples(state).enumerated().map { ["number": $0.offset + 1, "id": $0.element.id, "title": $0.element.title] }
    }

    func listPrinciples(_ request: Request, _ tx: inout Transaction) {
        reply(request, "principles", ["principles": numberedPrinciples(tx.state)], &tx)
    }

    func showPrinciple(_ ref: String, _ request: Request, _ tx: inout Transaction) {
        guard let p = resolvePrinciple(ref, tx.state) else {
            reply(request, "not-found", ["principle": true, "ref": ref], &tx)
            return
        }
        reply(request, "principle", ["principle": principleContext(p, id: p.id)], &tx)
    }

    // MARK: - Rating

    func rate(_ input: Command.RatingInput, _ request: Request, _ tx: inout Transaction) {
        let all = allPrinciples(tx.state)
        var scores: [String: Int] = [:]
        switch input {
        case .prompt:
            reply(request, "rate-prompt", ["principles": numberedPrinciples(tx.state), "principleCount": all.count], &tx)
            return
        case .all(let values):
            guard values.count == all.count else {
                reply(request, "rate-prompt", [
                    "principles": numberedPrinciples(tx.state), "principleCount": all.count, "wrongCount": true,
                    "given": values.count,
                ], &tx)
                return
            }
            for (p, score) in zip(all, values) { scores[p.id] = score }
        case .one(let ref, let score):
            guard let p = resolvePrinciple(ref, tx.state) else {
                reply(request, "not-found", ["principle": true, "ref": ref], &tx)
                return
            }
            scores[p.id] = score
        case .pairs(let pairs):
            for pair in pairs {
                guard let p = resolvePrinciple(pair.ref, tx.state) else {
                    reply(request, "not-found", ["principle": true, "ref": pair.ref], &tx)
                    return
                }
                scores[p.id] = pair.score
            }
        }
        if tx.state.ratingRounds.isEmpty {
            let cycle = tx.state.programme.cycle
            tx.record(.ratingRoundOpened(cycle: cycle, purpose: .baseline))
        }
        tx.record(.rated(memberID: request.senderID, scores: scores))
        let mine = tx.state.ratingRounds.last?.scores[request.senderID] ?? [:]
        let rated = all.filter { mine[$0.id] != nil }.count
        let next = all.firstIndex { mine[$0.id] == nil }
        var context: [String: Any] = [
            "count": scores.count, "rated": rated, "principleCount": all.count, "complete": rated == all.count,
            "rerate": tx.state.ratingRounds.last?.purpose == .rerate,
        ]
        if let next { context["nextUnrated"] = ["number": next + 1, "title": all[next].title] }
        reply(request, "rate-ack", context, &tx)
    }

    func showScores(_ request: Request, _ tx: inout Transaction) {
        reply(request, "scores", RatingReport(coach: self, state: tx.state).scoresContext(), &tx)
    }

    // MARK: - Shaping the programme

    /// The plan being edited: the accepted one, or the suggestion if there is none yet.
    func workingPlan(_ state: CoachState) -> [String] {
        state.programme.plan.isEmpty ? RatingReport(coach: self, state: state).suggestedPlan() : state.programme.plan
    }

    func planContext(_ state: CoachState, plan: [String]) -> [[String: Any]] {
        let run = weeksInCycle(state).count
        let start = state.programme.startDate
        return plan.enumerated().map { i, id in
            var row: [String: Any] = ["position": i + 1, "id": id, "title": principle(id: id, state)?.title ?? id, "done": i < run]
            if let start { row["monday"] = calendar.adding(days: 7 * i, to: start).description }
            return row
        }
    }

    func showProgramme(_ request: Request, _ tx: inout Transaction) {
        let state = tx.state
        let plan = workingPlan(state)
        reply(request, "programme", [
            "suggested": state.programme.plan.isEmpty, "accepted": state.programme.planAccepted,
            "plan": planContext(state, plan: plan), "started": state.programme.phase == .running,
            "isAdmin": config.isAdmin(request.senderID), "bot": config.team.botName,
            "scores": RatingReport(coach: self, state: state).scoresContext()["rows"] ?? [],
        ], &tx)
    }

    func acceptPlan(_ request: Request, _ tx: inout Transaction) {
        let plan = workingPlan(tx.state)
        tx.record(.planChanged(plan: plan, accepted: true))
        reply(request, "programme-changed", [
            "accepted": true, "plan": planContext(tx.state, plan: plan), "bot": config.team.botName,
            "started": tx.state.programme.phase == .running,
        ], &tx)
    }

    /// Applies an edit to the part of the plan not yet run; weeks already run stay where they were.
    func editPlan(_ request: Request, _ tx: inout Transaction, _ change: (inout [String]) -> String?) {
        var plan = workingPlan(tx.state)
        if let problem = change(&plan) {
            reply(request, "programme-changed", [
                "problem": problem, "problem_\(problem)": true, "plan": planContext(tx.state, plan: workingPlan(tx.state)),
                "started": tx.state.programme.phase == .running, "bot": config.team.botName,
            ], &tx)
            return
        }
        tx.record(.planChanged(plan: plan, accepted: true))
        reply(request, "programme-changed", [
            "plan": planContext(tx.state, plan: plan), "bot": config.team.botName,
            "started": tx.state.programme.phase == .running,
        ], &tx)
    }

    func movePlan(_ ref: String, to position: Int, _ request: Request, _ tx: inout Transaction) {
        let run = weeksInCycle(tx.state).count
        let target = resolvePrinciple(ref, tx.state)
        editPlan(request, &tx) { plan in
            guard let target, let from = plan.firstIndex(of: target.id) else { return "notInPlan" }
            guard from >= run, position - 1 >= run, position >= 1 else { return "alreadyRun" }
            plan.remove(at: from)
            plan.insert(target.id, at: min(position - 1, plan.count))
            return nil
        }
    }

    func dropFromPlan(_ ref: String, _ request: Request, _ tx: inout Transaction) {
        let run = weeksInCycle(tx.state).count
        let target = resolvePrinciple(ref, tx.state)
        editPlan(request, &tx) { plan in
            guard let target, let at = plan.firstIndex(of: target.id) else { return "notInPlan" }
            guard at >= run else { return "alreadyRun" }
            plan.remove(at: at)
            return nil
        }
    }

    func addToPlan(_ ref: String, at position: Int?, _ request: Request, _ tx: inout Transaction) {
        let run = weeksInCycle(tx.state).count
        let target = resolvePrinciple(ref, tx.state)
        editPlan(request, &tx) { plan in
            guard let target else { return "unknownPrinciple" }
            guard !plan.contains(target.id) else { return "alreadyInPlan" }
            let index = min(max((position ?? plan.count + 1) - 1, run), plan.count)
            plan.insert(target.id, at: index)
            return nil
        }
    }

    func addTeamPrinciple(title: String, why: String, _ request: Request, _ tx: inout Transaction) {
        let slug = String(title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
            .split(separator: "-").joined(separator: "-").prefix(40))
        let id = slug.isEmpty ? "team-\(tx.state.teamPrinciples.count + 1)" : slug
        guard principle(id: id, tx.state) == nil else {
            reply(request, "duplicate-principle", ["id": id], &tx)
            return
        }
        tx.record(.teamPrincipleAdded(Principle(id: id, title: title, why: why)))
        reply(request, "programme-changed", [
            "newPrinciple": ["id": id, "title": title, "number": allPrinciples(tx.state).count], "bot": config.team.botName,
        ], &tx)
    }

    // MARK: - Running the programme

    func start(_ when: Command.StartDate, _ request: Request, _ tx: inout Transaction) {
        guard tx.state.programme.phase == .setup else {
            reply(request, "programme-started", ["alreadyRunning": tx.state.programme.phase == .running,
                "finished": tx.state.programme.phase == .finished, "bot": config.team.botName], &tx)
            return
        }
        let thisMonday = calendar.monday(containing: tx.now)
        let monday: LocalDate
        switch when {
        case .nextMonday: monday = calendar.adding(days: 7, to: thisMonday)
        case .thisWeek:
            // Once this week's report-back time has passed, "now" can only sensibly mean the coming Monday.
            let summaryDue = schedule.due(.summary, monday: thisMonday) ?? calendar.startOfDay(thisMonday)
            monday = tx.now >= summaryDue ? calendar.adding(days: 7, to: thisMonday) : thisMonday
        case .on(let date):
            let m = calendar.monday(of: date)
            monday = m == date ? m : calendar.adding(days: 7, to: m)
        }
        guard monday >= thisMonday else {
            reply(request, "usage", usageContext("start", problem: .badDate), &tx)
            return
        }
        let usedSuggestion = tx.state.programme.plan.isEmpty
        if usedSuggestion || !tx.state.programme.planAccepted {
            let plan = workingPlan(tx.state)
            tx.record(.planChanged(plan: plan, accepted: true))
        }
        tx.record(.programmeStarted(startDate: monday, at: tx.now))
        reply(request, "programme-started", [
            "startDate": monday.description, "usedSuggestion": usedSuggestion,
            "plan": planContext(tx.state, plan: tx.state.programme.plan), "weekCount": tx.state.programme.plan.count,
        ], &tx)
        // Starting this week means the Monday post is due now; post it rather than wait for the next tick.
        runSchedule(&tx)
    }

    func pause(_ request: Request, _ tx: inout Transaction) {
        if !tx.state.programme.paused { tx.record(.pausedChanged(paused: true, at: tx.now)) }
        reply(request, "paused", ["bot": config.team.botName], &tx)
    }

    func resume(_ request: Request, _ tx: inout Transaction) {
        let wasPaused = tx.state.programme.paused
        if wasPaused { tx.record(.pausedChanged(paused: false, at: tx.now)) }
        reply(request, "resumed", ["wasPaused": wasPaused], &tx)
        if wasPaused { runSchedule(&tx) }
    }

    /// Skips this week if its summary has not been posted yet, otherwise next week. An opened week gives its
    /// principle back, so nothing planned is lost: it simply runs a week later.
    func skip(_ request: Request, _ tx: inout Transaction) {
        guard tx.state.programme.phase == .running else {
            reply(request, "skipped", ["notRunning": true], &tx)
            return
        }
        let thisMonday = calendar.monday(containing: tx.now)
        let thisKey = calendar.weekKey(monday: thisMonday)
        let current = currentWeek(tx)
        let summaryDone = tx.hasRun(Self.jobKey(.summary, thisKey))
        let skippingThisWeek = !summaryDone && !tx.state.programme.skippedWeeks.contains(thisKey)
        let monday = skippingThisWeek ? thisMonday : calendar.adding(days: 7, to: thisMonday)
        let key = calendar.weekKey(monday: monday)
        if skippingThisWeek, current != nil { tx.record(.weekWithdrawn(key: thisKey)) }
        if !tx.state.programme.skippedWeeks.contains(key) { tx.record(.weekSkipped(key: key)) }
        var context: [String: Any] = ["thisWeek": skippingThisWeek, "monday": monday.description]
        if let next = nextPrinciple(tx.state) { context["next"] = principleContext(principle(id: next, tx.state), id: next) }
        tx.send("skipped", context.merging(["you": name(of: request.senderID, tx.state)]) { $1 }, to: .channel, kind: .notice)
        if request.replyTo != .channel { reply(request, "programme-changed", ["skippedWeek": key], &tx) }
    }

    func newCycle(_ request: Request, _ tx: inout Transaction) {
        guard tx.state.programme.phase == .finished else {
            reply(request, "cycle-started", ["notFinished": true], &tx)
            return
        }
        let previous = tx.state.ratingRounds.last
        let cycle = tx.state.programme.cycle + 1
        tx.record(.cycleStarted(cycle: cycle))
        tx.record(.ratingRoundOpened(cycle: cycle, purpose: .baseline))
        // The re-rating just done is the new cycle's starting point; members may still change it.
        for (member, scores) in previous?.scores ?? [:] {
            tx.record(.rated(memberID: member, scores: scores))
        }
        tx.send("cycle-started", ["cycle": cycle, "bot": config.team.botName, "carried": !(previous?.scores.isEmpty ?? true)],
            to: .channel, kind: .notice)
        if request.replyTo != .channel { reply(request, "programme-changed", ["cycle": cycle], &tx) }
    }

    func beforeAfter(_ request: Request, _ tx: inout Transaction) {
        reply(request, "before-after", RatingReport(coach: self, state: tx.state).beforeAfterContext(), &tx)
    }
}
