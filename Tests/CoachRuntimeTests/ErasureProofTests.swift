import CoachChat
import CoachCore
import CoachRuntime
import CoachStore
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The proof that `forget` erases: a 12-week programme (after week 0's definitions) lived through the bot's own
/// session on a state folder, with Zanele sharing examples, catching and being caught, rating, voting, owning a
/// goal and posting its figures, opening and fixing a follow-up, logging feedback, putting ideas in the box,
/// finishing "Customer Service means...", running a training, going away for a week and asking for her data. In
/// week 9 the admin asks to forget her, and confirms with a crash injected at each step the erasure takes: the
/// journal append (torn at several places, whole but not synced) and every step of the compaction after it. After
/// each crash the folder is opened again as the bot would at a restart (that start may crash again inside the
/// compaction it finishes, and is opened once more), then every byte of every file in the folder is searched for
/// her name, handle, id and each word she wrote. Then the programme runs to its end on the same folder: report-backs
/// and the before-and-after report go out, and the figures still count what she did, as a former member's.
@Suite("Erasing a member: every byte of the state folder, every crash point")
struct ErasureProofTests {
    static let zanele = "U0ZANELE7"
    static let zaneleName = "Zanele Mokoena"
    static let zaneleHandle = "zmokoena9"

    @Test("after a crash at any step of the erasure and a restart, nothing of her is left, and the programme runs on", arguments: CrashPoint.all)
    func crashAtEveryStep(_ point: CrashPoint) async throws {
        let prepared = try await Self.prepared()
        let dir = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: prepared.dir, to: dir)
        var team = prepared.team

        // The admin confirms, and the store crashes at `point`.
        let confirm = team.message("alex", "forget @\(Self.zaneleHandle) confirm", direct: true)
        let crashed = try team.session(dir, crash: point)
        await #expect(throws: SimulatedCrash.self) {
            try await crashed.receive(confirm.batch, transport: "test", at: team.now)
        }
        await crashed.close()

        // The restart may crash again, inside the compaction it finishes; then the bot is started once more.
        do {
            let again = try team.session(dir, crash: point)
            await again.close()
        } catch is SimulatedCrash {}
        let session = try team.session(dir)
        if await session.state.members[Self.zanele] != nil {
            // The erasure's journal line never became whole, so nothing was erased and the admin heard nothing. Its
            // batch's cursor was not committed either: the platform hands the confirmation over again.
            guard case .midJournalLine(let bytes) = point, bytes < 100 else {
                Issue.record("\(point): the erasure was lost though its line was written whole")
                return
            }
            try await session.receive(confirm.batch, transport: "test", at: team.now)
        }
        let answer = await session.outbox.first { $0.destination == .direct(userID: "alex") }
        #expect(answer?.text.contains("I've erased that member") == true, "\(point): the admin is told")
        try await team.deliver(session)

        try Self.expectNothingOf(prepared.words, in: dir, when: "after \(point) and a restart")
        let state = await session.state
        #expect(state.formerMembers.count == 1)
        #expect(MemberFootprint.collect(Self.zanele, in: state, names: [:]).counts.isEmpty)

        // What she did still counts, anonymously: the weeks before the erasure show the same figures.
        let figures = ProgrammeFigures(state: state, catalogue: team.coach.catalogue, config: team.coach.config, now: team.now)
        #expect(figures.weeks.map(\.examples) == prepared.figures.weeks.map(\.examples))
        #expect(figures.weeks.map(\.contributors) == prepared.figures.weeks.map(\.contributors))
        #expect(figures.contributors == prepared.figures.contributors)
        #expect(RatingFigures(state: state, catalogue: team.coach.catalogue, config: team.coach.config) == prepared.ratings)
        #expect(state.examples.all.filter { $0.reporterID == "former-1" }.count == prepared.examplesByHer)

        // The programme runs on: the remaining weeks, their report-backs and the before-and-after report.
        let reportsBefore = team.reportBacks
        try await team.play(session, until: team.lastDay)
        let end = await session.state
        #expect(team.reportBacks >= reportsBefore + 3, "report-backs went on after the erasure")
        #expect(end.jobs["before-after:1"] != nil, "the programme ran to its before-and-after report")
        #expect(end.ratingRounds.first?.scores["former-1"] != nil, "her baseline ratings still count")
        // `history` of a week she shared in shows her examples as a former member's, without her words.
        let week = try #require(prepared.herWeek)
        let shown = try await team.ask(session, "alex", "history \(week)")
        #expect(shown.contains("a former member"))
        let last = await session.state
        try await session.compact()
        await session.close()
        try Self.expectNothingOf(prepared.words, in: dir, when: "at the end of the programme after \(point)")
        let reloaded = try BotServiceTests.reopen(dir)
        #expect(reloaded == last, "the state loads as it was")
    }

    // MARK: - The programme up to the erasure, played once

    struct Prepared: Sendable {
        /// The state folder just after the admin asked to forget her (`forget @zmokoena9`), closed.
        var dir: URL
        var team: Team
        /// Her name, handle, id and every word she wrote.
        var words: [String]
        var figures: ProgrammeFigures
        var ratings: RatingFigures
        var examplesByHer: Int
        /// A programme week she shared an example in, by its number.
        var herWeek: Int?
    }

    /// Played once for all crash points, as the test's first call finds it.
    static func prepared() async throws -> Prepared {
        try await PreparedOnce.shared.value()
    }

    actor PreparedOnce {
        static let shared = PreparedOnce()
        private var making: Task<Prepared, any Error>?

        /// One task for every caller: the crash points run in parallel, and the actor would let a second caller in
        /// while the first waits on the session.
        func value() async throws -> Prepared {
            if let making { return try await making.value }
            let task = Task { try await Self.make() }
            making = task
            return try await task.value
        }

        static func make() async throws -> Prepared {
            let dir = Fixtures.temporaryDirectory()
            var team = try Team()
            let session = try team.session(dir)
            try await team.play(session, until: team.erasureDay)
            let state = await session.state
            let figures = ProgrammeFigures(state: state, catalogue: team.coach.catalogue, config: team.coach.config, now: team.now)
            let herWeek = figures.weeks.first { week in
                !week.opening && state.examples.inWeek(week.key).contains { $0.reporterID == zanele }
            }?.number
            // The admin asks, privately, and reads what would go.
            let preview = try await team.ask(session, "alex", "forget @\(zaneleHandle)")
            #expect(preview.contains("this is what I hold about \(zaneleName)"))
            let prepared = Prepared(
                dir: dir, team: team, words: [zanele, zaneleName, zaneleHandle, "Zanele", "Mokoena"] + team.herWords,
                figures: figures,
                ratings: RatingFigures(state: state, catalogue: team.coach.catalogue, config: team.coach.config),
                examplesByHer: state.examples.all.filter { $0.reporterID == zanele && !$0.deleted }.count, herWeek: herWeek)
            // Sanity: before the erasure the folder does hold her, so the search below can find what it looks for.
            #expect(try ErasureProofTests.filesHolding(prepared.words, in: dir).count >= 4)
            #expect(prepared.examplesByHer >= 10)
            await session.close()
            return prepared
        }
    }

    /// Each needle found in some file of `dir`, with the file: every byte of every file, the lock and any temp
    /// file included, compared as they are and in lower case.
    static func filesHolding(_ needles: [String], in dir: URL) throws -> [String] {
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(name))
            let lower = Data(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
            for needle in needles {
                if bytes.range(of: Data(needle.utf8)) != nil || lower.range(of: Data(needle.lowercased().utf8)) != nil {
                    found.append("\(needle) in \(name)")
                }
            }
        }
        return found
    }

    static func expectNothingOf(_ needles: [String], in dir: URL, when: String) throws {
        let found = try filesHolding(needles, in: dir)
        #expect(found.isEmpty, "\(when): \(found.prefix(10))")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["journal.jsonl", "state.json", "state.lock"], "\(when): no other file: \(files)")
    }
}

extension ErasureProofTests {
    /// The team and its script: admin Alex, Sam, Jo and Priya from the config's roster, and Zanele, who joined by
    /// speaking. Deterministic: a seeded generator and a clock that moves only when the script moves it.
    struct Team: Sendable {
        let coach: Coach
        var random = SeededRandom(seed: 12)
        var now: Date
        var counter = 0
        var platformIDs = 0
        /// Every word Zanele typed that is hers alone: each carries a token no one else's does.
        var herWords: [String] = []
        var reportBacks = 0
        let start = LocalDate(year: 2027, month: 1, day: 4)

        init() throws {
            coach = try Fixtures.coach(capabilities: .init(directMessages: true, threads: true, markup: .plain)) { config in
                config.programme.suggestedLength = 12
                config.holidays = []
            }
            now = coach.schedule.calendar.at(coach.schedule.calendar.adding(days: -5, to: start), hour: 9, minute: 0)
        }

        var calendar: TeamCalendar { coach.schedule.calendar }
        /// Tuesday of programme week 9 (week 0 being the definition week).
        var erasureDay: LocalDate { calendar.adding(days: 7 * 9 + 1, to: start) }
        /// After the twelfth principle week and the re-rating week.
        var lastDay: LocalDate { calendar.adding(days: 7 * 14 + 4, to: start) }

        func session(_ dir: URL, crash: CrashPoint? = nil) throws -> CoachSession {
            // Unsynced writes: a simulated crash leaves the files as a real one would whatever fsync does, and the
            // test stays quick.
            try CoachSession(
                coach: coach, directory: dir, options: StoreOptions(durable: false, crashPoint: crash),
                logger: Logger(label: "proof") { _ in SwiftLogNoOpLogHandler() })
        }

        struct Said {
            var batch: PollBatch
        }

        mutating func message(_ member: String, _ text: String, direct: Bool = false, thread: String? = nil) -> Said {
            counter += 1
            let isZanele = member == ErasureProofTests.zanele
            let name = isZanele ? ErasureProofTests.zaneleName : member.capitalized
            let message = InboundMessage(
                id: "m\(counter)", senderID: member, senderName: name,
                senderHandle: isZanele ? ErasureProofTests.zaneleHandle : nil, text: text, threadRootID: thread,
                isDirect: direct)
            return Said(batch: PollBatch(messages: [message], cursor: "\(counter)"))
        }

        /// Runs every wake-up up to `time`, delivering as it goes.
        mutating func advance(_ session: CoachSession, to time: Date) async throws {
            var next = coach.schedule.nextWakeUp(after: now)
            while next <= time {
                now = next
                try await tick(session)
                next = coach.schedule.nextWakeUp(after: now)
            }
            now = max(now, time)
            try await tick(session)
        }

        mutating func tick(_ session: CoachSession) async throws {
            let outcome = try await session.tick(at: now)
            if outcome.queued.contains(where: { $0.kind == .summary }) { reportBacks += 1 }
            try await deliver(session)
        }

        /// Marks everything waiting as sent, as a transport would.
        mutating func deliver(_ session: CoachSession) async throws {
            for message in await session.outbox {
                platformIDs += 1
                try await session.markDelivered(message.id, platformID: "p\(platformIDs)")
            }
        }

        @discardableResult
        mutating func say(_ session: CoachSession, _ member: String, _ text: String, at time: Date, direct: Bool = false, thread: String? = nil)
            async throws -> [OutboundMessage]
        {
            try await advance(session, to: time)
            let said = message(member, text, direct: direct, thread: thread)
            let outcome = try await session.receive(said.batch, transport: "test", at: now)
            try await deliver(session)
            return outcome.queued
        }

        /// A private question, and the answer's words.
        mutating func ask(_ session: CoachSession, _ member: String, _ text: String) async throws -> String {
            now += 60
            return try await say(session, member, text, at: now, direct: true).map(\.text).joined(separator: "\n")
        }

        /// Something Zanele writes: a token only she ever types, so the search finds it wherever it went.
        mutating func hers(_ text: String) -> String {
            counter += 1
            let words = "\(text) qz\(counter)x"
            herWords.append(words)
            return words
        }

        static func chance(_ p: Double, _ random: inout SeededRandom) -> Bool { Double.random(in: 0..<1, using: &random) < p }

        /// Plays every day up to the end of `last`.
        mutating func play(_ session: CoachSession, until last: LocalDate) async throws {
            var day = calendar.localDate(of: now)
            if await session.state.jobs["intro"] == nil { try await setUp(session) }
            day = calendar.adding(days: 1, to: calendar.localDate(of: now))
            while day <= last {
                try await playDay(session, day)
                day = calendar.adding(days: 1, to: day)
            }
        }

        /// The Wednesday before the start: everyone rates (Zanele first, so the team knows her), votes, and the
        /// admin accepts the plan, gives Zanele a goal and starts.
        mutating func setUp(_ session: CoachSession) async throws {
            try await tick(session)
            let wednesday = calendar.localDate(of: now)
            var t = calendar.at(wednesday, hour: 9, minute: 30)
            for member in [ErasureProofTests.zanele, "alex", "sam", "jo", "priya"] {
                let count = await session.state.ratingRounds.last?.principleIDs?.count ?? coach.catalogue.principles.count
                let scores = (0..<count).map { _ in String([1, 3, 3, 5][Int.random(in: 0..<4, using: &random)]) }
                try await say(session, member, "!rate all " + scores.joined(separator: " "), at: t)
                t += 300
            }
            try await say(session, ErasureProofTests.zanele, "!vote 3 7", at: t)
            try await say(session, "sam", "!vote 3", at: t + 60)
            try await say(session, "alex", "!programme accept", at: t + 600)
            try await say(
                session, "alex", "!goal add Reply time aim 2 hours down is good allowed gap 10% owner @\(ErasureProofTests.zaneleHandle)",
                at: t + 700)
            try await say(session, "alex", "!start 2027-01-04", at: t + 800)
        }

        mutating func playDay(_ session: CoachSession, _ day: LocalDate) async throws {
            let weekday = calendar.weekday(of: day)
            guard coach.config.schedule.workdays.contains(weekday) else {
                try await advance(session, to: calendar.at(day, hour: 23, minute: 0))
                return
            }
            let week = calendar.days(from: start, to: day) / 7
            let state = await session.state
            let root = state.weeks.last?.announcementPlatformID
            let zanele = ErasureProofTests.zanele
            let current = now
            let here = state.members[zanele].map { !$0.isAway(on: day) } ?? false
            var acts: [(minute: Int, member: String, text: String, thread: Bool, direct: Bool)] = []
            for member in ["sam", "jo", "priya", "alex"] {
                let minute = Int.random(in: 9 * 60 + 10...16 * 60, using: &random)
                switch Double.random(in: 0..<1, using: &random) {
                case ..<0.3: acts.append((minute, member, "!example rebooked a delivery for customer \(minute)", false, false))
                case ..<0.5 where here:
                    let words = Team.chance(0.5, &random) ? "for taking Zanele's late caller" : "for the callback, thanks @\(ErasureProofTests.zaneleHandle)"
                    acts.append((minute, member, "!caught @\(ErasureProofTests.zaneleHandle) \(words)", false, false))
                case ..<0.6: acts.append((minute, member, "!caught @jo for a kind word \(minute)", false, false))
                case ..<0.7: acts.append((minute, member, "Replied in the thread about customer \(minute)", true, false))
                case ..<0.74 where here: acts.append((minute, member, "!idea ask Zanele Mokoena to show us her filing", false, false))
                default: break
                }
            }
            if here {
                let minute = Int.random(in: 9 * 60 + 10...16 * 60, using: &random)
                if week == 0 { acts.append((minute, zanele, "!means " + hers("keeping every promise we make"), false, false)) }
                switch Double.random(in: 0..<1, using: &random) {
                case ..<0.45: acts.append((minute, zanele, "!example " + hers("called the Hendry account back"), false, false))
                case ..<0.65: acts.append((minute, zanele, "!caught @sam " + hers("sorted a refund in minutes"), false, false))
                case ..<0.8 where root != nil: acts.append((minute, zanele, hers("Stayed on the line with a lost parcel"), true, false))
                default: break
                }
                if weekday == 3 { acts.append((11 * 60, zanele, "!goal 1 \(2 + week % 3) " + hers("a slow week on the phones"), false, false)) }
                if weekday == 4, week % 3 == 1 { acts.append((10 * 60, zanele, "!idea " + hers("a welcome card in every order"), false, false)) }
                if weekday == 5, week == 2 { acts.append((12 * 60, zanele, "!followup " + hers("the till jams on Fridays"), false, false)) }
                if weekday == 2, week == 3, let item = state.followUps.first(where: { $0.ownerID == zanele && $0.isOpen }) {
                    acts.append((12 * 60, zanele, "!fixed \(item.id) " + hers("a new roll holder fitted"), false, false))
                }
                if weekday == 4, week % 4 == 2 { acts.append((14 * 60, zanele, "!feedback compliment " + hers("loved the birthday cake"), false, false)) }
                if weekday == 2, week == 4 { acts.append((9 * 60 + 5, zanele, "!away until \(calendar.adding(days: 6, to: day))", false, false)) }
                if weekday == 3, week == 6 { acts.append((15 * 60, zanele, "mydata", false, true)) }
                if weekday == 2, week % 2 == 1 {
                    acts.append((9 * 60 + 20, "alex", "!training thursday 15:00 owner @\(ErasureProofTests.zaneleHandle)", false, false))
                }
                if weekday == 5, state.trainings.contains(where: { $0.ownerID == zanele && $0.outcome == nil && $0.at < current }) {
                    acts.append((10 * 60, zanele, "!trained " + hers("role-played the awkward calls") + " @sam @jo", false, false))
                }
            }
            // On the re-rating week everyone who is still here rates again.
            if state.programme.phase == .finished, weekday == 2 {
                for member in ["alex", "sam", "jo", "priya"] {
                    let count = state.ratingRounds.last?.principleIDs?.count ?? coach.catalogue.principles.count
                    acts.append((10 * 60, member, "!rate all " + Array(repeating: "3", count: count).joined(separator: " "), false, false))
                }
            }
            acts.sort { ($0.minute, $0.member) < ($1.minute, $1.member) }
            for act in acts {
                let at = calendar.at(day, hour: act.minute / 60, minute: act.minute % 60)
                guard at >= now else { continue }
                let thread = act.thread ? await session.state.weeks.last?.announcementPlatformID : nil
                if act.thread && thread == nil { continue }
                try await say(session, act.member, act.text, at: at, direct: act.direct, thread: thread)
            }
            try await advance(session, to: calendar.at(day, hour: 23, minute: 0))
        }
    }
}
