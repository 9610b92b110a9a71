import Foundation

/// The ranges the numbers in a state file must lie in. The bot adds to what it reads (the next id is the largest
/// plus one, a queued message takes the next outbox number), so a hand-edited `9223372036854775807` would trap on
/// the first addition; it is refused while decoding instead, which makes the store report the file, the line and
/// the place as damage and stop without touching anything.
public enum StateBounds {
    /// Ids, counts, watermarks, cycles and the outbox number: 0 to 2^53, the largest integer every JSON reader (a
    /// JavaScript tool, jq, a double) holds exactly, as the store's own sequence numbers. The bot counts up from 1,
    /// by one per message or command, so it never comes near: a larger number was written by hand. Sums of many of
    /// them (the report-back adding up a week) stay far from `Int.max`.
    public static let numbers = 0...(1 << 53)
    /// A self-rating is 1, 3 or 5 (older states may hold the values between). Scores are summed, so an absurd one
    /// would overflow the team's average.
    public static let scores = 1...5
    /// Dates stored as seconds since 1970 (an example's time, a queued message's): what the ISO 8601 dates
    /// elsewhere in the state can hold, 0001-01-01 to 9999-12-31. Further out, converting a span of days to an
    /// integer could trap.
    public static let dates = Date(timeIntervalSince1970: -62_135_596_800)...Date(timeIntervalSince1970: 253_402_300_799)
}

/// A place in a decoded state file or journal event, for refusing a value out of range with the coding path the
/// store turns into a line and column.
struct StateCheck {
    var path: [any CodingKey]

    init(_ path: [any CodingKey]) {
        self.path = path
    }

    func at(_ key: String) -> StateCheck { StateCheck(path + [PathKey(key)]) }
    func at(_ index: Int) -> StateCheck { StateCheck(path + [PathKey(index)]) }

    func number(_ value: Int, at key: String) throws { try at(key).number(value) }
    func number(_ value: Int?, at key: String) throws { if let value { try at(key).number(value) } }
    func number(_ value: Int, at index: Int) throws { try at(index).number(value) }

    func number(_ value: Int) throws {
        guard StateBounds.numbers.contains(value) else {
            throw refusal("\(value) is out of range: ids, counts and sequence numbers lie between 0 and "
                + "\(StateBounds.numbers.upperBound) (2^53), and the bot never writes a larger one")
        }
    }

    func score(_ value: Int, at key: String) throws {
        guard StateBounds.scores.contains(value) else {
            throw at(key).refusal("the score \(value) is out of range: a rating is 1, 3 or 5")
        }
    }

    func date(_ value: Date, at index: Int) throws { try at(index).date(value) }
    func date(_ value: Date, at key: String) throws { try at(key).date(value) }

    func date(_ value: Date) throws {
        guard StateBounds.dates.contains(value) else {
            throw refusal("\(value.timeIntervalSince1970) seconds since 1970 is out of range: dates lie between the "
                + "years 1 and 9999")
        }
    }

    func refusal(_ reason: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: reason))
    }
}

/// A coding path step made up after decoding, naming a key as the file spells it or an index in an array.
struct PathKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ key: String) {
        stringValue = key
        intValue = nil
    }

    init(_ index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

// MARK: - What each record holds

// Each check names the keys as the record's coding writes them, so the path leads to the place in the file.

extension Example {
    /// Positional: `[id, text, reporterID, at, …]`.
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(id, at: 0)
        try check.date(at, at: 3)
    }
}

extension ExampleLog {
    func checkNumbers(_ check: StateCheck) throws {
        for (i, example) in all.enumerated() { try example.checkNumbers(check.at("all").at(i)) }
    }
}

extension RatingRound {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(cycle, at: "cycle")
        for (member, scores) in scores {
            for (principle, score) in scores { try check.at("scores").at(member).score(score, at: principle) }
        }
    }
}

extension ProgrammeWeek {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(cycle, at: "cycle")
        try check.number(index, at: "index")
    }
}

extension Goal {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(id, at: "id")
        for (i, action) in actions.enumerated() { try action.checkNumbers(check.at("actions").at(i)) }
    }
}

extension Goal.Action {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(followUpID, at: "followUpID")
    }
}

extension FollowUp {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(id, at: "id")
        try check.number(goalID, at: "goalID")
        try check.number(feedbackID, at: "feedbackID")
    }
}

extension Feedback {
    func checkNumbers(_ check: StateCheck) throws { try check.number(id, at: "id") }
}

extension Training {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(id, at: "id")
        try check.number(cycle, at: "cycle")
    }
}

extension Idea {
    func checkNumbers(_ check: StateCheck) throws { try check.number(id, at: "id") }
}

extension ReportBackRecord {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(cycle, at: "cycle")
        try check.number(afterExampleID, at: "afterExampleID")
        try check.number(throughExampleID, at: "throughExampleID")
        try check.number(afterFeedbackID, at: "afterFeedbackID")
        try check.number(throughFeedbackID, at: "throughFeedbackID")
        for (i, id) in trainingIDs.enumerated() { try check.at("trainingIDs").number(id, at: i) }
        for (i, id) in goalIDs.enumerated() { try check.at("goalIDs").number(id, at: i) }
    }
}

extension Definition {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(id, at: "id")
        try check.number(cycle, at: "cycle")
    }
}

extension AgreedDefinition {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(cycle, at: "cycle")
        for (i, id) in fromIDs.enumerated() { try check.at("fromIDs").number(id, at: i) }
    }
}

extension OutboundMessage {
    func checkNumbers(_ check: StateCheck) throws { try check.date(createdAt, at: "createdAt") }
}

extension Member {
    /// A member's own time zone must be one this machine knows: a check-in is worked out in it, and a name nobody
    /// can look up (a hand edit, a typo) would leave the member with no day to be nudged on.
    func checkNumbers(_ check: StateCheck) throws {
        if let timeZone { try check.at("timeZone").timeZone(timeZone) }
        if let checkedInAt { try check.date(checkedInAt, at: "checkedInAt") }
    }
}

extension StateCheck {
    func timeZone(_ name: String) throws {
        guard TimeZoneNames.zone(name) == nil else { return }
        throw refusal("\"\(name)\" is not a time zone this machine knows: write an IANA name such as Europe/Berlin "
            + "or America/New_York, or remove the field so the member follows the team's time zone")
    }
}

extension CoachState {
    /// Refuses the first number or date out of `StateBounds`, or a member's time zone nobody can look up, naming
    /// where it is. Examples are checked as their log decodes, before it counts on from their ids.
    func checkNumbers(_ check: StateCheck) throws {
        for (id, member) in members.sorted(by: { $0.key < $1.key }) { try member.checkNumbers(check.at("members").at(id)) }
        try check.number(reportedThroughExampleID, at: "reportedThroughExampleID")
        try check.number(reportedThroughFeedbackID, at: "reportedThroughFeedbackID")
        try check.number(nextOutboxNumber, at: "nextOutboxNumber")
        try check.at("programme").number(programme.cycle, at: "cycle")
        for (i, round) in ratingRounds.enumerated() { try round.checkNumbers(check.at("ratingRounds").at(i)) }
        for (i, week) in weeks.enumerated() { try week.checkNumbers(check.at("weeks").at(i)) }
        for (i, goal) in goals.enumerated() { try goal.checkNumbers(check.at("goals").at(i)) }
        for (i, item) in followUps.enumerated() { try item.checkNumbers(check.at("followUps").at(i)) }
        for (i, idea) in ideas.enumerated() { try idea.checkNumbers(check.at("ideas").at(i)) }
        for (i, definition) in definitions.enumerated() { try definition.checkNumbers(check.at("definitions").at(i)) }
        for (i, agreed) in agreedDefinitions.enumerated() { try agreed.checkNumbers(check.at("agreedDefinitions").at(i)) }
        for (i, entry) in feedback.enumerated() { try entry.checkNumbers(check.at("feedback").at(i)) }
        for (i, training) in trainings.enumerated() { try training.checkNumbers(check.at("trainings").at(i)) }
        for (i, record) in reportBacks.enumerated() { try record.checkNumbers(check.at("reportBacks").at(i)) }
        for (i, message) in outbox.enumerated() { try message.checkNumbers(check.at("outbox").at(i)) }
        try retention.checkNumbers(check.at("retention"))
    }
}

extension RetentionRecord {
    func checkNumbers(_ check: StateCheck) throws {
        try check.number(highestIdeaID, at: "highestIdeaID")
        try check.number(highestDefinitionID, at: "highestDefinitionID")
        try check.number(highestFollowUpID, at: "highestFollowUpID")
        for (i, week) in weeks.enumerated() {
            let at = check.at("weeks").at(i)
            try at.number(week.cycle, at: "cycle")
            for (key, value) in [
                ("examples", week.examples), ("ownExamples", week.ownExamples), ("shoutOuts", week.shoutOuts),
                ("contributors", week.contributors), ("recognised", week.recognised),
                ("recognisedSoFar", week.recognisedSoFar),
            ] {
                try at.number(value, at: key)
            }
        }
    }
}

extension StateEvent {
    /// The same bounds for an event read from the journal, before `apply` counts on from it. Keys as `encode`
    /// writes them.
    func checkNumbers(_ check: StateCheck) throws {
        let value = check.at("value")
        switch self {
        case .ratingRoundOpened(let cycle, _, _), .cycleStarted(let cycle):
            try check.number(cycle, at: "cycle")
        case .rated(_, let scores):
            for (principle, score) in scores { try check.at("scores").score(score, at: principle) }
        case .weekOpened(let week): try week.checkNumbers(value)
        case .exampleAdded(let example): try example.checkNumbers(value)
        case .goalAdded(let goal): try goal.checkNumbers(value)
        case .followUpOpened(let item): try item.checkNumbers(value)
        case .ideaAdded(let idea): try idea.checkNumbers(value)
        case .definitionAdded(let definition): try definition.checkNumbers(value)
        case .definitionAgreed(let agreed): try agreed.checkNumbers(value)
        case .queued(let message): try message.checkNumbers(value)
        case .feedbackAdded(let entry): try entry.checkNumbers(value)
        case .trainingScheduled(let training): try training.checkNumbers(value)
        case .reportBackRecorded(let record): try record.checkNumbers(value)
        case .goalActionRecorded(let id, let action):
            try check.number(id, at: "id")
            try action.checkNumbers(check.at("action"))
        case .exampleEdited(let id, _), .exampleDeleted(let id), .goalUpdated(let id, _), .goalNudged(let id, _),
            .goalClosed(let id), .followUpFixed(let id, _, _), .followUpNudged(let id, _), .examplesReported(let id),
            .feedbackReported(let id), .trainingRecorded(let id, _), .trainingReminded(let id, _),
            .trainingAsked(let id, _), .ideaAnswered(let id, _):
            try check.number(id, at: "id")
        case .trainingsReported(let ids):
            for (i, id) in ids.enumerated() { try check.at("ids").number(id, at: i) }
        case .memberTimeZone(_, let zone):
            if let zone { try check.at("zone").timeZone(zone) }
        case .memberCheckedIn(_, let at):
            try check.date(at, at: "at")
        case .memberSeen, .memberAway, .ratingWidened, .voted, .teamPrincipleAdded, .principleDetailSet, .planChanged,
            .programmeStarted, .pausedChanged, .weekSkipped, .announcementQueued, .weekWithdrawn, .programmeFinished,
            .jobRecorded, .delivered, .dropped, .cursorAdvanced, .messagesSeen, .installed, .suggestionOffered,
            .suggestionSettled, .erasureOffered, .erasureSettled, .memberForgotten, .memberHadRides:
            // Nothing the bot counts on from.
            break
        }
    }
}
