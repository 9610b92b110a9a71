import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// No member's text can make the bot ping a whole channel, on any platform, by that platform's own rule.
///
/// The outputs are built the way the bot builds them: the real engine and templates, rendered in the platform's
/// markup, then the platform's transport formatting (its splitter and mass-mention guard, Matrix's `body` and
/// `formatted_body`), and each part is checked with the rule ported from the platform's server (`MassMentionRule`).
@Suite("Mass mentions by each platform's rule")
struct MassMentionTests {
    /// A platform's markup and what its transport does to a rendered message before it goes out.
    struct Platform: CustomStringConvertible, Sendable {
        var description: String
        var capabilities: TransportCapabilities
        /// The texts that go on the wire for one rendered message.
        var wire: @Sendable (String) -> [String]
        var rule: @Sendable (String) -> String?
        /// A rendered message with the guards undone (word joiners out; on Telegram and Zulip, escaping undone), in the
        /// form `rule` reads: what would go out if the defusal were missing.
        var unguarded: @Sendable (String) -> String = { $0.replacingOccurrences(of: "\u{2060}", with: "") }
    }

    static func platforms() throws -> [Platform] {
        func wire(_ kind: String) -> WireText.Platform { WireText.platforms.first { $0.kind == kind }! }
        func capabilities(_ kind: String) -> TransportCapabilities {
            TransportCapabilities(directMessages: true, threads: true, markup: wire(kind).markup)
        }
        return [
            Platform(description: "mattermost", capabilities: capabilities("mattermost"), wire: wire("mattermost").texts,
                rule: MassMentionRule.mattermost),
            Platform(description: "slack", capabilities: capabilities("slack"), wire: wire("slack").texts, rule: MassMentionRule.slack),
            Platform(description: "discord", capabilities: capabilities("discord"), wire: wire("discord").texts,
                rule: MassMentionRule.discord),
            // Zulip's `MENTIONS_RE` needs `@**` as typed (its Markdown has no backslash-escape pattern), so the `\`
            // escaping puts before `*` and `_` already defuses member text: undoing the guards undoes it too.
            Platform(description: "zulip", capabilities: capabilities("zulip"), wire: wire("zulip").texts, rule: MassMentionRule.zulip,
                unguarded: { String(String.UnicodeScalarView(MassMentionRule.markdownText($0).filter { $0 != "\u{2060}" })) }),
            Platform(description: "telegram", capabilities: capabilities("telegram"), wire: wire("telegram").texts,
                rule: MassMentionRule.telegram,
                unguarded: {
                    $0.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
                }),
            // Matrix sends both: the HTML (`formatted_body`) and the plain `body` made from it; each is checked by
            // its own reading, and a finding names the field.
            Platform(description: "matrix", capabilities: capabilities("matrix"), wire: wire("matrix").texts,
                rule: MassMentionRule.matrix,
                unguarded: { "html:" + $0.replacingOccurrences(of: "\u{2060}", with: "") }),
        ]
    }

    /// Every message a few weeks of hostile members make the bot send: acknowledgements that quote them, names
    /// that are theirs, "who is @…?", unknown-command echoes, lists of everything, and the Friday report-back.
    static func outputs(_ capabilities: TransportCapabilities, seed: UInt64, rounds: Int) throws -> [String] {
        var random = SeededRandom(seed: seed)
        let coach = try Fixtures.coach(capabilities: capabilities) { config in
            config.programme.suggestedLength = 3
            config.programme.openingWeek = false
        }
        var h = Harness(coach: coach, at: "2026-12-30 10:00")
        h.tick()
        h.say("alex", "!start 2027-01-04", name: "Alex")
        var texts: [String] = h.tick(at: "2027-01-04 09:00").queued.map(\.text)
        let root = h.state.weeks.last?.announcementPlatformID
        let members = ["sam", "jo", "priya", "alex"]
        // The issue's probes first, on every seed: each mass word right after an `@` the template writes, with the
        // marks that made servers see a word Swift did not.
        for word in HostileText.bare {
            for mark in probeMarks {
                texts += h.say(members.randomElement(using: &random)!, "!caught @\(word)\(mark) for this", name: "Sam").map(\.text)
            }
        }
        for _ in 0..<rounds {
            let member = members.randomElement(using: &random)!
            let hostile = HostileText.make(using: &random)
            let target = HostileText.target(using: &random)
            // A display name is the platform's, and as hostile as the member likes.
            let name = Bool.random(using: &random) ? String(HostileText.target(using: &random).prefix(30)) : member.capitalized
            let forms = [
                "!example \(hostile)", "!caught @jo \(hostile)", "!caught @\(target) for this", "!means \(hostile)",
                "!idea \(hostile)", "!feedback compliment \(hostile)", "!followup \(hostile)", "!\(target)",
                "!record @\(target)", "!goal add \(hostile) target 3 owner @\(target)", "\(hostile)", "!caught @\(target)",
            ]
            let text = forms.randomElement(using: &random)!
            let thread = text.hasPrefix("!") ? nil : root
            texts += h.say(member, text, name: name, thread: thread).map(\.text)
        }
        for ask in ["!examples all", "!ideas", "!followups", "!feedback", "!goals", "!definitions", "!record @sam"] {
            texts += h.say("alex", ask, name: "Alex").map(\.text)
        }
        texts += h.tick(at: "2027-01-08 16:00").queued.map(\.text)
        return texts
    }

    static let probeMarks = ["", "\u{301}", "\u{308}", "\u{20DD}", "\u{FE0F}", "\u{1F3FB}", "\u{200D}", ".", "_", ":"]
    static let rounds = 80

    static let seeds: [UInt64] = {
        if let text = ProcessInfo.processInfo.environment["COACH_MENTION_SEED"], let seed = UInt64(text) { return [seed] }
        return [1, 2, 3, 20_261_130, 0xC0FFEE, 0x5EED_0010]
    }()

    @Test("no output built from hostile member text pings a whole channel, by each platform's rule")
    func noMassMentionsAnywhere() throws {
        for platform in try Self.platforms() {
            for seed in Self.seeds {
                let texts = try Self.outputs(platform.capabilities, seed: seed, rounds: Self.rounds)
                // Every probe and every round is answered, so the checks below saw the bot's whole side.
                #expect(texts.count > Self.rounds + HostileText.bare.count * Self.probeMarks.count,
                    "\(platform): seed \(seed): only \(texts.count) messages")
                var findings: [String] = []
                for text in texts {
                    for part in platform.wire(text) {
                        if let found = platform.rule(part) {
                            findings.append("\(found) in \(String(reflecting: String(part.prefix(200))))")
                        }
                    }
                }
                #expect(findings.isEmpty,
                    "\(platform): seed \(seed) (rerun with COACH_MENTION_SEED=\(seed)): \(findings.count) mass mentions, first: \(findings.first ?? "")")
            }
        }
    }

    /// The test above proves something only if its outputs would ping without the guards: the same seeds, with the
    /// word joiners (and Telegram's and Zulip's escaping) taken out again, must give every platform's rule something to find.
    @Test("without the defusal, the same outputs would ping on every platform")
    func theOutputsAreHostileEnough() throws {
        for platform in try Self.platforms() {
            for seed in Self.seeds {
                let texts = try Self.outputs(platform.capabilities, seed: seed, rounds: Self.rounds)
                let found = texts.compactMap { platform.rule(platform.unguarded($0)) }
                #expect(!found.isEmpty, "\(platform): seed \(seed) (rerun with COACH_MENTION_SEED=\(seed)): nothing to defuse")
            }
        }
    }

    // MARK: - The rules catch what they should

    /// A checker that finds nothing proves nothing: each must flag the forms its server pings for.
    @Test("each ported rule flags its platform's mass mentions")
    func rulesAreNotVacuous() {
        for text in ["@here", "hi @here\u{301} meeting now", "@channel\u{FE0F}", "@all\u{1F3FB}", "@ALL\u{308}", "@here\u{20DD}",
            "@here.", "@all_", "x.@channel", "(@here)", "&commat;here", "\\@here", "@her&#101;", "@here\\_"] {
            #expect(MassMentionRule.mattermost(text) != nil, "\(text)")
        }
        for text in ["@hereford", "x@herex", "@here@x", "@all.smith", "@\u{2060}here", "＠here", "@_here"] {
            #expect(MassMentionRule.mattermost(text) == nil, "\(text)")
        }
        #expect(MassMentionRule.slack("<!here>") != nil && MassMentionRule.slack("<!subteam^S1|@t>") != nil)
        #expect(MassMentionRule.slack("&lt;!here&gt;") == nil)
        #expect(MassMentionRule.discord("a@everyoneb") != nil && MassMentionRule.discord("<@&123>") != nil)
        #expect(MassMentionRule.discord("@\u{2060}everyone <@\u{2060}&1>") == nil)
        #expect(MassMentionRule.zulip("@**all**") != nil && MassMentionRule.zulip("@_**topic**") != nil)
        #expect(MassMentionRule.zulip("@\\*\\*all\\*\\*") == nil && MassMentionRule.zulip("@**alla**") == nil)
        #expect(MassMentionRule.matrixBody("hey @room!") != nil && MassMentionRule.matrixBody("@ROOM") != nil)
        #expect(MassMentionRule.matrixBody("@roomba") == nil)
        #expect(MassMentionRule.matrixFormatted("<b>&#64;room</b>") != nil)
        #expect(MassMentionRule.telegram("<a href=\"tg://user?id=1\">x</a>") != nil)
        #expect(MassMentionRule.telegram("<A\nhref='https://t.me/x'>x</A>") != nil)
        #expect(MassMentionRule.telegram("&lt;a href=&quot;tg://user?id=1&quot;&gt;x&lt;/a&gt; <b>@all</b>") == nil)
    }

    // MARK: - The guards, one by one

    @Test("Mattermost: the issue's probes and a mention made of template text and a name are broken")
    func mattermostGuard() {
        for text in ["!means @here\u{301} meeting now", "@channel\u{FE0F}", "@all\u{1F3FB}", "@here\u{308}", "@here\u{20DD}",
            "I don't know who @here is yet.", "x.@all", "@here.", "@CHANNEL:", "&commat;here", "\\@here", "a @here\n"] {
            let guarded = MattermostText.defusingMassMentions(text)
            #expect(MassMentionRule.mattermost(guarded) == nil, "\(text) → \(guarded)")
            #expect(guarded.unicodeScalars.filter { $0 != "\u{2060}" }.map(String.init).joined() == text.unicodeScalars.map(String.init).joined())
        }
        // Somebody's name and an address are left alone.
        for text in ["thanks @hereford", "@allison", "sam@example.com", "@channels"] {
            #expect(MattermostText.defusingMassMentions(text) == text)
        }
        // `x.@all.smith` pings (the server splits the word again at `.`), and the text before an `@` is not read,
        // so `@all.smith` is broken too.
        #expect(MattermostText.defusingMassMentions("@all.smith") == "@\u{2060}all.smith")
    }

    @Test("Slack: special tokens are written out as text, plain mass words broken")
    func slackGuard() {
        #expect(SlackText.defusingMassMentions("hi <!here> and <!subteam^S1|@team>") == "hi &lt;!here&gt; and &lt;!subteam^S1|@team&gt;")
        #expect(SlackText.defusingMassMentions("<@U123> did it") == "<@U123> did it")
        #expect(MassMentionRule.slack(SlackText.defusingMassMentions("@channel\u{301} <!everyone>")) == nil)
    }

    @Test("Discord: @everyone and @here anywhere, and role mentions, are broken; user mentions stay")
    func discordGuard() {
        let guarded = DiscordText.defusingMassMentions("x@everyone <@&42> <@7> @Here")
        #expect(MassMentionRule.discord(guarded) == nil)
        #expect(guarded.contains("<@7>"))
    }

    @Test("Zulip: every wildcard and its silent form is broken; user mentions stay")
    func zulipGuard() {
        for wildcard in ["all", "everyone", "stream", "channel", "topic"] {
            for form in ["@**\(wildcard)**", "@_**\(wildcard)**"] {
                #expect(MassMentionRule.zulip(ZulipText.defusingMassMentions("hi " + form)) == nil, "\(form)")
            }
        }
        #expect(ZulipText.defusingMassMentions("@**Sam Lee|12**") == "@**Sam Lee|12**")
    }

    @Test("Matrix: @room is broken in the body and in the HTML, outside tags only")
    func matrixGuard() {
        let html = "<a href=\"https://matrix.to/#/@room:example.org\">Room</a> says @room&#46; and &#64;ROOM<br>"
        let guarded = MatrixHTML.defusingRoomMentions(html, html: true)
        #expect(MassMentionRule.matrixFormatted(guarded) == nil, "\(guarded)")
        #expect(guarded.contains("href=\"https://matrix.to/#/@room:example.org\""))
        #expect(MassMentionRule.matrixBody(MatrixTransport.body(guarded)) == nil)
        #expect(MatrixHTML.defusingRoomMentions("@roomba", html: false) == "@roomba")
    }

    /// Found by coach-fuzz (seed 20261130, iteration 169923): `@` + `room` + a new line became `@room<br>…` in the
    /// HTML, which a client reads as `@room` while the guard read through the tag.
    @Test("a line break after @room still ends the word in Matrix's formatted_body")
    func matrixRoomBeforeLineBreak() throws {
        let matrix = try #require(WireText.platforms.first { $0.kind == "matrix" })
        for text in ["@room\nLater", "I don't know who @Room\n1e308", "@room<br>x", "@ROOM</p>"] {
            for wire in matrix.texts(text) {
                #expect(MassMentionRule.matrix(wire) == nil, "\(wire.debugDescription)")
            }
        }
    }
}
