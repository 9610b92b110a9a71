import CoachChat
import CoachCore
import CoachStore
import Foundation
import Logging
import ServiceLifecycle

/// The bot's one long-lived loop: run what is due, deliver the outbox, poll the platform, apply the batch.
///
/// It ends on graceful shutdown (SIGINT/SIGTERM) between steps, so the commit in flight always completes, and when
/// the transport's input closes (the console's stdin).
///
/// Every platform error passes `redactor` before it is logged, written to the state (a dropped message's reason) or
/// thrown to whoever prints it, so a secret a platform echoed never leaves the bot.
/// Makes the file a queued message's attachment asks for, from the state as it stands at `now` (the programme
/// report for `report html`). Given to the runtime by whoever builds the bot, so the engine stays pure and the
/// runtime knows no report format.
public typealias AttachmentRenderer = @Sendable (OutboundMessage.Attachment, CoachState, Date) throws -> FileAttachment

public struct BotService: Service, CustomStringConvertible {
    public let session: CoachSession
    let transport: any ChatTransport
    let clock: any CoachClock
    let logger: Logger
    let backoff: Backoff
    /// The longest a single poll waits; platforms that long-poll hold the request open this long.
    let pollTimeout: Duration
    let random: SeededRandom
    let redactor: Redactor
    /// Makes the files messages ask for; nil in a build without one, where such a message is answered as a file
    /// that could not be made.
    let renderAttachment: AttachmentRenderer?
    /// What the loop is doing, for the health endpoint and the watchdog.
    public let monitor: BotMonitor
    /// What it counts; a builder running many teams labels each with the team's name.
    public var metrics: BotMetrics

    public init(
        session: CoachSession, transport: any ChatTransport, clock: any CoachClock, logger: Logger,
        backoff: Backoff = Backoff(), pollTimeout: Duration = .seconds(30), randomSeed: UInt64, redactor: Redactor = .none,
        renderAttachment: AttachmentRenderer? = nil
    ) {
        self.session = session
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.backoff = backoff
        self.pollTimeout = pollTimeout
        self.random = SeededRandom(seed: randomSeed)
        self.redactor = redactor
        self.renderAttachment = renderAttachment
        self.monitor = BotMonitor(startedAt: clock.now(), pollTimeout: pollTimeout)
        self.metrics = BotMetrics(team: "default", platform: transport.name)
    }

    /// How the service is named in logs and errors (swift-service-lifecycle's "Starting service"): the platform,
    /// never the fields, so nothing the transport or the clock holds can reach a log line through it.
    public var description: String { "BotService(\(transport.name))" }

    public func run() async throws {
        var stoppedBy = "shutdown"
        var failure: (any Error)?
        do {
            try await cancelWhenGracefulShutdown {
                var loop = Loop(service: self)
                try await loop.run()
            }
        } catch is InputClosed {
            // The console's input ended: a normal way to stop.
            stoppedBy = "input closed"
        } catch is CancellationError {
            // Graceful shutdown cancelled a poll or a wait; the last commit is already durable.
        } catch {
            stoppedBy = "error"
            failure = error
        }
        // A fresh snapshot on the way out, so the next start loads it without replaying the journal.
        do {
            try await session.compact()
        } catch {
            logger.warning("could not write a snapshot on shutdown; the journal still holds everything", metadata: ["error": "\(error)"])
        }
        await session.close()
        // Said however the loop ended, so a log always shows the stop (the error itself is reported by the caller).
        logger.info("bot stopped", metadata: ["by": "\(stoppedBy)"])
        monitor.stopped(failure.map(Self.stopReason) ?? stoppedBy)
        if let failure { throw failure }
    }

    /// Why a loop that failed stopped, in a few words for the health endpoint: never the error's own text, which may
    /// quote what a platform said.
    static func stopReason(_ error: any Error) -> String {
        switch error {
        case BotError.transport(.unauthorized): "the platform refused the bot's credentials"
        case BotError.transport: "the platform stopped the bot"
        case is StoreError: "the state could not be written"
        default: "an error stopped the bot"
        }
    }

    /// The loop's mutable parts: failure counts and the jitter source.
    struct Loop {
        let service: BotService
        var random: SeededRandom
        var failures = 0
        /// When the current run of failed calls began, to say how long the platform was away once it answers.
        var failingSince: Date?

        init(service: BotService) {
            self.service = service
            self.random = service.random
        }

        var session: CoachSession { service.session }
        var transport: any ChatTransport { service.transport }
        var clock: any CoachClock { service.clock }
        var logger: Logger { service.logger }

        mutating func run() async throws {
            logger.info("bot started", metadata: ["transport": "\(transport.name)"])
            try await session.install(using: &random)
            while !Task.isCancelled {
                let now = clock.now()
                try await session.tick(at: now)
                guard try await deliver() else { continue }
                let wake = await session.nextWakeUp(after: now)
                let untilWake = Duration.milliseconds(Int64(max(0, wake.timeIntervalSince(now)) * 1000))
                let timeout = min(service.pollTimeout, max(.milliseconds(10), untilWake))
                guard let reader = transport as? any PollingTransport else {
                    // A send-only platform: nothing to read. Sleep until the next scheduled post (or the poll
                    // timeout, to stay responsive to shutdown and clock jumps). A turn of the loop is its "poll".
                    service.monitor.polled(at: clock.now())
                    try await sleep(timeout)
                    continue
                }
                let request = await session.pollRequest(for: transport.name, timeout: timeout)
                let batch: PollBatch
                let asked = clock.now()
                do {
                    batch = try await reader.poll(request)
                } catch {
                    try await recover(from: error.redacted(by: service.redactor), during: "poll")
                    continue
                }
                succeeded()
                service.monitor.polled(at: clock.now())
                service.metrics.pollTook(clock.now().timeIntervalSince(asked))
                if !batch.messages.isEmpty || batch.cursor != request.cursor {
                    service.metrics.received(batch.messages.count)
                    let outcome = try await session.receive(batch, transport: transport.name, at: clock.now())
                    service.metrics.commands(outcome.commands)
                    service.monitor.outbox(depth: await session.outbox.count, at: clock.now())
                }
                if case .every(let interval) = reader.pacing, batch.messages.isEmpty {
                    // A platform that answers at once is asked again only after a pause, within its rate budget.
                    try await sleep(min(interval, timeout))
                }
            }
        }

        /// Sends the outbox in order. Returns false when delivery should be retried before polling again.
        ///
        /// What a delivery queues (the words for a file that did not go) is sent in the same turn, each message once:
        /// the member is not kept waiting for the next poll.
        mutating func deliver() async throws -> Bool {
            var attempted = Set<String>()
            while true {
                let outbox = await session.outbox
                service.monitor.outbox(depth: outbox.count, at: clock.now())
                let pending = outbox.filter { !attempted.contains($0.id) }
                guard !pending.isEmpty else { return true }
                for queued in pending {
                    guard !Task.isCancelled else { return true }
                    attempted.insert(queued.id)
                    // As it stands now: sending a headline moves the messages queued under it into its thread.
                    guard let message = await session.outbox.first(where: { $0.id == queued.id }) else { continue }
                    guard try await deliver(message) else { return false }
                }
            }
        }

        /// Sends one message. Returns false when delivery should be retried before polling again.
        mutating func deliver(_ message: OutboundMessage) async throws -> Bool {
            let key = await session.deliveryKey(for: message)
            let delivery: FileDelivery
            let started = clock.now()
            do {
                if let attachment = message.attachment {
                    delivery = try await sendFile(message, attachment, key: key)
                } else {
                    delivery = .sent(platformID: try await transport.send(message, key: key))
                }
            } catch .rejected(let reason), .tooLong(let reason) {
                // The reason goes into the journal: masked like a log line.
                try await session.markDropped(message.id, reason: service.redactor(reason))
                return true
            } catch {
                try await recover(from: error.redacted(by: service.redactor), during: "send")
                return false
            }
            succeeded()
            service.monitor.delivered(at: clock.now())
            service.metrics.sendTook(clock.now().timeIntervalSince(started))
            service.metrics.sent()
            switch delivery {
            case .sent(let platformID):
                try await session.markDelivered(message.id, platformID: platformID)
            case .refused(let refusal):
                // The member hears what happened and how else to get the report; the bot carries on.
                try await session.fileNotSent(
                    message.id, problem: refusal.problem, reason: service.redactor(refusal.reason), at: clock.now())
            }
            return true
        }

        /// Makes the file `attachment` asks for and hands it to the platform with the message as its caption. A
        /// platform that takes no files (the state was moved to one), or a file that cannot be made, is refused here,
        /// so the member is told; the platform's own failures are thrown as for any message.
        func sendFile(_ message: OutboundMessage, _ attachment: OutboundMessage.Attachment, key: String) async throws(TransportError)
            -> FileDelivery
        {
            guard let files = transport as? any SendsFiles, transport.capabilities.files else {
                return .refused(FileRefusal(.unsupported, reason: "\(transport.name) takes no files from the bot"))
            }
            guard let render = service.renderAttachment else {
                return .refused(FileRefusal(.notMade, reason: "this build of coach has no report renderer"))
            }
            let file: FileAttachment
            do {
                file = try render(attachment, await session.state, clock.now())
            } catch {
                logger.error("could not make a file to send", metadata: ["outbox": "\(message.id)", "error": "\(error)"])
                return .refused(FileRefusal(.notMade, reason: "the file could not be made: \(error)"))
            }
            return try await files.send(message, file: file, key: key)
        }

        /// A call went through: after a run of failures, say that the platform is back and how long it was away.
        mutating func succeeded() {
            if failures > 0, let since = failingSince {
                logger.notice("platform answering again", metadata: [
                    "failedCalls": "\(failures)", "seconds": "\(Int(clock.now().timeIntervalSince(since).rounded()))",
                ])
            }
            failures = 0
            failingSince = nil
        }

        /// Waits as the failure asks; throws to stop the loop when the input has closed or only a person can fix it.
        mutating func recover(from error: TransportError, during operation: String) async throws {
            // A graceful stop cancels the call in flight: that is not the platform failing, so nothing is logged.
            if Task.isCancelled { throw CancellationError() }
            service.metrics.failure(Self.kind(of: error), during: operation)
            switch error {
            case .closed:
                logger.info("input closed; stopping")
                throw InputClosed()
            case .unauthorized:
                logger.critical("platform refused the bot's credentials", metadata: ["operation": "\(operation)"])
                service.monitor.failing("credentials refused", at: clock.now())
                throw BotError.transport(error)
            case .rateLimited(let wait):
                logger.notice("rate limited", metadata: ["operation": "\(operation)", "wait": "\(wait)"])
                service.monitor.failing("rate limited", at: clock.now())
                try await sleep(wait)
            case .temporary(let reason), .rejected(let reason), .tooLong(let reason):
                let wait = service.backoff.delay(attempt: failures, using: &random)
                failures += 1
                service.monitor.failing(operation + " failing", at: clock.now())
                if failingSince == nil { failingSince = clock.now() }
                // The bot probes every few seconds through an outage; a warning at the 1st, 2nd, 4th, 8th… failed
                // call keeps a long outage visible in a handful of lines instead of hundreds.
                let level: Logger.Level = failures & (failures - 1) == 0 ? .warning : .debug
                logger.log(level: level, "platform call failed; backing off", metadata: [
                    "operation": "\(operation)", "reason": "\(reason)", "attempt": "\(failures)", "wait": "\(wait)",
                ])
                try await sleep(wait)
            }
        }

        /// A failure's kind in one word, for the failures metric.
        static func kind(of error: TransportError) -> String {
            switch error {
            case .closed: "closed"
            case .unauthorized: "unauthorized"
            case .rateLimited: "rate_limited"
            case .temporary: "temporary"
            case .rejected: "rejected"
            case .tooLong: "too_long"
            }
        }

        func sleep(_ duration: Duration) async throws {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            try await clock.sleep(until: clock.now().addingTimeInterval(seconds))
        }
    }
}

struct InputClosed: Error {}

/// Why the bot stopped on its own.
public enum BotError: Error, CustomStringConvertible {
    /// The platform refused us in a way only a person can fix.
    case transport(TransportError)

    public var description: String {
        switch self {
        case .transport(let error): "The chat platform stopped the bot: \(error)"
        }
    }
}
