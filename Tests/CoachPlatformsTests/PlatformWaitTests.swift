import CoachChat
@testable import CoachPlatforms
import Foundation
import Logging
import Testing

/// A platform's rate-limit signal is data from the network: an absurd or malformed wait must not crash the bot
/// (converting it to a whole number of milliseconds used to trap) nor park it for ever.
@Suite struct PlatformWaitTests {
    static let context = PlatformContext(web: HTTPWebClient(), logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }, botName: "coach")
    static let day = Duration.seconds(86_400)

    static func json(_ object: [String: Any], status: Int = 429, headers: [String: String] = [:]) -> WebResponse {
        WebResponse(status: status, headers: headers, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }

    @Test func theSharedReadingRoundsUpCapsAndRefusesNonsense() {
        #expect(Duration.platformWait(seconds: 1.5) == .milliseconds(1500))
        #expect(Duration.platformWait(seconds: 0.0004) == .milliseconds(1))
        #expect(Duration.platformWait(seconds: 1e300) == Self.day)
        #expect(Duration.platformWait(seconds: -1) == nil)
        #expect(Duration.platformWait(seconds: .nan) == nil)
        #expect(Duration.platformWait(seconds: .infinity) == nil)
        #expect(WebResponse(status: 429, headers: ["Retry-After": "1e300"]).retryAfterHeader() == Self.day)
        #expect(WebResponse(status: 429, headers: ["Retry-After": "1e300"]).failure("x") == .rateLimited(retryAfter: Self.day))
    }

    @Test func telegramCapsAHugeRetryAfter() async throws {
        let transport = try TelegramTransport(
            settings: PlatformSettings(kind: "telegram", values: ["chat": "-100"], environment: ["TELEGRAM_BOT_TOKEN": "1:x"]), context: Self.context)
        let response = Self.json(["ok": false, "error_code": 429, "description": "Too Many Requests", "parameters": ["retry_after": 1e300]])
        #expect(await transport.client.failure(response, "telegram getUpdates") == .rateLimited(retryAfter: Self.day))
    }

    @Test func zulipCapsAHugeRetryAfter() throws {
        let transport = try ZulipTransport(
            settings: PlatformSettings(kind: "zulip", values: ["baseURL": "https://z.example", "stream": "cs", "email": "bot@x"],
                environment: ["ZULIP_API_KEY": "k"]), context: Self.context)
        let response = Self.json(["result": "error", "msg": "API usage exceeded rate limit", "code": "RATE_LIMIT_HIT", "retry-after": 1e300])
        #expect(transport.client.failure(response, "zulip events") == .rateLimited(retryAfter: Self.day))
    }

    @Test func discordCapsAHugeRetryAfter() throws {
        let transport = try DiscordTransport(
            settings: PlatformSettings(kind: "discord", values: ["channel": "123"], environment: ["DISCORD_BOT_TOKEN": "t"]), context: Self.context)
        let response = Self.json(["message": "You are being rate limited.", "retry_after": 1e300, "global": false])
        #expect(transport.client.failure(response, "discord channel messages", for: .channel) == .rateLimited(retryAfter: Self.day))
    }

    @Test func mattermostReadsOnlyAUsableRateLimitReset() throws {
        let transport = try MattermostTransport(
            settings: PlatformSettings(kind: "mattermost", values: ["baseURL": "https://mm.example", "channel": "c1"],
                environment: ["MATTERMOST_TOKEN": "t"]), context: Self.context)
        let huge = WebResponse(status: 429, headers: ["X-Ratelimit-Reset": "1e300"])
        #expect(transport.client.failure(huge, "mattermost channel posts") == .rateLimited(retryAfter: Self.day))
        let nonsense = WebResponse(status: 429, headers: ["X-Ratelimit-Reset": "nan"])
        #expect(transport.client.failure(nonsense, "mattermost channel posts") == .rateLimited(retryAfter: .seconds(60)))
    }
}
