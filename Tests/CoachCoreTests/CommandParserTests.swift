@testable import CoachCore
import Testing

@Suite("Command parser")
struct CommandParserTests {
    let parser = CommandParser(botName: "coach")

    /// A parsed command: the declaration it came from (by name) and its form with typed arguments.
    static func c(_ name: String, _ form: any CommandForm) -> Command { Command(form, name: name) }

    static let wellFormedCases: [(String, Command)] = [
        ("!help", c("help", Help.Show(topic: nil))),
        ("/help", c("help", Help.Show(topic: nil))),
        ("/HELP@coach", c("help", Help.Show(topic: nil))),
        ("@coach help goal", c("help", Help.Show(topic: "goal"))),
        ("@Coach: help", c("help", Help.Show(topic: nil))),
        ("!? ex", c("help", Help.Show(topic: "example"))),
        ("!example Sam rebooked a delivery", c("example", Examples.Add(text: "Sam rebooked a delivery"))),
        ("!EX  spaced   out ", c("example", Examples.Add(text: "spaced   out"))),
        ("!caught @sam for staying late", c("caught", Examples.Caught(mentions: ["sam"], text: "staying late"))),
        ("!kudos @sam @jo, fixed the till", c("caught", Examples.Caught(mentions: ["sam", "jo"], text: "fixed the till"))),
        ("!rate", c("rate", Ratings.Rate(input: .prompt))),
        ("!rate 4 5", c("rate", Ratings.Rate(input: .one(ref: "4", score: 5)))),
        ("!rate listen 1", c("rate", Ratings.Rate(input: .one(ref: "listen", score: 1)))),
        ("!rate 4=5 7:1", c("rate", Ratings.Rate(input: .pairs([.init(ref: "4", score: 5), .init(ref: "7", score: 1)])))),
        ("!rate all 1 3 5", c("rate", Ratings.Rate(input: .all(scores: [1, 3, 5])))),
        ("!scores", c("scores", Ratings.ShowScores())),
        ("!examples", c("examples", Examples.List(everyone: false))),
        ("!examples all", c("examples", Examples.List(everyone: true))),
        ("!edit #3 new words", c("edit", Examples.Edit(id: 3, text: "new words"))),
        ("!delete 3", c("delete", Examples.Delete(id: 3))),
        ("!goals", c("goal", Goals.List())),
        ("!goal 2 1.5 busy week", c("goal", Goals.Update(id: 2, value: 1.5, note: "busy week"))),
        ("!goal update 2 95%", c("goal", Goals.Update(id: 2, value: 95, note: ""))),
        ("!goal action 2 add a lunchtime shift", c("goal", Goals.RecordAction(id: 2, text: "add a lunchtime shift"))),
        ("!goal close 2", c("goal", Goals.Close(id: 2))),
        (
            "!goal add Reply time target 4 hours lower due 2027-01-31 tolerance 25% owner @sam",
            c("goal", Goals.Add(draft: Goals.Draft(kpi: "Reply time", target: 4, unit: "hours", direction: .lowerIsBetter,
                dueDate: LocalDate("2027-01-31"), tolerance: 25, tolerancePercent: true, owner: "sam")))
        ),
        (
            "!goal add CSAT target 90% higher is better tol 2",
            c("goal", Goals.Add(draft: Goals.Draft(kpi: "CSAT", target: 90, unit: "%", direction: .higherIsBetter, dueDate: nil,
                tolerance: 2, tolerancePercent: false, owner: nil)))
        ),
        (
            "!goal add Reply time aim 4 hours down is good due 2027-01-31 allowed gap 25% owner @sam",
            c("goal", Goals.Add(draft: Goals.Draft(kpi: "Reply time", target: 4, unit: "hours", direction: .lowerIsBetter,
                dueDate: LocalDate("2027-01-31"), tolerance: 25, tolerancePercent: true, owner: "sam")))
        ),
        (
            "!goal add Calls picked up aim 90% up is good gap 2",
            c("goal", Goals.Add(draft: Goals.Draft(kpi: "Calls picked up", target: 90, unit: "%", direction: .higherIsBetter,
                dueDate: nil, tolerance: 2, tolerancePercent: false, owner: nil)))
        ),
        ("!followup card reader drops out", c("followup", FollowUps.Open(text: "card reader drops out"))),
        ("!followups", c("followup", FollowUps.List())),
        ("!fixed 4 replaced it", c("fixed", FollowUps.Fix(id: 4, resolution: "replaced it"))),
        ("!idea text when packed", c("idea", IdeasAndDefinitions.AddIdea(text: "text when packed"))),
        ("!ideas", c("idea", IdeasAndDefinitions.ListIdeas())),
        ("!means following up on promises", c("means", IdeasAndDefinitions.AddDefinition(text: "following up on promises"))),
        ("!definitions", c("means", IdeasAndDefinitions.ListDefinitions())),
        ("!means agree 2 5", c("means", DefinitionWeek.Agree(answerIDs: [2, 5], text: "", asTyped: "agree 2 5"))),
        (
            "!means agree keeping every promise",
            c("means", DefinitionWeek.Agree(answerIDs: [], text: "keeping every promise", asTyped: "agree keeping every promise"))
        ),
        ("!away until 2026-12-24", c("away", Presence.Away(until: LocalDate(year: 2026, month: 12, day: 24)))),
        ("!away 2026-12-24", c("away", Presence.Away(until: LocalDate(year: 2026, month: 12, day: 24)))),
        ("!back", c("back", Presence.Back())),
        ("!programme", c("programme", Plan.Show())),
        ("!plan accept", c("programme", Plan.Accept())),
        ("!programme move listen to 2", c("programme", Plan.Move(ref: "listen", position: 2))),
        ("!programme drop 7", c("programme", Plan.Drop(ref: "7"))),
        ("!programme add smile 3", c("programme", Plan.Add(ref: "smile", position: 3))),
        ("!principle new Tidy shop: a tidy shop says we care", c("principle", Principles.AddOwn(title: "Tidy shop", why: "a tidy shop says we care"))),
        ("!principle 4", c("principle", Principles.Show(ref: "4"))),
        ("!start", c("start", ProgrammeControl.Start(when: .nextMonday))),
        ("!start now", c("start", ProgrammeControl.Start(when: .thisWeek))),
        ("!start 2026-12-07", c("start", ProgrammeControl.Start(when: .on(LocalDate(year: 2026, month: 12, day: 7))))),
        ("!pause", c("pause", ProgrammeControl.Pause())),
        ("!resume", c("resume", ProgrammeControl.Resume())),
        ("!skip", c("skip", ProgrammeControl.Skip())),
        ("!cycle new", c("cycle", ProgrammeControl.NewCycle())),
        ("!restart", c("cycle", ProgrammeControl.NewCycle())),
        ("!report", c("report", Ratings.ShowBeforeAfter())),
        ("!status", c("status", Help.Status())),
    ]

    @Test("well-formed commands", arguments: wellFormedCases)
    func wellFormed(_ text: String, _ expected: Command) {
        #expect(parser.parse(text, addressed: false) == .command(expected))
    }

    static let malformedCases: [(String, String, ParseProblem)] = [
        ("!example", "example", .missingText),
        ("!means agree", "means", .missingText),
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
        #expect(parser.parse("example of something", addressed: true) == .command(Self.c("example", Examples.Add(text: "of something"))))
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
        case .command(let command) where command.form is Examples.Add:
            // Stored as typed (minus control characters): user text is data.
            let body = (command.form as? Examples.Add)?.text ?? ""
            #expect(!body.contains("\u{0007}"))
            #expect(!body.contains("\u{202E}"))
        case .command(let command) where command.form is Goals.Update:
            #expect((command.form as? Goals.Update)?.value.isFinite == true)
        case .command, .malformed, .unknown, .notACommand:
            #expect(result == parser.parse(text, addressed: false))
        }
    }

    @Test("overlong text is refused, not cut")
    func tooLong() {
        #expect(parser.parse("!example " + String(repeating: "a", count: 1001), addressed: false) == .malformed(command: "example", problem: .tooLong))
    }

    /// One character as people see it can hold any number of scalars: the issue's `!means a` + 20,000 × U+0301.
    @Test("text is limited in Unicode scalars as well as characters", arguments: ["\u{301}", "\u{308}", "\u{20DD}", "\u{FE0F}"])
    func tooManyScalars(_ mark: String) {
        let giant = "a" + String(repeating: mark, count: 20_000)
        #expect(giant.count == 1)
        #expect(parser.parse("!means " + giant, addressed: false) == .malformed(command: "means", problem: .tooLong))
        // At the limit it passes; one scalar more does not.
        #expect(!CommandParser.isTooLong(String(repeating: "a", count: 1_000)))
        #expect(!CommandParser.isTooLong("a" + String(repeating: mark, count: CommandParser.maximumTextScalars - 1)))
        #expect(CommandParser.isTooLong("a" + String(repeating: mark, count: CommandParser.maximumTextScalars)))
        // Real writing is far from it: a thousand emoji with skin tones, or accented letters, pass.
        #expect(!CommandParser.isTooLong(String(repeating: "\u{1F44D}\u{1F3FD}", count: 1_000)))
        #expect(!CommandParser.isTooLong(String(repeating: "e\u{301}", count: 1_000)))
    }

    @Test("an unknown command word echoed back is short in scalars too")
    func unknownWordIsCut() {
        guard case .unknown(let word, _) = parser.parse("!x" + String(repeating: "\u{301}", count: 50_000), addressed: false) else {
            Issue.record("expected an unknown command")
            return
        }
        #expect(word.unicodeScalars.count <= 160)
    }

    @Test("every command word has a help entry name")
    func names() {
        #expect(CommandParser.commandNames.count == Commands.all.count)
        #expect(CommandParser.vocabulary["kudos"]?.name == "caught")
    }
}
