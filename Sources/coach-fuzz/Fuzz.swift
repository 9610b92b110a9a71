import ArgumentParser
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation

/// A seeded fuzzer over what hostile text reaches: the command parser, each platform's escaping and mass-mention
/// guard, the message splitter, and the engine with its state codec. The invariants the tests hold on a few seeds
/// are its oracle here, over as many iterations as asked (`scripts/fuzz.sh N`).
///
/// Every iteration draws from its own generator, seeded by the run's seed and the iteration's number, so a
/// finding is replayed alone with `--seed S --only I`. Engine iterations carry state from the ones before them
/// (the engine is a sequence), so they are replayed by running the same seed up to that iteration.
@main
struct CoachFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coach-fuzz",
        abstract: "Fuzz the parser, each platform's escaping, the splitter and the engine with seeded hostile text.")

    @Option(help: "How many iterations to run.")
    var iterations = 100_000

    @Option(help: "The run's seed; each iteration's generator derives from it and the iteration's number.")
    var seed: UInt64 = 20_261_130

    @Option(help: "Run only this iteration (to replay a finding).")
    var only: Int?

    @Option(help: "Print progress every this many iterations.")
    var progressEvery = 100_000

    mutating func run() throws {
        var fuzzer = try Fuzzer(seed: seed)
        let started = Date()
        let range = only.map { $0...$0 } ?? 0...(iterations - 1)
        for iteration in range {
            fuzzer.run(iteration)
            if (iteration + 1) % progressEvery == 0 {
                let rate = Double(iteration + 1) / Date().timeIntervalSince(started)
                print("\(iteration + 1) iterations, \(fuzzer.findings.count) findings, \(Int(rate)) a second")
            }
            if fuzzer.findings.count >= 50 { break }
        }
        print("")
        print("| Target | Iterations | Findings |")
        print("|---|---:|---:|")
        for target in Fuzzer.Target.allCases {
            print("| \(target.rawValue) | \(fuzzer.counts[target, default: 0]) | \(fuzzer.findings.filter { $0.target == target }.count) |")
        }
        print("")
        print("seed \(seed), \(range.count) iterations, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        for finding in fuzzer.findings.prefix(20) {
            print("FINDING \(finding.target.rawValue) at iteration \(finding.iteration) (replay: --seed \(seed) --only \(finding.iteration)): \(finding.what)")
            // Cut by scalars: one character can hold thousands of them.
            print("  input: \(String(String.UnicodeScalarView(finding.input.unicodeScalars.prefix(300))).debugDescription)")
        }
        if !fuzzer.findings.isEmpty { throw ExitCode(1) }
    }
}

struct Fuzzer {
    enum Target: String, CaseIterable {
        case parser = "command parser"
        case escaping = "escaping and mass-mention guards"
        case splitter = "message splitter"
        case engine = "engine and state codec"
    }

    struct Finding {
        var target: Target
        var iteration: Int
        var what: String
        var input: String
    }

    let seed: UInt64
    let parser = CommandParser(botName: "coach")
    var counts: [Target: Int] = [:]
    var findings: [Finding] = []
    /// One engine per platform markup, so each platform's escaping is fed what the engine really renders.
    var engines: [(platform: WireText.Platform, harness: Harness, journal: [StateEvent])]
    let start: [Harness]
    var engineSteps = 0

    init(seed: UInt64) throws {
        self.seed = seed
        var harnesses: [Harness] = []
        for platform in WireText.platforms {
            let coach = try Fixtures.coach(capabilities: .init(directMessages: true, threads: true, markup: platform.markup)) {
                $0.holidays = []
                $0.programme.openingWeek = false
            }
            var h = Harness(coach: coach, at: "2026-12-30 10:00")
            h.tick()
            h.say("alex", "!start 2027-01-04", name: "Alex")
            h.tick(at: "2027-01-04 09:00")
            harnesses.append(h)
        }
        start = harnesses
        engines = zip(WireText.platforms, harnesses).map { ($0, $1, []) }
    }

    mutating func run(_ iteration: Int) {
        var random = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(iteration))
        // Most iterations are cheap (parser, escaping, splitter); one in eight drives the engines.
        switch iteration % 8 {
        case 0, 1, 2: parse(iteration, &random)
        case 3, 4: escape(iteration, &random)
        case 5, 6: split(iteration, &random)
        default: engine(iteration, &random)
        }
    }

    mutating func report(_ target: Target, _ iteration: Int, _ what: String, _ input: String) {
        findings.append(Finding(target: target, iteration: iteration, what: what, input: input))
    }

    // MARK: The parser

    mutating func parse(_ iteration: Int, _ random: inout SeededRandom) {
        counts[.parser, default: 0] += 1
        let prefix = ["!", "/", "", "@coach ", "! ", "!!", "\u{FF01}"].randomElement(using: &random)!
        let word = Bool.random(using: &random)
            ? CommandParser.commandNames.randomElement(using: &random)! : FuzzText.word(&random)
        let line = prefix + word + " " + FuzzText.line(&random)
        let addressed = Bool.random(using: &random)
        let result = parser.parse(line, addressed: addressed)
        if result != parser.parse(line, addressed: addressed) {
            report(.parser, iteration, "the same line parsed two ways", line)
        }
        // Far over the scalar limit in what the parser reads (not controls, not marks riding on a space, which the
        // parser reads as that space): never a command.
        let plainScalars = FuzzText.readScalars(line)
        if plainScalars > CommandParser.maximumTextScalars + 200, case .command(let command) = result, command.name != "help" {
            report(.parser, iteration, "a \(plainScalars)-scalar line was accepted as \(command.name)", line)
        }
        if case .unknown(let echoed, _) = result, echoed.count > 40 || echoed.unicodeScalars.count > 160 {
            report(.parser, iteration, "an unknown word is echoed at \(echoed.unicodeScalars.count) scalars", line)
        }
    }

    // MARK: Escaping and each platform's guard

    /// What templates put right before and after a value.
    static let before = ["", "@", "Thanks, ", "*", "_", "> ", "(", "\"", "`", "- ", "I don't know who @", "\n"]
    static let after = ["", " ", "!", "*", "_", "\u{301}", ".", ":", "**", ")", "\n"]

    mutating func escape(_ iteration: Int, _ random: inout SeededRandom) {
        counts[.escaping, default: 0] += 1
        let value = FuzzText.line(&random)
        let before = Self.before.randomElement(using: &random)!
        let after = Self.after.randomElement(using: &random)!
        for platform in WireText.platforms {
            let rendered = before + platform.markup.escape(value) + after
            check(platform, rendered, .escaping, iteration, value)
        }
    }

    /// Every text on the wire pings nobody by the platform's rule, and fits its limit.
    mutating func check(_ platform: WireText.Platform, _ rendered: String, _ target: Target, _ iteration: Int, _ input: String) {
        for text in platform.texts(rendered) {
            if let mention = Self.rule(platform.kind)(text) {
                report(target, iteration, "\(platform.kind) would ping everyone: \(mention)", input)
            }
            let wire = platform.kind == "matrix" ? String(text.dropFirst(5)) : text
            if !(platform.kind == "matrix" && text.hasPrefix("body:")), platform.splitter.size(wire) > platform.splitter.limit {
                report(target, iteration, "\(platform.kind) part over its limit: \(platform.splitter.size(wire))", input)
            }
        }
    }

    static func rule(_ kind: String) -> (String) -> String? {
        switch kind {
        case "mattermost": MassMentionRule.mattermost
        case "slack": MassMentionRule.slack
        case "discord": MassMentionRule.discord
        case "zulip": MassMentionRule.zulip
        case "telegram": MassMentionRule.telegram
        default: MassMentionRule.matrix
        }
    }

    // MARK: The splitter

    mutating func split(_ iteration: Int, _ random: inout SeededRandom) {
        counts[.splitter, default: 0] += 1
        var text = ""
        for _ in 0..<Int.random(in: 1...12, using: &random) {
            text += [FuzzText.line(&random), FuzzText.markup(&random), "\n", "\n\n", " "].randomElement(using: &random)!
        }
        let limit = Int.random(in: MessageSplitter.smallestLimit...1_500, using: &random)
        let measure = [MessageSplitter.Measure.utf8, .utf16, .scalars].randomElement(using: &random)!
        let markup = Markup.allCases.randomElement(using: &random)!
        let splitter = MessageSplitter(limit: limit, measure: measure, markup: markup)
        let parts = splitter.split(text)
        for part in parts where splitter.size(part) > limit {
            report(.splitter, iteration, "a part of \(splitter.size(part)) over the limit \(limit) (\(measure), \(markup))", text)
        }
        // Plain text has no markup to carry: the parts hold every scalar of the text but the spaces and line breaks
        // the cuts fall on.
        if markup == .plain {
            func kept(_ text: String) -> [Unicode.Scalar] { text.unicodeScalars.filter { $0 != " " && $0 != "\n" } }
            if kept(parts.joined()) != kept(text) {
                report(.splitter, iteration, "plain parts lost or changed text (limit \(limit), \(measure))", text)
            }
        }
    }

    /// The most scalars in any string of a JSON value.
    static func longestString(_ value: Any) -> Int? {
        switch value {
        case let text as String: text.unicodeScalars.count
        case let array as [Any]: array.compactMap(longestString).max()
        case let object as [String: Any]: object.values.compactMap(longestString).max()
        default: nil
        }
    }

    // MARK: The engine

    mutating func engine(_ iteration: Int, _ random: inout SeededRandom) {
        counts[.engine, default: 0] += 1
        engineSteps += 1
        if engineSteps % 400 == 0 { engines = zip(WireText.platforms, start).map { ($0, $1, []) } }
        let members = [("sam", "Sam"), ("jo", "Jo"), ("alex", "Alex"), ("u\u{301}", "Zoë\u{202E}"), ("9", "{{bot}}")]
        let (id, name) = members.randomElement(using: &random)!
        let word = CommandParser.commandNames.randomElement(using: &random)!
        let forms = [
            "!\(word) \(FuzzText.line(&random))", "!caught @\(FuzzText.word(&random)) \(FuzzText.line(&random))",
            "!means \(FuzzText.line(&random))", "!example \(FuzzText.line(&random))", FuzzText.line(&random),
            "!examples all", "!ideas", "!definitions", "!\(FuzzText.word(&random))",
        ]
        let text = forms.randomElement(using: &random)!
        let moveOn = Int.random(in: 0..<10, using: &random) == 0
        let minutes = Int.random(in: 1...(60 * 24 * 4), using: &random)
        let direct = Bool.random(using: &random)
        for index in engines.indices {
            var h = engines[index].harness
            let outcome: Outcome
            if moveOn {
                h.now = h.now.addingTimeInterval(Double(minutes * 60))
                outcome = h.tick()
            } else {
                outcome = h.receive([InboundMessage(
                    id: "f\(iteration)", senderID: id, senderName: name, text: text, isDirect: direct)])
            }
            // The harness marks what was queued delivered, as the runtime's commit does after sending.
            engines[index].journal += outcome.events + outcome.queued.map { .delivered(id: $0.id, platformID: "p-\($0.id)") }
            for message in outcome.queued { check(engines[index].platform, message.text, .engine, iteration, text) }
            engines[index].harness = h
        }
        // Every fiftieth step: the state reads back equal, its journal rebuilds it, and no text in it is over the
        // member-text limit (names are the platform's, and short here).
        if engineSteps % 50 == 0 {
            for (platform, h, journal) in engines {
                do {
                    let json = try JSONSerialization.jsonObject(with: try JSONCoding.encoder.encode(h.state))
                    if let long = Self.longestString(json), long > CommandParser.maximumTextScalars {
                        report(.engine, iteration, "\(platform.kind): the state holds a \(long)-scalar text", text)
                    }
                    let loaded = try JSONCoding.decoder.decode(CoachState.self, from: try JSONCoding.encoder.encode(h.state))
                    if loaded != h.state { report(.engine, iteration, "\(platform.kind): the state read back differs", text) }
                    var rebuilt = start[WireText.platforms.firstIndex { $0.kind == platform.kind }!].state
                    for event in journal {
                        rebuilt.apply(try JSONCoding.decoder.decode(StateEvent.self, from: try JSONCoding.encoder.encode(event)))
                    }
                    if rebuilt != h.state { report(.engine, iteration, "\(platform.kind): the journal does not rebuild the state", text) }
                } catch {
                    report(.engine, iteration, "\(platform.kind): the state could not be written and read: \(error)", text)
                }
            }
        }
    }
}

/// Hostile text for the fuzzer: the mention tests' hostile words, random scalars from the ranges that have broken
/// parsers (combining marks, joiners, bidi controls, emoji with modifiers, controls), huge runs, numbers and dates.
enum FuzzText {
    static let ranges: [ClosedRange<UInt32>] = [
        0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0xA0...0x17F, 0x300...0x36F, 0x200B...0x200F, 0x202A...0x202E,
        0x2060...0x2064, 0xFE00...0xFE0F, 0xFEFF...0xFEFF, 0x1F300...0x1F6FF, 0x1F3FB...0x1F3FF, 0x4E00...0x4E40,
        0x20D0...0x20FF, 0xFF01...0xFF5E, 0xE000...0xE010, 0x1F900...0x1F9FF, 0xE0020...0xE007F,
    ]

    static let words = [
        "9999-12-31", "10000-01-03", "0001-01-01", "2026-02-29", "9223372036854775807", "-1", "0", "NaN", "1e308",
        "#0", "#-3", "@alex", "@sam", "<@U1>", "<@123>", "@**Sam|5**", "{{", "}}", "{{> summary}}", "yes", "all",
        "next", "week", "add", "target", "owner", "due", "since", "reset", "25:61", "monday", "@coach",
    ]

    static func scalar(_ random: inout SeededRandom) -> Unicode.Scalar {
        let range = ranges.randomElement(using: &random)!
        return Unicode.Scalar(UInt32.random(in: range, using: &random)) ?? "?"
    }

    static func word(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return HostileText.target(using: &random)
        case 1: return words.randomElement(using: &random)!
        case 2: return String(String.UnicodeScalarView((0..<Int.random(in: 1...12, using: &random)).map { _ in scalar(&random) }))
        default: return HostileText.make(using: &random)
        }
    }

    static func line(_ random: inout SeededRandom) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            if Int.random(in: 0..<40, using: &random) == 0 {
                // A huge run: of one scalar, or one character with thousands of marks on it.
                let run = Int.random(in: 500...6_000, using: &random)
                text += Bool.random(using: &random)
                    ? String(repeating: String(scalar(&random)), count: run)
                    : "a" + String(repeating: "\u{301}", count: run)
            } else {
                text += word(&random)
            }
            text += [" ", "", "  ", "\n", "\t"].randomElement(using: &random)!
        }
        return text
    }

    /// Markup a rendered message carries, for the splitter to keep whole.
    static func markup(_ random: inout SeededRandom) -> String {
        ["<b>", "</b>", "<i>x</i>", "&amp;", "&lt;", "```", "```\ncode\n```", "<@U123>", "<!here>", "**bold**", "<a href=\"x\">",
         "</a>", "&#64;", "<br>"].randomElement(using: &random)!
    }

    /// The scalars the parser reads as text: not controls or format characters (it drops them), and not a space
    /// with marks or modifiers riding on it (one character as Swift sees it, which the parser reads as a space).
    static func readScalars(_ line: String) -> Int {
        var cleaned = String.UnicodeScalarView()
        for scalar in line.unicodeScalars {
            if scalar == "\n" || scalar == "\t" || scalar == "\r" {
                cleaned.append(" ")
            } else if scalar.properties.generalCategory != .control && scalar.properties.generalCategory != .format {
                cleaned.append(scalar)
            }
        }
        return String(cleaned).filter { !$0.isWhitespace }.unicodeScalars.count
    }
}
