/// What a member asked for, after parsing. References to principles, examples and goals are still text or
/// numbers here: the engine resolves them against the state, because only it knows what exists.
public enum Command: Equatable, Sendable {
    case help(topic: String?)
    case status
    case principles
    case principle(ref: String)
    /// `rate 4 5`, `rate 4=5 7=1`, `rate all 3 5 1 …`.
    case rate(RatingInput)
    case scores
    case example(text: String)
    case caught(mentions: [String], text: String)
    case examples(everyone: Bool)
    case edit(id: Int, text: String)
    case delete(id: Int)
    case goalAdd(GoalDraft)
    case goalUpdate(id: Int, value: Double, note: String)
    case goalAction(id: Int, text: String)
    case goalClose(id: Int)
    case goals
    case followUp(text: String)
    case followUps
    case fixed(id: Int, resolution: String)
    case idea(text: String)
    case ideas
    case means(text: String)
    case definitions
    case away(until: LocalDate)
    case back
    // Admin commands.
    case programmeShow
    case programmeAccept
    case programmeMove(ref: String, position: Int)
    case programmeDrop(ref: String)
    case programmeAdd(ref: String, position: Int?)
    case principleNew(title: String, why: String)
    case start(StartDate)
    case pause
    case resume
    case skip
    case newCycle
    case report

    public enum RatingInput: Equatable, Sendable {
        case one(ref: String, score: Int)
        case pairs([Pair])
        case all(scores: [Int])
        /// `rate` with nothing else: show the list to rate.
        case prompt

        public struct Pair: Equatable, Sendable {
            public var ref: String
            public var score: Int

            public init(ref: String, score: Int) {
                self.ref = ref
                self.score = score
            }
        }
    }

    public enum StartDate: Equatable, Sendable {
        case nextMonday
        case thisWeek
        case on(LocalDate)
    }

    /// The help topic, and the name under which the command's usage lives in `Prompts/commands.json`.
    public var name: String {
        switch self {
        case .help: "help"
        case .status: "status"
        case .principles: "principles"
        case .principle: "principle"
        case .rate: "rate"
        case .scores: "scores"
        case .example: "example"
        case .caught: "caught"
        case .examples: "examples"
        case .edit: "edit"
        case .delete: "delete"
        case .goalAdd, .goalUpdate, .goalAction, .goalClose, .goals: "goal"
        case .followUp, .followUps: "followup"
        case .fixed: "fixed"
        case .idea, .ideas: "idea"
        case .means, .definitions: "means"
        case .away: "away"
        case .back: "back"
        case .programmeShow, .programmeAccept, .programmeMove, .programmeDrop, .programmeAdd: "programme"
        case .principleNew: "principle"
        case .start: "start"
        case .pause: "pause"
        case .resume: "resume"
        case .skip: "skip"
        case .newCycle: "cycle"
        case .report: "report"
        }
    }

    /// Commands that shape the programme for everyone; only configured admins may use them.
    public var isAdminOnly: Bool {
        switch self {
        case .programmeAccept, .programmeMove, .programmeDrop, .programmeAdd, .principleNew, .start, .pause, .resume,
            .skip, .newCycle, .goalAdd, .goalClose:
            true
        default:
            false
        }
    }
}

/// A goal as typed: `goal add Reply time target 2 hours lower due 2027-01-31 tolerance 10% owner @sam`.
public struct GoalDraft: Equatable, Sendable {
    public var kpi: String
    public var target: Double
    public var unit: String
    public var direction: Goal.Direction
    public var dueDate: LocalDate?
    public var tolerance: Double
    public var tolerancePercent: Bool
    /// A mention to resolve, or nil for the person adding it.
    public var owner: String?

    public init(
        kpi: String, target: Double, unit: String, direction: Goal.Direction, dueDate: LocalDate?, tolerance: Double,
        tolerancePercent: Bool, owner: String?
    ) {
        self.kpi = kpi
        self.target = target
        self.unit = unit
        self.direction = direction
        self.dueDate = dueDate
        self.tolerance = tolerance
        self.tolerancePercent = tolerancePercent
        self.owner = owner
    }
}
