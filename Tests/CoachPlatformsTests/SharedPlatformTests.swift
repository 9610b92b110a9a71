import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

@Suite(.stopsServers) struct WebClientTests {
    @Test func roundTripCarriesMethodHeadersBodyAndStatus() async throws {
        let server = try await FakeServer { request in
            .json(["echo": request.text, "auth": request.header("Authorization") ?? ""], status: 201, headers: ["X-Seen": "yes"])
        }
        let client = HTTPWebClient()
        let response = try await client.send(.json(url: server.baseURL.appending(segments: "api", "post"),
            headers: ["Authorization": "Bearer t"], body: ["text": "hi"], label: "test post"))
        #expect(response.status == 201)
        #expect(response.header("x-seen") == "yes")
        let body = try JSONSerialization.jsonObject(with: response.body) as? [String: String]
        #expect(body?["echo"] == #"{"text":"hi"}"#)
        #expect(body?["auth"] == "Bearer t")
        #expect(server.requests.map(\.method) == ["POST"])
        #expect(server.requests.map(\.path) == ["/api/post"])
    }

    @Test func aTimeoutIsTemporaryAndNamesTheCallNotTheURL() async throws {
        let server = try await FakeServer { _ in Reply(status: 200, delay: .seconds(5)) }
        let client = HTTPWebClient()
        let secretURL = server.baseURL.appending(segments: "botSECRET", "getUpdates")
        do {
            _ = try await client.send(WebRequest(url: secretURL, timeout: .milliseconds(300), label: "telegram getUpdates"))
            Issue.record("a request the server never answers must time out")
        } catch {
            guard case .temporary(let reason) = error else { Issue.record("expected temporary, got \(error)"); return }
            #expect(reason.hasPrefix("telegram getUpdates: no answer within"), "\(reason)")
            #expect(!reason.contains("SECRET"))
        }
    }

    @Test func aRefusedConnectionIsTemporary() async throws {
        // Port 9 on loopback: nothing listens there in the test environment.
        let client = HTTPWebClient()
        await #expect(throws: TransportError.self) {
            _ = try await client.send(WebRequest(url: URL(string: "http://127.0.0.1:9/x")!, timeout: .seconds(2), label: "x"))
        }
    }

    @Test func queryAndPathSegmentsArePercentEncoded() {
        let url = URL(string: "http://127.0.0.1:1/_matrix")!.appending(segments: "rooms", "!abc:localhost", "send")
            .adding(query: [("filter", #"{"a":1}"#), ("ts", "1700000000.000100+x")])
        #expect(url.absoluteString == "http://127.0.0.1:1/_matrix/rooms/%21abc%3Alocalhost/send?filter=%7B%22a%22%3A1%7D&ts=1700000000.000100%2Bx")
    }
}

@Suite struct FailureMappingTests {
    @Test func statusesMapToWhatTheRuntimeShouldDo() {
        #expect(WebResponse(status: 200).failure("x") == nil)
        #expect(WebResponse(status: 429, headers: ["Retry-After": "7"]).failure("x") == .rateLimited(retryAfter: .seconds(7)))
        #expect(WebResponse(status: 429).failure("x", retryAfter: .milliseconds(1500)) == .rateLimited(retryAfter: .milliseconds(1500)))
        #expect(WebResponse(status: 429).failure("x") == .rateLimited(retryAfter: .seconds(60)))
        if case .temporary? = WebResponse(status: 503).failure("x") {} else { Issue.record("503 must be temporary") }
        if case .unauthorized? = WebResponse(status: 401).failure("x") {} else { Issue.record("401 must be unauthorized") }
        if case .unauthorized? = WebResponse(status: 403).failure("x") {} else { Issue.record("403 must be unauthorized") }
        if case .rejected? = WebResponse(status: 400).failure("x") {} else { Issue.record("400 must be rejected") }
    }

    @Test func retryAfterReadsFractionsAndDates() {
        #expect(WebResponse(status: 429, headers: ["retry-after": "0.25"]).retryAfterHeader() == .milliseconds(250))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let date = WebResponse.httpDate.string(from: now.addingTimeInterval(30))
        #expect(WebResponse(status: 429, headers: ["Retry-After": date]).retryAfterHeader(now: now) == .seconds(30))
        #expect(WebResponse(status: 429, headers: ["Retry-After": "soon"]).retryAfterHeader() == nil)
    }

    @Test func malformedJSONIsTemporaryAndSaysWhy() {
        struct Shape: Decodable { var ok: Bool }
        #expect(throws: TransportError.self) { try WebResponse(status: 200, body: Data("<html>".utf8)).decode(Shape.self, "slack x") }
        do {
            _ = try WebResponse(status: 200, body: Data("{}".utf8)).decode(Shape.self, "slack x")
        } catch {
            #expect(error == .temporary(reason: #"slack x: malformed answer (HTTP 200): missing field "ok"; body starts "{}""#))
        }
    }
}

@Suite struct MessageSplitterTests {
    @Test func shortMessagesAreUntouched() {
        #expect(MessageSplitter(limit: 100, measure: .utf16, markup: .markdown).split("hello") == ["hello"])
    }

    @Test func longMessagesBreakAtLinesAndEveryPartFits() {
        let lines = (1...50).map { "Line \($0): the team caught someone doing something right." }
        let text = lines.joined(separator: "\n")
        let splitter = MessageSplitter(limit: 500, measure: .utf16, markup: .slack)
        let parts = splitter.split(text)
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.count <= 500 })
        #expect(parts.joined(separator: "\n") == text)
    }

    @Test func htmlTagsAreClosedAndReopenedAcrossParts() {
        let text = "<b>Summary</b>\n<ul>\n" + (1...40).map { "<li>Example \($0) from &lt;Sam&gt;</li>" }.joined(separator: "\n") + "\n</ul>"
        let parts = MessageSplitter(limit: 300, measure: .utf16, markup: .html).split(text)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.utf16.count <= 300)
            #expect(part.components(separatedBy: "<ul>").count == part.components(separatedBy: "</ul>").count)
            #expect(part.components(separatedBy: "<li>").count == part.components(separatedBy: "</li>").count)
        }
        #expect(parts[1].hasPrefix("<ul>"))
    }

    @Test func aLongLineNeverBreaksInsideATagEntityOrSlackToken() {
        let word = "<@U024BE7LH> &amp; "
        let text = String(repeating: word, count: 60)
        let parts = MessageSplitter(limit: 100, measure: .utf16, markup: .slack).split(text)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.count <= 100)
            #expect(part.components(separatedBy: "<").count == part.components(separatedBy: ">").count)
            #expect(!part.hasSuffix("&am") && !part.hasSuffix("&"))
        }
    }

    @Test func codeFencesAreClosedAndReopened() {
        let text = "Scores:\n```\n" + (1...60).map { "principle \($0)  3.5" }.joined(separator: "\n") + "\n```\nDone."
        let parts = MessageSplitter(limit: 200, measure: .utf16, markup: .markdown).split(text)
        #expect(parts.count > 1)
        for part in parts {
            #expect(part.count <= 200)
            #expect(part.components(separatedBy: "```").count % 2 == 1, "every part has balanced fences: \(part)")
        }
    }

    @Test func aWordLongerThanTheLimitIsCutRatherThanLost() {
        let text = String(repeating: "x", count: 250)
        let parts = MessageSplitter(limit: 100, measure: .utf8, markup: .plain).split(text)
        #expect(parts.joined() == text)
        #expect(parts.allSatisfy { $0.utf8.count <= 100 })
    }
}

@Suite struct PlatformSettingsTests {
    let env = ["SLACK_BOT_TOKEN": "xoxb-secret"]

    @Test func secretsComeFromTheNamedVariable() throws {
        let settings = PlatformSettings(kind: "slack", values: ["tokenEnv": "SLACK_BOT_TOKEN"], environment: env)
        #expect(try settings.secret("tokenEnv", defaultVariable: "X", what: "bot token") == "xoxb-secret")
    }

    @Test func aMissingVariableNamesItWithoutAnyValue() {
        let settings = PlatformSettings(kind: "slack", values: ["tokenEnv": "MY_TOKEN"], environment: env)
        #expect(throws: PlatformSetupError.missingSecret(kind: "slack", variable: "MY_TOKEN", setting: "tokenEnv", what: "bot token")) {
            try settings.secret("tokenEnv", defaultVariable: "SLACK_BOT_TOKEN", what: "bot token")
        }
    }

    @Test func aTokenWrittenIntoTheConfigIsRefused() {
        let settings = PlatformSettings(kind: "slack", values: ["token": "xoxb-oops"], environment: env)
        #expect(throws: PlatformSetupError.secretInConfig(kind: "slack", key: "token", instead: "tokenEnv")) {
            try settings.validateKeys(["channel", "tokenEnv"])
        }
        let error = PlatformSetupError.secretInConfig(kind: "slack", key: "token", instead: "tokenEnv")
        #expect(!error.description.contains("xoxb-oops"))
    }

    @Test func typosAndBadValuesAreNamed() {
        let settings = PlatformSettings(kind: "slack", values: ["chanel": "C1", "baseURL": "ftp://x", "firstStart": "yesterday"], environment: [:])
        #expect(throws: PlatformSetupError.unknownSetting(kind: "slack", key: "chanel", known: ["baseURL", "channel", "firstStart", "pollSeconds"])) {
            try settings.validateKeys(["channel"])
        }
        #expect(throws: PlatformSetupError.self) { try settings.url(default: "https://slack.com/api", hint: "") }
        #expect(throws: PlatformSetupError.self) { try settings.readsBacklog() }
        #expect(throws: PlatformSetupError.missingSetting(kind: "slack", key: "channel", hint: "the channel id")) {
            try settings.required("channel", hint: "the channel id")
        }
    }
}

@Suite struct PartsLedgerTests {
    @Test func aRetryAfterAFailurePartWaySendsOnlyTheRest() async throws {
        let ledger = PartsLedger()
        let sent = Sent()
        let parts = ["one", "two", "three"]
        await #expect(throws: TransportError.temporary(reason: "boom")) {
            _ = try await ledger.deliver(parts, key: "k") { index, part throws(TransportError) in
                if index == 1 { throw .temporary(reason: "boom") }
                await sent.add(part)
                return "id-\(index)"
            }
        }
        let first = try await ledger.deliver(parts, key: "k") { index, part throws(TransportError) in
            await sent.add(part)
            return "id-\(index)"
        }
        #expect(first == "id-0")
        #expect(await sent.parts == ["one", "two", "three"])
    }

    @Test("a split message's parts are keyed one way on every platform: the key, then .2, .3 and so on")
    func partKeys() {
        #expect((0..<4).map { PartsLedger.partKey("inst-o7", $0) } == ["inst-o7", "inst-o7.2", "inst-o7.3", "inst-o7.4"])
    }

    actor Sent {
        var parts: [String] = []
        func add(_ part: String) { parts.append(part) }
    }
}

@Suite struct PlatformRegistryTests: AdapterTestSuite {
    /// The README's platform table (`| kind | reads | …`), `kind` → what its "reads" column says ("send-only" for
    /// the webhooks).
    static func readmeReads() throws -> [String: String] {
        let readme = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex { $0.hasPrefix("| kind | reads |") }, "the README's platform table")
        var reads: [String: String] = [:]
        for line in lines[(header + 2)...].prefix(while: { $0.hasPrefix("|") }) {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            reads[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        return reads
    }

    @Test("every registered platform builds from its example config, two-way exactly where the README says it reads")
    func everyEntryBuildsFromItsExampleWithTheREADMEsTwoWayness() throws {
        let reads = try Self.readmeReads()
        #expect(Set(reads.keys) == Set(Platforms.kinds), "the README's table lists every platform, and only those")
        #expect(Set(reads.filter { $0.value == "send-only" }.keys) == ["slack-webhook", "teams-workflow", "google-chat"])
        for entry in Platforms.all {
            let config = try JSONSerialization.jsonObject(
                with: Data(contentsOf: Fixtures.projectRoot.appendingPathComponent("Config/examples/\(entry.kind).json"))) as? [String: Any]
            let settings = (config?["transport"] as? [String: Any])?["settings"] as? [String: String] ?? [:]
            // Every variable the example names holds something a setting of that kind accepts (a URL does for all).
            let environment = Dictionary(uniqueKeysWithValues: settings.filter { $0.key.hasSuffix("Env") }
                .map { ($0.value, "https://hooks.example.com/secret") })
            let (setup, transport) = try Self.example(entry.kind, environment: environment)
            #expect(setup.config.transport.kind == entry.kind)
            #expect(transport.name == entry.kind)
            let sendOnly = reads[entry.kind] == "send-only"
            #expect((transport is any PollingTransport) == !sendOnly, "\(entry.kind): the README says it \(sendOnly ? "only posts" : "reads")")
        }
    }
}

@Suite(.stopsServers) struct MultipartFormTests: AdapterTestSuite {
    @Test func aServerReadsBackEveryFieldAndTheFileByteForByte() async throws {
        let server = try await FakeServer { _ in Reply(status: 200) }
        let form = MultipartForm([
            .field(name: "chat_id", value: "1002"), .typed(name: "payload_json", contentType: "application/json", value: Data("{}".utf8)),
            .file(name: "document", Self.reportFile),
        ])
        var request = WebRequest(method: "POST", url: server.baseURL.appending(segments: "upload"), label: "test upload")
        (request.headers["Content-Type"], request.body) = form.encoded()
        _ = try await HTTPWebClient().send(request)
        let received = try #require(server.requests.first)
        #expect(received.multipart.map(\.name) == ["chat_id", "payload_json", "document"])
        #expect(received.part("chat_id")?.text == "1002")
        #expect(received.part("payload_json")?.contentType == "application/json")
        #expect(received.part("document")?.filename == Self.reportFile.filename)
        #expect(received.part("document")?.contentType == "text/html; charset=utf-8")
        #expect(received.part("document")?.body == Self.reportFile.bytes)
    }

    @Test func theBoundaryNeverOccursInAPartAndIsTheSameForTheSameParts() {
        let plain = MultipartForm([.field(name: "a", value: "b")]).encoded()
        #expect(plain.contentType == "multipart/form-data; boundary=\(MultipartForm.boundaryStem)")
        // The report holds the stem (see `reportFile`), so the boundary moves on.
        let clash = MultipartForm([.file(name: "f", Self.reportFile)]).encoded()
        #expect(clash.contentType == "multipart/form-data; boundary=\(MultipartForm.boundaryStem)-1")
        #expect(MultipartForm([.file(name: "f", Self.reportFile)]).encoded().body == clash.body)
    }

    @Test func namesAreQuotedSafelyAndAFilenameThatIsNotASCIIIsAlsoGivenInUTF8() {
        #expect(MultipartForm.quoted("a\"b\\c\r\nd") == "\"a\\\"b\\\\c  d\"")
        #expect(MultipartForm.filenameParameters("report.html") == "filename=\"report.html\"")
        #expect(MultipartForm.filenameParameters("Zoë.html") == "filename=\"Zo_.html\"; filename*=UTF-8''Zo%C3%AB.html")
    }
}
