import Foundation

/// One fact the engine decided. The journal stores these; replaying them with `apply` rebuilds the state exactly.
///
/// Events carry the outcome, never the reasoning, so replay needs neither the catalogue, the config nor the clock.
public enum StateEvent: Codable, Sendable, Equatable {
    case memberSeen(id: String, name: String)
    case memberAway(id: String, until: LocalDate?)
    case ratingRoundOpened(cycle: Int, purpose: RatingRound.Purpose)
    case rated(memberID: String, scores: [String: Int])
    case teamPrincipleAdded(Principle)
    case planChanged(plan: [String], accepted: Bool)
    case programmeStarted(startDate: LocalDate, at: Date)
    case pausedChanged(paused: Bool, at: Date)
    case weekSkipped(key: String)
    case weekOpened(ProgrammeWeek)
    case announcementQueued(weekKey: String, outboxID: String)
    /// A skipped week that had already opened gives its principle back to the plan.
    case weekWithdrawn(key: String)
    /// Every planned principle has had its week; `monday` starts the re-rating week.
    case programmeFinished(monday: LocalDate)
    case cycleStarted(cycle: Int)
    case exampleAdded(Example)
    case exampleEdited(id: Int, text: String)
    case exampleDeleted(id: Int)
    case goalAdded(Goal)
    case goalUpdated(id: Int, update: Goal.Update)
    case goalActionRecorded(id: Int, action: Goal.Action)
    case goalNudged(id: Int, at: Date)
    case goalClosed(id: Int)
    case followUpOpened(FollowUp)
    case followUpFixed(id: Int, resolution: String, at: Date)
    case followUpNudged(id: Int, at: Date)
    case ideaAdded(Idea)
    case definitionAdded(Definition)
    case jobRecorded(key: String, outcome: JobOutcome)
    case queued(OutboundMessage)
    /// Sent; `platformID` is the platform's id for the new message where it gave one.
    case delivered(id: String, platformID: String?)
    /// Given up on after the platform refused it for good; kept in the journal as the record.
    case dropped(id: String, reason: String)
    case cursorAdvanced(transport: String, cursor: String)
    case messageSeen(id: String)
}

extension CoachState {
    /// The one place state changes. Pure and total: an event about something missing changes nothing.
    public mutating func apply(_ event: StateEvent) {
        switch event {
        case .memberSeen(let id, let name):
            if members[id] == nil {
                members[id] = Member(id: id, name: name)
            } else {
                members[id]?.name = name
            }
        case .memberAway(let id, let until):
            members[id]?.awayUntil = until
        case .ratingRoundOpened(let cycle, let purpose):
            ratingRounds.append(RatingRound(cycle: cycle, purpose: purpose))
        case .rated(let memberID, let scores):
            guard !ratingRounds.isEmpty else { return }
            ratingRounds[ratingRounds.count - 1].scores[memberID, default: [:]].merge(scores) { _, new in new }
        case .teamPrincipleAdded(let principle):
            teamPrinciples.append(principle)
        case .planChanged(let plan, let accepted):
            programme.plan = plan
            programme.planAccepted = accepted
        case .programmeStarted(let startDate, let at):
            programme.startDate = startDate
            programme.phase = .running
            programme.paused = false
            programme.liveSince = at
        case .pausedChanged(let paused, let at):
            programme.paused = paused
            if !paused { programme.liveSince = at }
        case .weekSkipped(let key):
            if !programme.skippedWeeks.contains(key) { programme.skippedWeeks.append(key) }
        case .weekOpened(let week):
            weeks.append(week)
        case .announcementQueued(let key, let outboxID):
            if let i = weeks.lastIndex(where: { $0.key == key }) { weeks[i].announcementOutboxID = outboxID }
        case .weekWithdrawn(let key):
            weeks.removeAll { $0.key == key && $0.cycle == programme.cycle }
        case .programmeFinished(let monday):
            programme.phase = .finished
            programme.finishedOn = monday
        case .cycleStarted(let cycle):
            programme.cycle = cycle
            programme.phase = .setup
            programme.plan = []
            programme.planAccepted = false
            programme.startDate = nil
            programme.finishedOn = nil
            programme.paused = false
            programme.skippedWeeks = []
        case .exampleAdded(let example):
            examples.append(example)
        case .exampleEdited(let id, let text):
            examples.update(id: id) { $0.text = text }
        case .exampleDeleted(let id):
            // The words go; the tombstone keeps ids stable for everyone else's edit and delete commands.
            examples.update(id: id) {
                $0.deleted = true
                $0.text = ""
            }
        case .goalAdded(let goal):
            goals.append(goal)
        case .goalUpdated(let id, let update):
            mutateGoal(id) { $0.history.append(update) }
        case .goalActionRecorded(let id, let action):
            mutateGoal(id) { $0.actions.append(action) }
        case .goalNudged(let id, let at):
            mutateGoal(id) { $0.lastNudgedAt = at }
        case .goalClosed(let id):
            mutateGoal(id) { $0.closed = true }
        case .followUpOpened(let followUp):
            followUps.append(followUp)
        case .followUpFixed(let id, let resolution, let at):
            mutateFollowUp(id) {
                $0.fixedAt = at
                $0.resolution = resolution
            }
        case .followUpNudged(let id, let at):
            mutateFollowUp(id) { $0.lastNudgedAt = at }
        case .ideaAdded(let idea):
            ideas.append(idea)
        case .definitionAdded(let definition):
            definitions.append(definition)
        case .jobRecorded(let key, let outcome):
            jobs[key] = outcome
        case .queued(let message):
            outbox.append(message)
            nextOutboxNumber += 1
        case .delivered(let id, let platformID):
            outbox.removeAll { $0.id == id }
            if let platformID, let i = weeks.lastIndex(where: { $0.announcementOutboxID == id }) {
                weeks[i].announcementPlatformID = platformID
            }
        case .dropped(let id, _):
            outbox.removeAll { $0.id == id }
        case .cursorAdvanced(let transport, let cursor):
            cursors[transport] = cursor
        case .messageSeen(let id):
            recentMessageIDs.insert(id)
        }
    }

    private mutating func mutateGoal(_ id: Int, _ change: (inout Goal) -> Void) {
        guard let i = goals.firstIndex(where: { $0.id == id }) else { return }
        change(&goals[i])
    }

    private mutating func mutateFollowUp(_ id: Int, _ change: (inout FollowUp) -> Void) {
        guard let i = followUps.firstIndex(where: { $0.id == id }) else { return }
        change(&followUps[i])
    }
}
