import CoachCore
import CoachRuntime
import Foundation

/// What members in time zones of their own (`timezone`) cost the engine: every tick looks for own clocks that are
/// due, and every wake-up is worked out for each zone besides the team's. Measured on a team of 1,000 over one
/// working day ticked once a minute (the loop ticks on every poll), with nobody in a zone of their own and with
/// half the team in ten.
enum TimeZoneBenchmark {
    static let zones = [
        "Asia/Kolkata", "Australia/Adelaide", "America/St_Johns", "Pacific/Auckland", "America/Los_Angeles",
        "America/New_York", "Europe/Berlin", "Asia/Kathmandu", "Pacific/Chatham", "Asia/Tokyo",
    ]

    static func rows(_ setup: CoachSetup) throws -> [(String, String, String)] {
        var config = setup.config
        config.holidays = []
        config.members = (1...1_000).map { CoachConfig.RosterEntry(id: "u\($0)", name: "Member \($0)") }
        config.admins = ["u1", "u2"]
        let coach = Coach(config: config, catalogue: setup.catalogue, prompts: try setup.prompts(for: .plain),
            capabilities: .init(directMessages: true, threads: true, markup: .plain))
        let calendar = coach.schedule.calendar
        // A Tuesday: a working day everywhere in the list, and no weekly post of the team's.
        let start = calendar.at(LocalDate(year: 2027, month: 1, day: 5), hour: 0, minute: 0)
        var base = CoachState()
        _ = coach.tick(at: start, state: &base)
        var zoned = base
        for i in stride(from: 0, to: 1_000, by: 2) {
            zoned.apply(.memberTimeZone(id: "u\(i + 1)", zone: zones[(i / 2) % zones.count]))
        }
        let teamOnly = dayOfTicks(coach, base, from: start)
        let ownZones = dayOfTicks(coach, zoned, from: start)
        let wakeUp = wakeUpTime(coach, zoned, at: start)
        let teamWakeUp = wakeUpTime(coach, base, at: start)
        return [
            ("a day of minute ticks, 1,000 members, none in a zone of their own", String(format: "%.0f ms", teamOnly * 1000), "-"),
            ("a day of minute ticks, 1,000 members, 500 in 10 zones of their own", String(format: "%.0f ms", ownZones * 1000), "-"),
            ("next wake-up, nobody in a zone of their own", String(format: "%.0f µs", teamWakeUp * 1_000_000), "-"),
            ("next wake-up, 10 zones of their own", String(format: "%.0f µs", wakeUp * 1_000_000), "-"),
        ]
    }

    /// Seconds for 1,440 ticks a minute apart, the sent messages delivered as the loop would.
    static func dayOfTicks(_ coach: Coach, _ initial: CoachState, from start: Date) -> Double {
        var state = initial
        let clock = ContinuousClock()
        let began = clock.now
        for minute in 1...1_440 {
            _ = coach.tick(at: start.addingTimeInterval(Double(minute * 60)), state: &state)
            for message in state.outbox { state.apply(.delivered(id: message.id, platformID: nil)) }
        }
        return Benchmark.seconds(clock.now - began)
    }

    /// The median of a thousand calls.
    static func wakeUpTime(_ coach: Coach, _ state: CoachState, at start: Date) -> Double {
        let clock = ContinuousClock()
        var times: [Double] = []
        for i in 0..<1_000 {
            let began = clock.now
            _ = coach.nextWakeUp(after: start.addingTimeInterval(Double(i * 60)), state: state)
            times.append(Benchmark.seconds(clock.now - began))
        }
        return times.sorted()[times.count / 2]
    }
}
