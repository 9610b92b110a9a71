import Foundation

/// The self-ratings: each member rates how well the team lives each principle (1 seldom, 3 half the time, 5 we are
/// good at this), `scores` shows the team's picture, and `report` compares the baseline with the re-rating (and,
/// as `report html`, sends the whole programme's report as a file: `ReportFile`).
enum Ratings {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("rate", aliases: ["r", "rating"]) { words in parseRate(words.args) },
        CommandDeclaration("scores", aliases: ["ratings", "results"]) { words in
            guard let first = words.args.first?.lowercased() else { return .form(ShowScores()) }
            return ["share", "post"].contains(first) && words.args.count == 1 ? .form(Reflection.Share()) : .malformed(.badForm)
        },
        CommandDeclaration("report", aliases: ["beforeafter"]) { words in
            guard let first = words.args.first else { return .form(ShowBeforeAfter()) }
            // `report html`: the programme report as a file (admins), see `ReportFile`.
            guard words.args.count == 1, let format = OutboundMessage.Attachment.ReportFormat(rawValue: first.lowercased()) else {
                return .malformed(.badForm)
            }
            return .form(ReportFile.Send(format: format))
        },
    ]

    /// How many principles one short round of rating shows: even the first rating's thirteen at once is a heavy ask.
    static let roundSize = 5

    /// `rate 4 5`, `rate 4=5 7=1`, `rate next 3 5 1 3 3`, `rate all 3 5 1 …`, `rate` alone for the next few, or
    /// (admins) `rate add 20 24` to ask everyone about more principles.
    enum Input: Equatable, Sendable {
        case one(ref: String, score: Int)
        case pairs([Pair])
        /// Scores for the next principles the member has not rated yet, in order.
        case next(scores: [Int])
        case all(scores: [Int])
        /// `rate` with nothing else: show the list to rate.
        case prompt

        struct Pair: Equatable, Sendable {
            var ref: String
            var score: Int
        }
    }

    static func isScore(_ value: Int) -> Bool { value == 1 || value == 3 || value == 5 }

    static func parseRate(_ args: [String]) -> CommandDeclaration.Parsed {
        guard let first = args.first else { return .form(Rate(input: .prompt)) }
        if first.lowercased() == "add" {
            let refs = Array(args.dropFirst())
            return refs.isEmpty ? .malformed(.badForm) : .form(Widen(refs: refs))
        }
        if first.lowercased() == "all" || first.lowercased() == "next" {
            let scores = args.dropFirst().map { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
            guard !scores.isEmpty, scores.allSatisfy({ $0 != nil }) else { return .malformed(.badScore) }
            let values = scores.compactMap { $0 }
            guard values.allSatisfy(isScore) else { return .malformed(.badScore) }
            return .form(Rate(input: first.lowercased() == "all" ? .all(scores: values) : .next(scores: values)))
        }
        if first.contains("=") || first.contains(":") {
            var pairs: [Input.Pair] = []
            for arg in args {
                let parts = arg.split(whereSeparator: { $0 == "=" || $0 == ":" }).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { return .malformed(.badForm) }
                guard let score = Int(parts[1]), isScore(score) else { return .malformed(.badScore) }
                pairs.append(.init(ref: parts[0], score: score))
            }
            return .form(Rate(input: .pairs(pairs)))
        }
        guard args.count == 2 else { return .malformed(.badForm) }
        guard let score = Int(args[1]), isScore(score) else { return .malformed(.badScore) }
        return .form(Rate(input: .one(ref: args[0], score: score)))
    }

    struct Rate: CommandForm {
        static let access = Access.everyone
        var input: Input

        func run(_ request: Request, _ tx: inout Transaction) {
            let asked = Ratings.asked(tx)
            let everything = NumberedPrinciple.all(tx)
            var scores: [String: Int] = [:]
            let unrated = Ratings.unrated(by: request.senderID, tx)
            func prompt() -> RatePromptView {
                RatePromptView(
                    principles: asked, principleCount: asked.count, round: Array(unrated.prefix(Ratings.roundSize)),
                    unratedCount: unrated.count, otherCount: everything.count - asked.count)
            }
            switch input {
            case .prompt:
                tx.reply(request, prompt())
                return
            case .next(let values):
                guard !unrated.isEmpty, values.count <= unrated.count else {
                    var view = prompt()
                    view.tooMany = true
                    view.given = values.count
                    tx.reply(request, view)
                    return
                }
                for (p, score) in zip(unrated, values) { scores[p.id] = score }
            case .all(let values):
                // One score for each principle asked about; someone who rates the whole catalogue may too.
                let rated = values.count == asked.count ? asked : (values.count == everything.count ? everything : nil)
                guard let rated else {
                    var view = prompt()
                    view.wrongCount = true
                    view.given = values.count
                    tx.reply(request, view)
                    return
                }
                for (p, score) in zip(rated, values) { scores[p.id] = score }
            case .one(let ref, let score):
                guard let p = tx.resolvePrinciple(ref) else {
                    tx.reply(request, NotFoundView(kind: .principle, ref: ref))
                    return
                }
                scores[p.id] = score
            case .pairs(let pairs):
                for pair in pairs {
                    guard let p = tx.resolvePrinciple(pair.ref) else {
                        tx.reply(request, NotFoundView(kind: .principle, ref: pair.ref))
                        return
                    }
                    scores[p.id] = pair.score
                }
            }
            let cycle = tx.state.programme.cycle
            if tx.state.ratingRounds.isEmpty {
                tx.record(.ratingRoundOpened(cycle: cycle, purpose: .baseline, principles: Ratings.firstRatingSet(tx)))
            }
            // The starting point is frozen once the programme runs, so the before and after compare like with like:
            // a rating now is kept for the re-rating round at the end.
            let frozen = tx.state.programme.phase == .running
            if frozen, tx.state.ratingRounds.last.map({ $0.cycle != cycle || $0.purpose != .rerate }) ?? true {
                tx.record(.ratingRoundOpened(cycle: cycle, purpose: .rerate, principles: Ratings.rerateSet(tx)))
            }
            tx.record(.rated(memberID: request.senderID, scores: scores))
            let nowAsked = Ratings.asked(tx)
            let left = Ratings.unrated(by: request.senderID, tx)
            tx.reply(request, RateAckView(
                count: scores.count, rated: nowAsked.count - left.count, principleCount: nowAsked.count,
                complete: left.isEmpty, rerate: tx.state.ratingRounds.last?.purpose == .rerate, keptForRerate: frozen,
                round: Array(left.prefix(Ratings.roundSize))))
            Reflection.shareIfComplete(&tx)
        }
    }

    /// `rate add 20 24`: admins ask everyone about more principles in the open round. (Anyone may rate any
    /// principle by its number; this puts it in everyone's `rate` list.)
    struct Widen: CommandForm {
        static let access = Access.admins
        var refs: [String]

        func run(_ request: Request, _ tx: inout Transaction) {
            var ids: [String] = []
            for ref in refs {
                guard let principle = tx.resolvePrinciple(ref) else {
                    tx.reply(request, NotFoundView(kind: .principle, ref: ref))
                    return
                }
                if !ids.contains(principle.id) { ids.append(principle.id) }
            }
            if tx.state.ratingRounds.isEmpty {
                tx.record(.ratingRoundOpened(
                    cycle: tx.state.programme.cycle, purpose: .baseline, principles: Ratings.firstRatingSet(tx)))
            }
            let before = Set(Ratings.asked(tx).map(\.id))
            let added = ids.filter { !before.contains($0) }
            if !added.isEmpty { tx.record(.ratingWidened(principleIDs: added)) }
            let asked = Ratings.asked(tx)
            tx.reply(request, RatingWidenedView(
                added: asked.filter { added.contains($0.id) }, already: ids.count - added.count,
                principleCount: asked.count, everything: asked.count == tx.allPrinciples.count))
        }
    }

    /// The principles the open round asks about, in the order people number them (every principle for a round
    /// that predates the set, or when there is no round yet and the config asks about all).
    static func asked(_ tx: Transaction) -> [NumberedPrinciple] {
        let all = NumberedPrinciple.all(tx)
        let ids = tx.state.ratingRounds.isEmpty ? firstRatingSet(tx) : tx.state.ratingRounds.last?.principleIDs
        guard let ids else { return all }
        let set = Set(ids)
        return all.filter { set.contains($0.id) }
    }

    /// What a first rating asks about: seed 000's thirteen (`programme.firstRating`, the catalogue marks them) and
    /// the team's own principles; nil for every principle.
    static func firstRatingSet(_ tx: Transaction) -> [String]? {
        guard tx.config.programme.firstRating == .core else { return nil }
        return tx.coach.catalogue.corePrinciples.map(\.id) + tx.state.teamPrinciples.map(\.id)
    }

    /// A re-rating asks about what the cycle's baseline asked, and every principle its plan ran, so the before and
    /// after cover the same ground.
    static func rerateSet(_ tx: Transaction) -> [String]? {
        let state = tx.state
        let baseline = state.ratingRounds.last { $0.cycle == state.programme.cycle && $0.purpose == .baseline }
        guard let base = baseline?.principleIDs else { return nil }
        let ran = state.programme.plan.filter { $0 != DefinitionWeek.principleID && !base.contains($0) }
        return base + ran
    }

    /// The principles a member has not rated in the open round, in the order people number them.
    static func unrated(by memberID: String, _ tx: Transaction) -> [NumberedPrinciple] {
        let mine = tx.state.ratingRounds.last?.scores[memberID] ?? [:]
        return asked(tx).filter { mine[$0.id] == nil }
    }

    struct ShowScores: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            tx.reply(request, RatingReport(tx).scores())
        }
    }

    struct ShowBeforeAfter: CommandForm {
        static let access = Access.everyone

        func run(_ request: Request, _ tx: inout Transaction) {
            tx.reply(request, RatingReport(tx).beforeAfter())
        }
    }
}

struct RatePromptView: MessageView {
    static let template = Template.ratePrompt
    var principles: [NumberedPrinciple]
    var principleCount: Int
    /// The next few the member has not rated: one short round.
    var round: [NumberedPrinciple]
    var unratedCount: Int
    /// Principles this round does not ask about: in `principles`, rateable by number.
    var otherCount: Int
    var wrongCount: Bool?
    var tooMany: Bool?
    var given: Int?
}

struct RateAckView: MessageView {
    static let template = Template.rateAck
    var count: Int
    var rated: Int
    var principleCount: Int
    var complete: Bool
    var rerate: Bool
    /// Rated while the programme runs: kept for the re-rating, the starting point unchanged.
    var keptForRerate: Bool
    /// The next short round, when some are left.
    var round: [NumberedPrinciple]
}

/// The reply to `rate add`.
struct RatingWidenedView: MessageView {
    static let template = Template.ratingWidened
    var added: [NumberedPrinciple]
    /// Named, but already asked about.
    var already: Int
    var principleCount: Int
    /// The rating now asks about every principle.
    var everything: Bool
}
