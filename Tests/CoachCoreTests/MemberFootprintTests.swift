@testable import CoachCore
import CoachTestSupport
import Foundation
import Testing

/// A state where one member appears in every place and every role the footprint knows, with words that name them in
/// everyone else's records, so a test can see each rule of `MemberFootprint` at work.
enum FootprintSample {
    static let member = "U0ZANELE7"
    static let name = "Zanele Mokoena"
    static let handle = "zmokoena9"
    static let other = "u2"
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let monday = LocalDate(year: 2027, month: 1, day: 4)
    /// Words only the member wrote.
    static let ownWords = [
        "qx-own-example polished the Hendry account", "qx-shoutout told Jo it went well", "qx-goal-note slow week",
        "qx-action call back within the hour", "qx-followup the till jams", "qx-resolution new till roll",
        "qx-idea a welcome card", "qx-answer yes from March", "qx-means care every time", "qx-feedback loved the cake",
        "qx-training role play on the phone", "qx-suggestion example typed wrong",
    ]

    static func state() -> CoachState {
        var s = CoachState()
        let events: [StateEvent] = [
            .memberSeen(id: member, name: name, handle: handle),
            .memberAway(id: member, until: LocalDate(year: 2027, month: 2, day: 1)),
            .memberSeen(id: other, name: "Jo Khumalo", handle: "jo"),
            .memberSeen(id: "u3", name: "Theo", handle: nil),
            .teamPrincipleAdded(Principle(id: "tidy", title: "Tidy like Zanele", why: "Zanele showed us", skills: ["ask Zanele"])),
            .principleDetailSet(principleID: "listen", detail: .skills, value: ["watch Zanele Mokoena do it"]),
            .ratingRoundOpened(cycle: 1, purpose: .baseline, principles: ["listen"]),
            .rated(memberID: member, scores: ["listen": 3]),
            .rated(memberID: other, scores: ["listen": 5]),
            .voted(memberID: member, principleIDs: ["listen"]),
            .voted(memberID: other, principleIDs: ["tidy"]),
            .weekOpened(ProgrammeWeek(key: "2027-W01", monday: monday, cycle: 1, index: 0, principleID: "listen")),
            .exampleAdded(Example(id: 1, weekKey: "2027-W01", principleID: "listen", reporterID: member, caughtIDs: [],
                text: ownWords[0], at: at, source: .command)),
            .exampleAdded(Example(id: 2, weekKey: "2027-W01", principleID: "listen", reporterID: member, caughtIDs: [other],
                text: ownWords[1], at: at, source: .caught)),
            .exampleAdded(Example(id: 3, weekKey: "2027-W01", principleID: "listen", reporterID: other, caughtIDs: [member],
                text: "thanks @zmokoena9, Zanele saved the day", at: at, source: .caught)),
            .goalAdded(Goal(id: 1, kpi: "Zanele's reply time", target: 2, unit: "hours", direction: .lowerIsBetter,
                ownerID: member, due: nil, tolerance: 10, tolerancePercent: true, createdAt: at)),
            .goalUpdated(id: 1, update: Goal.Update(value: 3, note: ownWords[2], at: at, byID: member)),
            .goalActionRecorded(id: 1, action: Goal.Action(text: ownWords[3], at: at, followUpID: 1)),
            .goalNudged(id: 1, at: at),
            .followUpOpened(FollowUp(id: 1, text: ownWords[3], ownerID: member, openedAt: at, goalID: 1)),
            .followUpOpened(FollowUp(id: 2, text: ownWords[4], ownerID: member, openedAt: at)),
            .followUpFixed(id: 2, resolution: ownWords[5], at: at),
            .feedbackAdded(Feedback(id: 1, kind: .complaint, text: "parcel late, Jo says", reporterID: other, at: at)),
            .followUpOpened(FollowUp(id: 3, text: "parcel late, Jo says", ownerID: member, openedAt: at, feedbackID: 1)),
            .feedbackAdded(Feedback(id: 2, kind: .compliment, text: ownWords[9], reporterID: member, at: at)),
            .suggestionOffered(memberID: member, suggestion: PendingSuggestion(text: ownWords[11], at: at)),
            .suggestionOffered(memberID: other, suggestion: PendingSuggestion(text: "!caught @Zanele for the cake", at: at)),
            .ideaAdded(Idea(id: 1, text: ownWords[6], authorID: member, at: at, weekKey: "2027-W01",
                answer: IdeaAnswer(text: "good one, Zanele", byID: other, at: at))),
            .ideaAdded(Idea(id: 2, text: "ask Zanele to train us", authorID: other, at: at, weekKey: nil,
                answer: IdeaAnswer(text: ownWords[7], byID: member, at: at))),
            .definitionAdded(Definition(id: 1, text: ownWords[8], authorID: member, at: at, cycle: 1)),
            .definitionAgreed(AgreedDefinition(text: "care, as Zanele says", cycle: 1, fromIDs: [1], agreedByID: member, at: at)),
            .trainingScheduled(Training(id: 1, weekKey: "2027-W01", cycle: 1, principleID: "listen", at: at, ownerID: member,
                scheduledByID: member, scheduledAt: at)),
            .trainingRecorded(id: 1, outcome: Training.Outcome(held: true, note: ownWords[10], attendeeIDs: [other, member],
                byID: member, at: at)),
            .trainingReminded(id: 1, at: at),
            .reportBackRecorded(ReportBackRecord(weekKey: "2027-W01", cycle: 1, at: at, afterExampleID: 0,
                throughExampleID: 3, afterFeedbackID: 0, throughFeedbackID: 2, trainingIDs: [1], goalIDs: [1])),
            .jobRecorded(key: "summary:2027-W01", outcome: .done),
            .cursorAdvanced(transport: "slack", cursor: "17.1"),
            .messagesSeen(ids: ["m1", "m2"]),
            .installed(id: "k3"),
            .queued(OutboundMessage(id: "o1", destination: .direct(userID: member), kind: .nudge, text: "hi Zanele", createdAt: at)),
            .queued(OutboundMessage(id: "o2", destination: .channel, kind: .summary,
                text: "Zanele Mokoena: \(ownWords[0]); Jo caught @zmokoena9", createdAt: at, threadUnder: "o1")),
            .queued(OutboundMessage(id: "o3", destination: .direct(userID: member), kind: .reply, text: "your data",
                createdAt: at, attachment: .memberData(memberID: member))),
            .queued(OutboundMessage(id: "o4", destination: .direct(userID: other), kind: .reply, text: "the report",
                createdAt: at, attachment: .programmeReport(format: .html))),
            .erasureOffered(adminID: other, memberID: member, at: at),
            .erasureOffered(adminID: member, memberID: "u3", at: at),
            // Someone erased before: the state already has a former member.
            .memberForgotten(id: "u3", formerID: "former-1", label: "a former member", erasedText: "(erased)"),
        ]
        for event in events { s.apply(event) }
        return s
    }

    /// Every string that names the member, or that only they wrote.
    static var needles: [String] { [member, name, handle, "Zanele", "Mokoena"] + ownWords }
}

@Suite("Member footprint: one declaration for mydata and forget")
struct MemberFootprintTests {
    @Test("every stored property of the state is classified, once, in MemberFootprint.places")
    func everyPropertyClassified() {
        let state = FootprintSample.state()
        let labels = Mirror(reflecting: state).children.compactMap(\.label)
        let (places, _) = MemberFootprint.declaredFields(in: state, about: FootprintSample.member)
        #expect(Set(places) == Set(labels), "classify these in MemberFootprint.places: \(Set(labels).subtracting(places))")
        #expect(places.count == Set(places).count)
    }

    @Test("every field of every record the state holds is named by its shape in MemberFootprint")
    func everyFieldDeclared() throws {
        let state = FootprintSample.state()
        let (_, declared) = MemberFootprint.declaredFields(in: state, about: FootprintSample.member)
        let goal = try #require(state.goals.first)
        let training = try #require(state.trainings.first)
        let idea = try #require(state.ideas.first)
        let records: [Any] = [
            try #require(state.members[FootprintSample.member]), try #require(state.teamPrinciples.first),
            try #require(state.ratingRounds.first), state.programme, try #require(state.weeks.first), state.examples,
            try #require(state.examples.all.first), goal, try #require(goal.history.first), try #require(goal.actions.first),
            try #require(state.followUps.first), try #require(state.pendingSuggestions.values.first), idea,
            try #require(idea.answer), try #require(state.definitions.first), try #require(state.agreedDefinitions.first),
            try #require(state.feedback.first), training, try #require(training.outcome), try #require(state.reportBacks.first),
            try #require(state.outbox.first), try #require(state.pendingErasures.values.first),
        ]
        for record in records {
            let type = String(describing: Swift.type(of: record))
            let named = declared[type, default: []].union(declared["Keyed<\(type)>", default: []])
            let fields = Set(Mirror(reflecting: record).children.compactMap(\.label))
            #expect(!fields.isEmpty)
            #expect(fields.subtracting(named).isEmpty, "classify \(type)'s \(fields.subtracting(named).sorted()) in MemberFootprint")
        }
    }

    @Test("collecting and erasing walk the same places: forget erases exactly what mydata counts, in every role")
    func collectAndEraseAgree() {
        var state = FootprintSample.state()
        let collected = MemberFootprint.collect(FootprintSample.member, in: state, names: [:]).counts
        #expect(Set(collected.keys) == Set(FootprintRole.allCases), "the sample shows every role")
        let erased = state.forget(FootprintSample.member, as: "former-2", label: "a former member", erasedText: "(erased)")
        #expect(erased == collected)
        #expect(MemberFootprint.collect(FootprintSample.member, in: state, names: [:]).counts.isEmpty)
    }

    @Test("after forget no byte of the state names the member or holds their words")
    func nothingLeft() throws {
        var state = FootprintSample.state()
        state.forget(FootprintSample.member, as: "former-2", label: "a former member", erasedText: "(erased)")
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        for needle in FootprintSample.needles {
            #expect(!json.contains(needle), "\(needle) is still in the state")
            #expect(!json.lowercased().contains(needle.lowercased()), "\(needle) is still in the state, in some case")
        }
    }

    @Test("what they did stays counted as a former member's; what they wrote and what existed only for them goes")
    func semantics() throws {
        var state = FootprintSample.state()
        let before = state
        state.forget(FootprintSample.member, as: "former-2", label: "a former member", erasedText: "(erased)")
        #expect(state.members[FootprintSample.member] == nil)
        #expect(state.formerMembers == ["former-1": "a former member", "former-2": "a former member"])
        // Their example and shout-out: counted, anonymous, without words; the week still counts three.
        #expect(state.examples.all[0].reporterID == "former-2")
        #expect(state.examples.all[0].text == "(erased)")
        #expect(!state.examples.all[0].deleted)
        #expect(state.examples.all[1].caughtIDs == [FootprintSample.other], "the person they caught keeps the credit")
        #expect(state.examples.count(inWeek: "2027-W01") == 3)
        // A shout-out they received: the giver keeps it and their words, less the member's names.
        #expect(state.examples.all[2].reporterID == FootprintSample.other)
        #expect(state.examples.all[2].caughtIDs == ["former-2"])
        #expect(state.examples.all[2].text == "thanks a former member, a former member saved the day")
        // Scores and votes move to the anonymous id, so averages and vote counts stay.
        #expect(state.ratingRounds[0].scores["former-2"] == ["listen": 3])
        #expect(state.ratingRounds[0].scores[FootprintSample.other] == ["listen": 5])
        #expect(state.programme.votes["former-2"] == ["listen"])
        // Goals, follow-ups, feedback, ideas, definitions, trainings: ids anonymous, their words erased.
        #expect(state.goals[0].ownerID == "former-2")
        #expect(state.goals[0].kpi == "a former member's reply time", "the team's measure stays, without their name")
        #expect(state.goals[0].history[0].note == "(erased)")
        #expect(state.goals[0].history[0].value == 3)
        #expect(state.goals[0].actions[0].text == "(erased)")
        #expect(state.followUps.map(\.text) == ["(erased)", "(erased)", "parcel late, Jo says"], "a complaint is its logger's words")
        #expect(state.followUps[1].resolution == "(erased)")
        #expect(state.feedback[1].text == "(erased)")
        #expect(state.feedback[0].text == "parcel late, Jo says")
        #expect(state.ideas[0].text == "(erased)")
        #expect(state.ideas[0].answer?.text == "good one, a former member")
        #expect(state.ideas[1].text == "ask a former member to train us")
        #expect(state.ideas[1].answer?.byID == "former-2")
        #expect(state.ideas[1].answer?.text == "(erased)")
        #expect(state.definitions[0].text == "(erased)")
        #expect(state.agreedDefinitions[0].text == "care, as a former member says", "the team's definition stays")
        #expect(state.agreedDefinitions[0].agreedByID == "former-2")
        #expect(state.trainings[0].ownerID == "former-2")
        #expect(state.trainings[0].outcome?.attendeeIDs == [FootprintSample.other, "former-2"])
        #expect(state.trainings[0].outcome?.note == "(erased)")
        #expect(state.teamPrinciples[0].title == "Tidy like a former member")
        #expect(state.principleDetails["listen"]?[.skills] == ["watch a former member do it"])
        // Waiting things: theirs dropped, others' without their name; messages to them dropped.
        #expect(state.pendingSuggestions[FootprintSample.member] == nil)
        #expect(state.pendingSuggestions[FootprintSample.other]?.text == "!caught a former member for the cake")
        #expect(state.pendingErasures.isEmpty, "an erasure of them, and theirs of someone else, both go")
        #expect(state.outbox.map(\.id) == ["o2", "o4"])
        #expect(state.outbox[0].text == "a former member: (erased); Jo caught a former member")
        #expect(state.outbox[0].threadUnder == nil, "its thread's root went, so it goes to the channel")
        // Nothing else changed.
        #expect(state.weeks == before.weeks)
        #expect(state.reportBacks == before.reportBacks)
        #expect(state.jobs == before.jobs)
        #expect(state.recentMessageIDs == before.recentMessageIDs)
        #expect(state.members[FootprintSample.other] == before.members[FootprintSample.other])
    }

    @Test("the engine shows a former member by the words for one, everywhere names are looked up")
    func formerMemberNamed() throws {
        var state = FootprintSample.state()
        state.forget(FootprintSample.member, as: "former-2", label: "a former member", erasedText: "(erased)")
        let coach = try Fixtures.coach()
        #expect(coach.name(of: "former-2", state) == "a former member")
        #expect(ProgrammeFigures.names(state: state, config: coach.config)["former-2"] == "a former member")
    }

    @Test("erasing twice, as a replayed journal line does, changes nothing more")
    func idempotent() {
        var once = FootprintSample.state()
        once.forget(FootprintSample.member, as: "former-2", label: "a former member", erasedText: "(erased)")
        var twice = once
        twice.apply(.memberForgotten(id: FootprintSample.member, formerID: "former-2", label: "a former member", erasedText: "(erased)"))
        #expect(twice == once)
    }
}

@Suite("Finding a member's names in other people's words")
struct NameMatchTests {
    @Test("whole words, any case, an @ taken along; a longer word or another member's name left alone")
    func wholeWords() {
        let match = NameMatch(names: ["Sam", "sam_b", "U123"], protected: ["Sam Dube"])
        #expect(match.replacing(in: "thanks Sam and @SAM, cc u123.", with: "X") == "thanks X and X, cc X.")
        #expect(match.replacing(in: "Samuel, same, sam_bo, Sam Dube", with: "X") == nil)
        #expect(match.replacing(in: "ask sam_b (sam) or Sam Dube's Sam", with: "X") == "ask X (X) or Sam Dube's X")
        #expect(match.occurs(in: "Hi SAM!"))
        #expect(!match.occurs(in: ""))
    }

    @Test("letters beyond ASCII compare in lower case and count as parts of words")
    func beyondASCII() {
        let match = NameMatch(names: ["Zoë Ångström"])
        #expect(match.replacing(in: "merci ZOË ÅNGSTRÖM !", with: "X") == "merci X !")
        #expect(match.replacing(in: "Zoë Ångströmé", with: "X") == nil)
        #expect(NameMatch(names: ["Zoë"]).replacing(in: "with zoë, and Zoëlle", with: "X") == "with X, and Zoëlle")
    }

    @Test("a name of one character is never searched for")
    func tooShort() {
        #expect(NameMatch(names: ["J"]).isEmpty)
        #expect(NameMatch(names: ["J"]).replacing(in: "J and J", with: "X") == nil)
    }
}

@Suite("Forgetting a member from whole programmes")
struct ForgetProgrammeTests {
    @Test("over whole programmes, forgetting anyone keeps every count and average, and leaves nothing of them", arguments: Array(UInt64(1)...12))
    func wholeProgrammes(seed: UInt64) throws {
        var run = try ProgrammeRun(seed: seed)
        run.run()
        let say = { (what: String) in Issue.record("seed \(seed): \(what)") }
        let config = run.coach.config
        for member in run.members.prefix(3) {
            var state = run.state
            let figures = ProgrammeFigures(state: state, catalogue: run.coach.catalogue, config: config, now: run.now)
            let ratings = RatingFigures(state: state, catalogue: run.coach.catalogue, config: config)
            let collected = MemberFootprint.collect(member.id, in: state, names: [:])
            let erased = state.forget(member.id, as: "former-9", label: "a former member", erasedText: "(erased)")
            if erased != collected.counts { say("\(member.id): forget counted \(erased), collect \(collected.counts)") }
            if !MemberFootprint.collect(member.id, in: state, names: [:]).counts.isEmpty { say("\(member.id) is still in the state") }
            let after = ProgrammeFigures(state: state, catalogue: run.coach.catalogue, config: config, now: run.now)
            if after.weeks != figures.weeks { say("\(member.id): the weeks' figures changed") }
            if after.contributors != figures.contributors { say("\(member.id): contributors changed") }
            if after.recognition.shoutOuts != figures.recognition.shoutOuts
                || after.recognition.recognisedPeople != figures.recognition.recognisedPeople
            {
                say("\(member.id): recognition changed")
            }
            if RatingFigures(state: state, catalogue: run.coach.catalogue, config: config) != ratings { say("\(member.id): ratings changed") }
            if after.goals.map({ $0.readings.map(\.value) }) != figures.goals.map({ $0.readings.map(\.value) }) { say("\(member.id): goal readings changed") }
            // The state still loads as the bot would read it.
            let reloaded = try JSONDecoder().decode(CoachState.self, from: JSONEncoder().encode(state))
            if reloaded != state { say("\(member.id): the erased state did not survive JSON") }
        }
    }
}
