@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

@Suite("Templates, escaping and config")
struct TemplatesAndConfigTests {
    @Test("user text is data: template syntax in an example is shown, not run")
    func userTextIsData() throws {
        var h = Harness(coach: try Fixtures.coach(), at: "2027-01-04 10:00")
        h.tick()
        let reply = h.say("sam", "!examples", name: "{{bot}} {{#principle}}x{{/principle}}")
        #expect(!reply.isEmpty)
        h.say("sam", "!example {{team}} and {{{you}}}", name: "Sam")
        let list = h.say("sam", "!examples", name: "Sam")[0].text
        #expect(list.contains("{{team}} and {{{you}}}"))
    }

    @Test("escaping per platform defuses mass mentions and markup", arguments: [
        (Markup.slack, "&lt;!\u{2060}channel&gt; &amp; @\u{2060}here"),
        (Markup.html, "&lt;!\u{2060}channel&gt; &amp; @\u{2060}here"),
        (Markup.markdown, "<\\!\u{2060}channel\\> & @\u{2060}here"),
        (Markup.discord, "<\\!\u{2060}channel\\> & @\u{2060}here"),
        (Markup.zulip, "<\\!\u{2060}channel\\> & @\u{2060}here"),
        // Mattermost's server decodes `&commat;here` to `@here` before it looks for mentions: `&` is escaped too.
        (Markup.mattermost, "<\\!\u{2060}channel\\> \\& @\u{2060}here"),
        (Markup.plain, "<!channel> & @here"),
    ])
    func escaping(_ markup: Markup, _ expected: String) {
        #expect(markup.escape("<!channel> & @here") == expected)
    }

    @Test("mass mentions are defused in every markup but plain", arguments: Markup.allCases.filter { $0 != .plain })
    func massMentions(_ markup: Markup) {
        for ping in ["@channel", "@here", "@everyone", "@all", "@**all**", "@_**topic**", "@room", "<!channel>", "<!everyone>"] {
            let escaped = markup.escape("hi " + ping)
            #expect(escaped.contains("\u{2060}"), "\(ping) not defused for \(markup)")
        }
        #expect(markup.escape("email me at sam@example.com") .contains("sam@"))
        // Somebody's name is left alone, except on Discord, which finds `@here` even inside a word.
        if markup != .discord {
            #expect(markup.escape("thanks @hereford and @allison").unicodeScalars.allSatisfy { $0 != "\u{2060}" })
        }
    }

    /// What Swift calls one character is a word and a mark to a server: `here` + U+0301 is `here` to Mattermost.
    @Test("a mass word followed by a combining mark, a variation selector or a modifier is still defused",
        arguments: Markup.allCases.filter { $0 != .plain })
    func massMentionsAtScalarLevel(_ markup: Markup) {
        for tail in ["\u{301}", "\u{308}", "\u{20DD}", "\u{FE0F}", "\u{1F3FB}", "\u{200D}", "\u{200B}", "_", ".", "-x"] {
            for word in ["@here", "@CHANNEL", "@All", "@everyone", "@room"] {
                let escaped = markup.escape("!means " + word + tail + " meeting now")
                #expect(escaped.unicodeScalars.contains("\u{2060}"), "\(word)+\(tail.unicodeScalars.map { String($0.value, radix: 16) }) not defused for \(markup)")
            }
        }
    }

    @Test("on Discord a member's raw role or user mention token is broken")
    func discordTokens() {
        #expect(Markup.discord.escape("ping <@&123456789012345678> and <@42>") == "ping <@\u{2060}&123456789012345678\\> and <@\u{2060}42\\>")
        #expect(Markup.discord.escape("@hereby") == "@\u{2060}hereby")
    }

    @Test("rendered for Slack, a member's text cannot ping the channel")
    func slackRendering() throws {
        var h = Harness(coach: try Fixtures.coach(capabilities: .init(directMessages: true, threads: true, markup: .slack)), at: "2027-01-04 10:00")
        h.tick()
        h.say("sam", "!example <!channel> look @everyone", name: "Sam")
        let list = h.say("sam", "!examples", name: "Sam")[0].text
        #expect(!list.contains("<!channel>"))
        #expect(!list.contains("@everyone"))
        #expect(list.contains("&lt;!"))
    }

    @Test("every required template exists and renders without leftover tags")
    func everyTemplateRenders() throws {
        let coach = try Fixtures.coach()
        let sparse = RenderNode()
        sparse.values = ["bot": "coach", "you": "Sam"]
        for template in Template.allCases {
            let text = coach.prompts.render(template, tree: sparse)
            #expect(!text.contains("{{"), "\(template.rawValue) left a tag")
        }
    }

    @Test("a missing template stops start-up with the template's name")
    func missingTemplate() throws {
        let setup = try Fixtures.setup()
        var templates = setup.templates
        templates["summary"] = nil
        #expect(throws: ConfigError.invalidTemplate(name: "summary", reason: "the file is missing")) {
            try PromptBook(markup: .plain, templates: templates, commandHelpJSON: setup.commandHelp, rewardIdeasJSON: setup.rewardIdeas)
        }
    }

    @Test("the catalogue has every seed-000 principle with the fields a Monday post needs")
    func catalogue() throws {
        let catalogue = try Fixtures.setup().catalogue
        #expect(catalogue.principles.count >= 13)
        for p in catalogue.principles {
            #expect(p.skills.count >= 2, "\(p.id) skills")
            #expect(p.training.count >= 1, "\(p.id) training")
            #expect(!p.challenge.isEmpty && !p.question.isEmpty && !p.why.isEmpty, "\(p.id)")
        }
        #expect(catalogue.principles.filter { $0.sources.contains("000") }.count >= 13)
        #expect(catalogue.principles.filter(\.core).count == 13, "seed 000's thirteen are marked for the first rating")
        #expect(catalogue.principle(id: "spot-it-own-it") != nil)
        #expect(catalogue.principle(id: "define-customer-service") != nil)
    }

    @Test("the catalogue refuses duplicate ids and empty files")
    func badCatalogue() {
        let duplicate = #"{"schema":1,"principles":[{"id":"a","title":"A","why":"w"},{"id":"A","title":"B","why":"w"}]}"#
        #expect(throws: ConfigError.self) { try Catalogue(json: Array(duplicate.utf8)) }
        #expect(throws: ConfigError.self) { try Catalogue(json: Array(#"{"schema":1,"principles":[]}"#.utf8)) }
        #expect(throws: ConfigError.self) { try Catalogue(json: Array("not json".utf8)) }
    }

    static let badConfigCases: [(String, String)] = [
        (#"{"team": {"timeZone": "Mars/Olympus"}}"#, "team.timeZone"),
        (#"{"schedule": {"announce": "someday 9"}}"#, "schedule.announce"),
        (#"{"schedule": {"dailyNudge": "25:00"}}"#, "schedule.dailyNudge"),
        (#"{"schedule": {"announce": "friday 09:00", "summary": "monday 16:00"}}"#, "schedule"),
        (#"{"holidays": ["2026-12-31..2026-12-01"]}"#, "holidays"),
        (#"{"nudges": {"goalStaleDays": 0}}"#, "nudges.goalStaleDays"),
        (#"{"schema": 99}"#, "schema"),
        (#"{"team": {"botName": "two words"}}"#, "team.botName"),
        (#"{"digest": {"day": "someday"}}"#, "digest.day"),
        (#"{"digest": {"time": "9am"}}"#, "digest.time"),
        (#"{"digest": {"quietWeeks": 0}}"#, "digest.quietWeeks"),
        (#"{"digest": {"followUpDays": 0}}"#, "digest.followUpDays"),
    ]

    @Test("a bad config field fails fast, naming the field and the fix", arguments: badConfigCases)
    func badConfig(_ json: String, _ field: String) {
        do {
            _ = try CoachConfig(json: Array(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(field))
            guard case .invalidField = error else {
                Issue.record("wrong error \(error)")
                return
            }
        }
    }

    @Test("invalid JSON names the place")
    func invalidJSON() {
        #expect(throws: ConfigError.self) { try CoachConfig(json: Array("{".utf8)) }
        do {
            _ = try CoachConfig(json: Array(#"{"admins": "alex"}"#.utf8))
        } catch {
            #expect(error.description.contains("admins"))
        }
    }

    @Test("the shipped config reads as documented")
    func shippedConfig() throws {
        let config = try Fixtures.setup().config
        #expect(config.team.timeZone.identifier == "Europe/London")
        #expect(config.transport.kind == "console")
        #expect(config.isAdmin("alex"))
        #expect(config.schedule.time(of: .announce) == WeeklyTime(weekday: 2, hour: 9, minute: 0))
        #expect(config.digest == CoachConfig.DigestSettings(), "the shipped config spells out the digest's defaults")
    }

    @Test("the digest's settings read from the config, with defaults for what is left out")
    func digestSettings() throws {
        let config = try CoachConfig(json: Array(#"{"digest": {"day": "fri", "time": "16:30", "quietWeeks": 3}}"#.utf8))
        #expect(config.digest.day == 6)
        #expect(config.digest.time == DailyTime(hour: 16, minute: 30))
        #expect(config.digest.quietWeeks == 3)
        #expect(config.digest.followUpDays == 7)
        #expect(config.digest.enabled)
        #expect(try CoachConfig(json: Array(#"{"digest": {"enabled": false}}"#.utf8)).digest.enabled == false)
        let defaults = CoachConfig().digest
        #expect(defaults.day == 2 && defaults.time == DailyTime(hour: 10, minute: 0))
        #expect(defaults.quietWeeks == 2 && defaults.followUpDays == 7)
    }

    @Test("state survives a JSON round trip exactly, and an older file missing new fields still loads")
    func stateRoundTrip() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-04 10:00")
        h.tick()
        h.say("sam", "!example round trip", name: "Sam")
        h.say("alex", "!goal add CSAT target 90 owner @jo", name: "Alex")
        let data = try JSONCoding.encoder.encode(h.state)
        #expect(try JSONCoding.decoder.decode(CoachState.self, from: data) == h.state)
        let sparse = try JSONCoding.decoder.decode(CoachState.self, from: Data(#"{"members": {}}"#.utf8))
        #expect(sparse.examples.all.isEmpty && sparse.outbox.isEmpty)
    }

    @Test("replaying the journalled events rebuilds the same state")
    func replay() throws {
        var h = Harness(coach: try Fixtures.coach { $0.holidays = [] }, at: "2027-01-04 08:00")
        var events: [StateEvent] = []
        events += h.tick().events
        for text in ["!programme accept", "!start now", "!example replayed", "!idea replay me"] {
            events += h.receive([InboundMessage(id: text, senderID: "alex", senderName: "Alex", text: text)]).events
        }
        var rebuilt = CoachState()
        for event in events { rebuilt.apply(event) }
        // The harness also marked messages delivered; apply those the same way before comparing.
        for message in rebuilt.outbox { rebuilt.apply(.delivered(id: message.id, platformID: "p-\(message.id)")) }
        #expect(rebuilt == h.state)
    }
}
