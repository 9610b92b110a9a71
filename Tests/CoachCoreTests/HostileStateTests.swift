@testable import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

/// Any state the team can reach through commands, however hostile what they type, is written and read back equal,
/// and the journal's events rebuild it: an admin cannot make the state unloadable (`start 9999-12-31` once rounded to
/// 10000-01-03, a date the codec could not read back).
@Suite("Hostile commands leave a state that loads")
struct HostileStateTests {
    static let seeds: [UInt64] = Array(1...60)

    /// Words that have broken, or could break, what a state can hold or how it is written.
    static let hostileWords = [
        "9999-12-31", "10000-01-03", "0001-01-01", "0000-01-01", "2026-02-29", "2028-02-29", "2026-13-01", "1900-01-01",
        "2099-12-31", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e308", "-1", "0", "NaN",
        "inf", "1,5", "95%", "#0", "#-3", "@", "@nobody", "@alex", "<@U1>", "<!here>", "@here", "@room", "@**all**",
        "{{", "}}", "{{{summary}}}", "{{> summary}}", "\u{0}", "\u{202E}reversed", "e\u{301}\u{301}\u{301}", "🧑🏽‍🍳",
        "\u{FE0F}", "\u{200B}", "\\", "\"", "\n", "yes", "all", "next", "week", "add", "agree", "reset", "none", "owner",
        "since", "aim", "due", "allowed", "gap", "up", "down", "monday", "25:61", "15:00", "mon",
    ]

    static func hostileText(_ random: inout SeededRandom) -> String {
        var words: [String] = []
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            if Int.random(in: 0..<4, using: &random) == 0 {
                words.append(String(repeating: "x", count: Int.random(in: 1...1_200, using: &random)))
            } else if Int.random(in: 0..<3, using: &random) == 0 {
                // A date anywhere in four centuries.
                let year = Int.random(in: 1800...2200, using: &random)
                words.append(String(format: "%04d-%02d-%02d", year, Int.random(in: 0...13, using: &random), Int.random(in: 0...32, using: &random)))
            } else {
                words.append(hostileWords[Int.random(in: 0..<hostileWords.count, using: &random)])
            }
        }
        return words.joined(separator: Int.random(in: 0..<5, using: &random) == 0 ? "  " : " ")
    }

    @Test("every state hostile commands reach round-trips through JSON, and its journal rebuilds it", arguments: seeds)
    func roundTrips(seed: UInt64) throws {
        var random = SeededRandom(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 7)
        let direct = Bool.random(using: &random)
        var h = Harness(
            coach: try Fixtures.coach(capabilities: .init(directMessages: direct, threads: Bool.random(using: &random), markup: .plain)) {
                $0.holidays = []
            }, at: "2026-11-30 09:00")
        var journal: [StateEvent] = []
        let words = Commands.all.flatMap(\.words) + ["rate", "scores", "definitions", "votes", "yes", "help"]
        let people = [("alex", "Alex"), ("sam", "Sam"), ("jo", "Jo"), ("u\u{301}", "Zoë\u{202E}"), ("9999", "{{bot}}")]
        var failures: [String] = []
        for step in 0..<250 {
            if Int.random(in: 0..<6, using: &random) == 0 {
                // Time moves on: an hour, a day, or a few weeks, always in whole minutes.
                h.now = h.now.addingTimeInterval(Double(Int.random(in: 1...(60 * 24 * 21), using: &random) * 60))
                journal += h.tick().events
            } else {
                let (id, name) = people[Int.random(in: 0..<people.count, using: &random)]
                let word = words[Int.random(in: 0..<words.count, using: &random)]
                let prefix = ["!", "/", "", "! "][Int.random(in: 0..<4, using: &random)]
                let text = prefix + word + " " + Self.hostileText(&random)
                let message = InboundMessage(
                    id: "h\(step)", senderID: id, senderName: name, text: text, isDirect: Bool.random(using: &random))
                journal += h.receive([message]).events
            }
            do {
                let data = try JSONCoding.encoder.encode(h.state)
                let loaded = try JSONCoding.decoder.decode(CoachState.self, from: data)
                if loaded != h.state { failures.append("step \(step): the state read back differs from the one written") }
            } catch {
                failures.append("step \(step): the state could not be written and read back: \(error)")
            }
            if failures.count > 3 { break }
        }
        // The journal's events, each written and read back as the store does, rebuild the same state.
        var rebuilt = CoachState()
        for event in journal {
            do {
                let line = try JSONCoding.encoder.encode(event)
                let read = try JSONCoding.decoder.decode(StateEvent.self, from: line)
                if read != event { failures.append("the \(event.kind.rawValue) event reads back differently") }
                rebuilt.apply(read)
            } catch {
                failures.append("the \(event.kind.rawValue) event could not be written and read back: \(error)")
            }
        }
        // The harness marks messages delivered outside the journal; apart from that, replay is exact.
        rebuilt.outbox = h.state.outbox
        for message in h.state.outbox where !rebuilt.outbox.contains(message) { failures.append("outbox differs") }
        var expected = h.state
        expected.outbox = rebuilt.outbox
        if rebuilt.programme != expected.programme || rebuilt.examples != expected.examples || rebuilt.goals != expected.goals
            || rebuilt.definitions != expected.definitions || rebuilt.members != expected.members
            || rebuilt.ratingRounds != expected.ratingRounds || rebuilt.weeks.map(\.key) != expected.weeks.map(\.key)
        {
            failures.append("replaying the journal does not rebuild the state")
        }
        for failure in failures.prefix(4) { Issue.record("seed \(seed): \(failure)") }
    }

    @Test("a date far from today is refused by every command that takes one, naming the dates that work")
    func datesOutOfRange() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2026-11-30 10:00")
        h.tick()
        for (who, text) in [
            ("alex", "!start 9999-12-31"), ("sam", "!away until 2099-01-01"),
            ("alex", "!goal add Reply time aim 4 hours due 2200-01-01"), ("alex", "!record @sam since 1999-01-01"),
            ("alex", "!record @sam 1999-01"),
        ] {
            let reply = try #require(h.say(who, text, name: who.capitalized).first?.text)
            #expect(reply.contains("dates from 2016-11-30 to 2036-11-30 work"), "\(text): \(reply)")
        }
        #expect(h.state.programme.startDate == nil)
        #expect(h.state.goals.isEmpty)
        #expect(h.state.members["sam"]?.awayUntil == nil)
        // Inside the window all is as before.
        h.say("alex", "!start 2036-11-24", name: "Alex")
        #expect(h.state.programme.startDate == LocalDate("2036-11-24"))
    }

    @Test("the date codec reads back every date it writes, five-digit years included")
    func dateCodec() throws {
        for date in [LocalDate(year: 2026, month: 11, day: 30), LocalDate(year: 10_000, month: 1, day: 3), LocalDate(year: 1, month: 1, day: 1),
            LocalDate(year: 99_999, month: 12, day: 31)]
        {
            let data = try JSONCoding.encoder.encode([date])
            #expect(try JSONCoding.decoder.decode([LocalDate].self, from: data) == [date], "\(date)")
        }
        #expect(LocalDate("10000-02-30") == nil)
        #expect(LocalDate("１２３４-01-01") == nil, "digits other than ASCII are refused")
    }
}
