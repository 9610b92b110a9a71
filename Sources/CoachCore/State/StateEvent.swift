import Foundation

/// One fact the engine decided. The journal stores these; replaying them with `apply` rebuilds the state exactly.
///
/// Events carry the outcome, never the reasoning, so replay needs neither the catalogue, the config nor the clock.
public enum StateEvent: Codable, Sendable, Equatable {
    /// A member spoke or was named. `handle` is the @-name people type for them (a username), where the platform has one.
    case memberSeen(id: String, name: String, handle: String? = nil)
    case memberAway(id: String, until: LocalDate?)
    case ratingRoundOpened(cycle: Int, purpose: RatingRound.Purpose, principles: [String]? = nil)
    /// An admin added principles to the open round, or the team added a principle of its own.
    case ratingWidened(principleIDs: [String])
    /// A member's votes for the principles to work on (replacing their earlier votes; empty withdraws them).
    case voted(memberID: String, principleIDs: [String])
    case rated(memberID: String, scores: [String: Int])
    case teamPrincipleAdded(Principle)
    /// An admin gave a principle the team's own wording for one part; nil restores the catalogue's.
    case principleDetailSet(principleID: String, detail: PrincipleDetail, value: [String]?)
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
    /// An admin agreed the team's definition of customer service.
    case definitionAgreed(AgreedDefinition)
    case jobRecorded(key: String, outcome: JobOutcome)
    case queued(OutboundMessage)
    /// Sent; `platformID` is the platform's id for the new message where it gave one.
    case delivered(id: String, platformID: String?)
    /// Given up on after the platform refused it for good; kept in the journal as the record.
    case dropped(id: String, reason: String)
    case cursorAdvanced(transport: String, cursor: String)
    /// The platform ids of one batch's new messages, recorded once per batch rather than once per message.
    case messagesSeen(ids: [String])
    /// The state's random install id, chosen once when it is first opened.
    case installed(id: String)
    /// A report-back covered every live example up to this id.
    case examplesReported(throughID: Int)
    /// A near-miss command offered to its sender, waiting for "yes".
    case suggestionOffered(memberID: String, suggestion: PendingSuggestion)
    /// The sender took the suggestion, or it lapsed.
    case suggestionSettled(memberID: String)
    /// A compliment or complaint a customer made, as a member logged it.
    case feedbackAdded(Feedback)
    /// A report-back counted every feedback entry up to this id.
    case feedbackReported(throughID: Int)
    /// A training scheduled, or rescheduled (the same id again replaces it, reminders and all).
    case trainingScheduled(Training)
    /// The owner or an admin said whether it happened, and who attended.
    case trainingRecorded(id: Int, outcome: Training.Outcome)
    /// The owner's check-in reminded them of it.
    case trainingReminded(id: Int, at: Date)
    /// The owner's check-in asked whether it happened.
    case trainingAsked(id: Int, at: Date)
    /// A report-back listed these trainings' outcomes.
    case trainingsReported(ids: [Int])
    /// What a report-back covered, for showing it again (`history <week>`).
    case reportBackRecorded(ReportBackRecord)
    /// An admin answered an idea (answering again replaces the answer).
    case ideaAnswered(id: Int, answer: IdeaAnswer)
    /// An admin asked to erase a member (`forget @sam`); it waits for their confirmation.
    case erasureOffered(adminID: String, memberID: String, at: Date)
    /// The admin's erasure was confirmed, or lapsed.
    case erasureSettled(adminID: String)
    /// A member erased (`forget`; see `MemberFootprint`): `formerID` takes the place of their id, `label` of their
    /// names in other people's words, `erasedText` of their own words. Carries the member's id and the wording, never
    /// their words: the erasure is worked out again from the state when the line is replayed. The store is compacted
    /// straight after (see `erasesHistory`), so no earlier line keeps what was erased.
    case memberForgotten(id: String, formerID: String, label: String, erasedText: String)

    /// A member chose their own time zone by its IANA name, or went back to the team's (nil).
    case memberTimeZone(id: String, zone: String?)
    /// A member's check-in ran: sent on the team's clock, or run on their own (sent or not).
    case memberCheckedIn(id: String, at: Date)
    /// What rode on an admin's check-in on their own clock, by the team's job keys (see `Member.ridesHad`).
    case memberHadRides(id: String, jobs: [String])

    /// Whether the journal's earlier lines must go once this event is committed: they hold what it erased. The runtime
    /// compacts right after committing it, and at start-up when it was replayed (a crash came before the compaction).
    public var erasesHistory: Bool {
        if case .memberForgotten = self { return true }
        return false
    }
}

extension CoachState {
    /// The one place state changes. Pure and total: an event about something missing changes nothing.
    public mutating func apply(_ event: StateEvent) {
        switch event {
        case .memberSeen(let id, let name, let handle):
            if members[id] == nil {
                members[id] = Member(id: id, name: name, handle: handle)
            } else {
                members[id]?.name = name
                if let handle { members[id]?.handle = handle }
            }
        case .memberAway(let id, let until):
            members[id]?.awayUntil = until
        case .memberTimeZone(let id, let zone):
            members[id]?.timeZone = zone
        case .memberCheckedIn(let id, let at):
            members[id]?.checkedInAt = at
        case .memberHadRides(let id, let jobs):
            members[id]?.had(jobs)
        case .ratingRoundOpened(let cycle, let purpose, let principles):
            ratingRounds.append(RatingRound(cycle: cycle, purpose: purpose, principleIDs: principles))
        case .ratingWidened(let ids):
            guard !ratingRounds.isEmpty, let asked = ratingRounds[ratingRounds.count - 1].principleIDs else { return }
            ratingRounds[ratingRounds.count - 1].principleIDs = asked + ids.filter { !asked.contains($0) }
        case .voted(let memberID, let ids):
            programme.votes[memberID] = ids.isEmpty ? nil : ids
        case .rated(let memberID, let scores):
            guard !ratingRounds.isEmpty else { return }
            ratingRounds[ratingRounds.count - 1].scores[memberID, default: [:]].merge(scores) { _, new in new }
        case .teamPrincipleAdded(let principle):
            teamPrinciples.append(principle)
        case .principleDetailSet(let id, let detail, let value):
            principleDetails[id, default: [:]][detail] = value
            if principleDetails[id]?.isEmpty == true { principleDetails[id] = nil }
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
            programme.votes = [:]
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
        case .definitionAgreed(let agreed):
            agreedDefinitions.append(agreed)
        case .jobRecorded(let key, let outcome):
            jobs[key] = outcome
            if outcome != .skipped { reportReplayed(job: key) }
        case .queued(let message):
            outbox.append(message)
            nextOutboxNumber += 1
        case .delivered(let id, let platformID):
            outbox.removeAll { $0.id == id }
            if let platformID, let i = weeks.lastIndex(where: { $0.announcementOutboxID == id }) {
                weeks[i].announcementPlatformID = platformID
            }
            threadFollowers(of: id, under: platformID)
        case .dropped(let id, _):
            outbox.removeAll { $0.id == id }
            threadFollowers(of: id, under: nil)
        case .cursorAdvanced(let transport, let cursor):
            cursors[transport] = cursor
        case .messagesSeen(let ids):
            for id in ids { recentMessageIDs.insert(id) }
        case .installed(let id):
            if installID == nil { installID = id }
        case .examplesReported(let throughID):
            reportedThroughExampleID = max(reportedThroughExampleID, throughID)
        case .suggestionOffered(let memberID, let suggestion):
            pendingSuggestions[memberID] = suggestion
        case .suggestionSettled(let memberID):
            pendingSuggestions[memberID] = nil
        case .feedbackAdded(let entry):
            feedback.append(entry)
        case .feedbackReported(let throughID):
            reportedThroughFeedbackID = max(reportedThroughFeedbackID, throughID)
        case .trainingScheduled(let training):
            if let i = trainings.firstIndex(where: { $0.id == training.id }) {
                trainings[i] = training
            } else {
                trainings.append(training)
            }
        case .trainingRecorded(let id, let outcome):
            mutateTraining(id) { $0.outcome = outcome }
        case .trainingReminded(let id, let at):
            mutateTraining(id) { $0.remindedAt = at }
        case .trainingAsked(let id, let at):
            mutateTraining(id) { $0.askedAt = at }
        case .trainingsReported(let ids):
            for id in ids { mutateTraining(id) { $0.reported = true } }
        case .reportBackRecorded(let record):
            reportBacks.append(record)
        case .ideaAnswered(let id, let answer):
            if let i = ideas.firstIndex(where: { $0.id == id }) { ideas[i].answer = answer }
        case .erasureOffered(let adminID, let memberID, let at):
            pendingErasures[adminID] = PendingErasure(memberID: memberID, at: at)
        case .erasureSettled(let adminID):
            pendingErasures[adminID] = nil
        case .memberForgotten(let id, let formerID, let label, let erasedText):
            forget(id, as: formerID, label: label, erasedText: erasedText)
        }
    }

    private mutating func mutateTraining(_ id: Int, _ change: (inout Training) -> Void) {
        guard let i = trainings.firstIndex(where: { $0.id == id }) else { return }
        change(&trainings[i])
    }

    /// Messages queued to go in the thread of `root` learn where that is once it is sent: its thread, or the channel
    /// when it has no platform id (no threads) or was dropped.
    private mutating func threadFollowers(of root: String, under platformID: String?) {
        for i in outbox.indices where outbox[i].threadUnder == root {
            outbox[i].destination = platformID.map { .thread(rootID: $0) } ?? .channel
            outbox[i].threadUnder = nil
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

// MARK: - Journal format

/// Each event is one flat JSON object with a `type`, e.g. `{"type":"delivered","id":"o7","platformID":"p9"}`, or
/// `{"type":"queued","value":{...}}` for events that carry a record. Written by hand: the synthesized form nests
/// two or three containers per event, and encoding events was the largest share of recording a message.
///
/// The codec is exhaustive: `kind`, `encode` and `init(from:)` each switch over every case with no `default`, so an
/// event added without its coding does not compile, and `StateEventCodingTests` round-trips a sample of every kind.
extension StateEvent {
    /// Every kind of event, named as the journal writes it.
    ///
    /// Adding a kind: add its case here and its coding below, and raise `CoachState.schemaVersion`, so that an older
    /// build meeting the new lines refuses them as written by a newer ServiceCoach instead of calling them damaged.
    public enum Kind: String, CaseIterable, Sendable {
        case memberSeen
        case memberAway
        case ratingRoundOpened
        case ratingWidened
        case voted
        case rated
        case teamPrincipleAdded
        case principleDetailSet
        case planChanged
        case programmeStarted
        case pausedChanged
        case weekSkipped
        case weekOpened
        case announcementQueued
        case weekWithdrawn
        case programmeFinished
        case cycleStarted
        case exampleAdded
        case exampleEdited
        case exampleDeleted
        case goalAdded
        case goalUpdated
        case goalActionRecorded
        case goalNudged
        case goalClosed
        case followUpOpened
        case followUpFixed
        case followUpNudged
        case ideaAdded
        case definitionAdded
        case definitionAgreed
        case jobRecorded
        case queued
        case delivered
        case dropped
        case cursorAdvanced
        case messagesSeen
        case installed
        case examplesReported
        case suggestionOffered
        case suggestionSettled
        case feedbackAdded
        case feedbackReported
        case trainingScheduled
        case trainingRecorded
        case trainingReminded
        case trainingAsked
        case trainingsReported
        case reportBackRecorded
        case ideaAnswered
        case erasureOffered
        case erasureSettled
        case memberForgotten
        case memberTimeZone
        case memberCheckedIn
        case memberHadRides
    }

    public var kind: Kind {
        switch self {
        case .memberSeen: .memberSeen
        case .memberAway: .memberAway
        case .ratingRoundOpened: .ratingRoundOpened
        case .ratingWidened: .ratingWidened
        case .voted: .voted
        case .rated: .rated
        case .teamPrincipleAdded: .teamPrincipleAdded
        case .principleDetailSet: .principleDetailSet
        case .planChanged: .planChanged
        case .programmeStarted: .programmeStarted
        case .pausedChanged: .pausedChanged
        case .weekSkipped: .weekSkipped
        case .weekOpened: .weekOpened
        case .announcementQueued: .announcementQueued
        case .weekWithdrawn: .weekWithdrawn
        case .programmeFinished: .programmeFinished
        case .cycleStarted: .cycleStarted
        case .exampleAdded: .exampleAdded
        case .exampleEdited: .exampleEdited
        case .exampleDeleted: .exampleDeleted
        case .goalAdded: .goalAdded
        case .goalUpdated: .goalUpdated
        case .goalActionRecorded: .goalActionRecorded
        case .goalNudged: .goalNudged
        case .goalClosed: .goalClosed
        case .followUpOpened: .followUpOpened
        case .followUpFixed: .followUpFixed
        case .followUpNudged: .followUpNudged
        case .ideaAdded: .ideaAdded
        case .definitionAdded: .definitionAdded
        case .definitionAgreed: .definitionAgreed
        case .jobRecorded: .jobRecorded
        case .queued: .queued
        case .delivered: .delivered
        case .dropped: .dropped
        case .cursorAdvanced: .cursorAdvanced
        case .messagesSeen: .messagesSeen
        case .installed: .installed
        case .examplesReported: .examplesReported
        case .suggestionOffered: .suggestionOffered
        case .suggestionSettled: .suggestionSettled
        case .feedbackAdded: .feedbackAdded
        case .feedbackReported: .feedbackReported
        case .trainingScheduled: .trainingScheduled
        case .trainingRecorded: .trainingRecorded
        case .trainingReminded: .trainingReminded
        case .trainingAsked: .trainingAsked
        case .trainingsReported: .trainingsReported
        case .reportBackRecorded: .reportBackRecorded
        case .ideaAnswered: .ideaAnswered
        case .erasureOffered: .erasureOffered
        case .erasureSettled: .erasureSettled
        case .memberForgotten: .memberForgotten
        case .memberTimeZone: .memberTimeZone
        case .memberCheckedIn: .memberCheckedIn
        case .memberHadRides: .memberHadRides
        }
    }

    enum Key: String, CodingKey {
        case type, value, id, name, principles, detail, handle, until, cycle, purpose, memberID, scores, plan, accepted, startDate, at, paused, key, weekKey, outboxID, monday, text, update, action, resolution, outcome, platformID, reason, transport, cursor, ids
        case adminID, formerID, label, erasedText, zone, jobs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: type) else {
            // A newer ServiceCoach marks its lines with a newer schema, which the store reports before decoding
            // events; a kind this build does not know on a line of a schema it reads is damage, not news.
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown event type \"\(type)\"")
        }
        switch kind {
        case .memberSeen:
            self = .memberSeen(
                id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
                handle: try c.decodeIfPresent(String.self, forKey: .handle))
        case .memberAway:
            self = .memberAway(
                id: try c.decode(String.self, forKey: .id), until: try c.decodeIfPresent(LocalDate.self, forKey: .until))
        case .ratingRoundOpened:
            self = .ratingRoundOpened(
                cycle: try c.decode(Int.self, forKey: .cycle), purpose: try c.decode(RatingRound.Purpose.self, forKey: .purpose),
                principles: try c.decodeIfPresent([String].self, forKey: .principles))
        case .ratingWidened:
            self = .ratingWidened(principleIDs: try c.decode([String].self, forKey: .principles))
        case .voted:
            self = .voted(
                memberID: try c.decode(String.self, forKey: .memberID), principleIDs: try c.decode([String].self, forKey: .principles))
        case .rated:
            self = .rated(
                memberID: try c.decode(String.self, forKey: .memberID), scores: try c.decode([String: Int].self, forKey: .scores))
        case .teamPrincipleAdded: self = .teamPrincipleAdded(try c.decode(Principle.self, forKey: .value))
        case .principleDetailSet:
            self = .principleDetailSet(
                principleID: try c.decode(String.self, forKey: .id), detail: try c.decode(PrincipleDetail.self, forKey: .detail),
                value: try c.decodeIfPresent([String].self, forKey: .value))
        case .planChanged:
            self = .planChanged(
                plan: try c.decode([String].self, forKey: .plan), accepted: try c.decode(Bool.self, forKey: .accepted))
        case .programmeStarted:
            self = .programmeStarted(
                startDate: try c.decode(LocalDate.self, forKey: .startDate), at: try c.decode(Date.self, forKey: .at))
        case .pausedChanged:
            self = .pausedChanged(
                paused: try c.decode(Bool.self, forKey: .paused), at: try c.decode(Date.self, forKey: .at))
        case .weekSkipped:
            self = .weekSkipped(
                key: try c.decode(String.self, forKey: .key))
        case .weekOpened: self = .weekOpened(try c.decode(ProgrammeWeek.self, forKey: .value))
        case .announcementQueued:
            self = .announcementQueued(
                weekKey: try c.decode(String.self, forKey: .weekKey), outboxID: try c.decode(String.self, forKey: .outboxID))
        case .weekWithdrawn:
            self = .weekWithdrawn(
                key: try c.decode(String.self, forKey: .key))
        case .programmeFinished:
            self = .programmeFinished(
                monday: try c.decode(LocalDate.self, forKey: .monday))
        case .cycleStarted:
            self = .cycleStarted(
                cycle: try c.decode(Int.self, forKey: .cycle))
        case .exampleAdded: self = .exampleAdded(try c.decode(Example.self, forKey: .value))
        case .exampleEdited:
            self = .exampleEdited(
                id: try c.decode(Int.self, forKey: .id), text: try c.decode(String.self, forKey: .text))
        case .exampleDeleted:
            self = .exampleDeleted(
                id: try c.decode(Int.self, forKey: .id))
        case .goalAdded: self = .goalAdded(try c.decode(Goal.self, forKey: .value))
        case .goalUpdated:
            self = .goalUpdated(
                id: try c.decode(Int.self, forKey: .id), update: try c.decode(Goal.Update.self, forKey: .update))
        case .goalActionRecorded:
            self = .goalActionRecorded(
                id: try c.decode(Int.self, forKey: .id), action: try c.decode(Goal.Action.self, forKey: .action))
        case .goalNudged:
            self = .goalNudged(
                id: try c.decode(Int.self, forKey: .id), at: try c.decode(Date.self, forKey: .at))
        case .goalClosed:
            self = .goalClosed(
                id: try c.decode(Int.self, forKey: .id))
        case .followUpOpened: self = .followUpOpened(try c.decode(FollowUp.self, forKey: .value))
        case .followUpFixed:
            self = .followUpFixed(
                id: try c.decode(Int.self, forKey: .id), resolution: try c.decode(String.self, forKey: .resolution), at: try c.decode(Date.self, forKey: .at))
        case .followUpNudged:
            self = .followUpNudged(
                id: try c.decode(Int.self, forKey: .id), at: try c.decode(Date.self, forKey: .at))
        case .ideaAdded: self = .ideaAdded(try c.decode(Idea.self, forKey: .value))
        case .definitionAdded: self = .definitionAdded(try c.decode(Definition.self, forKey: .value))
        case .definitionAgreed: self = .definitionAgreed(try c.decode(AgreedDefinition.self, forKey: .value))
        case .jobRecorded:
            self = .jobRecorded(
                key: try c.decode(String.self, forKey: .key), outcome: try c.decode(JobOutcome.self, forKey: .outcome))
        case .queued: self = .queued(try c.decode(OutboundMessage.self, forKey: .value))
        case .delivered:
            self = .delivered(
                id: try c.decode(String.self, forKey: .id), platformID: try c.decodeIfPresent(String.self, forKey: .platformID))
        case .dropped:
            self = .dropped(
                id: try c.decode(String.self, forKey: .id), reason: try c.decode(String.self, forKey: .reason))
        case .cursorAdvanced:
            self = .cursorAdvanced(
                transport: try c.decode(String.self, forKey: .transport), cursor: try c.decode(String.self, forKey: .cursor))
        case .messagesSeen:
            self = .messagesSeen(
                ids: try c.decode([String].self, forKey: .ids))
        case .installed:
            self = .installed(id: try c.decode(String.self, forKey: .id))
        case .examplesReported:
            self = .examplesReported(throughID: try c.decode(Int.self, forKey: .id))
        case .suggestionOffered:
            self = .suggestionOffered(
                memberID: try c.decode(String.self, forKey: .memberID), suggestion: try c.decode(PendingSuggestion.self, forKey: .value))
        case .suggestionSettled:
            self = .suggestionSettled(memberID: try c.decode(String.self, forKey: .memberID))
        case .feedbackAdded: self = .feedbackAdded(try c.decode(Feedback.self, forKey: .value))
        case .feedbackReported: self = .feedbackReported(throughID: try c.decode(Int.self, forKey: .id))
        case .trainingScheduled: self = .trainingScheduled(try c.decode(Training.self, forKey: .value))
        case .trainingRecorded:
            self = .trainingRecorded(
                id: try c.decode(Int.self, forKey: .id), outcome: try c.decode(Training.Outcome.self, forKey: .outcome))
        case .trainingReminded:
            self = .trainingReminded(id: try c.decode(Int.self, forKey: .id), at: try c.decode(Date.self, forKey: .at))
        case .trainingAsked:
            self = .trainingAsked(id: try c.decode(Int.self, forKey: .id), at: try c.decode(Date.self, forKey: .at))
        case .trainingsReported: self = .trainingsReported(ids: try c.decode([Int].self, forKey: .ids))
        case .reportBackRecorded: self = .reportBackRecorded(try c.decode(ReportBackRecord.self, forKey: .value))
        case .ideaAnswered:
            self = .ideaAnswered(id: try c.decode(Int.self, forKey: .id), answer: try c.decode(IdeaAnswer.self, forKey: .value))
        case .erasureOffered:
            self = .erasureOffered(
                adminID: try c.decode(String.self, forKey: .adminID), memberID: try c.decode(String.self, forKey: .memberID),
                at: try c.decode(Date.self, forKey: .at))
        case .erasureSettled:
            self = .erasureSettled(adminID: try c.decode(String.self, forKey: .adminID))
        case .memberForgotten:
            self = .memberForgotten(
                id: try c.decode(String.self, forKey: .id), formerID: try c.decode(String.self, forKey: .formerID),
                label: try c.decode(String.self, forKey: .label), erasedText: try c.decode(String.self, forKey: .erasedText))
        case .memberTimeZone:
            self = .memberTimeZone(id: try c.decode(String.self, forKey: .id), zone: try c.decodeIfPresent(String.self, forKey: .zone))
        case .memberCheckedIn:
            self = .memberCheckedIn(id: try c.decode(String.self, forKey: .id), at: try c.decode(Date.self, forKey: .at))
        case .memberHadRides:
            self = .memberHadRides(id: try c.decode(String.self, forKey: .id), jobs: try c.decode([String].self, forKey: .jobs))
        }
        // Before `apply` counts on from an id: a hand-edited Int.max is damage at this line, not a trap.
        try checkNumbers(StateCheck(decoder.codingPath))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind.rawValue, forKey: .type)
        switch self {
        case .memberSeen(let id, let name, let handle):
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encodeIfPresent(handle, forKey: .handle)
        case .memberAway(let id, let until):
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(until, forKey: .until)
        case .ratingRoundOpened(let cycle, let purpose, let principles):
            try c.encode(cycle, forKey: .cycle)
            try c.encode(purpose, forKey: .purpose)
            try c.encodeIfPresent(principles, forKey: .principles)
        case .ratingWidened(let ids):
            try c.encode(ids, forKey: .principles)
        case .voted(let memberID, let ids):
            try c.encode(memberID, forKey: .memberID)
            try c.encode(ids, forKey: .principles)
        case .rated(let memberID, let scores):
            try c.encode(memberID, forKey: .memberID)
            try c.encode(scores, forKey: .scores)
        case .teamPrincipleAdded(let value):
            try c.encode(value, forKey: .value)
        case .principleDetailSet(let id, let detail, let value):
            try c.encode(id, forKey: .id)
            try c.encode(detail, forKey: .detail)
            try c.encodeIfPresent(value, forKey: .value)
        case .planChanged(let plan, let accepted):
            try c.encode(plan, forKey: .plan)
            try c.encode(accepted, forKey: .accepted)
        case .programmeStarted(let startDate, let at):
            try c.encode(startDate, forKey: .startDate)
            try c.encode(at, forKey: .at)
        case .pausedChanged(let paused, let at):
            try c.encode(paused, forKey: .paused)
            try c.encode(at, forKey: .at)
        case .weekSkipped(let key):
            try c.encode(key, forKey: .key)
        case .weekOpened(let value):
            try c.encode(value, forKey: .value)
        case .announcementQueued(let weekKey, let outboxID):
            try c.encode(weekKey, forKey: .weekKey)
            try c.encode(outboxID, forKey: .outboxID)
        case .weekWithdrawn(let key):
            try c.encode(key, forKey: .key)
        case .programmeFinished(let monday):
            try c.encode(monday, forKey: .monday)
        case .cycleStarted(let cycle):
            try c.encode(cycle, forKey: .cycle)
        case .exampleAdded(let value):
            try c.encode(value, forKey: .value)
        case .exampleEdited(let id, let text):
            try c.encode(id, forKey: .id)
            try c.encode(text, forKey: .text)
        case .exampleDeleted(let id):
            try c.encode(id, forKey: .id)
        case .goalAdded(let value):
            try c.encode(value, forKey: .value)
        case .goalUpdated(let id, let update):
            try c.encode(id, forKey: .id)
            try c.encode(update, forKey: .update)
        case .goalActionRecorded(let id, let action):
            try c.encode(id, forKey: .id)
            try c.encode(action, forKey: .action)
        case .goalNudged(let id, let at):
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
        case .goalClosed(let id):
            try c.encode(id, forKey: .id)
        case .followUpOpened(let value):
            try c.encode(value, forKey: .value)
        case .followUpFixed(let id, let resolution, let at):
            try c.encode(id, forKey: .id)
            try c.encode(resolution, forKey: .resolution)
            try c.encode(at, forKey: .at)
        case .followUpNudged(let id, let at):
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
        case .ideaAdded(let value):
            try c.encode(value, forKey: .value)
        case .definitionAdded(let value):
            try c.encode(value, forKey: .value)
        case .definitionAgreed(let value):
            try c.encode(value, forKey: .value)
        case .jobRecorded(let key, let outcome):
            try c.encode(key, forKey: .key)
            try c.encode(outcome, forKey: .outcome)
        case .queued(let value):
            try c.encode(value, forKey: .value)
        case .delivered(let id, let platformID):
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(platformID, forKey: .platformID)
        case .dropped(let id, let reason):
            try c.encode(id, forKey: .id)
            try c.encode(reason, forKey: .reason)
        case .cursorAdvanced(let transport, let cursor):
            try c.encode(transport, forKey: .transport)
            try c.encode(cursor, forKey: .cursor)
        case .messagesSeen(let ids):
            try c.encode(ids, forKey: .ids)
        case .installed(let id):
            try c.encode(id, forKey: .id)
        case .examplesReported(let throughID):
            try c.encode(throughID, forKey: .id)
        case .suggestionOffered(let memberID, let suggestion):
            try c.encode(memberID, forKey: .memberID)
            try c.encode(suggestion, forKey: .value)
        case .suggestionSettled(let memberID):
            try c.encode(memberID, forKey: .memberID)
        case .feedbackAdded(let value):
            try c.encode(value, forKey: .value)
        case .feedbackReported(let throughID):
            try c.encode(throughID, forKey: .id)
        case .trainingScheduled(let value):
            try c.encode(value, forKey: .value)
        case .trainingRecorded(let id, let outcome):
            try c.encode(id, forKey: .id)
            try c.encode(outcome, forKey: .outcome)
        case .trainingReminded(let id, let at):
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
        case .trainingAsked(let id, let at):
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
        case .trainingsReported(let ids):
            try c.encode(ids, forKey: .ids)
        case .reportBackRecorded(let value):
            try c.encode(value, forKey: .value)
        case .ideaAnswered(let id, let answer):
            try c.encode(id, forKey: .id)
            try c.encode(answer, forKey: .value)
        case .erasureOffered(let adminID, let memberID, let at):
            try c.encode(adminID, forKey: .adminID)
            try c.encode(memberID, forKey: .memberID)
            try c.encode(at, forKey: .at)
        case .erasureSettled(let adminID):
            try c.encode(adminID, forKey: .adminID)
        case .memberForgotten(let id, let formerID, let label, let erasedText):
            try c.encode(id, forKey: .id)
            try c.encode(formerID, forKey: .formerID)
            try c.encode(label, forKey: .label)
            try c.encode(erasedText, forKey: .erasedText)
        case .memberTimeZone(let id, let zone):
            try c.encode(id, forKey: .id)
            try c.encodeIfPresent(zone, forKey: .zone)
        case .memberCheckedIn(let id, let at):
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
        case .memberHadRides(let id, let jobs):
            try c.encode(id, forKey: .id)
            try c.encode(jobs, forKey: .jobs)
        }
    }
}
