import Foundation

/// What customers say: compliments and complaints, logged by whoever heard them (seed 000: "monitor progress and act
/// on deviation and other feedback"; seed 003's complaints procedure). A complaint becomes a follow-up with an owner,
/// in the same command or later, and stays open until that follow-up is fixed; the report-back counts the feedback
/// and lists the complaints still open.
enum CustomerFeedback {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("feedback", aliases: ["complaint", "compliment", "complaints"]) { words in parse(words) }
    ]

    /// `feedback compliment <text>`, `feedback complaint <text> [owner @name]`, `feedback <n> owner @name`, and a
    /// bare `feedback` (or `feedback list`) for the list. `complaint …` and `compliment …` are the same, shorter.
    static func parse(_ words: CommandWords) -> CommandDeclaration.Parsed {
        var args = words.args
        switch words.word {
        case "complaint", "compliment": args.insert(words.word, at: 0)
        default: break
        }
        guard let first = args.first?.lowercased() else { return .form(List()) }
        if args.count == 1 && first == "list" { return .form(List()) }
        if let id = CommandWords.number(args[0]) {
            guard args.count >= 2, args[1].lowercased() == "owner" else { return .malformed(.badForm) }
            guard args.count == 3, let owner = mention(args[2]) else { return .malformed(.missingMention) }
            return .form(Assign(id: id, owner: owner))
        }
        let kind: Feedback.Kind
        switch first {
        case "compliment", "compliments", "praise": kind = .compliment
        case "complaint", "complaints", "complain": kind = .complaint
        default: return .malformed(.badForm)
        }
        var body = Array(args.dropFirst())
        var owner: String?
        // Only a trailing `owner @name` names an owner: a complaint's own words may well mention "the owner".
        if kind == .complaint, body.count >= 2, body[body.count - 2].lowercased() == "owner",
            let token = mention(body[body.count - 1])
        {
            owner = token
            body.removeLast(2)
        }
        guard !body.isEmpty else { return .malformed(.missingText) }
        return .form(Log(kind: kind, text: body.joined(separator: " "), owner: owner))
    }

    /// `@sam` (or `@sam,`) as the name to resolve; nil when it is no mention.
    static func mention(_ word: String) -> String? {
        guard word.hasPrefix("@"), word.count > 1 else { return nil }
        let name = String(word.dropFirst()).trimmingCharacters(in: CharacterSet(charactersIn: ",:;."))
        return name.isEmpty ? nil : name
    }

    static func nextID(_ state: CoachState) -> Int { (state.feedback.last?.id ?? 0) + 1 }

    struct Log: CommandForm {
        static let access = Access.everyone
        var kind: Feedback.Kind
        var text: String
        /// A mention to resolve: the complaint's owner, who sees it through as a follow-up.
        var owner: String?

        func run(_ request: Request, _ tx: inout Transaction) {
            var ownerID: String?
            if let owner {
                guard let id = tx.mentionedMember(owner, request) else { return }
                ownerID = id
            }
            let entry = Feedback(id: CustomerFeedback.nextID(tx.state), kind: kind, text: text, reporterID: request.senderID, at: tx.now)
            tx.record(.feedbackAdded(entry))
            var opened: FollowUpView?
            if let ownerID { opened = CustomerFeedback.openFollowUp(for: entry, ownerID: ownerID, &tx) }
            tx.reply(request, FeedbackAckView(entry: FeedbackRow(entry, tx), logged: true, opened: opened))
        }
    }

    /// Turns a complaint already logged into a follow-up with an owner.
    struct Assign: CommandForm {
        static let access = Access.everyone
        var id: Int
        var owner: String

        func run(_ request: Request, _ tx: inout Transaction) {
            guard let entry = tx.state.feedback.first(where: { $0.id == id }) else {
                tx.reply(request, NotFoundView(kind: .feedback, ref: "\(id)"))
                return
            }
            guard entry.kind == .complaint else {
                tx.reply(request, FeedbackAckView(entry: FeedbackRow(entry, tx), logged: false, problem: .notAComplaint))
                return
            }
            // One follow-up per complaint: the complaint is open exactly while it is.
            guard tx.state.followUp(forFeedback: id) == nil else {
                tx.reply(request, FeedbackAckView(entry: FeedbackRow(entry, tx), logged: false, problem: .alreadyFollowedUp))
                return
            }
            guard let ownerID = tx.mentionedMember(owner, request) else { return }
            let opened = CustomerFeedback.openFollowUp(for: entry, ownerID: ownerID, &tx)
            tx.reply(request, FeedbackAckView(entry: FeedbackRow(entry, tx), logged: false, opened: opened))
        }
    }

    /// A complaint's follow-up carries the complaint's words, so its owner's check-in says what to see through.
    static func openFollowUp(for entry: Feedback, ownerID: String, _ tx: inout Transaction) -> FollowUpView? {
        let item = FollowUp(
            id: FollowUps.nextID(tx.state), text: entry.text, ownerID: ownerID, openedAt: tx.now, feedbackID: entry.id)
        tx.record(.followUpOpened(item))
        return FollowUpView(item, tx)
    }

    /// This calendar week's feedback, and the complaints from before it that are still open.
    struct List: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            let weekStart = tx.calendar.startOfDay(tx.weekMonday)
            let state = tx.state
            let thisWeek = state.feedback.filter { $0.at >= weekStart }
            let earlier = state.feedback.filter { $0.at < weekStart && state.isOpenComplaint($0) }
            tx.reply(request, FeedbackListView(
                thisWeek: thisWeek.map { FeedbackRow($0, tx) },
                compliments: thisWeek.filter { $0.kind == .compliment }.count,
                complaints: thisWeek.filter { $0.kind == .complaint }.count,
                earlierOpen: earlier.map { FeedbackRow($0, tx) }, hasEarlierOpen: !earlier.isEmpty,
                empty: thisWeek.isEmpty && earlier.isEmpty))
        }
    }

    /// What the report-back says about customer feedback: every entry not yet counted (so each is counted in exactly
    /// one report-back, like examples), and every complaint still open.
    static func reportBack(_ tx: Transaction) -> (counts: FeedbackCounts, open: [FeedbackRow]) {
        let state = tx.state
        let unreported = state.feedback.filter { $0.id > state.reportedThroughFeedbackID }
        let open = state.feedback.filter { state.isOpenComplaint($0) }
        let counts = FeedbackCounts(
            compliments: unreported.filter { $0.kind == .compliment }.count,
            complaints: unreported.filter { $0.kind == .complaint }.count, stillOpen: open.count)
        return (counts, open.map { FeedbackRow($0, tx) })
    }
}

extension CoachState {
    /// The follow-up opened for a complaint, if one was.
    public func followUp(forFeedback id: Int) -> FollowUp? { followUps.last { $0.feedbackID == id } }

    /// A complaint is open until its follow-up is fixed; one nobody has taken on yet is open too.
    public func isOpenComplaint(_ entry: Feedback) -> Bool {
        entry.kind == .complaint && (followUp(forFeedback: entry.id)?.isOpen ?? true)
    }
}

/// One feedback entry as replies, the list and the report-back show it.
struct FeedbackRow: Encodable {
    var id: Int
    var text: String
    var compliment: Bool
    var complaint: Bool
    var reporter: String
    var date: String
    /// A complaint still waiting to be resolved.
    var open: Bool
    /// The follow-up seeing the complaint through, its owner, and whether it is fixed.
    var followUp: Int?
    var owner: String?
    var resolved: Bool

    init(_ entry: Feedback, _ tx: Transaction) {
        id = entry.id
        text = entry.text
        compliment = entry.kind == .compliment
        complaint = entry.kind == .complaint
        reporter = tx.name(of: entry.reporterID)
        date = tx.calendar.localDate(of: entry.at).description
        open = tx.state.isOpenComplaint(entry)
        let item = entry.kind == .complaint ? tx.state.followUp(forFeedback: entry.id) : nil
        followUp = item?.id
        owner = item.map { tx.name(of: $0.ownerID) }
        resolved = item.map { !$0.isOpen } ?? false
    }
}

/// The report-back's feedback figures: entries counted now, and complaints open now.
struct FeedbackCounts: Encodable {
    var compliments: Int
    var complaints: Int
    var stillOpen: Int
}

struct FeedbackAckView: MessageView {
    static let template = Template.feedbackAck
    @Inline var entry: FeedbackRow
    /// Just logged (rather than an earlier complaint given an owner).
    var logged: Bool
    /// The follow-up opened for the complaint now.
    var opened: FollowUpView?
    var problem: Problem?

    init(entry: FeedbackRow, logged: Bool, opened: FollowUpView? = nil, problem: Problem? = nil) {
        self.entry = entry
        self.logged = logged
        self.opened = opened
        self.problem = problem
    }

    enum Problem: String, TemplateFlag {
        /// Only complaints are followed up.
        case notAComplaint
        /// The complaint has its follow-up already.
        case alreadyFollowedUp
    }
}

struct FeedbackListView: MessageView {
    static let template = Template.feedback
    var thisWeek: [FeedbackRow]
    var compliments: Int
    var complaints: Int
    var earlierOpen: [FeedbackRow]
    var hasEarlierOpen: Bool
    var empty: Bool
}
