import Foundation

/// The self-ratings: each member rates how well the team lives each principle (1 seldom, 3 half the time, 5 we are
/// good at this), `scores` shows the team's picture, and `report` compares the baseline with the re-rating.
enum Ratings {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("rate", aliases: ["r", "rating"]) { words in parseRate(words.args) },
        CommandDeclaration("scores", aliases: ["ratings", "results"]) { _ in .form(ShowScores()) },
        CommandDeclaration("report", aliases: ["beforeafter"]) { _ in .form(ShowBeforeAfter()) },
    ]

    /// How many principles one short round of rating shows: a first rating of thirty at once is a heavy ask.
    static let roundSize = 5

    /// `rate 4 5`, `rate 4=5 7=1`, `rate next 3 5 1 3 3`, `rate all 3 5 1 …`, or `rate` alone for the next few.
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
            let all = tx.allPrinciples
            var scores: [String: Int] = [:]
            let unrated = Ratings.unrated(by: request.senderID, tx)
            switch input {
            case .prompt:
                tx.reply(request, RatePromptView(
                    principles: NumberedPrinciple.all(tx), principleCount: all.count,
                    round: Array(unrated.prefix(Ratings.roundSize)), unratedCount: unrated.count))
                return
            case .next(let values):
                guard !unrated.isEmpty, values.count <= unrated.count else {
                    var view = RatePromptView(
                        principles: NumberedPrinciple.all(tx), principleCount: all.count,
                        round: Array(unrated.prefix(Ratings.roundSize)), unratedCount: unrated.count)
                    view.tooMany = true
                    view.given = values.count
                    tx.reply(request, view)
                    return
                }
                for (p, score) in zip(unrated, values) { scores[p.id] = score }
            case .all(let values):
                guard values.count == all.count else {
                    var view = RatePromptView(
                        principles: NumberedPrinciple.all(tx), principleCount: all.count,
                        round: Array(unrated.prefix(Ratings.roundSize)), unratedCount: unrated.count)
                    view.wrongCount = true
                    view.given = values.count
                    tx.reply(request, view)
                    return
                }
                for (p, score) in zip(all, values) { scores[p.id] = score }
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
                tx.record(.ratingRoundOpened(cycle: cycle, purpose: .baseline))
            }
            // The starting point is frozen once the programme runs, so the before and after compare like with like:
            // a rating now is kept for the re-rating round at the end.
            let frozen = tx.state.programme.phase == .running
            if frozen, tx.state.ratingRounds.last.map({ $0.cycle != cycle || $0.purpose != .rerate }) ?? true {
                tx.record(.ratingRoundOpened(cycle: cycle, purpose: .rerate))
            }
            tx.record(.rated(memberID: request.senderID, scores: scores))
            let left = Ratings.unrated(by: request.senderID, tx)
            tx.reply(request, RateAckView(
                count: scores.count, rated: all.count - left.count, principleCount: all.count, complete: left.isEmpty,
                rerate: tx.state.ratingRounds.last?.purpose == .rerate, keptForRerate: frozen,
                round: Array(left.prefix(Ratings.roundSize))))
        }
    }

    /// The principles a member has not rated in the open round, in the order people number them.
    static func unrated(by memberID: String, _ tx: Transaction) -> [NumberedPrinciple] {
        let mine = tx.state.ratingRounds.last?.scores[memberID] ?? [:]
        return NumberedPrinciple.all(tx).filter { mine[$0.id] == nil }
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
