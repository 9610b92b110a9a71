@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// A team where Zanele (not in the config's roster: she joined by speaking) has shared, been caught, rated and
/// put an idea in the box; admin Alex, Sam in the roster.
enum MemberDataTeam {
    static func harness(files: Bool = true, direct: Bool = true) throws -> Harness {
        let capabilities = TransportCapabilities(directMessages: direct, threads: true, markup: .plain, files: files)
        var h = Harness(coach: try Fixtures.coach(capabilities: capabilities), at: "2027-01-06 10:00")
        h.say("zanele", "!example qx-zan-1 called the Hendry account back", name: "Zanele Mokoena")
        h.say("sam", "!caught @zanele for staying late with Zanele's customer", name: "Sam")
        h.say("zanele", "!idea qx-zan-idea a welcome card", name: "Zanele Mokoena")
        h.say("zanele", "!away until 2027-02-01", name: "Zanele Mokoena")
        return h
    }

    static func texts(_ messages: [OutboundMessage]) -> String { messages.map(\.text).joined(separator: "\n") }
}

@Suite("mydata")
struct MyDataTests {
    @Test("where files go, one private message carries the file, its caption counting what is held")
    func file() throws {
        var h = try MemberDataTeam.harness()
        let sent = h.say("zanele", "mydata", name: "Zanele Mokoena", direct: true)
        #expect(sent.count == 1)
        #expect(sent[0].destination == .direct(userID: "zanele"))
        #expect(sent[0].attachment == .memberData(memberID: "zanele"))
        #expect(sent[0].text.contains("everything I hold about you, Zanele Mokoena, in one file"))
        #expect(sent[0].text.contains("examples of their own work: 1"))
        #expect(sent[0].text.contains("shout-outs received: 1"))
        #expect(sent[0].text.contains("away until 2027-02-01"))
    }

    @Test("asked in the channel, it goes privately and the channel hears only that; without private messages it is refused")
    func inTheChannel() throws {
        var h = try MemberDataTeam.harness()
        let sent = h.say("zanele", "!mydata", name: "Zanele Mokoena")
        #expect(sent.count == 2)
        #expect(sent[0].destination == .direct(userID: "zanele"))
        #expect(sent[1].destination == .channel)
        #expect(sent[1].text.contains("I've sent you what I hold about you privately"))
        #expect(!sent[1].text.contains("qx-zan"))

        var closed = try MemberDataTeam.harness(direct: false)
        let refused = closed.say("zanele", "!mydata", name: "Zanele Mokoena")
        #expect(refused.count == 1)
        #expect(refused[0].destination == .channel)
        #expect(refused[0].text.contains("coach export --member"))
        #expect(!refused[0].text.contains("qx-zan"))
    }

    @Test("where files do not go, every record comes as text, a few to a message")
    func text() throws {
        var h = try MemberDataTeam.harness(files: false)
        let sent = h.say("zanele", "mydata", name: "Zanele Mokoena", direct: true)
        #expect(sent.count >= 2)
        #expect(sent.allSatisfy { $0.destination == .direct(userID: "zanele") && $0.attachment == nil })
        let all = MemberDataTeam.texts(sent)
        #expect(all.contains("Here is everything I hold about you, Zanele Mokoena."))
        #expect(all.contains("text: qx-zan-1 called the Hendry account back"))
        #expect(all.contains("qx-zan-idea a welcome card"))
        #expect(all.contains("text: staying late with Zanele's customer"), "a shout-out received is theirs to see")
        #expect(all.contains("examples · shout-outs received · other people's words that name them:"))
        #expect(all.contains("reporterID: Sam (sam)"))
        #expect(all.contains("Your data, part 1 of"))
    }

    @Test("a file the platform refuses comes as text instead, saying why")
    func refusedFile() throws {
        var h = try MemberDataTeam.harness()
        let sent = h.say("zanele", "mydata", name: "Zanele Mokoena", direct: true)
        h.state.outbox = sent
        let outcome = h.coach.fileNotSent(outboxID: sent[0].id, problem: .notAllowed, reason: "403", at: h.now, state: &h.state)
        #expect(h.state.outbox.allSatisfy { $0.attachment == nil })
        let all = MemberDataTeam.texts(outcome.queued)
        #expect(all.contains("I couldn't send you a file: this chat doesn't let me upload files. So here it is as text."))
        #expect(all.contains("qx-zan-1 called the Hendry account back"))
    }

    @Test("the document holds every record about them with their roles, and their scores but nobody else's")
    func document() throws {
        var h = try MemberDataTeam.harness()
        h.state.apply(.ratingRoundOpened(cycle: 1, purpose: .baseline))
        h.say("zanele", "!rate 1 3", name: "Zanele Mokoena")
        h.say("sam", "!rate 1 5", name: "Sam")
        let document = MemberDataDocument(memberID: "zanele", state: h.state, config: h.coach.config, at: h.now)
        let json = try #require(try JSONSerialization.jsonObject(with: document.json()) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let member = try #require(json["member"] as? [String: Any])
        #expect(member["name"] as? String == "Zanele Mokoena")
        let counts = try #require(json["counts"] as? [String: Int])
        #expect(counts["example"] == 1)
        #expect(counts["shoutOutReceived"] == 1)
        #expect(counts["idea"] == 1)
        #expect(counts["rating"] == 1)
        let records = try #require(json["records"] as? [String: [[String: Any]]])
        let examples = try #require(records["examples"])
        #expect(examples.count == 2)
        let text = String(decoding: try document.json(), as: UTF8.self)
        #expect(text.contains("qx-zan-1 called the Hendry account back"))
        #expect(text.contains("\"score\" : 3"))
        #expect(!text.contains("\"score\" : 5"), "Sam's score is Sam's")
        #expect(MemberDataDocument(memberID: "nobody", state: h.state, config: h.coach.config, at: h.now).isEmpty)
    }
}

@Suite("forget")
struct ForgetTests {
    static func preview(_ h: inout Harness, _ who: String = "zanele") -> [OutboundMessage] {
        h.say("alex", "!forget @\(who)", name: "Alex")
    }

    @Test("an admin sees what will go, privately, then confirms; the member is gone and the answer names nobody")
    func previewThenConfirm() throws {
        var h = try MemberDataTeam.harness()
        let asked = Self.preview(&h)
        #expect(asked.count == 2)
        #expect(asked[0].destination == .direct(userID: "alex"))
        #expect(asked[0].text.contains("this is what I hold about Zanele Mokoena"))
        #expect(asked[0].text.contains("examples of their own work: 1"))
        #expect(asked[0].text.contains("!forget @zanele confirm within 10 minutes"))
        #expect(asked[1].destination == .channel)
        #expect(h.state.members["zanele"] != nil, "nothing is erased before the confirmation")
        #expect(h.state.pendingErasures["alex"]?.memberID == "zanele")

        h.now += 5 * 60
        let done = h.say("alex", "!forget @zanele confirm", name: "Alex")
        #expect(h.state.members["zanele"] == nil)
        #expect(h.state.pendingErasures.isEmpty)
        #expect(h.state.formerMembers == ["former-1": "a former member"])
        let answer = try #require(done.first { $0.destination == .direct(userID: "alex") })
        #expect(answer.text.contains("I've erased that member"))
        #expect(answer.text.contains("examples of their own work: 1"))
        #expect(answer.text.contains("They now show as \"a former member\""))
        for message in done { #expect(!message.text.contains("Zanele") && !message.text.contains("zanele")) }
        #expect(MemberFootprint.collect("zanele", in: h.state, names: [:]).counts.isEmpty)
        // The shout-out Sam gave keeps Sam's credit, and names a former member.
        let shoutOut = try #require(h.state.examples.all.first { $0.reporterID == "sam" })
        #expect(shoutOut.caughtIDs == ["former-1"])
        #expect(shoutOut.text == "staying late with a former member's customer")
    }

    @Test("a member cannot forget anyone, themselves included: they are told to ask an admin, and nothing changes")
    func membersCannot() throws {
        var h = try MemberDataTeam.harness()
        let before = h.state
        let own = h.say("zanele", "!forget @zanele", name: "Zanele Mokoena")
        #expect(own.count == 1)
        #expect(own[0].text.contains("your own included: ask one of them"))
        #expect(own[0].text.contains("!mydata"))
        let other = h.say("zanele", "!forget @sam confirm", name: "Zanele Mokoena")
        #expect(other[0].text.contains("Only an admin can erase someone's data, Zanele Mokoena. If you think"))
        #expect(h.state.members == before.members)
        #expect(h.state.examples == before.examples)
        #expect(h.state.pendingErasures.isEmpty)
    }

    @Test("an unknown member, the bot, a confirmation with nothing asked or for someone else: a clear answer, nothing erased")
    func refusals() throws {
        var h = try MemberDataTeam.harness()
        let before = h.state
        #expect(h.say("alex", "!forget @nobody", name: "Alex")[0].text.contains("nobody"))
        #expect(h.state.pendingErasures.isEmpty)
        let notAsked = h.say("alex", "!forget @zanele confirm", name: "Alex")
        #expect(notAsked[0].text.contains("There's no erasure of @zanele waiting for your confirmation"))
        _ = Self.preview(&h)
        let wrong = h.say("alex", "!forget @sam confirm", name: "Alex")
        #expect(wrong[0].text.contains("There's no erasure of @sam waiting"))
        #expect(h.say("alex", "!yes", name: "Alex").first?.text.contains("nothing waiting for a yes") == true, "a yes never erases")
        let bot = h.coach.config.team.botName
        #expect(h.say("alex", "!forget @\(bot)", name: "Alex").first?.text.contains(bot) == true)
        #expect(h.state.members.filter { $0.key != "alex" } == before.members, "only Alex, who spoke, is new")
        #expect(h.state.examples == before.examples)
        #expect(h.state.formerMembers.isEmpty)
    }

    @Test("a confirmation after the few minutes erases nothing, and asks to start again")
    func expired() throws {
        var h = try MemberDataTeam.harness()
        _ = Self.preview(&h)
        h.now += Forget.confirmWithin + 60
        let late = h.say("alex", "!forget @zanele confirm", name: "Alex")
        #expect(late[0].text.contains("more than 10 minutes after you asked"))
        #expect(h.state.members["zanele"] != nil)
        #expect(h.state.pendingErasures.isEmpty, "the lapsed request is settled")
        let again = h.say("alex", "!forget @zanele confirm", name: "Alex")
        #expect(again[0].text.contains("There's no erasure of @zanele waiting"))
    }

    @Test("someone the config lists is erased from the state, and the admin is told to edit the config")
    func listedInConfig() throws {
        var h = try MemberDataTeam.harness()
        _ = Self.preview(&h, "sam")
        let done = h.say("alex", "!forget @sam confirm", name: "Alex")
        #expect(h.state.members["sam"] == nil)
        #expect(done[0].text.contains("the bot's config file still lists them under members"))
    }

    @Test("coach forget's engine: an unknown id changes nothing; a known one is erased, with what to print")
    func onTheServer() throws {
        var h = try MemberDataTeam.harness()
        let before = h.state
        guard case .unknown(let known) = h.coach.forgetOnServer(memberID: "nobody", at: h.now, state: &h.state) else {
            Issue.record("an unknown id was erased")
            return
        }
        #expect(known.contains("Zanele Mokoena (zanele)"))
        #expect(h.state == before)
        guard case .erased(let outcome, let report) = h.coach.forgetOnServer(memberID: "zanele", at: h.now, state: &h.state) else {
            Issue.record("zanele was not erased")
            return
        }
        #expect(outcome.events.contains { $0.erasesHistory })
        #expect(outcome.queued.isEmpty, "nothing is said in the chat")
        #expect(report.contains("Erased zanele. What went:"))
        #expect(h.state.members["zanele"] == nil)
    }
}
