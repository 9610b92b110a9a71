import Foundation

/// Everything the bot remembers. Changed only by applying `StateEvent`s, so the store can journal the events and
/// replay them after a restart without running any programme logic again.
public struct CoachState: Codable, Sendable, Equatable {
    /// 2: examples carry a report watermark, suggestions wait for a "yes", a message may be queued in the thread of
    /// another. 3: the team's agreed definition, votes, its own principle details, trainings and customer feedback.
    /// 4: what each report-back covered (for `history`), and admins' answers to ideas. 5: what retention let go of
    /// (each week's counts, the highest ids), which an older build would silently drop; and members erased
    /// (`forget`): their anonymous ids, and erasures waiting for an admin's confirmation. 6: a member's own time zone
    /// (`timezone`), and when their last check-in ran.
    /// A state written by 1 to 5 still loads (see `init(from:)`; a member's new fields are optional).
    public static let schemaVersion = 6

    public var members: [String: Member] = [:]
    /// Principles the team wrote itself, next to the catalogue's.
    public var teamPrinciples: [Principle] = []
    /// The team's own skills, manager's tasks, training, challenge and question for a principle (catalogue or its
    /// own), by principle id, in place of the catalogue's.
    public var principleDetails: [String: [PrincipleDetail: [String]]] = [:]
    public var ratingRounds: [RatingRound] = []
    public var programme = Programme()
    public var weeks: [ProgrammeWeek] = []
    public var examples = ExampleLog()
    public var goals: [Goal] = []
    public var followUps: [FollowUp] = []
    /// Every live example up to this id has been in a report-back: the next report-back covers the ones after it,
    /// so an example posted after Friday's report (or before the start) is reported exactly once, later.
    public var reportedThroughExampleID = 0
    /// A near-miss command waiting for its sender's "yes", by member id.
    public var pendingSuggestions: [String: PendingSuggestion] = [:]
    public var ideas: [Idea] = []
    public var definitions: [Definition] = []
    /// Every definition the team agreed, oldest first; the last is the team's definition.
    public var agreedDefinitions: [AgreedDefinition] = []
    /// What customers said, compliments and complaints, in id order.
    public var feedback: [Feedback] = []
    /// Every feedback entry up to this id has been counted in a report-back, so each is counted in exactly one.
    public var reportedThroughFeedbackID = 0
    /// Each programme week's scheduled training and what became of it.
    public var trainings: [Training] = []
    /// What each report-back covered, in the order they went out, so `history <week>` can show one again.
    public var reportBacks: [ReportBackRecord] = []
    /// What retention (`retention.months`) has let go of: the weeks' counts that stay, and the highest ids given.
    public var retention = RetentionRecord()
    /// Scheduled jobs already handled, by key (`announce:2026-W48`), so a restart never repeats one.
    public var jobs: [String: JobOutcome] = [:]
    /// Messages committed but not yet confirmed sent.
    public var outbox: [OutboundMessage] = []
    public var nextOutboxNumber = 1
    /// Each transport's polling position, committed with the state it produced.
    public var cursors: [String: String] = [:]
    public var recentMessageIDs = RecentIDs()
    /// Random, chosen once per state: prefixes idempotency keys (Matrix txnId, Discord nonce), so a bot started again
    /// on a fresh state never collides with the keys of the messages its earlier life sent.
    public var installID: String?
    /// Members erased by `forget`, by the anonymous id that took the place of theirs (`former-1`), with the words
    /// shown for them ("a former member"). What they did is still counted under that id; nothing says who they were.
    public var formerMembers: [String: String] = [:]
    /// An erasure an admin asked for (`forget @sam`), waiting for their confirmation, by the admin's id.
    public var pendingErasures: [String: PendingErasure] = [:]

    public init() {}

    /// The team's definition of customer service: the one agreed last.
    public var teamDefinition: AgreedDefinition? { agreedDefinitions.last }

    /// Threads a transport must poll besides the channel: the latest week's announcement, whose replies count as
    /// examples. (Slack's channel history does not include thread replies.)
    public var watchedThreads: [String] {
        weeks.last?.announcementPlatformID.map { [$0] } ?? []
    }

    enum CodingKeys: String, CodingKey {
        case members, teamPrinciples, ratingRounds, programme, weeks, examples, goals, followUps, ideas, definitions
        case jobs, outbox, nextOutboxNumber, cursors, recentMessageIDs, installID, reportedThroughExampleID
        case pendingSuggestions, agreedDefinitions, principleDetails, feedback, reportedThroughFeedbackID, trainings
        case reportBacks, retention, formerMembers, pendingErasures
    }

    // Tolerant: a field added in a later build is simply absent from an older file.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        members = try c.decodeIfPresent([String: Member].self, forKey: .members) ?? [:]
        teamPrinciples = try c.decodeIfPresent([Principle].self, forKey: .teamPrinciples) ?? []
        ratingRounds = try c.decodeIfPresent([RatingRound].self, forKey: .ratingRounds) ?? []
        programme = try c.decodeIfPresent(Programme.self, forKey: .programme) ?? Programme()
        weeks = try c.decodeIfPresent([ProgrammeWeek].self, forKey: .weeks) ?? []
        examples = try c.decodeIfPresent(ExampleLog.self, forKey: .examples) ?? ExampleLog()
        goals = try c.decodeIfPresent([Goal].self, forKey: .goals) ?? []
        followUps = try c.decodeIfPresent([FollowUp].self, forKey: .followUps) ?? []
        ideas = try c.decodeIfPresent([Idea].self, forKey: .ideas) ?? []
        definitions = try c.decodeIfPresent([Definition].self, forKey: .definitions) ?? []
        agreedDefinitions = try c.decodeIfPresent([AgreedDefinition].self, forKey: .agreedDefinitions) ?? []
        principleDetails = try c.decodeIfPresent([String: [PrincipleDetail: [String]]].self, forKey: .principleDetails) ?? [:]
        jobs = try c.decodeIfPresent([String: JobOutcome].self, forKey: .jobs) ?? [:]
        outbox = try c.decodeIfPresent([OutboundMessage].self, forKey: .outbox) ?? []
        nextOutboxNumber = try c.decodeIfPresent(Int.self, forKey: .nextOutboxNumber) ?? 1
        cursors = try c.decodeIfPresent([String: String].self, forKey: .cursors) ?? [:]
        recentMessageIDs = try c.decodeIfPresent(RecentIDs.self, forKey: .recentMessageIDs) ?? RecentIDs()
        installID = try c.decodeIfPresent(String.self, forKey: .installID)
        pendingSuggestions = try c.decodeIfPresent([String: PendingSuggestion].self, forKey: .pendingSuggestions) ?? [:]
        feedback = try c.decodeIfPresent([Feedback].self, forKey: .feedback) ?? []
        reportedThroughFeedbackID = try c.decodeIfPresent(Int.self, forKey: .reportedThroughFeedbackID) ?? 0
        trainings = try c.decodeIfPresent([Training].self, forKey: .trainings) ?? []
        reportBacks = try c.decodeIfPresent([ReportBackRecord].self, forKey: .reportBacks) ?? []
        retention = try c.decodeIfPresent(RetentionRecord.self, forKey: .retention) ?? RetentionRecord()
        formerMembers = try c.decodeIfPresent([String: String].self, forKey: .formerMembers) ?? [:]
        pendingErasures = try c.decodeIfPresent([String: PendingErasure].self, forKey: .pendingErasures) ?? [:]
        if let watermark = try c.decodeIfPresent(Int.self, forKey: .reportedThroughExampleID) {
            reportedThroughExampleID = watermark
        } else {
            // A state from before the watermark: every week whose report-back went out has had its examples.
            for (key, outcome) in jobs where outcome != .skipped {
                reportReplayed(job: key)
            }
        }
        try checkNumbers(StateCheck(decoder.codingPath))
    }

    /// Keeps the watermark right when a report-back's job is replayed from a journal written before the watermark
    /// existed: that week's examples were reported. (A report-back written since records its watermark itself, so
    /// this only ever confirms it.)
    mutating func reportReplayed(job key: String) {
        guard key.hasPrefix("summary:"), let last = examples.inWeek(String(key.dropFirst("summary:".count))).last else { return }
        reportedThroughExampleID = max(reportedThroughExampleID, last.id)
    }
}

public struct Member: Codable, Sendable, Equatable {
    /// The platform's user id, prefixed by nothing: ids are unique within the one chat a bot serves.
    public var id: String
    public var name: String
    /// The @-name people type for this member (a Telegram or Mattermost username), where the platform has one.
    public var handle: String?
    public var awayUntil: LocalDate?
    /// The IANA name of the member's own time zone (`timezone Asia/Kolkata`): their check-ins come at the nudge time
    /// of their own working days there. Nil follows the team's. Checked when a state is read (`StateBounds`).
    public var timeZone: String?
    /// When the member's last check-in ran: the last one the team's clock sent them, or their own clock's last run
    /// (whether or not it had anything to say). A check-in on either clock waits for a later local day than this
    /// instant's, so a restart or a change of time zone never brings a second one the same day.
    public var checkedInAt: Date?
    /// For an admin in a time zone of their own: what rode on their check-ins there (the weekly digest, the monthly
    /// reward prompt, the request to agree the definition), by the team's job key (`digest:2027-W03`), the latest of
    /// each kind; what the team's clock had already given them when they left it counts too. Kept here, not under
    /// the team's jobs, so no job key names a person, and `forget` takes it with the record. Nil: none.
    public var ridesHad: [String]?

    public init(
        id: String, name: String, handle: String? = nil, awayUntil: LocalDate? = nil, timeZone: String? = nil,
        checkedInAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.handle = handle
        self.awayUntil = awayUntil
        self.timeZone = timeZone
        self.checkedInAt = checkedInAt
    }

    /// Whether a job that rides on an admin's check-in went to them on their own clock (see `ridesHad`).
    public func hasHad(_ job: String) -> Bool { ridesHad?.contains(job) ?? false }

    /// Notes the jobs in `ridesHad`, each replacing the one of its kind (the words before `:`) it had.
    mutating func had(_ jobs: [String]) {
        var had = ridesHad ?? []
        for job in jobs {
            let kind = job.prefix { $0 != ":" }
            had.removeAll { $0.prefix { $0 != ":" } == kind }
            had.append(job)
        }
        ridesHad = had
    }

    public func isAway(on date: LocalDate) -> Bool {
        guard let awayUntil else { return false }
        return date <= awayUntil
    }
}

/// One round of self-ratings: the baseline before a cycle, or the re-rating at its end.
public struct RatingRound: Codable, Sendable, Equatable {
    public enum Purpose: String, Codable, Sendable { case baseline, rerate }
    public var cycle: Int
    public var purpose: Purpose
    /// member id → principle id → 1, 3 or 5.
    public var scores: [String: [String: Int]] = [:]
    /// The principles this round asks everyone about, in the order people number them: seed 000's thirteen for a
    /// first rating, widened by admins (`rate add`). Nil asks about every principle, as rounds did before the set
    /// existed. A member may still rate any principle by its number.
    public var principleIDs: [String]?

    public init(cycle: Int, purpose: Purpose, principleIDs: [String]? = nil) {
        self.cycle = cycle
        self.purpose = purpose
        self.principleIDs = principleIDs
    }
}

public struct Programme: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// Rating and shaping the plan.
        case setup
        /// Started, running one principle a week (possibly not yet at the first Monday).
        case running
        /// Every planned principle has had its week; waiting for the re-rating and a new cycle.
        case finished
    }

    public var cycle = 1
    public var phase = Phase.setup
    /// Principle ids in the order they will run. Empty until an admin accepts or edits the suggestion.
    public var plan: [String] = []
    public var planAccepted = false
    /// Monday of the first programme week.
    public var startDate: LocalDate?
    public var paused = false
    public var skippedWeeks: [String] = []
    /// When the programme was last started or resumed: a post due before then was not missed by an outage, so it
    /// goes out without a "sorry, late" note.
    public var liveSince: Date?
    /// Monday of the re-rating week that follows the last principle.
    public var finishedOn: LocalDate?
    /// This cycle's votes for the principles to work on, by member id, before the plan is accepted.
    public var votes: [String: [String]] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case cycle, phase, plan, planAccepted, startDate, paused, skippedWeeks, liveSince, finishedOn, votes
    }

    // Tolerant, like the state's own: a field added in a later build is absent from an older file.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cycle = try c.decodeIfPresent(Int.self, forKey: .cycle) ?? 1
        phase = try c.decodeIfPresent(Phase.self, forKey: .phase) ?? .setup
        plan = try c.decodeIfPresent([String].self, forKey: .plan) ?? []
        planAccepted = try c.decodeIfPresent(Bool.self, forKey: .planAccepted) ?? false
        startDate = try c.decodeIfPresent(LocalDate.self, forKey: .startDate)
        paused = try c.decodeIfPresent(Bool.self, forKey: .paused) ?? false
        skippedWeeks = try c.decodeIfPresent([String].self, forKey: .skippedWeeks) ?? []
        liveSince = try c.decodeIfPresent(Date.self, forKey: .liveSince)
        finishedOn = try c.decodeIfPresent(LocalDate.self, forKey: .finishedOn)
        votes = try c.decodeIfPresent([String: [String]].self, forKey: .votes) ?? [:]
    }
}

/// A calendar week that ran a principle.
public struct ProgrammeWeek: Codable, Sendable, Equatable {
    /// ISO week key in the team's time zone, e.g. `2026-W48`.
    public var key: String
    public var monday: LocalDate
    public var cycle: Int
    /// Position in the plan, from 0.
    public var index: Int
    public var principleID: String
    /// The outbox id of the Monday post, then the platform's id for it once sent, so replies in its thread count.
    public var announcementOutboxID: String?
    public var announcementPlatformID: String?

    public init(key: String, monday: LocalDate, cycle: Int, index: Int, principleID: String) {
        self.key = key
        self.monday = monday
        self.cycle = cycle
        self.index = index
        self.principleID = principleID
    }
}

public enum JobOutcome: String, Codable, Sendable {
    case done
    case late
    case skipped
}

/// Bounded memory of platform message ids, the second guard against applying one message twice.
public struct RecentIDs: Codable, Sendable, Equatable {
    public static let capacity = 4096
    public private(set) var order: [String] = []
    private var members: Set<String> = []

    public init() {}

    public func contains(_ id: String) -> Bool { members.contains(id) }

    public mutating func insert(_ id: String) {
        guard members.insert(id).inserted else { return }
        order.append(id)
        // Trimmed in chunks, so the shift of the array is paid once per 512 messages rather than on each.
        if order.count > Self.capacity + 512 {
            let overflow = order.count - Self.capacity
            for old in order.prefix(overflow) { members.remove(old) }
            order.removeFirst(overflow)
        }
    }

    public init(from decoder: any Decoder) throws {
        order = try decoder.singleValueContainer().decode([String].self)
        members = Set(order)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(order)
    }

    public static func == (lhs: RecentIDs, rhs: RecentIDs) -> Bool { lhs.order == rhs.order }
}

/// A command someone nearly typed: "Did you mean !example? Reply yes to save it." Kept for a few minutes.
public struct PendingSuggestion: Codable, Sendable, Equatable {
    /// The command as it would have been typed correctly, e.g. `!example Helped a customer`.
    public var text: String
    public var at: Date

    public init(text: String, at: Date) {
        self.text = text
        self.at = at
    }
}

/// `forget @sam`, waiting for the admin's `forget @sam confirm`. Kept for a few minutes (`Forget.confirmWithin`).
public struct PendingErasure: Codable, Sendable, Equatable {
    public var memberID: String
    public var at: Date

    public init(memberID: String, at: Date) {
        self.memberID = memberID
        self.at = at
    }
}
