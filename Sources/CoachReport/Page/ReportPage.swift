import CoachCore
import Foundation

/// Fills the report's view from the programme's record: the figures as `ProgrammeFigures` and `RatingFigures` work
/// them out, placed on the charts (`Charts`) and listed in the tables the templates draw.
enum ReportPage {
    /// A week's examples listed in the timeline, at most: a big team's year would make a page nobody reads (and
    /// nobody's browser opens). Everyone recognised is still named; every example is in `examples.csv`.
    static let examplesPerWeek = 100

    static func view(_ record: ProgrammeRecord, prompts: PromptBook) -> ReportPageView {
        let state = record.state
        let figures = record.figures
        let weeks = figures.principleWeeks
        let memberCount = state.members.count
        let goalWeeks = goalWeeks(record)
        return ReportPageView(
            team: record.config.team.name, generated: prompts.timestamp(record.now, in: record.calendar),
            timeZone: record.config.team.timeZone.identifier, cycle: state.programme.cycle,
            phase: phase(state.programme.phase), teamDefinition: state.teamDefinition?.text, memberCount: memberCount,
            minRaters: record.ratings.minRaters,
            totals: .init(
                weeks: weeks.count, examples: figures.weeks.reduce(0) { $0 + $1.examples },
                shoutOuts: figures.recognition.shoutOuts, contributors: figures.contributors,
                recognised: figures.recognition.recognisedPeople),
            weeks: figures.weeks.map { timelineWeek($0, record) }, hasWeeks: !figures.weeks.isEmpty,
            ratings: ratings(record), participation: participation(weeks, memberCount: memberCount),
            recognition: recognition(weeks, figures.recognition, memberCount: memberCount),
            goals: figures.goals.map { goal($0, record) }, hasGoals: !figures.goals.isEmpty,
            goalWeeks: goalWeeks, hasGoalWeeks: !goalWeeks.isEmpty,
            followUps: followUps(record), ideas: ideas(record), definitions: definitions(record))
    }

    static func phase(_ phase: Programme.Phase) -> ReportPageView.Phase {
        switch phase {
        case .setup: .setup
        case .running: .running
        case .finished: .finished
        }
    }

    // MARK: - The timeline

    static func timelineWeek(_ week: WeekFigures, _ record: ProgrammeRecord) -> ReportPageView.WeekCard {
        let examples = record.state.examples.inWeek(week.key).filter { $0.at <= record.now }
        var credits: [String: Int] = [:]
        for example in examples {
            for id in example.caughtIDs { credits[id, default: 0] += 1 }
        }
        // Most recognised first, then by name: who was recognised, not a ranking (no positions are shown).
        let recognised = credits.map { (name: record.name($0.key), count: $0.value) }
            .sorted { ($1.count, $0.name) < ($0.count, $1.name) }
            .map { ReportPageView.Recognised(name: $0.name, count: $0.count, several: $0.count > 1) }
        // Shout-outs first: "caught doing something right" is what the report-back reads out.
        let ordered = examples.filter { !$0.caughtIDs.isEmpty } + examples.filter { $0.caughtIDs.isEmpty }
        let listed = ordered.prefix(examplesPerWeek).map { example in
            ReportPageView.ExampleLine(
                reporter: record.name(example.reporterID),
                caught: example.caughtIDs.isEmpty ? nil : example.caughtIDs.map(record.name).joined(separator: ", "),
                text: example.text, day: record.calendar.localDate(of: example.at).description)
        }
        return ReportPageView.WeekCard(
            key: week.key, number: week.number, cycle: week.cycle, monday: week.monday.description,
            principle: week.principle, opening: week.opening, examples: week.examples, own: week.ownExamples,
            shoutOuts: week.shoutOuts, contributors: week.contributors, recognised: recognised,
            hasRecognised: !recognised.isEmpty, entries: Array(listed), hasEntries: !listed.isEmpty,
            notListed: ordered.count - listed.count)
    }

    // MARK: - Ratings

    static func ratings(_ record: ProgrammeRecord) -> ReportPageView.RatingsSection? {
        let state = record.state
        let cycle = state.programme.cycle
        guard let before = record.ratings.round(cycle: cycle, .baseline), !before.principles.isEmpty else { return nil }
        let after = record.ratings.round(cycle: cycle, .rerate).flatMap { $0.principles.isEmpty ? nil : $0 }
        // The plan's principles, as the before/after report in the chat lists them; week 0's activity only when
        // somebody rated it anyway. Before a plan, every principle rated.
        var ids = state.programme.plan.isEmpty ? before.principles.map(\.principleID) : state.programme.plan
        ids.removeAll { id in
            id == DefinitionWeek.principleID && before.principle(id) == nil && after?.principle(id) == nil
        }
        let weeks = record.figures.weeks.filter { $0.cycle == cycle }
        let rows = ids.map { id -> ReportPageView.RatingRow in
            let b = before.principle(id)
            let a = after?.principle(id)
            let drew = weeks.filter { $0.principleID == id }
            let change = b?.average.flatMap { old in a?.average.map { RatingAverages.change(from: old, to: $0) } }
            return ReportPageView.RatingRow(
                title: record.title(id), before: b?.average.map(RatingAverages.text), after: a?.average.map(RatingAverages.text),
                change: change, beforeRaters: b?.raters ?? 0, afterRaters: a?.raters ?? 0,
                beforeAgreement: b?.agreement, afterAgreement: a?.agreement,
                examples: drew.reduce(0) { $0 + $1.examples }, shoutOuts: drew.reduce(0) { $0 + $1.shoutOuts },
                weeks: drew.map { .init(key: $0.key, number: $0.number) }, hasWeeks: !drew.isEmpty)
        }
        let averages = ids.map { (before: before.principle($0)?.average, after: after?.principle($0)?.average) }
        let geometry = RatingBarChart(averages: averages)
        let chartRows = zip(rows, geometry.rows).map { row, bars in
            ReportPageView.RatingChartView.Row(
                title: row.title, titleY: bars.titleY, before: bars.before, after: bars.after,
                hidden: bars.before == nil && bars.after == nil)
        }
        let hidden = ids.contains { before.principle($0)?.hidden == true || after?.principle($0)?.hidden == true }
        return ReportPageView.RatingsSection(
            chart: .init(frame: geometry.frame, rows: chartRows), rows: rows, beforeRaters: before.raters,
            afterRaters: after?.raters ?? 0, anyHidden: hidden, hasAfter: after != nil)
    }

    // MARK: - Participation and recognition

    static func participation(_ weeks: [WeekFigures], memberCount: Int) -> ReportPageView.ParticipationSection? {
        guard let first = weeks.first, let last = weeks.last else { return nil }
        let chart = CategoryLineChart(
            categories: weeks.map { String($0.number) }, series: [weeks.map(\.examples), weeks.map(\.contributors)])
        return ReportPageView.ParticipationSection(
            frame: chart.frame, examples: chart.lines[0], contributors: chart.lines[1],
            rows: weeks.map { week in
                ReportPageView.ParticipationRow(
                    number: week.number, principle: week.principle, examples: week.examples, shoutOuts: week.shoutOuts,
                    contributors: week.contributors,
                    share: memberCount == 0 ? 0 : Int((Double(week.contributors) * 100 / Double(memberCount)).rounded()))
            },
            weekCount: weeks.count, first: String(first.number), last: String(last.number),
            most: weeks.map(\.examples).max() ?? 0)
    }

    static func recognition(
        _ weeks: [WeekFigures], _ spread: RecognitionSpread, memberCount: Int
    ) -> ReportPageView.RecognitionSection? {
        guard let last = weeks.last else { return nil }
        let chart = CategoryLineChart(
            categories: weeks.map { String($0.number) }, series: [weeks.map(\.recognised), weeks.map(\.recognisedSoFar)],
            rules: [memberCount])
        return ReportPageView.RecognitionSection(
            frame: chart.frame, thisWeek: chart.lines[0], soFar: chart.lines[1], team: chart.rules[0],
            rows: weeks.map { .init(number: $0.number, thisWeek: $0.recognised, soFar: $0.recognisedSoFar, shoutOuts: $0.shoutOuts) },
            memberCount: memberCount, recognisedSoFar: last.recognisedSoFar,
            neverRecognised: max(0, memberCount - last.recognisedSoFar), givers: spread.giverCount)
    }

    // MARK: - Goals

    static func goal(_ goal: GoalFigures, _ record: ProgrammeRecord) -> ReportPageView.GoalSection {
        let weeks = record.figures.weeks
        let format = Coach.format
        var chart: ReportPageView.GoalChartView?
        if !goal.readings.isEmpty {
            let geometry = GoalChart(
                readings: goal.readings.map { (at: $0.at, value: $0.value, off: $0.offTarget) }, target: goal.target,
                allowance: goal.allowedGap, weekStarts: weeks.map { record.calendar.startOfDay($0.monday) },
                format: format, dateLabel: { record.calendar.localDate(of: $0).description })
            chart = .init(
                frame: geometry.frame, readings: geometry.readings, target: geometry.target, band: geometry.band,
                weeks: zip(geometry.weeks, geometry.markedWeeks).map { mark, index in
                    .init(x: mark.x, labelX: mark.labelX, number: weeks[index].number, principle: weeks[index].principle)
                })
        }
        let actions = record.figures.followUps.items.filter { $0.goalID == goal.id }
        return ReportPageView.GoalSection(
            id: goal.id, kpi: goal.kpi, unit: goal.unit, owner: goal.owner, target: format(goal.target),
            low: format(goal.target - goal.allowedGap), high: format(goal.target + goal.allowedGap),
            hasTolerance: goal.allowedGap > 0, higher: goal.direction == .higherIsBetter,
            lower: goal.direction == .lowerIsBetter, closed: goal.closed, latest: goal.readings.last.map { format($0.value) },
            offTarget: goal.offTarget, readingCount: goal.readings.count,
            offCount: goal.readings.filter(\.offTarget).count, chart: chart,
            readings: goal.readings.map { reading in
                let week = record.week(containing: reading.date)
                return .init(
                    day: reading.date.description, value: format(reading.value), off: reading.offTarget, by: reading.by,
                    note: reading.note, week: week?.number, principle: week?.principle)
            },
            hasReadings: !goal.readings.isEmpty,
            actions: actions.map {
                .init(day: $0.openedOn.description, text: $0.text, followUpID: $0.id, closed: $0.closedOn != nil)
            },
            hasActions: !actions.isEmpty)
    }

    /// The weeks marked on any goal's time axis, in order, once each.
    static func goalWeeks(_ record: ProgrammeRecord) -> [ReportPageView.WeekKey] {
        let weeks = record.figures.weeks
        let starts = weeks.map { record.calendar.startOfDay($0.monday) }
        var marked = Set<Int>()
        for goal in record.figures.goals where !goal.readings.isEmpty {
            let time = TimeScale(spanning: goal.readings.map(\.at))
            marked.formUnion(starts.indices.filter { time.contains(starts[$0]) })
        }
        var seen = Set<String>()
        return marked.sorted().compactMap { index in
            let week = weeks[index]
            guard seen.insert("\(week.number) \(week.principle)").inserted else { return nil }
            return .init(number: week.number, principle: week.principle)
        }
    }

    // MARK: - Follow-ups, ideas, definitions

    static func followUps(_ record: ProgrammeRecord) -> ReportPageView.FollowUpSection {
        let figures = record.figures.followUps
        let goals = Dictionary(record.figures.goals.map { ($0.id, $0.kpi) }, uniquingKeysWith: { first, _ in first })
        func row(_ item: FollowUpItem) -> ReportPageView.FollowUpRow {
            ReportPageView.FollowUpRow(
                id: item.id, text: item.text, owner: item.owner, opened: item.openedOn.description,
                closedOn: item.closedOn?.description, days: item.daysToClose ?? item.daysOpen, resolution: item.resolution,
                kind: item.goalID != nil ? .correctiveAction : item.feedbackID != nil ? .complaint : .followUp,
                goal: item.goalID.flatMap { goals[$0] })
        }
        let open = figures.items.filter { $0.closedOn == nil }.sorted { ($0.openedOn, $0.id) < ($1.openedOn, $1.id) }
        let closed = figures.items.filter { $0.closedOn != nil }
            .sorted { ($1.closedOn!, $1.id) < ($0.closedOn!, $0.id) }
        return ReportPageView.FollowUpSection(
            open: open.map(row), closed: closed.map(row), hasOpen: !open.isEmpty, hasClosed: !closed.isEmpty,
            openCount: figures.open, closedCount: figures.closed, medianDays: figures.medianDaysToClose,
            longestOpenDays: open.map(\.daysOpen).max(), empty: figures.items.isEmpty)
    }

    static func ideas(_ record: ProgrammeRecord) -> ReportPageView.IdeasSection {
        let weekKeys = Dictionary(record.state.ideas.map { ($0.id, $0.weekKey) }, uniquingKeysWith: { first, _ in first })
        let numbers = Dictionary(record.figures.weeks.map { ($0.key, $0.number) }, uniquingKeysWith: { _, last in last })
        func row(_ idea: IdeaFigures) -> ReportPageView.IdeaRow {
            ReportPageView.IdeaRow(
                text: idea.text, author: idea.author, day: idea.date.description,
                week: weekKeys[idea.id].flatMap { $0 }.flatMap { numbers[$0] }, answer: idea.answer?.text)
        }
        let waiting = record.figures.ideasNotAnswered.map(row)
        return .init(
            ideas: record.figures.ideas.map(row), waiting: waiting, hasWaiting: !waiting.isEmpty,
            count: record.figures.ideas.count, unanswered: waiting.count, empty: record.figures.ideas.isEmpty)
    }

    static func definitions(_ record: ProgrammeRecord) -> ReportPageView.DefinitionsSection {
        let answers = record.state.definitions.filter { $0.at <= record.now }
        let agreed = record.state.agreedDefinitions.filter { $0.at <= record.now }
        return .init(
            agreed: agreed.map {
                .init(text: $0.text, cycle: $0.cycle, day: record.calendar.localDate(of: $0.at).description,
                    by: record.name($0.agreedByID))
            },
            hasAgreed: !agreed.isEmpty,
            answers: answers.map { .init(text: $0.text, author: record.name($0.authorID), cycle: $0.givenInCycle) },
            count: answers.count, empty: answers.isEmpty)
    }
}

/// Averages as the chat shows them: one decimal, and a change as the difference of the two values shown.
enum RatingAverages {
    static func text(_ average: Double) -> String { String(format: "%.1f", average) }

    static func change(from before: Double, to after: Double) -> String {
        String(format: "%+.1f", ((after - before) * 10).rounded() / 10)
    }
}
