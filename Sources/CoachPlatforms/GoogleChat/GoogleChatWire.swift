import Foundation

/// What a Google Chat webhook takes and answers: `{"text": …}` in, the created message's `name` out.
enum GoogleChatWire {
    struct Post: Encodable {
        var text: String
    }

    /// `coach check`'s probe: an empty message, which a live webhook refuses, so nothing shows in the space.
    struct Empty: Encodable {}

    struct Created: Decodable {
        var name: String?
    }

    struct Failure: Decodable {
        var error: Detail?

        struct Detail: Decodable {
            var code: Int?
            var message: String?
            var status: String?
        }
    }

    static func body(_ text: String) -> Data? {
        try? JSONEncoder.platform.encode(Post(text: text))
    }
}
