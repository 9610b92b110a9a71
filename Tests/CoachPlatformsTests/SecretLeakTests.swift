@testable import coach
import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// Plants known secrets in a deployment's environment and searches everything the bot wrote for them: every
/// platform's adapter against servers that echo the request in their errors and that redirect to another origin,
/// the whole bot as `coach run` builds it at every log level (its log, the error it stops with, its state folder),
/// and `coach check`'s report. Each suite starts its servers on 127.0.0.1 with `FakeServer` and stops them when the
/// test ends.
///
/// Serialized: its cases start some 220 servers, and each live FlyingFox server holds one of libdispatch's 256
/// overcommit threads in `epoll_wait`. Run side by side with the other suites they took every thread, and
/// FoundationNetworking, which needs one too, stalled the whole test run.
@Suite("Secrets never leave the bot", .stopsServers, .serialized, .timeLimit(.minutes(10)))
struct SecretLeakTests {
    /// Every platform with a secret, Matrix twice: with an access token, and with a password login (whose body
    /// carries the password).
    static let deployments = ["slack", "mattermost", "discord", "telegram", "zulip", "matrix", "matrix-password",
        "slack-webhook", "teams-workflow", "google-chat"]

    /// A deployment's platform and settings, its API (or webhook) at `base`.
    static func platform(_ deployment: String, at base: URL) -> (kind: String, settings: [String: String]) {
        let api = base.absoluteString
        switch deployment {
        case "slack": return ("slack", ["channel": "C0123456789", "baseURL": api])
        case "mattermost": return ("mattermost", ["channel": "q7c1channel", "baseURL": api])
        case "discord": return ("discord", ["channel": "123456789012345678", "baseURL": api])
        case "telegram": return ("telegram", ["chat": "-1001234567890", "baseURL": api])
        case "zulip": return ("zulip", ["stream": "customer-service", "email": Planted.zulipEmail, "baseURL": api])
        case "matrix": return ("matrix", ["room": "!room:example.org", "baseURL": api])
        case "matrix-password": return ("matrix", ["room": "!room:example.org", "baseURL": api, "user": "@coach:example.org"])
        default: return (deployment, [:])
        }
    }

    static func transport(_ deployment: String, at base: URL, logger: Logger) throws -> any ChatTransport {
        let (kind, settings) = platform(deployment, at: base)
        return try Platforms.make(kind: kind, settings: settings, environment: Planted.environment(webhooksAt: base),
            context: PlatformContext(web: HTTPWebClient(), logger: logger, botName: "coach"))
    }

    static let message = OutboundMessage(id: "o1", destination: .channel, kind: .reply, text: "Thanks, Sam: noted.",
        createdAt: Date(timeIntervalSince1970: 0))

    /// What an adapter says when every call fails: `coach check`'s findings, and the errors a send and a first poll
    /// throw.
    static func everythingSaid(by transport: any ChatTransport) async -> [String] {
        var said = await transport.check().map(\.description)
        do {
            _ = try await transport.send(message, key: "inst-o1")
        } catch {
            said.append("send: \(error)")
        }
        if let reader = transport as? any PollingTransport {
            do {
                _ = try await reader.poll(PollRequest(cursor: nil, timeout: .seconds(1)))
            } catch {
                said.append("poll: \(error)")
            }
        }
        return said
    }

    // MARK: - Each adapter against an echoing server

    @Test("an echoing server's errors never show a secret: every status, in check findings, errors and the adapter's log",
        arguments: deployments)
    func echoedRequests(_ deployment: String) async throws {
        for status in [200, 400, 401, 403, 404, 408, 429, 500, 503] {
            let server = try await EchoingPlatform.start(status: status)
            let log = LogRecorder()
            // The adapter's own log, not masked by any handler: what the adapters write must be clean at source.
            let transport = try Self.transport(deployment, at: server.baseURL, logger: log.logger(level: .trace))
            let said = await Self.everythingSaid(by: transport)
            // The server did echo secrets: the search would have found them had they come through.
            let echoed = server.requests.map(EchoingPlatform.echo).joined(separator: "\n")
            #expect(!Planted.leaks(in: echoed).isEmpty, "\(deployment): the requests carried no planted secret to echo")
            #expect(!said.isEmpty)
            Planted.expectNone(in: said.joined(separator: "\n"), "\(deployment), HTTP \(status): what the adapter said")
            Planted.expectNone(in: log.text, "\(deployment), HTTP \(status): the adapter's log")
        }
    }

    // MARK: - The whole bot, at every log level

    /// The answers the whole-bot test's server gives a two-way platform, in order: failures that back off, rate
    /// limits, refusals that drop a message or back off, a 200 that is an error; then a 401 stops the bot.
    static let storyOfFailures = [500, 429, 400, 200, 503, 400, 408, 400]
    /// A send-only platform has one message to send (the intro): it fails, waits out a limit, and is dropped.
    static let storyOfASendOnlyPost = [500, 429, 400]

    @Test("the whole bot as coach run builds it: log lines at every level, the error it stops with and its state folder hold no secret",
        arguments: deployments, Logger.Level.allCases)
    func wholeBot(_ deployment: String, _ level: Logger.Level) async throws {
        let sendOnly = ["slack-webhook", "teams-workflow", "google-chat"].contains(deployment)
        let story = sendOnly ? Self.storyOfASendOnlyPost : Self.storyOfFailures
        let (told, teller) = AsyncStream<Void>.makeStream()
        let count = EchoingPlatform.Counter()
        let server = try await FakeServer { request in
            let n = await count.next()
            if n == story.count { teller.finish() }
            return EchoingPlatform.reply(to: request, status: n <= story.count ? story[n - 1] : 401, json: n % 2 == 0)
        }
        let state = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        var setup = try Fixtures.setup(state: state)
        (setup.config.transport.kind, setup.config.transport.settings) = Self.platform(deployment, at: server.baseURL)
        let log = LogRecorder()
        let outside = CoachBuilder.Outside(
            clock: JumpingClock(Date(timeIntervalSince1970: 1_800_000_000)),
            environment: Planted.environment(webhooksAt: server.baseURL), web: HTTPWebClient(), input: ConsoleInput(),
            output: { _ in }, logger: log.logger(level: level), randomSeed: 1, shutdownSignals: [])
        let group = try CoachBuilder.serviceGroup(for: setup, outside, reports: nil)
        if sendOnly {
            // Nothing is left to send once the intro is dropped: stop the bot when the story is told.
            Task {
                for await _ in told {}
                await group.triggerGracefulShutdown()
            }
        }
        var stopped = ""
        do {
            try await group.run()
        } catch {
            stopped = String(describing: error)
        }
        if sendOnly {
            #expect(stopped.isEmpty, "\(deployment): \(stopped)")
            #expect(server.requests.count == story.count)
        } else {
            #expect(stopped.contains("not authorised"), "\(deployment): \(stopped)")
            #expect(server.requests.count > story.count)
        }
        Planted.expectNone(in: stopped, "\(deployment) at \(level): the error the bot stopped with")
        Planted.expectNone(in: log.text, "\(deployment) at \(level): the log")
        let files = Planted.files(in: state)
        #expect(files.contains { $0.name == "journal.jsonl" })
        for file in files { Planted.expectNone(in: file.text, "\(deployment) at \(level): \(file.name)") }
        if level <= .debug {
            // swift-service-lifecycle's own lines, where the webhook URL once showed as the service's description.
            #expect(log.all.contains { $0.contains("Starting service") && $0.contains("BotService(\(setup.config.transport.kind))") })
        }
        if level <= .warning {
            #expect(log.text.contains("platform call failed"), "\(deployment): the failures were logged, masked")
        }
    }

    @Test("a message the platform refuses for good is dropped with its masked reason in the journal")
    func droppedReasonIsMasked() async throws {
        let server = try await EchoingPlatform.start(status: 400)
        let state = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: state) }
        var setup = try Fixtures.setup(state: state)
        (setup.config.transport.kind, setup.config.transport.settings) = Self.platform("slack-webhook", at: server.baseURL)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let outside = CoachBuilder.Outside(
            clock: clock, environment: Planted.environment(webhooksAt: server.baseURL), web: HTTPWebClient(),
            input: ConsoleInput(), output: { _ in }, logger: LogRecorder().logger(level: .trace), randomSeed: 1,
            shutdownSignals: [])
        let bot = try CoachBuilder.bot(for: setup, outside, reports: nil)
        let running = Task { try await bot.run() }
        // The intro was refused and dropped; the loop then parks until its next post is due. Read the journal
        // before the stop compacts it into a snapshot.
        await clock.waitForSleepers()
        let journal = try String(contentsOf: state.appendingPathComponent("journal.jsonl"), encoding: .utf8)
        running.cancel()
        try? await running.value
        #expect(journal.contains("dropped"))
        #expect(journal.contains(Redactor.mask("SLACK_WEBHOOK_URL")))
        Planted.expectNone(in: journal, "the journal")
    }

    // MARK: - coach check

    /// A copy of the example config for `deployment`'s platform, its transport pointed at `base`.
    static func config(_ deployment: String, at base: URL, settings extra: [String: String] = [:]) throws -> URL {
        let (kind, settings) = platform(deployment, at: base)
        let example = Fixtures.projectRoot.appendingPathComponent("Config/examples/\(kind).json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: example)) as? [String: Any])
        object["transport"] = ["kind": kind, "settings": settings.merging(extra) { _, new in new }]
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("coach.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file
    }

    static func check(_ config: URL, environment: [String: String], log: LogRecorder) async -> CoachCheck.Report {
        await CoachCheck.run(
            configPath: config.path, promptsPath: Fixtures.projectRoot.appendingPathComponent("Prompts").path,
            stateOverride: Fixtures.temporaryDirectory().path,
            outside: CoachBuilder.Outside(
                clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), environment: environment,
                web: HTTPWebClient(), input: ConsoleInput(), output: { _ in }, logger: log.logger(level: .trace),
                randomSeed: 1, shutdownSignals: []))
    }

    @Test("coach check's report and log never show a secret, whatever the platform answers", arguments: deployments)
    func checkReport(_ deployment: String) async throws {
        for status in [200, 401, 403, 500] {
            let server = try await EchoingPlatform.start(status: status)
            let log = LogRecorder()
            let report = await Self.check(
                try Self.config(deployment, at: server.baseURL), environment: Planted.environment(webhooksAt: server.baseURL), log: log)
            if status == 401 || status == 403 { #expect(report.problems > 0, "\(deployment), HTTP \(status): \(report.text)") }
            Planted.expectNone(in: report.text, "\(deployment), HTTP \(status): coach check's report")
            Planted.expectNone(in: log.text, "\(deployment), HTTP \(status): coach check's log")
        }
    }

    /// Every secret setting of every platform, with a token and a URL typed where the variable's name goes.
    static let typedSecrets: [(kind: String, setting: String, value: String)] = Platforms.all.flatMap { entry in
        entry.secrets.flatMap { secret in
            [(entry.kind, secret.setting, "xoxb-PLANTED-typed-Qa7f3a9c01"),
             (entry.kind, secret.setting, "https://hooks.example.org/services/T0PLANTED/B0/Qh24chars")]
        }
    }

    @Test("a secret typed where its variable's name goes is refused, naming the setting and what goes there, never repeated")
    func secretInAnEnvSetting() async throws {
        #expect(Set(Self.typedSecrets.map(\.kind)) == Set(Platforms.kinds).subtracting(["console"]))
        for (kind, setting, value) in Self.typedSecrets {
            let declared = try #require(Platforms.entry(kind)?.secrets.first { $0.setting == setting })
            let deployment = kind == "matrix" && setting == "passwordEnv" ? "matrix-password" : kind
            let base = URL(string: "http://127.0.0.1:9")!
            var settings = Self.platform(deployment, at: base).settings
            settings[setting] = value
            // The variable it should have named holds the secret: the refusal must come before it is read.
            let environment = Planted.environment(webhooksAt: base)
            do {
                _ = try Platforms.make(kind: kind, settings: settings, environment: environment,
                    context: PlatformContext(web: HTTPWebClient(), logger: AdapterTestKit.logger, botName: "coach"))
                Issue.record("\(kind).\(setting): a token in the setting was accepted")
            } catch {
                #expect(error == .notAVariableName(kind: kind, key: setting, variable: declared.defaultVariable, what: declared.what))
                let message = error.description
                #expect(message.contains("transport.settings.\(setting)"))
                #expect(message.contains("export \(declared.defaultVariable)=…"))
                Planted.expectNone(in: message, "\(kind).\(setting): the refusal")
            }
            let log = LogRecorder()
            let report = await Self.check(
                try Self.config(deployment, at: base, settings: [setting: value]), environment: environment, log: log)
            #expect(report.findings.contains { $0.status == .problem && $0.detail.contains("transport.settings.\(setting) must be the name") })
            #expect(!report.text.contains("export xoxb"))
            Planted.expectNone(in: report.text, "\(kind).\(setting): coach check's report")
            Planted.expectNone(in: log.text, "\(kind).\(setting): coach check's log")
        }
    }

    @Test("variable names as shells export them are accepted; anything else is not a variable's name")
    func variableNames() {
        for name in ["SLACK_BOT_TOKEN", "my_token", "_T0KEN", "A"] { #expect(PlatformSettings.isVariableName(name), "\(name)") }
        for value in ["xoxb-123-456", "123456:AAbb", "https://hooks.slack.com/services/T/B/X", "1TOKEN", "MY TOKEN", "", "TÖKEN"] {
            #expect(!PlatformSettings.isVariableName(value), "\(value)")
        }
    }

    // MARK: - Redirects

    @Test("a redirect to another origin is not followed: the credentials never reach it, and the error says where it pointed",
        arguments: deployments)
    func redirectToAnotherOrigin(_ deployment: String) async throws {
        let landing = try await FakeServer { request in EchoingPlatform.reply(to: request, status: 200, json: true) }
        for status in [301, 302, 303, 307, 308] {
            let redirecting = try await FakeServer { request in
                let query = request.query.isEmpty ? "" : "?" + WebRequest.formEncode(request.query.map { ($0.key, $0.value) })
                return Reply(status: status, headers: ["Location": landing.baseURL.absoluteString + request.path + query])
            }
            let transport = try Self.transport(deployment, at: redirecting.baseURL, logger: AdapterTestKit.logger)
            let said = await Self.everythingSaid(by: transport)
            #expect(!redirecting.requests.isEmpty)
            #expect(landing.requests.isEmpty, "\(deployment), HTTP \(status): the redirect was followed to another origin")
            #expect(said.contains { $0.contains("sending the call to another address (\(landing.baseURL.absoluteString))") },
                "\(deployment), HTTP \(status): \(said)")
            Planted.expectNone(in: said.joined(separator: "\n"), "\(deployment), HTTP \(status): what the adapter said")
        }
    }

    @Test("a redirect within the same origin is still followed, with the credentials")
    func redirectWithinTheOrigin() async throws {
        let server = try await FakeServer { request in
            request.path == "/old" ? Reply(status: 307, headers: ["Location": "/new"]) : .json(["auth": request.header("Authorization") ?? ""])
        }
        let response = try await HTTPWebClient().send(WebRequest(
            url: server.baseURL.appendingPathComponent("old"), headers: ["Authorization": "Bearer t"], label: "test call"))
        #expect(response.status == 200)
        #expect(server.requests.map(\.path) == ["/old", "/new"])
        #expect(server.requests.last?.header("Authorization") == "Bearer t")
    }

    @Test("a redirect's target is named by its origin only: a hostile Location cannot put words in the error")
    func redirectTargetIsOnlyTheOrigin() async throws {
        let server = try await FakeServer { _ in
            Reply(status: 302, headers: ["Location": "http://127.0.0.1:9/steal?token=PLANTED-Qa7f3a9c01"])
        }
        do {
            _ = try await HTTPWebClient().send(WebRequest(url: server.baseURL, label: "test call"))
            Issue.record("a redirect to another origin must fail")
        } catch {
            guard case .unauthorized(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.hasPrefix("test call: the server answered HTTP 302, sending the call to another address (http://127.0.0.1:9)"))
            Planted.expectNone(in: reason, "the redirect error")
        }
    }
}

/// A logger that drops everything, for tests that look only at what an adapter returns.
enum AdapterTestKit: AdapterTestSuite {}
