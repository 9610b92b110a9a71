/// What a chat message turned out to be.
public enum ParseResult: Equatable, Sendable {
    case command(Command)
    /// A known command used the wrong way; `command` names its usage entry in `Prompts/commands.json`.
    case malformed(command: String, problem: ParseProblem)
    /// An addressed word that is no command, with the nearest real ones.
    case unknown(word: String, suggestions: [String])
    /// Ordinary chat, not for the bot.
    case notACommand
}

/// Why a command could not be read; each names a template-ready reason rather than wording.
public enum ParseProblem: String, Equatable, Sendable {
    case missingText
    case missingNumber
    case badNumber
    case badScore
    case badDate
    case missingMention
    case tooLong
    case badForm
}

/// Turns chat text into commands. Accepts `!cmd`, `/cmd`, `/cmd@botname` and `@botname cmd`, any case, with
/// aliases; in a private chat (or the console) the prefix may be left out.
public struct CommandParser: Sendable {
    public let botName: String
    /// Longer free text is refused rather than silently cut, so nobody loses the end of what they wrote.
    public static let maximumTextLength = 1000

    public init(botName: String) {
        self.botName = botName.lowercased()
    }

    /// Every word the parser understands, mapped to its command's help name.
    public static let words: [String: String] = {
        let table: [String: [String]] = [
            "help": ["help", "?", "h", "commands"],
            "status": ["status", "week", "now"],
            "principles": ["principles", "catalogue", "catalog"],
            "principle": ["principle", "p"],
            "rate": ["rate", "r", "rating"],
            "scores": ["scores", "ratings", "results"],
            "example": ["example", "ex", "eg", "e", "saw"],
            "caught": ["caught", "spotted", "shoutout", "shout-out", "kudos"],
            "examples": ["examples", "mine"],
            "edit": ["edit", "change"],
            "delete": ["delete", "del", "remove", "rm"],
            "goal": ["goal", "goals", "kpi"],
            "followup": ["followup", "follow-up", "followups", "fu", "spot"],
            "fixed": ["fixed", "resolved", "fix"],
            "idea": ["idea", "ideas", "suggest"],
            "means": ["means", "define", "definition", "definitions"],
            "away": ["away", "ooo", "leave"],
            "back": ["back", "return"],
            "programme": ["programme", "program", "plan"],
            "start": ["start", "begin"],
            "pause": ["pause"],
            "resume": ["resume", "unpause", "continue"],
            "skip": ["skip"],
            "cycle": ["cycle", "restart"],
            "report": ["report", "beforeafter"],
        ]
        var words: [String: String] = [:]
        for (name, aliases) in table {
            for alias in aliases { words[alias] = name }
        }
        return words
    }()

    public static var commandNames: [String] { Array(Set(words.values)).sorted() }

    public func parse(_ rawText: String, addressed: Bool) -> ParseResult {
        let text = Self.clean(rawText)
        guard let (word, rest, prefixed) = splitCommand(text) else { return .notACommand }
        guard prefixed || addressed else { return .notACommand }
        guard let name = Self.words[word.lowercased()] else {
            // In a shared channel only a prefixed word is meant for the bot; elsewhere any first word is.
            if word.isEmpty { return .command(.help(topic: nil)) }
            return .unknown(word: String(word.prefix(40)), suggestions: Self.suggestions(for: word.lowercased()))
        }
        guard rest.count <= Self.maximumTextLength else { return .malformed(command: name, problem: .tooLong) }
        return parse(name: name, word: word.lowercased(), rest: rest)
    }

    /// Removes control characters and trims, so hostile or pasted input parses like what a person sees.
    static func clean(_ text: String) -> String {
        // Most chat is plain printable ASCII: skip the per-scalar work for it.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return trimSpaces(text) }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\t" || scalar == "\r" {
                scalars.append(" ")
            } else if scalar.properties.generalCategory != .control && scalar.properties.generalCategory != .format {
                scalars.append(scalar)
            }
        }
        return trimSpaces(String(scalars))
    }

    /// Whitespace, deciding ASCII by comparison: Unicode property look-ups were a visible cost per message.
    static func isSpace(_ character: Character) -> Bool {
        if character == " " || character == "\t" { return true }
        return !character.isASCII && character.isWhitespace
    }

    /// Trims spaces at both ends without a round trip through Foundation.
    static func trimSpaces<S: StringProtocol>(_ text: S) -> String {
        let start = text.firstIndex { !Self.isSpace($0) } ?? text.endIndex
        let end = text[start...].lastIndex { !Self.isSpace($0) }.map { text.index(after: $0) } ?? start
        return String(text[start..<end])
    }

    /// Finds the command word and the text after it, and whether a prefix marked the message for the bot.
    func splitCommand(_ text: String) -> (word: Substring, rest: String, prefixed: Bool)? {
        guard !text.isEmpty else { return nil }
        var body = Substring(text)
        var prefixed = false
        if body.first == "!" || body.first == "/" {
            body = body.dropFirst()
            prefixed = true
            // `/cmd@botname`: a command for another bot in the same group is not ours.
            let head = body.prefix { !Self.isSpace($0) }
            if let at = head.firstIndex(of: "@") {
                let target = head[head.index(after: at)...].lowercased()
                guard target == botName else { return nil }
                body = body[..<at] + body[head.endIndex...]
            }
        } else if body.first == "@" {
            let head = body.dropFirst().prefix { !Self.isSpace($0) && $0 != ":" && $0 != "," }
            guard head.lowercased() == botName else { return nil }
            body = body.dropFirst(1 + head.count).drop { $0 == ":" || $0 == "," || Self.isSpace($0) }
            prefixed = true
        }
        let word = body.prefix { !Self.isSpace($0) }
        let rest = Self.trimSpaces(body[word.endIndex...])
        return (word, rest, prefixed)
    }

    func parse(name: String, word: String, rest: String) -> ParseResult {
        let args = rest.split(whereSeparator: Self.isSpace).map(String.init)
        func text(_ make: (String) -> Command) -> ParseResult {
            rest.isEmpty ? .malformed(command: name, problem: .missingText) : .command(make(rest))
        }
        switch name {
        case "help":
            return .command(.help(topic: args.first.map { Self.words[$0.lowercased()] ?? $0.lowercased() }))
        case "status": return .command(.status)
        case "principles": return .command(.principles)
        case "principle":
            if let first = args.first?.lowercased(), first == "new" || first == "add" {
                let body = args.dropFirst().joined(separator: " ")
                guard let colon = body.firstIndex(of: ":") else { return .malformed(command: name, problem: .badForm) }
                let title = body[..<colon].trimmingCharacters(in: .whitespaces)
                let why = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard !title.isEmpty, !why.isEmpty else { return .malformed(command: name, problem: .badForm) }
                return .command(.principleNew(title: title, why: why))
            }
            guard let ref = args.first, args.count == 1 else { return .malformed(command: name, problem: .badForm) }
            return .command(.principle(ref: ref))
        case "rate": return parseRate(args)
        case "scores": return .command(.scores)
        case "example": return text { .example(text: $0) }
        case "caught": return parseCaught(args)
        case "examples":
            let everyone = args.first.map { ["all", "team", "week", "everyone"].contains($0.lowercased()) } ?? false
            return .command(.examples(everyone: everyone))
        case "edit":
            guard let id = args.first.flatMap(Self.number) else { return .malformed(command: name, problem: .missingNumber) }
            let body = args.dropFirst().joined(separator: " ")
            return body.isEmpty ? .malformed(command: name, problem: .missingText) : .command(.edit(id: id, text: body))
        case "delete":
            guard args.count == 1, let id = Self.number(args[0]) else { return .malformed(command: name, problem: .missingNumber) }
            return .command(.delete(id: id))
        case "goal": return parseGoal(args, listWord: word == "goals")
        case "followup":
            if args.isEmpty || (args.count == 1 && args[0].lowercased() == "list") || word == "followups" && args.isEmpty {
                return .command(.followUps)
            }
            return .command(.followUp(text: rest))
        case "fixed":
            guard let id = args.first.flatMap(Self.number) else { return .malformed(command: name, problem: .missingNumber) }
            let body = args.dropFirst().joined(separator: " ")
            return body.isEmpty ? .malformed(command: name, problem: .missingText) : .command(.fixed(id: id, resolution: body))
        case "idea":
            if args.isEmpty || (args.count == 1 && args[0].lowercased() == "list") { return .command(.ideas) }
            return .command(.idea(text: rest))
        case "means":
            if args.isEmpty || (args.count == 1 && args[0].lowercased() == "list") { return .command(.definitions) }
            return .command(.means(text: rest))
        case "away":
            let dateWord = args.first?.lowercased() == "until" ? args.dropFirst().first : args.first
            guard let dateWord else { return .malformed(command: name, problem: .badDate) }
            guard let date = LocalDate(dateWord), args.count <= 2 else { return .malformed(command: name, problem: .badDate) }
            return .command(.away(until: date))
        case "back": return .command(.back)
        case "programme": return parseProgramme(args)
        case "start":
            let choice = args.joined(separator: " ").lowercased()
            switch choice {
            case "", "next", "monday", "next monday": return .command(.start(.nextMonday))
            case "now", "today", "this week": return .command(.start(.thisWeek))
            default:
                guard let date = LocalDate(choice) else { return .malformed(command: name, problem: .badDate) }
                return .command(.start(.on(date)))
            }
        case "pause": return .command(.pause)
        case "resume": return .command(.resume)
        case "skip": return .command(.skip)
        case "cycle":
            guard word == "restart" || args.first?.lowercased() == "new" else { return .malformed(command: name, problem: .badForm) }
            return .command(.newCycle)
        case "report": return .command(.report)
        default:
            return .unknown(word: word, suggestions: Self.suggestions(for: word))
        }
    }

    func parseRate(_ args: [String]) -> ParseResult {
        guard let first = args.first else { return .command(.rate(.prompt)) }
        if first.lowercased() == "all" {
            let scores = args.dropFirst().map { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }
            guard !scores.isEmpty, scores.allSatisfy({ $0 != nil }) else { return .malformed(command: "rate", problem: .badScore) }
            let values = scores.compactMap { $0 }
            guard values.allSatisfy(Self.isScore) else { return .malformed(command: "rate", problem: .badScore) }
            return .command(.rate(.all(scores: values)))
        }
        if first.contains("=") || first.contains(":") {
            var pairs: [Command.RatingInput.Pair] = []
            for arg in args {
                let parts = arg.split(whereSeparator: { $0 == "=" || $0 == ":" }).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { return .malformed(command: "rate", problem: .badForm) }
                guard let score = Int(parts[1]), Self.isScore(score) else { return .malformed(command: "rate", problem: .badScore) }
                pairs.append(.init(ref: parts[0], score: score))
            }
            return .command(.rate(.pairs(pairs)))
        }
        guard args.count == 2 else { return .malformed(command: "rate", problem: .badForm) }
        guard let score = Int(args[1]), Self.isScore(score) else { return .malformed(command: "rate", problem: .badScore) }
        return .command(.rate(.one(ref: args[0], score: score)))
    }

    static func isScore(_ value: Int) -> Bool { value == 1 || value == 3 || value == 5 }

    func parseCaught(_ args: [String]) -> ParseResult {
        let mentions = args.prefix { $0.hasPrefix("@") && $0.count > 1 }
        guard !mentions.isEmpty else { return .malformed(command: "caught", problem: .missingMention) }
        var body = args.dropFirst(mentions.count)
        if let first = body.first?.lowercased(), first == "for" || first == "-" || first == ":" { body = body.dropFirst() }
        guard !body.isEmpty else { return .malformed(command: "caught", problem: .missingText) }
        let names = mentions.map { String($0.dropFirst()).trimmingCharacters(in: CharacterSet(charactersIn: ",:;.")) }
        return .command(.caught(mentions: names, text: body.joined(separator: " ")))
    }

    func parseGoal(_ args: [String], listWord: Bool) -> ParseResult {
        guard let sub = args.first?.lowercased() else { return .command(.goals) }
        let rest = Array(args.dropFirst())
        switch sub {
        case "list", "all": return .command(.goals)
        case "add", "new", "set": return parseGoalDraft(rest)
        case "action", "act":
            guard let id = rest.first.flatMap(Self.number) else { return .malformed(command: "goal", problem: .missingNumber) }
            let text = rest.dropFirst().joined(separator: " ")
            return text.isEmpty ? .malformed(command: "goal", problem: .missingText) : .command(.goalAction(id: id, text: text))
        case "close", "done":
            guard rest.count == 1, let id = Self.number(rest[0]) else { return .malformed(command: "goal", problem: .missingNumber) }
            return .command(.goalClose(id: id))
        case "update", "progress":
            return parseGoalUpdate(rest)
        default:
            return parseGoalUpdate(args)
        }
    }

    /// `goal 2 1.5 note…`: the goal's number, the new value, an optional note.
    func parseGoalUpdate(_ args: [String]) -> ParseResult {
        guard args.count >= 2, let id = Self.number(args[0]) else { return .malformed(command: "goal", problem: .badForm) }
        guard let value = Self.decimal(args[1]) else { return .malformed(command: "goal", problem: .badNumber) }
        return .command(.goalUpdate(id: id, value: value, note: args.dropFirst(2).joined(separator: " ")))
    }

    func parseGoalDraft(_ args: [String]) -> ParseResult {
        let keywords: Set<String> = ["target", "due", "tolerance", "tol", "owner", "higher", "lower"]
        guard let targetAt = args.firstIndex(where: { $0.lowercased() == "target" }), targetAt > 0 else {
            return .malformed(command: "goal", problem: .badForm)
        }
        let kpi = args[..<targetAt].joined(separator: " ")
        guard targetAt + 1 < args.count, let target = Self.decimal(args[targetAt + 1]) else {
            return .malformed(command: "goal", problem: .badNumber)
        }
        var draft = GoalDraft(
            kpi: kpi, target: target, unit: args[targetAt + 1].hasSuffix("%") ? "%" : "", direction: .higherIsBetter,
            dueDate: nil, tolerance: 0, tolerancePercent: false, owner: nil)
        var i = targetAt + 2
        var unitWords: [String] = []
        while i < args.count, !keywords.contains(args[i].lowercased()) {
            unitWords.append(args[i])
            i += 1
        }
        if !unitWords.isEmpty { draft.unit = unitWords.joined(separator: " ") }
        while i < args.count {
            let word = args[i].lowercased()
            let next = i + 1 < args.count ? args[i + 1] : nil
            switch word {
            case "higher":
                draft.direction = .higherIsBetter
                i += 1
            case "lower":
                draft.direction = .lowerIsBetter
                i += 1
            case "due":
                guard let next, let date = LocalDate(next) else { return .malformed(command: "goal", problem: .badDate) }
                draft.dueDate = date
                i += 2
            case "tolerance", "tol":
                guard let next, let value = Self.decimal(next), value >= 0 else { return .malformed(command: "goal", problem: .badNumber) }
                draft.tolerance = value
                draft.tolerancePercent = next.hasSuffix("%")
                i += 2
            case "owner":
                guard let next, next.hasPrefix("@"), next.count > 1 else { return .malformed(command: "goal", problem: .missingMention) }
                draft.owner = String(next.dropFirst())
                i += 2
            default:
                // "is better" and similar filler after higher/lower reads naturally; anything else is a mistake.
                guard ["is", "better", "the"].contains(word) else { return .malformed(command: "goal", problem: .badForm) }
                i += 1
            }
        }
        return .command(.goalAdd(draft))
    }

    func parseProgramme(_ args: [String]) -> ParseResult {
        guard let sub = args.first?.lowercased() else { return .command(.programmeShow) }
        let rest = Array(args.dropFirst()).filter { $0.lowercased() != "to" }
        switch sub {
        case "show", "list": return .command(.programmeShow)
        case "accept", "ok", "yes": return .command(.programmeAccept)
        case "move":
            guard rest.count == 2, let position = Self.number(rest[1]) else { return .malformed(command: "programme", problem: .badForm) }
            return .command(.programmeMove(ref: rest[0], position: position))
        case "drop", "remove":
            guard rest.count == 1 else { return .malformed(command: "programme", problem: .badForm) }
            return .command(.programmeDrop(ref: rest[0]))
        case "add":
            guard (1...2).contains(rest.count) else { return .malformed(command: "programme", problem: .badForm) }
            let position = rest.count == 2 ? Self.number(rest[1]) : nil
            if rest.count == 2, position == nil { return .malformed(command: "programme", problem: .badNumber) }
            return .command(.programmeAdd(ref: rest[0], position: position))
        default:
            return .malformed(command: "programme", problem: .badForm)
        }
    }

    /// Whole numbers users type for ids and positions, with an optional `#`.
    static func number(_ text: String) -> Int? {
        let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard let n = Int(digits), n > 0, n < 1_000_000_000 else { return nil }
        return n
    }

    /// Decimal values for goals: `2`, `2.5`, `2,5`, `95%`.
    static func decimal(_ text: String) -> Double? {
        var t = text.replacingOccurrences(of: ",", with: ".")
        if t.hasSuffix("%") { t.removeLast() }
        guard let value = Double(t), value.isFinite else { return nil }
        return value
    }

    /// The nearest command words by edit distance, as their help names.
    static func suggestions(for word: String) -> [String] {
        guard !word.isEmpty else { return [] }
        let word = String(word.prefix(40))
        let scored = words.compactMap { alias, name -> (Int, String)? in
            guard alias.count > 1 else { return nil }
            let distance = editDistance(word, alias)
            return distance <= max(1, min(2, word.count / 3)) ? (distance, name) : nil
        }
        var seen = Set<String>()
        return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.compactMap { seen.insert($0.1).inserted ? $0.1 : nil }
            .prefix(3).map { $0 }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

import Foundation
