import CoachChat
import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The session skips the engine's tick while nothing can be due (see `CoachSession.tick`). Skipping must change
/// nothing a member sees: a session polled every few minutes queues exactly what the pure engine queues when it is
/// ticked at every one of those moments.
@Suite("Idle ticks")
struct IdleTickTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// With no upper bound on a skip, the wake-up alone decides when the engine ticks: it must cover everything.
    @Test(
        "polled every 2 minutes for 17 days, with members in their own time zones and messages now and then, the session queues what the engine does",
        arguments: [300, TimeInterval.infinity])
    func skippedTicksChangeNothing(longestSkip: TimeInterval) async throws {
        let coach = try Fixtures.coach { config in
            config.programme.suggestedLength = 2
            config.holidays = []
            config.programme.openingWeek = false
        }
        var engine = Harness(coach: coach, at: "2027-03-24 10:00")
        let session = try CoachSession(coach: coach, directory: nil, logger: Self.quiet, longestSkip: longestSkip)
        var counter = 0
        // What members say, and when, in the team's time: the start, own time zones (one changed midway, which moves
        // that member's check-ins), and examples.
        let said: [(at: String, sender: String, text: String, direct: Bool)] = [
            ("2027-03-24 10:00", "alex", "!start 2027-03-29", false),
            ("2027-03-24 10:20", "sam", "!timezone America/New_York", false),
            ("2027-03-24 11:00", "jo", "timezone Asia/Kolkata", true),
            ("2027-03-30 15:03", "sam", "Caught Jo staying late to call a customer back", false),
            ("2027-04-01 02:10", "jo", "timezone Pacific/Auckland", true),
            // Wednesday's check-in at 10:00 in Tokyo is 02:00 in London: earlier than any the session had worked out.
            ("2027-04-07 00:50", "priya", "timezone Asia/Tokyo", true),
            ("2027-04-06 12:00", "alex", "!history", false),
        ]
        var start = engine.now
        let end = engine.instant("2027-04-10 12:00")
        var step = 0
        var engineSent: [OutboundMessage] = []
        var sessionSent: [OutboundMessage] = []
        while start <= end {
            let now = start
            // Each message arrives with the first poll at or after its time.
            while counter < said.count, engine.instant(said[counter].at) <= now {
                let line = said[counter]
                counter += 1
                let message = InboundMessage(
                    id: "m\(counter)", senderID: line.sender, senderName: line.sender.capitalized, text: line.text,
                    threadRootID: nil, isDirect: line.direct, mentions: [:])
                engine.now = now
                engineSent += engine.receive([message]).queued
                sessionSent += try await session.receive(
                    PollBatch(messages: [message], cursor: "\(counter)"), transport: "test", at: now
                ).queued
                try await Self.deliverAll(session)
            }
            engine.now = now
            engineSent += engine.tick().queued
            sessionSent += try await session.tick(at: now).queued
            try await Self.deliverAll(session)
            // The live loop asks for the next wake-up after each tick: that is what lets the next ticks be skipped.
            _ = await session.nextWakeUp(after: now)
            #expect(sessionSent == engineSent, "they differ after \(now) (step \(step))")
            if sessionSent != engineSent { return }
            step += 1
            start = now.addingTimeInterval(2 * 60)
        }
        // The run covers the posts of two programme weeks and members' check-ins in three zones.
        #expect(counter == said.count)
        #expect(engineSent.count > 20, "\(engineSent.map { "\($0.destination) \($0.text.prefix(60))" })")
        #expect(Set(engineSent.compactMap { message -> String? in
            if case .direct(let member) = message.destination { member } else { nil }
        }).count >= 3, "check-ins reached the members in their own zones")
    }

    static func deliverAll(_ session: CoachSession) async throws {
        for message in await session.outbox { try await session.markDelivered(message.id, platformID: "p-\(message.id)") }
    }
}
