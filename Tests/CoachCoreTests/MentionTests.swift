@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// A platform's mention markup (`<@U…>`, `<@123>`, `@**Name|12**`, a pill) carries whatever id its writer typed. The
/// engine credits the id only when it is one of the team (the roster, someone who wrote, or someone the platform
/// confirmed is in the channel), and never the bot. The adapters supply those facts; these tests give them by hand.
@Suite("Platform mentions are checked")
struct MentionTests {
    /// Roster Alex (admin), Sam, Jo, Priya; programme running; the bot is "U0BOT" on this platform.
    static func harness() throws -> Harness {
        var h = Harness(coach: try Fixtures.coach {
            $0.holidays = []
            $0.programme.openingWeek = false
        }, at: "2027-01-04 08:00")
        h.tick()
        return h
    }

    static let bot = "U0BOT"

    /// `text` from Sam, with the platform's mention facts.
    static func fromSam(_ id: String, _ text: String, mentions: [String: String], names: [String: String] = [:],
        confirmed: Set<String> = []) -> InboundMessage
    {
        InboundMessage(id: id, senderID: "sam", senderName: "Sam", text: text, mentions: mentions, mentionedNames: names,
            confirmedMembers: confirmed, botID: bot)
    }

    @Test("a mention of an id that is not one of the team is not credited; the reply names them and says why")
    func outsiderIsNotCredited() throws {
        var h = try Self.harness()
        let before = h.state.members
        let reply = h.receive([Self.fromSam("m1", "!caught @U666 for fixing the till",
            mentions: ["U666": "U666"], names: ["U666": "Dana Outside"])]).queued
        #expect(h.state.examples.all.isEmpty)
        #expect(h.state.members == before, "nobody joins the team through an unconfirmed mention")
        let text = try #require(reply.first?.text)
        #expect(text.contains("I can't credit @Dana Outside"))
        #expect(text.contains("Alex, Jo, Priya, Sam"), "the people the bot knows, to pick from")
        #expect(!text.contains("U666"))
    }

    @Test("a made-up id carrying a member's name credits nobody: the id decides, not the label")
    func madeUpIDWithAMembersName() throws {
        var h = try Self.harness()
        let reply = h.receive([Self.fromSam("m1", "!caught @999 for the window display",
            mentions: ["999": "999"], names: ["999": "Jo"])]).queued
        #expect(h.state.examples.all.isEmpty)
        #expect(reply.first?.text.contains("I can't credit @Jo") == true)
    }

    @Test("a mention of the bot's own id is refused with a reply, even when the platform calls it confirmed")
    func botIsNeverCaught() throws {
        var h = try Self.harness()
        let reply = h.receive([Self.fromSam("m1", "!caught @U0BOT for the reminders",
            mentions: ["U0BOT": Self.bot], names: [Self.bot: "Coach"], confirmed: [Self.bot])]).queued
        #expect(h.state.examples.all.isEmpty)
        #expect(h.state.members[Self.bot] == nil)
        #expect(reply.first?.text.contains("@coach is me, the bot, not one of the team") == true)
    }

    @Test("the bot typed by id or by its name is refused too, and so is naming it as an owner")
    func botByNameOrAsOwner() throws {
        var h = try Self.harness()
        let byName = h.say("sam", "!caught @Coach for the reminders", name: "Sam")
        #expect(byName.first?.text.contains("is me, the bot") == true)
        let byID = h.receive([Self.fromSam("m2", "!caught @U0BOT: for the reminders", mentions: [:])]).queued
        #expect(byID.first?.text.contains("is me, the bot") == true)
        let owner = h.receive([InboundMessage(id: "m3", senderID: "alex", senderName: "Alex",
            text: "!goal add Reply time target 4 hours lower tolerance 25% owner @U0BOT", mentions: ["U0BOT": Self.bot], botID: Self.bot)]).queued
        #expect(owner.first?.text.contains("is me, the bot") == true)
        #expect(h.state.examples.all.isEmpty)
        #expect(h.state.goals.isEmpty)
    }

    @Test("one unconfirmed mention among several stops the whole command: nobody is credited by half")
    func oneOutsiderStopsTheCommand() throws {
        var h = try Self.harness()
        h.receive([Self.fromSam("m1", "!caught @jo @U666 for the stock count", mentions: ["U666": "U666"])])
        #expect(h.state.examples.all.isEmpty)
    }

    @Test("a confirmed channel member who never wrote is credited and named as the platform names them")
    func confirmedNewcomerIsCredited() throws {
        var h = try Self.harness()
        let reply = h.receive([Self.fromSam("m1", "!caught @U7 for staying late",
            mentions: ["U7": "U7"], names: ["U7": "Lee Ortega"], confirmed: ["U7"])]).queued
        #expect(h.state.examples.all.last?.caughtIDs == ["U7"])
        #expect(h.state.members["U7"]?.name == "Lee Ortega")
        #expect(reply.first?.text.contains("Lee Ortega") == true)
    }

    @Test("the roster and people who wrote need no confirmation")
    func rosterAndKnownPeopleNeedNone() throws {
        var h = try Self.harness()
        h.receive([InboundMessage(id: "m0", senderID: "U8", senderName: "Robin Vale", text: "morning all")])
        h.receive([Self.fromSam("m1", "!caught @U8 @jo for the rota",
            mentions: ["U8": "U8", "jo": "jo"], names: ["U8": "Someone Else"])])
        #expect(h.state.examples.all.last?.caughtIDs == ["U8", "jo"])
        #expect(h.state.members["U8"]?.name == "Robin Vale", "the platform's label does not rename a known member")
    }
}
