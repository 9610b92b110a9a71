@testable import CoachCore
import Foundation
import Testing

@Suite("Config: unknown keys, syntax and types")
struct ConfigTests {
    static func read(_ json: String) throws(ConfigError) -> (config: CoachConfig, unknownKeys: [ConfigError]) {
        try CoachConfig.reading(json: Array(json.utf8))
    }

    static func error(_ json: String) -> ConfigError? {
        do {
            _ = try CoachConfig(json: Array(json.utf8))
            return nil
        } catch {
            return error
        }
    }

    // MARK: Unknown keys

    static let typos: [(json: String, field: String, suggestion: String?)] = [
        (#"{"admin": ["alex"]}"#, "admin", "admins"),
        (#"{"team": {"timezone": "Europe/London"}}"#, "team.timezone", "team.timeZone"),
        (#"{"shedule": {"announce": "monday 09:00"}}"#, "shedule", "schedule"),
        (#"{"schedule": {"anounce": "monday 09:00"}}"#, "schedule.anounce", "schedule.announce"),
        (#"{"schedule": {"workday": ["monday"]}}"#, "schedule.workday", "schedule.workdays"),
        (#"{"nudges": {"goalStaleDay": 3}}"#, "nudges.goalStaleDay", "nudges.goalStaleDays"),
        (#"{"digest": {"quietWeek": 3}}"#, "digest.quietWeek", "digest.quietWeeks"),
        (#"{"digest": {"followupDays": 3}}"#, "digest.followupDays", "digest.followUpDays"),
        (#"{"digets": {"day": "monday"}}"#, "digets", "digest"),
        (#"{"programme": {"suggestedLenght": 3}}"#, "programme.suggestedLenght", "programme.suggestedLength"),
        (#"{"transport": {"kind": "console", "setting": {}}}"#, "transport.setting", "transport.settings"),
        (#"{"members": [{"id": "a", "name": "A"}, {"id": "b", "nmae": "B"}]}"#, "members[1].nmae", "members[1].name"),
        (#"{"stateDir": "state"}"#, "stateDir", "stateDirectory"),
        (#"{"holiday": ["2026-12-25"]}"#, "holiday", "holidays"),
        (#"{"members": [{"id": "a", "name": "A", "role": "boss"}]}"#, "members[0].role", nil),
        (#"{"colour": "blue"}"#, "colour", nil),
    ]

    @Test("a key coach does not read is refused at any level, with the closest known key", arguments: typos)
    func unknownKey(_ json: String, _ field: String, _ suggestion: String?) throws {
        let error = try #require(Self.error(json), "accepted \(json)")
        guard case .unknownField(let gotField, let gotSuggestion, _, let known) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(gotField == field)
        #expect(gotSuggestion == suggestion)
        #expect(!known.isEmpty)
        #expect(error.description.contains(field))
        if let suggestion { #expect(error.description.contains("did you mean \(suggestion)?")) }
    }

    @Test("the message lists the keys of the section the typo is in")
    func unknownKeyMessage() throws {
        let team = try #require(Self.error(#"{"team": {"timezone": "Europe/London"}}"#))
        #expect(team.description == "The config key team.timezone is not one coach reads: did you mean team.timeZone? "
            + "The keys of team are botName, name, timeZone.")
        let top = try #require(Self.error(#"{"colour": "blue"}"#))
        #expect(top.description.hasPrefix("The config key colour is not one coach reads. The keys at the top level are admins,"))
    }

    @Test("reading lists every unknown key, sorted, and keeps the rest of the file")
    func readingListsAll() throws {
        let (config, unknown) = try Self.read(
            #"{"team": {"name": "Bakers", "timezone": "Europe/Paris"}, "shedule": {}, "admin": ["alex"], "nudges": {"goalStaleDays": 3}}"#)
        #expect(unknown.map(\.unknownFieldPath) == ["admin", "shedule", "team.timezone"])
        #expect(config.team.name == "Bakers")
        #expect(config.nudges.goalStaleDays == 3)
        #expect(config.admins.isEmpty)
        #expect(config.team.timeZone == CoachConfig().team.timeZone)
    }

    @Test("a typo behind a missing value is named rather than the value it left out")
    func typoBeforeItsConsequence() throws {
        let error = try #require(Self.error(#"{"members": [{"id": "a", "nmae": "A"}]}"#))
        #expect(error.unknownFieldPath == "members[0].nmae")
    }

    @Test("the schedule knows one key per weekly slot, from WeeklySlot, and no other slot names")
    func scheduleKeysFromSlots() throws {
        let slots = WeeklySlot.allCases.map { "\"\($0.rawValue)\": \"\($0 == .announce ? "monday" : $0 == .reminder ? "wednesday" : "friday") 10:00\"" }
        let (config, unknown) = try Self.read("{\"schedule\": {\(slots.joined(separator: ", "))}}")
        #expect(unknown.isEmpty)
        for slot in WeeklySlot.allCases { #expect(config.schedule.time(of: slot)?.hour == 10) }
        let error = try #require(Self.error(#"{"schedule": {"midweek": "wednesday 12:00"}}"#))
        guard case .unknownField(_, _, let section, let known) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(section == "schedule")
        #expect(Set(known) == Set(WeeklySlot.allCases.map(\.rawValue) + ["dailyNudge", "workdays", "lateAfterMinutes"]))
    }

    @Test("every shipped config reads without an unknown key")
    func shippedConfigsAreClean() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let examples = root.appendingPathComponent("Config/examples")
        let files = [root.appendingPathComponent("Config/coach.json")]
            + (try FileManager.default.contentsOfDirectory(atPath: examples.path)).map { examples.appendingPathComponent($0) }
        for file in files {
            let (_, unknown) = try CoachConfig.reading(json: [UInt8](try Data(contentsOf: file)))
            #expect(unknown.isEmpty, "\(file.lastPathComponent): \(unknown)")
        }
    }

    @Test("the closest word: case-insensitive, within a third of the letters or as a prefix, ties alphabetical")
    func spelling() {
        #expect(Spelling.closest(to: "TIMEZONE", among: ["name", "timeZone"]) == "timeZone")
        #expect(Spelling.closest(to: "chek", among: ["run", "simulate", "check"]) == "check")
        #expect(Spelling.closest(to: "bogus", among: ["run", "simulate", "check"]) == nil)
        #expect(Spelling.closest(to: "stateDir", among: ["stateDirectory", "schema"]) == "stateDirectory")
        #expect(Spelling.closest(to: "ab", among: ["ac", "ab1", "aa"]) == "aa")
        #expect(Spelling.closest(to: "", among: ["a"]) == nil)
    }

    // MARK: Syntax

    static func syntax(_ json: String) -> (line: Int, column: Int, problem: String)? {
        guard case .notJSON(let line, let column, let problem)? = error(json) else { return nil }
        return (line, column, problem)
    }

    @Test("a missing comma is found at the next key, by line and column")
    func missingComma() throws {
        let found = try #require(Self.syntax("{\n  \"team\": {\"name\": \"X\"}\n  \"admins\": []\n}"))
        #expect((found.line, found.column) == (3, 3))
        #expect(found.problem.contains("comma"))
        #expect(Self.error("{\n  \"team\": {\"name\": \"X\"}\n  \"admins\": []\n}")!.description
            .hasPrefix("The config file is not valid JSON at line 3, column 3: "))
    }

    @Test("syntax errors name their place and a fix", arguments: [
        // A trailing comma: refused everywhere, though Foundation on Linux would accept it.
        ("{\"admins\": [\"a\",]}", 1, 16, "remove the comma"),
        ("{\n  \"team\": {\"name\": \"X}\n}", 2, 20, "closing \""),
        ("{\"admins\": [alex]}", 1, 13, "double quotes"),
        ("{'admins': []}", 1, 2, "double quotes"),
        // Columns count characters: "é" is two bytes but one column.
        ("{\"team\": {\"name\": \"Café\"} x}", 1, 27, "comma"),
        ("", 1, 1, "empty"),
        ("{\"admins\": [] // the admins\n}", 1, 15, "comments"),
        ("{\"schema\": 01}", 1, 12, "start with 0"),
        ("{\"team\": {}}}", 1, 13, "more after the end"),
        ("{\"team\": {\"name\": \"X\"}", 1, 23, "} is missing"),
    ])
    func syntaxErrors(_ json: String, _ line: Int, _ column: Int, _ hint: String) throws {
        let found = try #require(Self.syntax(json), "no syntax error in \(json)")
        #expect((found.line, found.column) == (line, column), "\(found.problem)")
        #expect(found.problem.contains(hint), "\(found.problem)")
    }

    @Test("the scanner accepts what JSON allows")
    func validJSON() {
        for json in ["{}", " [1, -2.5e3, true, false, null, \"a\\u00e9\\n\\\"\"] ", "\u{FEFF}{\"a\": {\"b\": [[], {}]}}", "0", "\"x\""] {
            #expect(JSONSyntax.firstError(in: Array(json.utf8)) == nil, "\(json)")
        }
        let deep = String(repeating: "[", count: 10_000)
        #expect(JSONSyntax.firstError(in: Array(deep.utf8))?.problem.contains("nested too deeply") == true)
    }

    // MARK: Types in plain words

    @Test("a value of the wrong type says what is expected in plain words, and what is there", arguments: [
        (#"{"schedule": {"lateAfterMinutes": "15"}}"#,
            #"schedule.lateAfterMinutes should be a whole number, like 7, not text in quotes ("15"); write 15 without the quotes"#),
        (#"{"nudges": {"goalStaleDays": 1.5}}"#, "nudges.goalStaleDays should be a whole number, like 7, not the number 1.5"),
        (#"{"programme": {"suggestedLength": 1e100}}"#, "programme.suggestedLength should be a whole number, like 7"),
        (#"{"team": {"name": 7}}"#, #"team.name should be text in quotes, like "Europe/London", not the number 7"#),
        (#"{"nudges": {"midweekExampleNudge": "yes"}}"#, #"nudges.midweekExampleNudge should be true or false, not text in quotes ("yes")"#),
        (#"{"schedule": {"workdays": "monday"}}"#, #"schedule.workdays should be a list, like ["monday", "friday"], not text in quotes ("monday")"#),
        (#"{"team": "Bakers"}"#, #"team should be an object in braces, like {"name": "Our team"}"#),
        (#"{"members": [{"id": 12, "name": "A"}]}"#, "members[0].id should be text in quotes"),
        (#"{"transport": {"kind": "slack", "settings": {"pollSeconds": 5}}}"#, "transport.settings.pollSeconds should be text in quotes"),
    ])
    func plainWordTypes(_ json: String, _ expected: String) throws {
        let error = try #require(Self.error(json))
        guard case .invalidJSON(let reason) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(reason.hasPrefix(expected), "\(reason)")
        for swiftName in ["Int", "String", "Bool", "Double", "Array<", "Dictionary<"] {
            #expect(!reason.contains(swiftName), "\(reason)")
        }
    }
}
