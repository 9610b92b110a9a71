import CoachCore
import Testing

@Suite("Command parser")
struct CommandParserTests {
    let parser = CommandParser(botName: "coach")

    static let wellFormedCases: [(String, Command)] = [
        ("!help", .help(topic: nil)),
        ("/help", .help(topic: nil)),
        ("/HELP@coach", .help(topic: nil)),
        ("@coach help goal", .help(topic: "goal")),
        ("@Coach: help", .help(topic: nil)),
        ("!? ex", .help(topic: "example")),
        ("!example Sam rebooked a delivery", .example(text: "Sam rebooked a delivery")),
        ("!EX  spaced   out ", .example(text: "spaced   out")),
        ("!caught @sam for staying late", .caught(mentions: ["sam"], text: "staying late")),
        ("!kudos @sam @jo, fixed the till", .caught(mentions: ["sam", "jo"], text: "fixed the till")),
        ("!rate", .rate(.prompt)),
        ("!rate 4 5", .rate(.one(ref: "4", score: 5))),
        ("!rate listen 1", .rate(.one(ref: "listen", score: 1))),
        ("!rate 4=5 7:1", .rate(.pairs([.init(ref: "4", score: 5), .init(ref: "7", score: 1)]))),
        ("!rate all 1 3 5", .rate(.all(scores: [1, 3, 5]))),
        ("!scores", .scores),
        ("!examples", .examples(everyone: false)),
        ("!examples all", .examples(everyone: true)),
        ("!edit #3 new words", .edit(id: 3, text: "new words")),
        ("!delete 3", .delete(id: 3)),
        ("!goals", .goals),
        ("!goal 2 1.5 busy week", .goalUpdate(id: 2, value: 1.5, note: "busy week")),
        ("!goal update 2 95%", .goalUpdate(id: 2, value: 95, note: "")),
        ("!goal action 2 add a lunchtime shift", .goalAction(id: 2, text: "add a lunchtime shift")),
        ("!goal close 2", .goalClose(id: 2)),
        (
            "!goal add Reply time target 4 hours lower due 2027-01-31 tolerance 25% owner @sam",
            .goalAdd(GoalDraft(kpi: "Reply time", target: 4, unit: "hours", direction: .lowerIsBetter,
                dueDate: LocalDate("2027-01-31"), tolerance: 25, tolerancePercent: true, owner: "sam"))
        ),
        (
            "!goal add CSAT target 90% higher is better tol 2",
            .goalAdd(GoalDraft(kpi: "CSAT", target: 90, unit: "%", direction: .higherIsBetter, dueDate: nil,
                tolerance: 2, tolerancePercent: false, owner: nil))
        ),
        ("!followup card reader drops out", .followUp(text: "card reader drops out")),
        ("!followups", .followUps),
        ("!fixed 4 replaced it", .fixed(id: 4, resolution: "replaced it")),
        ("!idea text when packed", .idea(text: "text when packed")),
        ("!ideas", .ideas),
        ("!means following up on promises", .means(text: "following up on promises")),
        ("!definitions", .definitions),
        ("!away until 2026-12-24", .away(until: LocalDate(year: 2026, month: 12, day: 24))),
        ("!away 2026-12-24", .away(until: LocalDate(year: 2026, month: 12, day: 24))),
        ("!back", .back),
        ("!programme", .programmeShow),
        ("!plan accept", .programmeAccept),
        ("!programme move listen to 2", .programmeMove(ref: "listen", position: 2)),
        ("!programme drop 7", .programmeDrop(ref: "7")),
        ("!programme add smile 3", .programmeAdd(ref: "smile", position: 3)),
        ("!principle new Tidy shop: a tidy shop says we care", .principleNew(title: "Tidy shop", why: "a tidy shop says we care")),
        ("!principle 4", .principle(ref: "4")),
        ("!start", .start(.nextMonday)),
        ("!start now", .start(.thisWeek)),
        ("!start 2026-12-07", .start(.on(LocalDate(year: 2026, month: 12, day: 7)))),
        ("!pause", .pause),
        ("!resume", .resume),
        ("!skip", .skip),
        ("!cycle new", .newCycle),
        ("!restart", .newCycle),
        ("!report", .report),
        ("!status", .status),
    ]

    @Test("well-formed commands", arguments: wellFormedCases)
    func wellFormed(_ text: String, _ expected: Command) {
        #expect(parser.parse(text, addressed: false) == .command(expected))
    }

    static let malformedCases: [(String, String, ParseProblem)] = [
        ("!example", "example", .missingText),
        ("!caught sam well done", "caught", .missingMention),
        ("!caught @sam", "caught", .missingText),
        ("!rate 4 2", "rate", .badScore),
        ("!rate 4 five", "rate", .badScore),
        ("!rate all 1 3 x", "rate", .badScore),
        ("!rate 4", "rate", .badForm),
        ("!edit x words", "edit", .missingNumber),
        ("!edit 3", "edit", .missingText),
        ("!delete", "delete", .missingNumber),
        ("!delete -1", "delete", .missingNumber),
        ("!goal 2 lots", "goal", .badNumber),
        ("!goal add Reply time 4 hours", "goal", .badForm),
        ("!goal add Reply time target soon", "goal", .badNumber),
        ("!goal add X target 4 due tomorrow", "goal", .badDate),
        ("!goal add X target 4 owner sam", "goal", .missingMention),
        ("!goal action 2", "goal", .missingText),
        ("!fixed 2", "fixed", .missingText),
        ("!away until someday", "away", .badDate),
        ("!away 2026-02-30", "away", .badDate),
        ("!start yesterday", "start", .badDate),
        ("!programme shuffle", "programme", .badForm),
        ("!principle new no colon here", "principle", .badForm),
        ("!cycle", "cycle", .badForm),
    ]

    @Test("malformed commands name the command and the problem", arguments: malformedCases)
    func malformed(_ text: String, _ command: String, _ problem: ParseProblem) {
        #expect(parser.parse(text, addressed: false) == .malformed(command: command, problem: problem))
    }

    @Test("unknown words get suggestions")
    func unknown() {
        #expect(parser.parse("!exmaple hi", addressed: false) == .unknown(word: "exmaple", suggestions: ["example"]))
        #expect(parser.parse("!staus", addressed: false) == .unknown(word: "staus", suggestions: ["status"]))
        guard case .unknown(let word, let suggestions) = parser.parse("!zzzzzz", addressed: false) else {
            Issue.record("expected unknown")
            return
        }
        #expect(word == "zzzzzz")
        #expect(suggestions.isEmpty)
    }

    @Test("ordinary chat is not a command; private chat needs no prefix")
    func addressing() {
        #expect(parser.parse("example of nothing", addressed: false) == .notACommand)
        #expect(parser.parse("example of something", addressed: true) == .command(.example(text: "of something")))
        #expect(parser.parse("hello there", addressed: true) == .unknown(word: "hello", suggestions: []))
        #expect(parser.parse("/help@otherbot", addressed: false) == .notACommand)
        #expect(parser.parse("@otherbot help", addressed: false) == .notACommand)
        #expect(parser.parse("", addressed: true) == .notACommand)
        #expect(parser.parse("   ", addressed: false) == .notACommand)
    }

    static let hostileCases: [String] = [
        "!example {{#principle}}{{why}}{{/principle}}",
        "!example @channel @everyone <!here> @**all**",
        "!example \u{0000}\u{0007}bell\u{202E}reversed",
        "!caught @\u{200B} zero width",
        "!" + String(repeating: "x", count: 10_000),
        "!example " + String(repeating: "long ", count: 500),
        "!rate all " + String(repeating: "5 ", count: 5000),
        "!goal 99999999999999999999 1",
        "!goal 2 1e400",
        "!goal 2 nan",
        "!edit 1e3 text",
        "@coach",
        "!",
        "/",
        "@coach: , ,",
        "!goal add target 4",
    ]

    @Test("hostile input never crashes and never becomes a template", arguments: hostileCases)
    func hostile(_ text: String) {
        let result = parser.parse(text, addressed: false)
        switch result {
        case .command(.example(let body)):
            // Stored as typed (minus control characters): user text is data.
            #expect(!body.contains("\u{0007}"))
            #expect(!body.contains("\u{202E}"))
        case .command(.goalUpdate(_, let value, _)):
            #expect(value.isFinite)
        case .command, .malformed, .unknown, .notACommand:
            #expect(result == parser.parse(text, addressed: false))
        }
    }

    @Test("overlong text is refused, not cut")
    func tooLong() {
        #expect(parser.parse("!example " + String(repeating: "a", count: 1001), addressed: false) == .malformed(command: "example", problem: .tooLong))
    }

    @Test("every command word has a help entry name")
    func names() {
        #expect(CommandParser.commandNames.count == 25)
        #expect(CommandParser.words["kudos"] == "caught")
    }
}
