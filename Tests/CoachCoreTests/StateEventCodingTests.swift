import CoachCore
import Foundation
import Testing

@Suite("Journal format of events")
struct StateEventCodingTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let monday = LocalDate(year: 2027, month: 1, day: 4)

    /// Samples of every kind of event, with the variants its coding must keep apart (a value present or absent, each
    /// destination of a queued message). A switch with no `default`: a new kind does not compile until it has samples.
    static func samples(of kind: StateEvent.Kind) -> [StateEvent] {
        switch kind {
        case .memberSeen: [.memberSeen(id: "u1", name: "Sam"), .memberSeen(id: "u2", name: "Jo", handle: "jo_b")]
        case .memberAway: [.memberAway(id: "u1", until: monday), .memberAway(id: "u1", until: nil)]
        case .ratingRoundOpened:
            [.ratingRoundOpened(cycle: 2, purpose: .rerate), .ratingRoundOpened(cycle: 1, purpose: .baseline, principles: ["a", "b"])]
        case .principleDetailSet:
            [.principleDetailSet(principleID: "p", detail: .managerSkills, value: ["a", "b"]),
             .principleDetailSet(principleID: "p", detail: .question, value: nil)]
        case .ratingWidened: [.ratingWidened(principleIDs: ["c"])]
        case .voted: [.voted(memberID: "u1", principleIDs: ["a", "b"]), .voted(memberID: "u1", principleIDs: [])]
        case .rated: [.rated(memberID: "u1", scores: ["listen": 3, "smile": 5])]
        case .teamPrincipleAdded: [.teamPrincipleAdded(Principle(id: "tidy", title: "Tidy", why: "Because", skills: ["a", "b"]))]
        case .planChanged: [.planChanged(plan: ["a", "b"], accepted: true)]
        case .programmeStarted: [.programmeStarted(startDate: monday, at: at)]
        case .pausedChanged: [.pausedChanged(paused: true, at: at)]
        case .weekSkipped: [.weekSkipped(key: "2027-W01")]
        case .weekOpened: [.weekOpened(ProgrammeWeek(key: "2027-W01", monday: monday, cycle: 1, index: 0, principleID: "a"))]
        case .announcementQueued: [.announcementQueued(weekKey: "2027-W01", outboxID: "o3")]
        case .weekWithdrawn: [.weekWithdrawn(key: "2027-W01")]
        case .programmeFinished: [.programmeFinished(monday: monday)]
        case .cycleStarted: [.cycleStarted(cycle: 2)]
        case .exampleAdded:
            [
                .exampleAdded(Example(id: 1, weekKey: "2027-W01", principleID: "a", reporterID: "u1", caughtIDs: ["u2"],
                    text: "kept a promise \"exactly\"", at: at, source: .caught)),
                .exampleAdded(Example(id: 2, weekKey: nil, principleID: nil, reporterID: "u1", caughtIDs: [], text: "x",
                    at: at, source: .threadReply)),
            ]
        case .exampleEdited: [.exampleEdited(id: 1, text: "new")]
        case .exampleDeleted: [.exampleDeleted(id: 1)]
        case .goalAdded:
            [
                .goalAdded(Goal(id: 1, kpi: "CSAT", target: 90, unit: "%", direction: .higherIsBetter, ownerID: "u1",
                    due: monday, tolerance: 2, tolerancePercent: false, createdAt: at))
            ]
        case .goalUpdated: [.goalUpdated(id: 1, update: Goal.Update(value: 88.5, note: "busy", at: at, byID: "u1"))]
        case .goalActionRecorded: [.goalActionRecorded(id: 1, action: Goal.Action(text: "more staff", at: at, followUpID: 4))]
        case .goalNudged: [.goalNudged(id: 1, at: at)]
        case .goalClosed: [.goalClosed(id: 1)]
        case .followUpOpened:
            [
                .followUpOpened(FollowUp(id: 4, text: "fix it", ownerID: "u1", openedAt: at, goalID: 1)),
                .followUpOpened(FollowUp(id: 5, text: "parcel late", ownerID: "u2", openedAt: at, feedbackID: 2)),
            ]
        case .followUpFixed: [.followUpFixed(id: 4, resolution: "done", at: at)]
        case .followUpNudged: [.followUpNudged(id: 4, at: at)]
        case .ideaAdded:
            [.ideaAdded(Idea(id: 1, text: "idea", authorID: "u1", at: at, weekKey: nil)),
             .ideaAdded(Idea(id: 2, text: "idea", authorID: "u1", at: at, weekKey: "2027-W01",
                answer: IdeaAnswer(text: "yes", byID: "u9", at: at)))]
        case .definitionAdded:
            [.definitionAdded(Definition(id: 1, text: "means", authorID: "u1", at: at)),
             .definitionAdded(Definition(id: 2, text: "care", authorID: "u1", at: at, cycle: 2))]
        case .definitionAgreed:
            [.definitionAgreed(AgreedDefinition(text: "care", cycle: 2, fromIDs: [2], agreedByID: "a", at: at))]
        case .jobRecorded: [.jobRecorded(key: "announce:2027-W01", outcome: .late)]
        case .queued:
            [
                .queued(OutboundMessage(id: "o1", destination: .thread(rootID: "p:9"), kind: .reply, text: "hi", createdAt: at)),
                .queued(OutboundMessage(id: "o2", destination: .direct(userID: "u1"), kind: .nudge, text: "hi", createdAt: at)),
                .queued(OutboundMessage(id: "o3", destination: .channel, kind: .summary, text: "hi", createdAt: at)),
                .queued(OutboundMessage(
                    id: "o4", destination: .channel, kind: .summary, text: "lists", createdAt: at, threadUnder: "o3")),
            ] + OutboundMessage.Attachment.all.map { attachment in
                .queued(OutboundMessage(
                    id: "o5", destination: .direct(userID: "u1"), kind: .reply, text: "the report", createdAt: at,
                    attachment: attachment))
            }
        case .delivered: [.delivered(id: "o1", platformID: "p1"), .delivered(id: "o2", platformID: nil)]
        case .dropped: [.dropped(id: "o3", reason: "forbidden")]
        case .cursorAdvanced: [.cursorAdvanced(transport: "slack", cursor: "1700000000.000100")]
        case .messagesSeen: [.messagesSeen(ids: ["a", "b"])]
        case .installed: [.installed(id: "k3x9")]
        case .examplesReported: [.examplesReported(throughID: 42)]
        case .suggestionOffered:
            [.suggestionOffered(memberID: "u1", suggestion: PendingSuggestion(text: "!example kept the text", at: at))]
        case .suggestionSettled: [.suggestionSettled(memberID: "u1")]
        case .feedbackAdded:
            [
                .feedbackAdded(Feedback(id: 1, kind: .compliment, text: "loved the \"card\"", reporterID: "u1", at: at)),
                .feedbackAdded(Feedback(id: 2, kind: .complaint, text: "parcel late", reporterID: "u2", at: at)),
            ]
        case .feedbackReported: [.feedbackReported(throughID: 7)]
        case .trainingScheduled: [.trainingScheduled(Self.training), .trainingScheduled(Self.trainingDone)]
        case .trainingRecorded:
            [
                .trainingRecorded(id: 3, outcome: Training.Outcome(held: true, note: "role play", attendeeIDs: ["u2", "u3"], byID: "u1", at: at)),
                .trainingRecorded(id: 3, outcome: Training.Outcome(held: false, note: "", attendeeIDs: [], byID: "u9", at: at)),
            ]
        case .trainingReminded: [.trainingReminded(id: 3, at: at)]
        case .trainingAsked: [.trainingAsked(id: 3, at: at)]
        case .trainingsReported: [.trainingsReported(ids: [3, 4])]
        case .reportBackRecorded:
            [.reportBackRecorded(ReportBackRecord(
                weekKey: "2027-W01", cycle: 1, at: at, afterExampleID: 4, throughExampleID: 9, afterFeedbackID: 0,
                throughFeedbackID: 2, trainingIDs: [3], goalIDs: [1, 2]))]
        case .ideaAnswered: [.ideaAnswered(id: 1, answer: IdeaAnswer(text: "we'll try it \"soon\"", byID: "u9", at: at))]
        case .erasureOffered: [.erasureOffered(adminID: "u9", memberID: "u1", at: at)]
        case .erasureSettled: [.erasureSettled(adminID: "u9")]
        case .memberForgotten:
            [.memberForgotten(id: "u1", formerID: "former-1", label: "a former member", erasedText: "(erased)")]
        case .memberTimeZone: [.memberTimeZone(id: "u1", zone: "Asia/Kolkata"), .memberTimeZone(id: "u1", zone: nil)]
        case .memberCheckedIn: [.memberCheckedIn(id: "u1", at: at)]
        case .memberHadRides: [.memberHadRides(id: "u1", jobs: ["digest:2027-W03", "monthly:2027-01"])]
        }
    }

    static let training = Training(
        id: 3, weekKey: "2027-W01", cycle: 1, principleID: "a", at: at, ownerID: "u1", scheduledByID: "u9", scheduledAt: at)

    /// A training with every optional part set: outcome, reminder, question, reported.
    static var trainingDone: Training {
        var done = training
        done.id = 4
        done.outcome = Training.Outcome(held: true, note: "n", attendeeIDs: ["u2"], byID: "u1", at: at)
        done.remindedAt = at
        done.askedAt = at
        done.reported = true
        return done
    }

    static let everyEvent: [StateEvent] = StateEvent.Kind.allCases.flatMap(samples(of:))

    @Test("every kind of event has samples, each of its own kind")
    func everyKindHasSamples() {
        for kind in StateEvent.Kind.allCases {
            let samples = Self.samples(of: kind)
            #expect(!samples.isEmpty, "\(kind) has no sample")
            #expect(samples.allSatisfy { $0.kind == kind }, "\(kind) has a sample of another kind")
        }
    }

    @Test("every event survives the journal unchanged", arguments: everyEvent)
    func roundTrip(_ event: StateEvent) throws {
        let data = try JSONCoding.encoder.encode(event)
        #expect(try JSONCoding.decoder.decode(StateEvent.self, from: data) == event)
        #expect(String(decoding: data, as: UTF8.self).contains("\"type\":\"\(event.kind.rawValue)\""))
    }

    @Test("an event type this build does not know is refused, not skipped, and named")
    func unknownType() {
        do {
            _ = try JSONCoding.decoder.decode(StateEvent.self, from: Data(#"{"type":"teleported","id":"x"}"#.utf8))
            Issue.record("an unknown event type was accepted")
        } catch {
            #expect(JSONCoding.describe(error).contains("unknown event type \"teleported\""))
            #expect(!JSONCoding.describe(error).contains("newer"))
        }
    }
}
