import Foundation

/// The Friday report-back: the week's examples, recognition, goals against target, open follow-ups, new ideas and
/// next week's principle, as a template context.
///
/// It reads only the week's own run of examples (see `ExampleLog`) plus the cycle's weeks for the recognition
/// spread, so its cost follows the size of the programme, not of the whole history.
struct ReportBack {
    let coach: Coach
    let state: CoachState
    let week: ProgrammeWeek
    let now: Date

    /// How many examples a summary lists in full; the rest are counted, so a big week stays readable.
    static let listedExamples = 25

    func context() -> [String: Any] {
        let examples = state.examples.inWeek(week.key)
        let caught = examples.filter { !$0.caughtIDs.isEmpty }
        let own = examples.filter { $0.caughtIDs.isEmpty }
        var credits: [String: Int] = [:]
        for example in caught {
            for id in example.caughtIDs { credits[id, default: 0] += 1 }
        }
        let recognition = credits.sorted { ($1.value, coach.name(of: $0.key, state)) < ($0.value, coach.name(of: $1.key, state)) }
        var context = coach.weekContext(week, state)
        context["bot"] = coach.config.team.botName
        context["team"] = coach.config.team.name
        context["caughtExamples"] = caught.prefix(Self.listedExamples).map { coach.exampleRow($0, state) }
        context["caughtMore"] = max(0, caught.count - Self.listedExamples)
        context["hasCaught"] = !caught.isEmpty
        context["ownExamples"] = own.prefix(Self.listedExamples).map { coach.exampleRow($0, state) }
        context["ownMore"] = max(0, own.count - Self.listedExamples)
        context["hasOwn"] = !own.isEmpty
        context["noExamples"] = examples.isEmpty
        context["exampleCount"] = examples.count
        context["contributorCount"] = Set(examples.map(\.reporterID)).count
        context["shoutOutCount"] = credits.values.reduce(0, +)
        context["recognisedCount"] = credits.count
        context["recognised"] = recognition.prefix(10).map { ["name": coach.name(of: $0.key, state), "count": $0.value] }
        context["hasRecognised"] = !credits.isEmpty
        let spread = recognitionSpread()
        context["recognisedSoFar"] = spread.recognised
        context["memberCount"] = spread.members

        let goals = state.goals.filter { !$0.closed }
        context["goals"] = goals.map { coach.goalContext($0, state) }
        context["hasGoals"] = !goals.isEmpty
        context["deviationCount"] = goals.filter(\.isDeviating).count
        let open = state.followUps.filter(\.isOpen)
        context["followups"] = open.prefix(15).map { coach.followUpContext($0, state) }
        context["followupMore"] = max(0, open.count - 15)
        context["hasFollowups"] = !open.isEmpty
        let ideas = state.ideas.filter { $0.weekKey == week.key }
        context["ideas"] = ideas.map { ["text": $0.text, "author": coach.name(of: $0.authorID, state)] }
        context["hasIdeas"] = !ideas.isEmpty
        let weekStart = coach.calendar.startOfDay(week.monday)
        let definitions = state.definitions.filter { $0.at >= weekStart && $0.at <= now }
        context["definitions"] = definitions.map { ["text": $0.text, "author": coach.name(of: $0.authorID, state)] }
        context["hasDefinitions"] = !definitions.isEmpty
        if let next = coach.nextPrinciple(state) {
            context["next"] = coach.principleContext(coach.principle(id: next, state), id: next)
        } else {
            context["lastWeek"] = true
        }
        return context
    }

    /// Distinct people recognised so far this cycle, against the team's size: recognition should reach everyone,
    /// not pile up on a few.
    func recognitionSpread() -> (recognised: Int, members: Int) {
        var recognised = Set<String>()
        for w in state.weeks where w.cycle == week.cycle {
            for example in state.examples.inWeek(w.key) { recognised.formUnion(example.caughtIDs) }
        }
        return (recognised.count, state.members.count)
    }
}

/// The self-ratings: the team's score and consistency per principle, the suggested order, and before/after.
struct RatingReport {
    let coach: Coach
    let state: CoachState

    struct Score {
        var principle: Principle
        var index: Int
        var values: [Int]
        var mean: Double? { values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count) }
        /// The range between the lowest and highest rating: seed 000's "consistency".
        var spread: Int { (values.max() ?? 0) - (values.min() ?? 0) }
    }

    func scores(in round: RatingRound?) -> [Score] {
        coach.allPrinciples(state).enumerated().map { i, p in
            Score(principle: p, index: i, values: round?.scores.values.compactMap { $0[p.id] } ?? [])
        }
    }

    var baseline: RatingRound? {
        state.ratingRounds.last { $0.cycle == state.programme.cycle && $0.purpose == .baseline }
    }

    /// Every principle, weakest first, then least consistent; principles nobody rated come last, in catalogue order.
    func ranked() -> [Score] {
        scores(in: baseline).sorted { a, b in
            switch (a.mean, b.mean) {
            case (nil, nil): return a.index < b.index
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?):
                if x != y { return x < y }
                if a.spread != b.spread { return a.spread > b.spread }
                return a.index < b.index
            }
        }
    }

    /// The suggested plan: the weakest principles, as many as the config's suggested length.
    func suggestedPlan() -> [String] {
        ranked().prefix(coach.config.programme.suggestedLength).map(\.principle.id)
    }

    static func format(_ mean: Double?) -> String {
        mean.map { String(format: "%.1f", $0) } ?? "-"
    }

    func row(_ score: Score) -> [String: Any] {
        [
            "number": score.index + 1, "id": score.principle.id, "title": score.principle.title,
            "mean": Self.format(score.mean), "raters": score.values.count, "rated": !score.values.isEmpty,
            "low": score.values.min() ?? 0, "high": score.values.max() ?? 0, "spread": score.spread,
            "consistent": !score.values.isEmpty && score.spread == 0, "mixed": score.spread == 2,
            "inconsistent": score.spread == 4,
        ]
    }

    func scoresContext() -> [String: Any] {
        let length = coach.config.programme.suggestedLength
        let rows = ranked().enumerated().map { rank, score in
            row(score).merging(["suggested": rank < length, "rank": rank + 1]) { $1 }
        }
        let raters = Set(baseline?.scores.keys.map { $0 } ?? [])
        return ["rows": rows, "raterCount": raters.count, "memberCount": state.members.count, "empty": raters.isEmpty]
    }

    func beforeAfterContext() -> [String: Any] {
        let cycle = state.programme.cycle
        let before = state.ratingRounds.last { $0.cycle == cycle && $0.purpose == .baseline }
        let after = state.ratingRounds.last { $0.cycle == cycle && $0.purpose == .rerate }
        let beforeScores = Dictionary(uniqueKeysWithValues: scores(in: before).map { ($0.principle.id, $0) })
        let afterScores = Dictionary(uniqueKeysWithValues: scores(in: after).map { ($0.principle.id, $0) })
        let ids = state.programme.plan.isEmpty ? coach.allPrinciples(state).map(\.id) : state.programme.plan
        var improved = 0
        let rows: [[String: Any]] = ids.compactMap { id in
            guard let b = beforeScores[id], let a = afterScores[id] else { return nil }
            let change = (a.mean ?? 0) - (b.mean ?? 0)
            let comparable = b.mean != nil && a.mean != nil
            if comparable && change > 0 { improved += 1 }
            return [
                "title": b.principle.title, "before": Self.format(b.mean), "after": Self.format(a.mean),
                "beforeSpread": b.spread, "afterSpread": a.spread, "comparable": comparable,
                "change": comparable ? String(format: "%+.1f", change) : "-", "up": comparable && change > 0,
                "down": comparable && change < 0, "same": comparable && change == 0,
            ]
        }
        func overall(_ round: RatingRound?) -> Double? {
            let values = round?.scores.values.flatMap { scores in ids.compactMap { scores[$0] } } ?? []
            return values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count)
        }
        return [
            "cycle": cycle, "rows": rows, "overallBefore": Self.format(overall(before)),
            "overallAfter": Self.format(overall(after)), "improved": improved, "principleCount": rows.count,
            "beforeRaters": before?.scores.count ?? 0, "afterRaters": after?.scores.count ?? 0,
            "noRerate": (after?.scores.isEmpty ?? true), "team": coach.config.team.name,
        ]
    }
}
