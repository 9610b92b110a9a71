@testable import coach
import CoachChat
import CoachCore
import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// `coach run --teams`, `coach check --teams` and `--teams … --team` as the executable wires them: real platforms
/// (Slack's webhook) on a fake network, real configs in a real teams folder.
@Suite("Teams commands", .timeLimit(.minutes(10)))
struct TeamsCommandTests {
    static let prompts = Fixtures.projectRoot.appendingPathComponent("Prompts").path

    /// Answers every call with 200 and keeps the posts by webhook URL.
    final class RecordingWeb: WebClient {
        let posts = Mutex<[(url: String, body: String)]>([])
        let arrivals: AsyncStream<String>.Continuation
        let stream: AsyncStream<String>

        init() { (stream, arrivals) = AsyncStream<String>.makeStream() }

        func send(_ request: WebRequest) async throws(TransportError) -> WebResponse {
            let body = String(decoding: request.body ?? Data(), as: UTF8.self)
            posts.withLock { $0.append((request.url.absoluteString, body)) }
            arrivals.yield(request.url.absoluteString)
            return WebResponse(status: 200, body: Data("ok".utf8))
        }

        func waitForPosts(to url: String) async {
            if posts.withLock({ $0.contains { $0.url == url } }) { return }
            for await arrived in stream where arrived == url { return }
        }
    }

    /// A team folder whose config is one of the shipped examples, renamed.
    static func addTeam(_ name: String, example: String, to root: URL, edit: (String) -> String = { $0 }) throws {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = Fixtures.projectRoot.appendingPathComponent("Config/\(example)")
        let text = try String(contentsOf: source, encoding: .utf8)
            .replacingOccurrences(of: "\"Corner Bakery\"", with: "\"\(name.capitalized)\"")
        try edit(text).write(to: folder.appendingPathComponent("coach.json"), atomically: true, encoding: .utf8)
    }

    static func outside(web: any WebClient, log: LogRecorder, environment: [String: String]) -> CoachBuilder.Outside {
        CoachBuilder.Outside(
            clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)), environment: environment, web: web,
            input: ConsoleInput(), output: { _ in }, logger: log.logger(level: .info), randomSeed: 1, shutdownSignals: [])
    }

    @Test("coach run --teams: each team posts through its own webhook, logs carry its name, its secret is masked; a console team is refused")
    func runTeams() async throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.addTeam("acme", example: "examples/slack-webhook.json", to: root)
        try Self.addTeam("bravo", example: "examples/slack-webhook.json", to: root) {
            $0.replacingOccurrences(of: "SLACK_WEBHOOK_URL", with: "BRAVO_WEBHOOK_URL")
        }
        try Self.addTeam("local", example: "coach.json", to: root)
        let web = RecordingWeb()
        let log = LogRecorder()
        let acmeURL = "https://hooks.slack.com/services/T0/B0/acme-secret-part"
        let bravoURL = "https://hooks.slack.com/services/T0/B0/bravo-secret-part"
        let outside = Self.outside(
            web: web, log: log, environment: ["SLACK_WEBHOOK_URL": acmeURL, "BRAVO_WEBHOOK_URL": bravoURL])
        let (reloads, _) = AsyncStream<Void>.makeStream()
        let (group, teams) = CoachBuilder.teamsGroup(
            folder: TeamsFolder(root.path), promptsPath: Self.prompts, outside, reports: nil, reloads: reloads)
        let running = Task { try await group.run() }
        await web.waitForPosts(to: acmeURL)
        await web.waitForPosts(to: bravoURL)
        await group.triggerGracefulShutdown()
        try await running.value

        let entries = Dictionary(uniqueKeysWithValues: teams.registry.all.map { ($0.name, $0.entry) })
        guard case .failed(let reason)? = entries["local"] else {
            Issue.record("the console team was not refused: \(entries.keys.sorted())")
            return
        }
        #expect(reason.contains("needs this terminal to itself"))
        let posts = web.posts.withLock { $0 }
        #expect(posts.contains { $0.url == acmeURL && $0.body.contains("Acme") })
        #expect(posts.contains { $0.url == bravoURL && $0.body.contains("Bravo") })
        #expect(!posts.contains { $0.url == acmeURL && $0.body.contains("Bravo") }, "one team's posts never go to another's")
        let lines = log.all
        #expect(lines.contains { $0.contains("bot started") && $0.contains("team=acme") }, "\(lines)")
        #expect(lines.contains { $0.contains("bot started") && $0.contains("team=bravo") })
        #expect(lines.contains { $0.contains("team could not start") && $0.contains("team=local") })
        #expect(!log.text.contains("acme-secret-part") && !log.text.contains("bravo-secret-part"))
    }

    @Test("coach check --teams: a section per team, the folders that are no team, a state folder two teams share, and the total")
    func checkTeams() async throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let shared = root.appendingPathComponent("one-state").path
        for name in ["acme", "bravo"] {
            try Self.addTeam(name, example: "examples/slack-webhook.json", to: root) {
                $0.replacingOccurrences(of: "\"stateDirectory\": \"state\"", with: "\"stateDirectory\": \"\(shared)\"")
            }
        }
        try Self.addTeam("local", example: "coach.json", to: root)
        try Self.addTeam("mangled", example: "coach.json", to: root) { _ in "{ \"schema\": 1, " }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("notes"), withIntermediateDirectories: true)
        let outside = Self.outside(
            web: RecordingWeb(), log: LogRecorder(), environment: ["SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/x1"])
        let report = try await CoachCheck.runTeams(folder: TeamsFolder(root.path), promptsPath: Self.prompts, outside: outside)
        let text = report.text
        #expect(text.contains("=== acme (\(root.appendingPathComponent("acme").path)) ==="), "\(text)")
        #expect(text.contains("=== bravo ("))
        #expect(text.contains("=== local ("))
        #expect(text.contains("The state folder \(shared) is team acme's already"))
        #expect(text.contains("needs this terminal to itself"))
        #expect(text.contains("Not a team: notes (it has no coach.json)"))
        // A team's state folder comes from its config alone: the way out is to fix that, not --state.
        #expect(text.contains("without the team's coach.json there is no stateDirectory; fix the config first"), "\(text)")
        #expect(!text.contains("pass --state"))
        #expect(text.contains("4 teams checked: 1 ready, 3 with problems (3 in all)"), "\(text)")
        #expect(report.problems == 3)
        #expect(!text.contains("{{"))
    }

    @Test("--teams DIR --team NAME loads that team's config and its state folder inside its folder")
    func teamChoice() throws {
        let root = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.addTeam("acme", example: "coach.json", to: root)
        let deployment = try DeploymentOptions<Report>.parse(["--prompts", Self.prompts])
        let setup = try TeamChoice.parse(["--teams", root.path, "--team", "acme"]).load(deployment)
        #expect(setup.config.team.name == "Acme")
        #expect(setup.stateDirectory.path == root.appendingPathComponent("acme/state").standardizedFileURL.path)
        #expect(throws: (any Error).self) { try TeamChoice.parse(["--teams", root.path]) }
        #expect(throws: (any Error).self) { try TeamChoice.parse(["--team", "acme"]) }
        let withConfig = try DeploymentOptions<Report>.parse(["--config", "x.json"])
        #expect(throws: (any Error).self) { try TeamChoice.parse(["--teams", root.path, "--team", "acme"]).load(withConfig) }
    }

    @Test("--log-format json: one JSON object per line with the team in it; quotes, newlines and control characters escaped")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "coach") { label in
            JSONLogHandler(label: label, write: { line in lines.withLock { $0.append(line) } })
        }
        logger[metadataKey: "team"] = "acme"
        logger.notice("said \"hi\"\nthen\u{1} more", metadata: ["message": "shadowed", "count": "3"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["team"] as? String == "acme")
        #expect(object["level"] as? String == "notice")
        #expect(object["message"] as? String == "said \"hi\"\nthen\u{1} more")
        #expect(object["meta_message"] as? String == "shadowed")
        #expect(object["count"] as? String == "3")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
    }
}
