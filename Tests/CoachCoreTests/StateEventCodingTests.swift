import CoachCore
import Foundation
import Testing

@Suite("Journal format of events")
struct StateEventCodingTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)
    static let monday = LocalDate(year: 2027, month: 1, day: 4)

    static let everyEvent: [StateEvent] = [
        .memberSeen(id: "u1", name: "Sam"),
        .memberAway(id: "u1", until: monday),
        .memberAway(id: "u1", until: nil),
        .ratingRoundOpened(cycle: 2, purpose: .rerate),
        .rated(memberID: "u1", scores: ["listen": 3, "smile": 5]),
        .teamPrincipleAdded(Principle(id: "tidy", title: "Tidy", why: "Because", skills: ["a", "b"])),
        .planChanged(plan: ["a", "b"], accepted: true),
        .programmeStarted(startDate: monday, at: at),
        .pausedChanged(paused: true, at: at),
        .weekSkipped(key: "2027-W01"),
        .weekOpened(ProgrammeWeek(key: "2027-W01", monday: monday, cycle: 1, index: 0, principleID: "a")),
        .announcementQueued(weekKey: "2027-W01", outboxID: "o3"),
        .weekWithdrawn(key: "2027-W01"),
        .programmeFinished(monday: monday),
        .cycleStarted(cycle: 2),
        .exampleAdded(Example(id: 1, weekKey: "2027-W01", principleID: "a", reporterID: "u1", caughtIDs: ["u2"],
            text: "kept a promise \"exactly\"", at: at, source: .caught)),
        .exampleAdded(Example(id: 2, weekKey: nil, principleID: nil, reporterID: "u1", caughtIDs: [], text: "x", at: at,
            source: .threadReply)),
        .exampleEdited(id: 1, text: "new"),
        .exampleDeleted(id: 1),
        .goalAdded(Goal(id: 1, kpi: "CSAT", target: 90, unit: "%", direction: .higherIsBetter, ownerID: "u1", due: monday,
            tolerance: 2, tolerancePercent: false, createdAt: at)),
        .goalUpdated(id: 1, update: Goal.Update(value: 88.5, note: "busy", at: at, byID: "u1")),
        .goalActionRecorded(id: 1, action: Goal.Action(text: "more staff", at: at, followUpID: 4)),
        .goalNudged(id: 1, at: at),
        .goalClosed(id: 1),
        .followUpOpened(FollowUp(id: 4, text: "fix it", ownerID: "u1", openedAt: at, goalID: 1)),
        .followUpFixed(id: 4, resolution: "done", at: at),
        .followUpNudged(id: 4, at: at),
        .ideaAdded(Idea(id: 1, text: "idea", authorID: "u1", at: at, weekKey: nil)),
        .definitionAdded(Definition(id: 1, text: "means", authorID: "u1", at: at)),
        .jobRecorded(key: "announce:2027-W01", outcome: .late),
        .queued(OutboundMessage(id: "o1", destination: .thread(rootID: "p:9"), kind: .reply, text: "hi", createdAt: at)),
        .queued(OutboundMessage(id: "o2", destination: .direct(userID: "u1"), kind: .nudge, text: "hi", createdAt: at)),
        .queued(OutboundMessage(id: "o3", destination: .channel, kind: .summary, text: "hi", createdAt: at)),
        .delivered(id: "o1", platformID: "p1"),
        .delivered(id: "o2", platformID: nil),
        .dropped(id: "o3", reason: "forbidden"),
        .cursorAdvanced(transport: "slack", cursor: "1700000000.000100"),
        .messagesSeen(ids: ["a", "b"]),
    ]

    @Test("every event survives the journal unchanged", arguments: everyEvent)
    func roundTrip(_ event: StateEvent) throws {
        let data = try JSONCoding.encoder.encode(event)
        #expect(try JSONCoding.decoder.decode(StateEvent.self, from: data) == event)
        #expect(String(decoding: data, as: UTF8.self).contains("\"type\""))
    }

    @Test("an event type from a newer version is refused, not skipped")
    func unknownType() {
        #expect(throws: DecodingError.self) {
            try JSONCoding.decoder.decode(StateEvent.self, from: Data(#"{"type":"teleported","id":"x"}"#.utf8))
        }
    }
}
