import Foundation

/// The self-ratings: each member rates how well the team lives each principle (1 seldom, 3 half the time, 5 we are
/// good at this), `scores` shows the team's picture, and `report` compares the baseline with the re-rating.
enum Ratings {
    static let commands: [CommandDeclaration] = [
        CommandDeclaration("rate", aliases: ["r", "rating"]) { words in parseRate(words.args) },
        CommandDeclaration("scores", aliases: ["ratings", "results"]) { _ in .form(ShowScores()) },
        CommandDeclaration("report", aliases: ["beforeafter"]) { _ in .form(ShowBeforeAfter()) },
    ]

    /// `rate 4 5`, `rate 4=5 7=1`, `rate all 3 5 1 …`, or `rate` alone for the list.
    enum Input: Equatable, Sendable {
        case one(ref: String, score: Int)
        case pairs([Pair])
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
        if first.lowercased() == "all" {
            let scores = args.dropFirst().map { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
            guard !scores.isEmpty, scores.allSatisfy({ $0 != nil }) else { return .malformed(.badScore) }
            let values = scores.compactMap { $0 }
            guard values.allSatisfy(isScore) else { return .malformed(.badScore) }
            return .form(Rate(input: .all(scores: values)))
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
            switch input {
            case .prompt:
                tx.reply(request, RatePromptView(principles: NumberedPrinciple.all(tx), principleCount: all.count))
                return
            case .all(let values):
                guard values.count == all.count else {
                    tx.reply(request, RatePromptView(
                        principles: NumberedPrinciple.all(tx), principleCount: all.count, wrongCount: true,
                        given: values.count))
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
            if tx.state.ratingRounds.isEmpty {
                tx.record(.ratingRoundOpened(cycle: tx.state.programme.cycle, purpose: .baseline))
            }
            tx.record(.rated(memberID: request.senderID, scores: scores))
            let mine = tx.state.ratingRounds.last?.scores[request.senderID] ?? [:]
            let rated = all.filter { mine[$0.id] != nil }.count
            let next = all.firstIndex { mine[$0.id] == nil }
            tx.reply(request, RateAckView(
                count: scores.count, rated: rated, principleCount: all.count, complete: rated == all.count,
                rerate: tx.state.ratingRounds.last?.purpose == .rerate,
                nextUnrated: next.map { NumberedPrinciple(number: $0 + 1, id: all[$0].id, title: all[$0].title) }))
        }
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
    var wrongCount: Bool?
    var given: Int?
}

struct RateAckView: MessageView {
    static let template = Template.rateAck
    var count: Int
    var rated: Int
    var principleCount: Int
    var complete: Bool
    var rerate: Bool
    var nextUnrated: NumberedPrinciple?
}
