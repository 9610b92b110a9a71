import CoachChat
import CoachCore
import Foundation

/// A readable transport built from closures. A closure the test did not set fails loudly, so a test cannot pass by
/// accidentally never reaching the platform.
public struct FakeTransport: PollingTransport {
    public var name: String
    public var capabilities: TransportCapabilities
    public var pacing: PollPacing
    public var onPoll: (@Sendable (PollRequest) async throws(TransportError) -> PollBatch)?
    public var onSend: (@Sendable (OutboundMessage, String) async throws(TransportError) -> String?)?
    public var onCheck: (@Sendable () async -> [CheckFinding])?

    public init(
        name: String = "fake",
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain),
        pacing: PollPacing = .longPoll,
        onPoll: (@Sendable (PollRequest) async throws(TransportError) -> PollBatch)? = nil,
        onSend: (@Sendable (OutboundMessage, String) async throws(TransportError) -> String?)? = nil,
        onCheck: (@Sendable () async -> [CheckFinding])? = nil
    ) {
        self.name = name
        self.capabilities = capabilities
        self.pacing = pacing
        self.onPoll = onPoll
        self.onSend = onSend
        self.onCheck = onCheck
    }

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch {
        guard let onPoll else { throw .unauthorized(reason: "FakeTransport.onPoll was not set by the test") }
        return try await onPoll(request)
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        guard let onSend else { throw .unauthorized(reason: "FakeTransport.onSend was not set by the test") }
        return try await onSend(message, key)
    }

    public func check() async -> [CheckFinding] {
        await FakeSendOnlyTransport.check(onCheck, "FakeTransport")
    }
}

/// A readable transport that also takes files, built from closures like `FakeTransport` (whose closures it uses for
/// everything else). An unset `onSendFile` fails loudly.
public struct FakeFileTransport: PollingTransport, SendsFiles {
    public var base: FakeTransport
    public var onSendFile: (@Sendable (OutboundMessage, FileAttachment, String) async throws(TransportError) -> FileDelivery)?

    public init(
        base: FakeTransport,
        onSendFile: (@Sendable (OutboundMessage, FileAttachment, String) async throws(TransportError) -> FileDelivery)? = nil
    ) {
        self.base = base
        self.onSendFile = onSendFile
    }

    public var name: String { base.name }
    public var capabilities: TransportCapabilities { base.capabilities }
    public var pacing: PollPacing { base.pacing }

    public func poll(_ request: PollRequest) async throws(TransportError) -> PollBatch { try await base.poll(request) }
    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        try await base.send(message, key: key)
    }
    public func check() async -> [CheckFinding] { await base.check() }

    public func send(_ message: OutboundMessage, file: FileAttachment, key: String) async throws(TransportError) -> FileDelivery {
        guard let onSendFile else { throw .unauthorized(reason: "FakeFileTransport.onSendFile was not set by the test") }
        return try await onSendFile(message, file, key)
    }
}

/// A send-only transport built from closures, as the incoming webhooks are: it cannot be read, so the runtime never
/// polls it. A closure the test did not set fails loudly.
public struct FakeSendOnlyTransport: ChatTransport {
    public var name: String
    public var capabilities: TransportCapabilities
    public var onSend: (@Sendable (OutboundMessage, String) async throws(TransportError) -> String?)?
    public var onCheck: (@Sendable () async -> [CheckFinding])?

    public init(
        name: String = "fake-webhook",
        capabilities: TransportCapabilities = .init(directMessages: false, threads: false, markup: .plain),
        onSend: (@Sendable (OutboundMessage, String) async throws(TransportError) -> String?)? = nil,
        onCheck: (@Sendable () async -> [CheckFinding])? = nil
    ) {
        self.name = name
        self.capabilities = capabilities
        self.onSend = onSend
        self.onCheck = onCheck
    }

    public func send(_ message: OutboundMessage, key: String) async throws(TransportError) -> String? {
        guard let onSend else { throw .unauthorized(reason: "FakeSendOnlyTransport.onSend was not set by the test") }
        return try await onSend(message, key)
    }

    public func check() async -> [CheckFinding] {
        await Self.check(onCheck, "FakeSendOnlyTransport")
    }

    /// `check` cannot throw, so an unset `onCheck` reports a problem instead: a test reading the findings sees it.
    static func check(_ onCheck: (@Sendable () async -> [CheckFinding])?, _ type: String) async -> [CheckFinding] {
        guard let onCheck else { return [.problem("fake", "\(type).onCheck was not set by the test")] }
        return await onCheck()
    }
}

/// A scripted chat for runtime tests: batches to hand out in order, failures to inject, and a record of what the
/// bot sent. When the script runs out the input closes, which ends the bot's loop.
public actor ScriptedChat {
    public private(set) var sent: [OutboundMessage] = []
    public private(set) var pollCursors: [String?] = []
    public private(set) var pollThreads: [[String]] = []
    public private(set) var sentKeys: [String] = []
    private var batches: [PollBatch]
    private var sendFailures: [TransportError]
    private var pollFailures: [TransportError]
    private var platformIDs = 0
    /// Files the platform took: the message (its caption), the file and the key.
    public private(set) var files: [(message: OutboundMessage, file: FileAttachment, key: String)] = []
    /// What the platform answers to each file, in turn (a refusal, or a failure thrown); then it takes them.
    private var fileAnswers: [Result<FileDelivery, TransportError>]

    public init(
        batches: [PollBatch], sendFailures: [TransportError] = [], pollFailures: [TransportError] = [],
        fileAnswers: [Result<FileDelivery, TransportError>] = []
    ) {
        self.batches = batches
        self.sendFailures = sendFailures
        self.pollFailures = pollFailures
        self.fileAnswers = fileAnswers
    }

    public func sendFile(_ message: OutboundMessage, _ file: FileAttachment, key: String) throws(TransportError) -> FileDelivery {
        if !fileAnswers.isEmpty {
            switch fileAnswers.removeFirst() {
            case .success(let answer): return answer
            case .failure(let error): throw error
            }
        }
        files.append((message, file, key))
        platformIDs += 1
        return .sent(platformID: "p\(platformIDs)")
    }

    public func poll(_ request: PollRequest) throws(TransportError) -> PollBatch {
        pollCursors.append(request.cursor)
        pollThreads.append(request.threads)
        if !pollFailures.isEmpty { throw pollFailures.removeFirst() }
        guard !batches.isEmpty else { throw .closed }
        return batches.removeFirst()
    }

    public func send(_ message: OutboundMessage, key: String) throws(TransportError) -> String? {
        if !sendFailures.isEmpty { throw sendFailures.removeFirst() }
        sent.append(message)
        sentKeys.append(key)
        platformIDs += 1
        return "p\(platformIDs)"
    }

    /// A transport whose calls go to this script.
    public nonisolated func transport(
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain)
    ) -> FakeTransport {
        FakeTransport(
            capabilities: capabilities,
            onPoll: { request throws(TransportError) in try await self.poll(request) },
            onSend: { message, key throws(TransportError) in try await self.send(message, key: key) })
    }

    /// A transport whose calls go to this script, files included.
    public nonisolated func fileTransport(
        capabilities: TransportCapabilities = .init(directMessages: true, threads: true, markup: .plain, files: true)
    ) -> FakeFileTransport {
        FakeFileTransport(base: transport(capabilities: capabilities)) { message, file, key throws(TransportError) in
            try await self.sendFile(message, file, key: key)
        }
    }
}
