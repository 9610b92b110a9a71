import CoachChat
import CoachCore
import Foundation
import Logging

/// What every adapter is given: how to reach the network, where to log, and the bot's name in the config.
public struct PlatformContext: Sendable {
    public var web: any WebClient
    public var logger: Logger
    /// The config's `team.botName`; commands addressed as `@<botName>` are the bot's even where the platform's own
    /// mention markup differs.
    public var botName: String

    public init(web: any WebClient, logger: Logger, botName: String) {
        self.web = web
        self.logger = logger
        self.botName = botName
    }
}

/// One line of `coach check`'s report on a platform.
public struct CheckFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable { case ok, warning, problem }
    public var status: Status
    /// What was checked: "token", "channel", "webhook".
    public var subject: String
    /// What was found, and for a problem, the fix.
    public var detail: String

    public init(_ status: Status, _ subject: String, _ detail: String) {
        self.status = status
        self.subject = subject
        self.detail = detail
    }

    public static func ok(_ subject: String, _ detail: String) -> Self { .init(.ok, subject, detail) }
    public static func warning(_ subject: String, _ detail: String) -> Self { .init(.warning, subject, detail) }
    public static func problem(_ subject: String, _ detail: String) -> Self { .init(.problem, subject, detail) }

    public var description: String { "\(status.rawValue): \(subject): \(detail)" }
}

/// A real chat platform: a transport that can also check its own setup for `coach check`.
public protocol PlatformTransport: ChatTransport {
    /// Calls the platform's identity endpoint, confirms the bot can read (and for send-only platforms, post to) the
    /// channel, and reports each finding. Never throws: every failure is a finding with its fix.
    func check() async -> [CheckFinding]
}

/// A platform the config can name in `transport.kind`.
public struct PlatformEntry: Sendable {
    public var kind: String
    /// Whether commands and examples can be collected through it.
    public var twoWay: Bool
    public var make: @Sendable (PlatformSettings, PlatformContext) throws(PlatformSetupError) -> any PlatformTransport

    public init(kind: String, twoWay: Bool,
        make: @escaping @Sendable (PlatformSettings, PlatformContext) throws(PlatformSetupError) -> any PlatformTransport)
    {
        self.kind = kind
        self.twoWay = twoWay
        self.make = make
    }
}

/// Remembers, within one run, how many parts of a split message were already sent, so a retry after a failure
/// part-way sends only the rest. (Across a crash, platforms with idempotency keys still show each part once; the
/// others may repeat the parts sent before the crash: the README states each platform's guarantee.)
public final class PartsLedger: @unchecked Sendable {
    // @unchecked: `progress` is only touched under `lock`.
    private let lock = NSLock()
    private var progress: [String: (sent: Int, firstID: String?)] = [:]

    public init() {}

    /// Sends `parts` in order through `send`, skipping those already sent under `key`; returns the first part's id.
    public func deliver(
        _ parts: [String], key: String, send: (_ index: Int, _ part: String) async throws(TransportError) -> String?
    ) async throws(TransportError) -> String? {
        var (sent, firstID) = lock.withLock { progress[key] ?? (0, nil) }
        while sent < parts.count {
            let id = try await send(sent, parts[sent])
            if sent == 0 { firstID = id }
            sent += 1
            let done = sent
            let first = firstID
            lock.withLock { progress[key] = (done, first) }
        }
        lock.withLock { _ = progress.removeValue(forKey: key) }
        return firstID
    }
}
