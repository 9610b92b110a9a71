import Foundation

/// What a Slack incoming webhook takes: `{"text": …}`. It answers `ok`, or a plain-text code (`no_text`,
/// `invalid_payload`, `channel_not_found`…) with the status.
enum SlackWebhookWire {
    struct Post: Encodable {
        var text: String
    }

    /// `coach check`'s probe: no text, which a live webhook refuses, so nothing shows.
    struct Empty: Encodable {}
}
