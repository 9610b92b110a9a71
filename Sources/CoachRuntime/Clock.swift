import Foundation

/// Where the runtime gets the time and how it waits. Injected, so tests and the simulation drive time themselves.
public protocol CoachClock: Sendable {
    func now() -> Date
    /// Returns at `deadline` or later; throws if the task is cancelled first.
    func sleep(until deadline: Date) async throws
}

public struct SystemClock: CoachClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same jitter and the same simulation.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Exponential backoff with jitter for failed platform calls. Pure: the randomness is passed in.
///
/// The cap is low on purpose: a failed poll is the bot's probe of whether the platform is back, and it is cheap (a
/// refused connection costs nothing; a hung one waits on a socket at no CPU), so probing every 4 to 8 seconds
/// through an outage of any length costs the platform about ten requests a minute, and the bot is back within 8
/// seconds of the platform's return. A platform that asks for longer says so (`429`, `Retry-After`) and is obeyed.
public struct Backoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(8)) {
        self.base = base
        self.cap = cap
    }

    /// The wait before retry number `attempt` (from 0): half of the exponential step fixed, half random, so bots
    /// that failed together do not retry together, yet no retry comes immediately.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt, 0), 30)
        let step = min(Double(cap.components.seconds) + Double(cap.components.attoseconds) / 1e18,
            (Double(base.components.seconds) + Double(base.components.attoseconds) / 1e18) * pow(2, Double(exponent)))
        let jitter = Double.random(in: 0...1, using: &random)
        return .milliseconds(Int64((step / 2 + step / 2 * jitter) * 1000))
    }
}
