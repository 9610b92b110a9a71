import Foundation

/// What a Teams Workflows webhook takes: a message with Adaptive Card attachments.
enum TeamsWorkflowWire {
    /// `{"type":"message","attachments":[{"contentType":…,"contentUrl":null,"content":{AdaptiveCard}}]}`
    struct Payload: Encodable {
        var type = "message"
        var attachments: [Attachment]
    }

    struct Attachment: Encodable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        var content: Card

        enum CodingKeys: String, CodingKey { case contentType, contentUrl, content }

        // The documented envelope spells out `"contentUrl": null`; a synthesized encoder would leave it out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(contentType, forKey: .contentType)
            try container.encodeNil(forKey: .contentUrl)
            try container.encode(content, forKey: .content)
        }
    }

    struct Card: Encodable {
        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [TextBlock]

        enum CodingKeys: String, CodingKey {
            case schema = "$schema"
            case type, version, body
        }
    }

    struct TextBlock: Encodable {
        var type = "TextBlock"
        var text: String
        var wrap = true
        /// "Medium" after a blank line, so paragraphs stay apart.
        var spacing: String?
    }

    /// One card holding `text`, a TextBlock per line: a TextBlock's Markdown joins single newlines into one line
    /// (only list items keep them), so per-line blocks keep the message's layout on every Teams client.
    static func payload(_ text: String) -> Payload {
        var blocks: [TextBlock] = []
        var gap = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                gap = !blocks.isEmpty
                continue
            }
            blocks.append(TextBlock(text: String(line), spacing: gap ? "Medium" : nil))
            gap = false
        }
        if blocks.isEmpty { blocks.append(TextBlock(text: text)) }
        return Payload(attachments: [Attachment(content: Card(body: blocks))])
    }

    static func body(_ text: String) -> Data? {
        try? JSONEncoder.platform.encode(payload(text))
    }
}
