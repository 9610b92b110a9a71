import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// Answers a webhook's posts: canned replies first, then the usual answer.
actor WebhookScript {
    private var queue: [Reply]
    private let usual: Reply

    init(usual: Reply, _ queue: [Reply] = []) {
        self.usual = usual
        self.queue = queue
    }

    func next() -> Reply {
        queue.isEmpty ? usual : queue.removeFirst()
    }

    func add(_ replies: Reply...) { queue += replies }
}

/// Google Chat's incoming webhook: creates a message per request, and returns the existing one for a `requestId`
/// it has seen (what makes its retries safe).
actor FakeGoogleChatSpace {
    private(set) var created: [(name: String, text: String, requestID: String?)] = []
    private var byRequest: [String: String] = [:]
    private var scripted: [Reply] = []

    func add(_ replies: Reply...) { scripted += replies }

    func handle(_ request: Received) -> Reply {
        if !scripted.isEmpty { return scripted.removeFirst() }
        guard request.query["key"] == "KEY", request.query["token"] == "TOKEN" else {
            return .json(["error": ["code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"]], status: 401)
        }
        guard let text = request.json["text"] as? String, !text.isEmpty else {
            return .json(["error": ["code": 400, "message": "Message cannot be empty.", "status": "INVALID_ARGUMENT"]], status: 400)
        }
        let requestID = request.query["requestId"]
        if let requestID, let name = byRequest[requestID] { return .json(["name": name]) }
        let name = "spaces/AAA/messages/m\(created.count + 1)"
        created.append((name, text, requestID))
        if let requestID { byRequest[requestID] = name }
        return .json(["name": name, "thread": ["name": "spaces/AAA/threads/t\(created.count)"]])
    }
}

enum WebhookTestKit: AdapterTestSuite {
    static func serve(_ usual: Reply, _ queue: Reply...) async throws -> (FakeServer, WebhookScript) {
        let script = WebhookScript(usual: usual, queue)
        let server = try await FakeServer { _ in await script.next() }
        return (server, script)
    }

    static func settings(_ kind: String, variable: String, url: URL, _ values: [String: String] = [:]) -> PlatformSettings {
        PlatformSettings(kind: kind, values: values, environment: [variable: url.absoluteString])
    }

    static func slackURL(_ server: FakeServer) -> URL {
        server.baseURL.appending(segments: "services", "T000", "B000", "XXXXsecret")
    }

    static func teamsURL(_ server: FakeServer) -> URL {
        URL(string: server.baseURL.absoluteString + "/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGsecret")!
    }

    static func googleURL(_ server: FakeServer) -> URL {
        URL(string: server.baseURL.absoluteString + "/v1/spaces/AAA/messages?key=KEY&token=TOKEN")!
    }

    static func slack(_ server: FakeServer, web: (any WebClient)? = nil) throws -> SlackWebhookTransport {
        try SlackWebhookTransport(settings: settings("slack-webhook", variable: "SLACK_WEBHOOK_URL", url: slackURL(server)),
            context: context(web: web))
    }

    static func teams(_ server: FakeServer, web: (any WebClient)? = nil) throws -> TeamsWorkflowTransport {
        try TeamsWorkflowTransport(settings: settings("teams-workflow", variable: "TEAMS_WEBHOOK_URL", url: teamsURL(server)),
            context: context(web: web))
    }

    static func google(_ server: FakeServer, web: (any WebClient)? = nil) throws -> GoogleChatTransport {
        try GoogleChatTransport(settings: settings("google-chat", variable: "GOOGLE_CHAT_WEBHOOK_URL", url: googleURL(server)),
            context: context(web: web))
    }

    /// A web client whose next post labelled `label` times out.
    static func timingOut(_ label: String) async -> TimeoutWebClient {
        let web = TimeoutWebClient()
        await web.timeOut(label)
        return web
    }

    static func message(_ text: String, id: String = "o1") -> OutboundMessage {
        OutboundMessage(id: id, destination: .channel, kind: .announcement, text: text, createdAt: Date(timeIntervalSince1970: 0))
    }

    static func longText(lines: Int) -> String {
        (1...lines).map { "Line \($0): \"caught\" someone doing something right — ünïcödé and all." }.joined(separator: "\n")
    }

    /// The texts of a Teams post's TextBlocks, one per line.
    static func teamsLines(_ request: Received) -> [String] {
        let attachments = request.json["attachments"] as? [[String: Any]] ?? []
        let content = attachments.first?["content"] as? [String: Any] ?? [:]
        let body = content["body"] as? [[String: Any]] ?? []
        return body.compactMap { $0["text"] as? String }
    }

    /// Runs the real engine for a week's start with a send-only transport. A webhook cannot hear the team, so the
    /// commands go to the engine directly, as another input would give them; what matters here is that the bot's
    /// answers and scheduled posts render in the platform's markup and are delivered through the webhook.
    static func runWeek(_ transport: some ChatTransport) async throws -> CoachSession {
        let coach = try Fixtures.coach(capabilities: transport.capabilities) { $0.holidays = [] }
        let session = try CoachSession(coach: coach, directory: nil, logger: logger)
        func deliver() async throws { try await Self.deliver(session, transport) }
        func say(_ sender: String, _ text: String, id: String, at time: String) async throws {
            let message = InboundMessage(id: id, senderID: sender, senderName: sender.capitalized, text: text)
            try await session.receive(PollBatch(messages: [message], cursor: nil), transport: transport.name,
                at: Harness.instant(time, coach))
            try await deliver()
        }
        try await session.tick(at: Harness.instant("2027-01-01 10:00", coach))
        try await say("alex", "!start 2027-01-04", id: "c1", at: "2027-01-01 10:00")
        try await session.tick(at: Harness.instant("2027-01-04 09:00", coach))
        try await deliver()
        try await say("sam", "!help", id: "c2", at: "2027-01-04 10:00")
        try await say("sam", "!caught @jo for calming an upset customer <3 & *more*", id: "c3", at: "2027-01-04 10:05")
        // Lists the example back, so the user text shows in the platform's markup.
        try await say("sam", "!examples", id: "c4", at: "2027-01-04 10:10")
        return session
    }
}

// MARK: - Slack incoming webhook

@Suite("Slack incoming webhook", .stopsServers)
struct SlackWebhookTests {
    typealias Kit = WebhookTestKit

    @Test func postsTheTextAsJSONToTheWebhookAndReadsNothing() async throws {
        let (server, _) = try await Kit.serve(.text("ok", status: 200))
        let transport = try Kit.slack(server)
        let id = try await transport.send(Kit.message("Principle of the week: *own it* &amp; more"), key: "k-1")
        #expect(id == nil, "Slack webhooks return no message id")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/services/T000/B000/XXXXsecret")
        #expect(request.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(request.json as? [String: String] == ["text": "Principle of the week: *own it* &amp; more"])
        #expect(!(transport as any ChatTransport is any PollingTransport), "send-only: there is nothing to poll")
        #expect(transport.capabilities == TransportCapabilities(directMessages: false, threads: false, markup: .slack))
        #expect(server.requests.count == 1)
    }

    @Test func longMessagesAreSplitIntoOrderedPosts() async throws {
        let (server, _) = try await Kit.serve(.text("ok", status: 200))
        let text = Kit.longText(lines: 150)
        _ = try await Kit.slack(server).send(Kit.message(text), key: "k")
        let texts = server.requests.compactMap { $0.json["text"] as? String }
        #expect(texts.count > 1)
        #expect(texts.allSatisfy { $0.count <= 4000 })
        #expect(texts.joined(separator: "\n") == text)
    }

    @Test func plainTextFailuresMapToWhatTheRuntimeDoes() async throws {
        let (server, script) = try await Kit.serve(.text("ok", status: 200))
        let transport = try Kit.slack(server)
        func failure(_ reply: Reply) async -> TransportError? {
            await script.add(reply)
            return await Kit.error { _ = try await transport.send(Kit.message("hi"), key: "k") }
        }
        #expect(await failure(.text("rate limited", status: 429, headers: ["Retry-After": "4"])) == .rateLimited(retryAfter: .seconds(4)))
        guard case .rejected(let invalid)? = await failure(.text("invalid_payload", status: 400)) else { Issue.record("400 is rejected"); return }
        #expect(invalid.contains("invalid_payload"))
        for (status, code, fix) in [(403, "action_prohibited", "restricted"), (404, "channel_not_found", "no longer exists"), (410, "channel_is_archived", "archived")] {
            guard case .unauthorized(let reason)? = await failure(.text(code, status: status)) else {
                Issue.record("HTTP \(status) must be unauthorized")
                continue
            }
            #expect(reason.contains(code) && reason.contains(fix) && reason.contains("SLACK_WEBHOOK_URL"))
            #expect(!reason.contains("XXXXsecret"), "the webhook URL is a secret")
        }
        guard case .temporary? = await failure(.text("rollup_error", status: 500)) else { Issue.record("500 is temporary"); return }
    }

    @Test func aTimeoutIsTemporary() async throws {
        let (server, _) = try await Kit.serve(.text("ok", status: 200))
        let web = await Kit.timingOut("slack-webhook post")
        let error = await Kit.error { _ = try await Kit.slack(server, web: web).send(Kit.message("hi"), key: "k") }
        guard case .temporary(let reason)? = error else { Issue.record("expected temporary, got \(String(describing: error))"); return }
        #expect(reason.hasPrefix("slack-webhook post"))
        #expect(!reason.contains("XXXXsecret"))
    }

    @Test func checkProvesTheURLWithoutPostingAndWarnsItIsSendOnly() async throws {
        let (live, _) = try await Kit.serve(.text("no_text", status: 400))
        let findings = await (try Kit.slack(live)).check()
        #expect(findings.map(\.status) == [.ok, .warning])
        #expect(findings[0].detail.contains("no_text"))
        #expect(findings[1].subject == "commands")
        #expect(findings[1].detail.contains("cannot collect commands or examples"))
        #expect(live.requests.first?.json.isEmpty == true, "the test post has no text, so nothing can show")

        let (dead, _) = try await Kit.serve(.text("no_service", status: 404))
        let deadFindings = await (try Kit.slack(dead)).check()
        #expect(deadFindings.map(\.status) == [.problem, .warning])
        #expect(deadFindings[0].detail.contains("create a new incoming webhook"))
    }

    @Test func theURLComesOnlyFromTheEnvironment() throws {
        let context = Kit.context()
        #expect(throws: PlatformSetupError.missingSecret(kind: "slack-webhook", variable: "SLACK_WEBHOOK_URL", setting: "webhookEnv",
            what: "incoming webhook URL (https://hooks.slack.com/services/…)")) {
            _ = try Platforms.make(kind: "slack-webhook", settings: [:], environment: [:], context: context)
        }
        #expect(throws: PlatformSetupError.secretInConfig(kind: "slack-webhook", key: "url", instead: "webhookEnv")) {
            _ = try Platforms.make(kind: "slack-webhook", settings: ["url": "https://hooks.slack.com/services/x"], environment: [:], context: context)
        }
        do {
            _ = try Platforms.make(kind: "slack-webhook", settings: ["webhookEnv": "HOOK"], environment: ["HOOK": "not a url secret123"], context: context)
            Issue.record("a value that is no URL must be refused")
        } catch {
            #expect(!error.description.contains("secret123"), "the variable's value is never shown")
            #expect(error.description.contains("HOOK"))
        }
        let made = try Platforms.make(kind: "slack-webhook", settings: ["webhookEnv": "HOOK"],
            environment: ["HOOK": "https://hooks.slack.com/services/T/B/X"], context: context)
        #expect(made.name == "slack-webhook")
        #expect(!(made is any PollingTransport), "send-only: it cannot read the channel")
    }

    @Test func theEnginesPostsAndRepliesArriveThroughTheWebhook() async throws {
        let (server, _) = try await Kit.serve(.text("ok", status: 200))
        let session = try await Kit.runWeek(try Kit.slack(server))
        let texts = server.requests.compactMap { $0.json["text"] as? String }
        let announcement = try #require(texts.first { $0.isMondayPost })
        #expect(!announcement.contains("reply in this thread"), "no threads through a webhook")
        #expect(texts.contains { $0.contains("Here's what I can do, Sam") })
        let example = try #require(await session.state.examples.all.last)
        #expect(example.caughtIDs == ["jo"])
        #expect(example.text == "calming an upset customer <3 & *more*")
        // User text is escaped for Slack on the way out.
        #expect(texts.last?.contains("calming an upset customer &lt;3 &amp; *more*") == true)
    }
}

// MARK: - Microsoft Teams Workflows

@Suite("Microsoft Teams Workflows webhook", .stopsServers)
struct TeamsWorkflowTests {
    typealias Kit = WebhookTestKit

    @Test func postsAnAdaptiveCardMessageWithOneTextBlockPerLine() async throws {
        let (server, _) = try await Kit.serve(Reply(status: 202))
        let transport = try Kit.teams(server)
        let id = try await transport.send(Kit.message("Week 1: **Own it**\n\nSkills:\n- listen\n- act"), key: "k")
        #expect(id == nil)
        let request = try #require(server.requests.first)
        #expect(request.path == "/workflows/abc/triggers/manual/paths/invoke")
        #expect(request.query["sig"] == "SIGsecret", "the signed URL is used whole")
        let json = request.json
        #expect(json["type"] as? String == "message")
        let attachment = try #require((json["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        #expect(attachment.keys.contains("contentUrl") && attachment["contentUrl"] is NSNull, "contentUrl is sent as null")
        let card = try #require(attachment["content"] as? [String: Any])
        #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
        #expect(card["type"] as? String == "AdaptiveCard")
        #expect(card["version"] as? String == "1.4")
        let blocks = try #require(card["body"] as? [[String: Any]])
        #expect(blocks.map { $0["text"] as? String } == ["Week 1: **Own it**", "Skills:", "- listen", "- act"])
        #expect(blocks.allSatisfy { $0["type"] as? String == "TextBlock" && $0["wrap"] as? Bool == true })
        #expect(blocks.map { $0["spacing"] as? String } == [nil, "Medium", nil, nil], "a blank line keeps paragraphs apart")
        #expect(transport.capabilities == TransportCapabilities(directMessages: false, threads: false, markup: .markdown))
        #expect(!(transport as any ChatTransport is any PollingTransport), "send-only: there is nothing to poll")
    }

    @Test func aLargeMessageIsSplitSoEveryPostFitsTwentyEightKilobytes() async throws {
        let (server, _) = try await Kit.serve(Reply(status: 202))
        let text = Kit.longText(lines: 1200)
        #expect(text.utf8.count > 60_000)
        _ = try await Kit.teams(server).send(Kit.message(text), key: "k")
        #expect(server.requests.count >= 3)
        #expect(server.requests.allSatisfy { $0.body.count <= 28_000 })
        #expect(server.requests.flatMap(Kit.teamsLines).joined(separator: "\n") == text, "every line once, in order")
    }

    @Test func aPostRefusedAsTooLargeIsSplitFinerAndTheRestStillGoesOut() async throws {
        // A proxy or tenant with a lower limit than 28 KB: the first post is refused with a 413.
        let (server, _) = try await Kit.serve(Reply(status: 202), .text("Request Entity Too Large", status: 413))
        let text = Kit.longText(lines: 1200)
        _ = try await Kit.teams(server).send(Kit.message(text), key: "k")
        let accepted = Array(server.requests.dropFirst())
        #expect(accepted.count >= 4)
        #expect(accepted.allSatisfy { $0.body.count <= 28_000 })
        // The refused part's lines arrive in its pieces, and every line after it too, once each, in order.
        #expect(accepted.flatMap(Kit.teamsLines).joined(separator: "\n") == text)
    }

    @Test func throttlingIsReadFromTheStatusOrTheBodyText() async throws {
        let (server, script) = try await Kit.serve(Reply(status: 202))
        let transport = try Kit.teams(server)
        func failure(_ reply: Reply) async -> TransportError? {
            await script.add(reply)
            return await Kit.error { _ = try await transport.send(Kit.message("hi"), key: "k") }
        }
        #expect(await failure(.text("Too many requests", status: 429, headers: ["Retry-After": "12"])) == .rateLimited(retryAfter: .seconds(12)))
        #expect(await failure(.text("Microsoft Teams endpoint returned HTTP error 429 with ContextId …", status: 200)) == .rateLimited(retryAfter: .seconds(60)))
        #expect(await failure(.text("Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429", status: 400)) == .rateLimited(retryAfter: .seconds(60)))
        #expect(await failure(.text("1", status: 200)) == nil, "the legacy connector's success answer")
        #expect(await failure(.json(["runId": "08584294299"], status: 202)) == nil, "a 429 inside a longer number is not throttling")
        guard case .unauthorized(let gone)? = await failure(.json(["error": ["code": "WorkflowNotFound"]], status: 404)) else {
            Issue.record("404 is unauthorized")
            return
        }
        #expect(gone.contains("TEAMS_WEBHOOK_URL") && !gone.contains("SIGsecret"))
        guard case .unauthorized? = await failure(.json(["error": ["code": "DirectApiAuthorizationRequired"]], status: 401)) else {
            Issue.record("401 is unauthorized")
            return
        }
        guard case .temporary? = await failure(.text("bad gateway", status: 502)) else { Issue.record("502 is temporary"); return }
        guard case .rejected? = await failure(.json(["error": ["code": "InvalidRequestContent"]], status: 400)) else {
            Issue.record("400 is rejected")
            return
        }
    }

    @Test func aTimeoutIsTemporary() async throws {
        let (server, _) = try await Kit.serve(Reply(status: 202))
        let web = await Kit.timingOut("teams-workflow post")
        guard case .temporary? = await Kit.error({ _ = try await Kit.teams(server, web: web).send(Kit.message("hi"), key: "k") }) else {
            Issue.record("a timeout is temporary")
            return
        }
    }

    @Test func checkSendsACardlessMessageAndWarnsItIsSendOnly() async throws {
        let (live, _) = try await Kit.serve(Reply(status: 202))
        let findings = await (try Kit.teams(live)).check()
        #expect(findings.map(\.status) == [.ok, .warning])
        #expect(findings[1].detail.contains("cannot collect commands or examples"))
        let probe = try #require(live.requests.first?.json)
        #expect(probe["type"] as? String == "message")
        #expect((probe["attachments"] as? [Any])?.isEmpty == true, "no card, so nothing is posted")

        let (dead, _) = try await Kit.serve(.json(["error": ["code": "WorkflowNotFound"]], status: 404))
        let deadFindings = await (try Kit.teams(dead)).check()
        #expect(deadFindings.map(\.status) == [.problem, .warning])
        #expect(deadFindings[0].detail.contains("create it again"))
    }

    @Test func theEnginesPostsArriveAsCards() async throws {
        let (server, _) = try await Kit.serve(Reply(status: 202))
        let session = try await Kit.runWeek(try Kit.teams(server))
        let posts = server.requests.map { Kit.teamsLines($0).joined(separator: "\n") }
        let announcement = try #require(posts.first { $0.isMondayPost })
        #expect(!announcement.contains("reply in this thread"))
        #expect(posts.contains { $0.contains("Here's what I can do, Sam") })
        #expect(try #require(await session.state.examples.all.last).caughtIDs == ["jo"])
        // User text is escaped for Markdown.
        #expect(posts.last?.contains(#"calming an upset customer <3 & \*more\*"#) == true)
    }
}

// MARK: - Google Chat

@Suite("Google Chat incoming webhook", .stopsServers)
struct GoogleChatTests {
    typealias Kit = WebhookTestKit

    static func start() async throws -> (FakeGoogleChatSpace, FakeServer) {
        let space = FakeGoogleChatSpace()
        let server = try await FakeServer { request in await space.handle(request) }
        return (space, server)
    }

    @Test func postsTextWithTheKeyAsRequestIdAndReturnsTheMessageName() async throws {
        let (space, server) = try await Self.start()
        let transport = try Kit.google(server)
        let id = try await transport.send(Kit.message("Principle of the week: *Own it*"), key: "inst-o7")
        #expect(id == "spaces/AAA/messages/m1")
        let request = try #require(server.requests.first)
        #expect(request.path == "/v1/spaces/AAA/messages")
        #expect(request.query == ["key": "KEY", "token": "TOKEN", "requestId": "inst-o7"])
        #expect(request.json as? [String: String] == ["text": "Principle of the week: *Own it*"])
        #expect(await space.created.count == 1)
        #expect(transport.capabilities == TransportCapabilities(directMessages: false, threads: false, markup: .plain))
        #expect(!(transport as any ChatTransport is any PollingTransport), "send-only: there is nothing to poll")
    }

    @Test func aRetryWithTheSameKeyShowsOnce() async throws {
        let (space, server) = try await Self.start()
        // A crash after Google created the message but before the outbox recorded it: a new process sends again.
        let first = try await Kit.google(server).send(Kit.message("Reminder"), key: "inst-o8")
        let again = try await Kit.google(server).send(Kit.message("Reminder"), key: "inst-o8")
        #expect(first == again)
        #expect(await space.created.count == 1)
        #expect(server.requests.map { $0.query["requestId"] } == ["inst-o8", "inst-o8"])
    }

    @Test func partsHaveTheirOwnRequestIdsAndFitThirtyTwoThousandBytes() async throws {
        let (space, server) = try await Self.start()
        let text = Kit.longText(lines: 1200)
        let first = try await Kit.google(server).send(Kit.message(text), key: "inst-o9")
        let created = await space.created
        #expect(created.count >= 3)
        #expect(first == created.first?.name)
        #expect(created.map(\.requestID) == ["inst-o9"] + (2...created.count).map { "inst-o9.\($0)" })
        #expect(server.requests.allSatisfy { $0.body.count <= 32_000 })
        #expect(created.map(\.text).joined(separator: "\n") == text)
    }

    @Test func aPartRefusedAsTooLargeIsSplitFinerWithItsOwnRequestIds() async throws {
        let (space, server) = try await Self.start()
        await space.add(.json(["error": ["code": 413, "message": "Request too large", "status": "FAILED_PRECONDITION"]], status: 413))
        let text = Kit.longText(lines: 1200) + "\n<users/all> the end"
        let first = try await Kit.google(server).send(Kit.message(text), key: "inst-o10")
        let created = await space.created
        #expect(created.count >= 4)
        #expect(first == created.first?.name)
        #expect(Set(created.compactMap(\.requestID)).count == created.count)
        #expect(created.map(\.text).joined(separator: "\n") == GoogleChatTransport.defuse(text))
    }

    @Test func mentionTokensInTheTextCannotPingTheSpace() async throws {
        let (space, server) = try await Self.start()
        _ = try await Kit.google(server).send(Kit.message("Hello <users/all> and <users/123>"), key: "k")
        #expect(await space.created.first?.text == "Hello <\u{2060}users/all> and <\u{2060}users/123>")
    }

    @Test func failuresMapToWhatTheRuntimeDoes() async throws {
        let (space, server) = try await Self.start()
        let transport = try Kit.google(server)
        func failure(_ reply: Reply) async -> TransportError? {
            await space.add(reply)
            return await Kit.error { _ = try await transport.send(Kit.message("hi"), key: "k") }
        }
        let limit: [String: Any] = ["error": ["code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"]]
        #expect(await failure(.json(limit, status: 429, headers: ["Retry-After": "8"])) == .rateLimited(retryAfter: .seconds(8)))
        guard case .temporary(let backoff)? = await failure(.json(limit, status: 429)) else {
            Issue.record("a 429 without Retry-After backs off exponentially (temporary)")
            return
        }
        #expect(backoff.contains("RESOURCE_EXHAUSTED"))
        for status in [401, 403, 404] {
            guard case .unauthorized(let reason)? = await failure(.json(["error": ["code": status, "status": "PERMISSION_DENIED"]], status: status)) else {
                Issue.record("HTTP \(status) is unauthorized")
                continue
            }
            #expect(reason.contains("GOOGLE_CHAT_WEBHOOK_URL"))
            #expect(!reason.contains("TOKEN") && !reason.contains("KEY"), "the URL's key and token never appear")
        }
        guard case .rejected(let bad)? = await failure(.json(["error": ["code": 400, "message": "Invalid JSON payload", "status": "INVALID_ARGUMENT"]], status: 400)) else {
            Issue.record("400 is rejected")
            return
        }
        #expect(bad.contains("INVALID_ARGUMENT: Invalid JSON payload"))
        guard case .temporary? = await failure(.text("unavailable", status: 503)) else { Issue.record("503 is temporary"); return }
    }

    @Test func aTimeoutIsTemporary() async throws {
        let (server, _) = try await Kit.serve(.json(["name": "spaces/AAA/messages/m1"]))
        let web = await Kit.timingOut("google-chat post")
        guard case .temporary(let reason)? = await Kit.error({ _ = try await Kit.google(server, web: web).send(Kit.message("hi"), key: "k") }) else {
            Issue.record("a timeout is temporary")
            return
        }
        #expect(!reason.contains("TOKEN"))
    }

    @Test func checkProvesTheURLWithAnEmptyMessageAndWarnsItIsSendOnly() async throws {
        let (space, server) = try await Self.start()
        let findings = await (try Kit.google(server)).check()
        #expect(findings.map(\.status) == [.ok, .warning])
        #expect(findings[1].detail.contains("cannot collect commands or examples"))
        #expect(await space.created.isEmpty, "nothing was posted")

        let wrongToken = URL(string: server.baseURL.absoluteString + "/v1/spaces/AAA/messages?key=KEY&token=OLD")!
        let dead = try GoogleChatTransport(settings: Kit.settings("google-chat", variable: "GOOGLE_CHAT_WEBHOOK_URL", url: wrongToken),
            context: Kit.context())
        let deadFindings = await dead.check()
        #expect(deadFindings.map(\.status) == [.problem, .warning])
        #expect(deadFindings[0].detail.contains("GOOGLE_CHAT_WEBHOOK_URL"))
        #expect(!deadFindings[0].detail.contains("OLD"))
    }

    @Test func theEnginesPostsArriveInTheSpace() async throws {
        let (space, server) = try await Self.start()
        let session = try await Kit.runWeek(try Kit.google(server))
        let texts = await space.created.map(\.text)
        let announcement = try #require(texts.first { $0.isMondayPost })
        #expect(!announcement.contains("reply in this thread"))
        #expect(texts.contains { $0.contains("Here's what I can do, Sam") })
        #expect(try #require(await session.state.examples.all.last).caughtIDs == ["jo"])
        #expect(texts.last?.contains("calming an upset customer <3 & *more*") == true, "plain text goes as written")
        // Every post carried its outbox key.
        #expect(server.requests.allSatisfy { $0.query["requestId"] != nil })
        #expect(Set(server.requests.compactMap { $0.query["requestId"] }).count == server.requests.count)
    }
}

// MARK: - Example configs

@Suite("Slack and webhook example configs")
struct SlackAndWebhookExampleConfigTests: AdapterTestSuite {
    @Test func eachExampleConfigLoadsAndBuildsItsAdapter() throws {
        let examples = [
            ("slack", "SLACK_BOT_TOKEN", "xoxb-1"),
            ("slack-webhook", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T000/B000/XXXX"),
            ("teams-workflow", "TEAMS_WEBHOOK_URL", "https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x"),
            ("google-chat", "GOOGLE_CHAT_WEBHOOK_URL", "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t"),
        ]
        for (kind, variable, value) in examples {
            let (setup, transport) = try Self.example(kind, environment: [variable: value])
            #expect(setup.config.transport.kind == kind)
            #expect(transport.name == kind)
            // Admins are roster members: on Slack both are Slack user ids.
            #expect(setup.config.admins.allSatisfy { admin in setup.config.members.contains { $0.id == admin } })
            #expect(!setup.config.transport.settings.values.contains(value), "no secret in the file")
        }
    }
}
