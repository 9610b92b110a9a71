import CoachChat
import CoachCore
@testable import CoachPlatforms
import CoachRuntime
import Foundation
import Logging
import Testing

/// Secrets planted in a deployment's environment, and the search for them in whatever the bot wrote.
///
/// Every value holds `PLANTED` and a tail of its own, so a search for those finds the secret however it was
/// quoted (as typed, JSON-escaped, URL-encoded) or cut; base64 is searched for separately. The needles are worked
/// out here independently of the redactor, with Foundation's own encoders.
enum Planted {
    static let marker = "PLANTED"
    static let slackToken = "xoxb-PLANTED-slk-Qa7f3a9c01"
    static let mattermostToken = "mmPLANTEDmattermostQb41d8e2"
    static let discordToken = "ODk2.PLANTED-discord_tok.Qc9e1x"
    static let telegramToken = "123456:PLANTED-telegram_Qd5b7y"
    static let zulipKey = "PLANTEDzulipKeyQe0123456789"
    static let zulipEmail = "coach-bot@example.org"
    static let matrixToken = "syt_PLANTED_matrix_Qf3c2z"
    /// A password with what JSON and URLs escape: a quote, a slash, a space, a non-ASCII letter, `+`, `&`, `=`.
    static let matrixPassword = "PLANTED-pw\"/ wörd+&=Qg8h2matrix"

    static func slackWebhook(_ base: URL) -> String {
        base.absoluteString + "/services/T0PLANTED/B0PLANTED/PLANTEDslackHookQh24chars"
    }

    static func teamsWebhook(_ base: URL) -> String {
        base.absoluteString + "/workflows/PLANTEDflowQi77wf/triggers/manual/paths/invoke"
            + "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=PLANTEDteamsSigQj0123abcd"
    }

    static func googleWebhook(_ base: URL) -> String {
        base.absoluteString + "/v1/spaces/AAAAPLANTED/messages?key=PLANTEDgoogleKeyQk01gk&token=PLANTEDgoogleTokQl%3D09"
    }

    /// Every planted secret, by the variable each platform reads by default; the webhooks point at `base`.
    static func environment(webhooksAt base: URL) -> [String: String] {
        [
            "SLACK_BOT_TOKEN": slackToken, "MATTERMOST_TOKEN": mattermostToken, "DISCORD_BOT_TOKEN": discordToken,
            "TELEGRAM_BOT_TOKEN": telegramToken, "ZULIP_API_KEY": zulipKey, "MATRIX_ACCESS_TOKEN": matrixToken,
            "MATRIX_PASSWORD": matrixPassword, "SLACK_WEBHOOK_URL": slackWebhook(base),
            "TEAMS_WEBHOOK_URL": teamsWebhook(base), "GOOGLE_CHAT_WEBHOOK_URL": googleWebhook(base),
        ]
    }

    static let values = [slackToken, mattermostToken, discordToken, telegramToken, zulipKey, matrixToken, matrixPassword]
    /// The tails after the marker: what is left of a secret cut just after `PLANTED`, or quoted without it.
    static let tails = ["Qa7f3a9c01", "Qb41d8e2", "Qc9e1x", "Qd5b7y", "Qe0123456789", "Qf3c2z", "Qg8h2matrix",
        "Qh24chars", "Qi77wf", "Qj0123abcd", "Qk01gk", "Ql%3D09", "Ql=09"]

    /// Base64 that carries a secret: Zulip's basic credential whole, and every secret's aligned runs.
    static let base64Needles: [String] = {
        var needles = [Data("\(zulipEmail):\(zulipKey)".utf8).base64EncodedString()]
        for value in values {
            let bytes = Array(value.utf8)
            for skip in 0..<3 {
                let aligned = Array(bytes.dropFirst(skip))
                let whole = aligned.count / 3 * 3
                needles.append(Data(aligned.prefix(whole)).base64EncodedString())
            }
        }
        return needles.filter { $0.count >= 8 }
    }()

    /// The planted secrets' traces in `text`, described; empty when there are none.
    static func leaks(in text: String) -> [String] {
        let needles: [String] = [marker, marker.lowercased()] + tails + base64Needles
        var found: [String] = []
        for needle in needles {
            guard let range = text.range(of: needle) else { continue }
            let start = text.index(range.lowerBound, offsetBy: -60, limitedBy: text.startIndex) ?? text.startIndex
            let end = text.index(range.upperBound, offsetBy: 60, limitedBy: text.endIndex) ?? text.endIndex
            found.append("\"\(needle)\" in …\(text[start..<end])…")
        }
        return found
    }

    /// Records an issue for every trace of a planted secret in `text`, naming `what` it was.
    static func expectNone(in text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let leaks = leaks(in: text)
        #expect(leaks.isEmpty, "\(what) shows a planted secret: \(leaks.joined(separator: "; "))", sourceLocation: sourceLocation)
    }

    /// Every file under `folder`, as text, for the search.
    static func files(in folder: URL) -> [(name: String, text: String)] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        var files: [(String, String)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard let data = try? Data(contentsOf: url) else { continue }
            files.append((url.lastPathComponent, String(decoding: data, as: UTF8.self)))
        }
        return files
    }
}

/// A platform, proxy or gateway that answers every request with `status` and a body echoing the request: its line,
/// every header and the body, as plain text, inside JSON error fields every adapter reads (`error`, `message`,
/// `msg`, `description`), and URL-encoded. A 429 says to retry at once.
enum EchoingPlatform {
    static func echo(of request: Received) -> String {
        let query = request.query.isEmpty ? ""
            : "?" + WebRequest.formEncode(request.query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        var lines = ["\(request.method) \(request.path)\(query) HTTP/1.1"]
        lines += request.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        lines.append("")
        lines.append(request.text)
        return lines.joined(separator: "\n")
    }

    /// The echo as the body of an answer with `status`: JSON for `json`, else plain text.
    static func reply(to request: Received, status: Int, json: Bool) -> Reply {
        let echo = echo(of: request)
        let encoded = WebRequest.percentEncode(echo)
        let headers = status == 429 ? ["Retry-After": "0"] : [:]
        guard json else {
            return .text("upstream refused the request below\n\(echo)\nas sent: \(encoded)", status: status, headers: headers)
        }
        return .json([
            "ok": false, "result": "error", "error": echo, "message": echo, "msg": echo, "description": echo,
            "code": "ECHO", "request": encoded,
        ], status: status, headers: headers)
    }

    /// A server answering every request with `status`, alternating JSON and plain text.
    static func start(status: Int) async throws -> FakeServer {
        let count = Counter()
        return try await FakeServer { request in
            reply(to: request, status: status, json: await count.next() % 2 == 0)
        }
    }

    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }
}

