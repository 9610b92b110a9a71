import CoachChat
import Foundation

/// One HTTP call to a platform, described without any platform's wire details.
public struct WebRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// How long to wait for the whole answer; a long-poll's own wait plus a margin.
    public var timeout: Duration
    /// What the call is, for errors and logs: "slack conversations.history". Never the URL, which may hold a token
    /// (Telegram puts it in the path).
    public var label: String

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil,
        timeout: Duration = .seconds(30), label: String)
    {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.label = label
    }

    /// A JSON body, with its content type set.
    public static func json(_ method: String = "POST", url: URL, headers: [String: String] = [:], body: some Encodable,
        timeout: Duration = .seconds(30), label: String) -> WebRequest
    {
        var request = WebRequest(method: method, url: url, headers: headers, timeout: timeout, label: label)
        request.headers["Content-Type"] = "application/json; charset=utf-8"
        request.body = try? JSONEncoder.platform.encode(body)
        return request
    }

    /// A form body (`a=1&b=2`), as Zulip and Telegram accept.
    public static func form(_ method: String = "POST", url: URL, headers: [String: String] = [:], fields: [(String, String)],
        timeout: Duration = .seconds(30), label: String) -> WebRequest
    {
        var request = WebRequest(method: method, url: url, headers: headers, timeout: timeout, label: label)
        request.headers["Content-Type"] = "application/x-www-form-urlencoded"
        request.body = Data(formEncode(fields).utf8)
        return request
    }

    /// `application/x-www-form-urlencoded`, strictly: everything but unreserved characters is percent-encoded.
    public static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    public static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension URL {
    /// This URL with query items appended, each value percent-encoded strictly (a `+` in a Slack ts or a JSON
    /// filter must survive).
    public func adding(query items: [(String, String)]) -> URL {
        guard !items.isEmpty else { return self }
        let separator = absoluteString.contains("?") ? "&" : "?"
        return URL(string: absoluteString + separator + WebRequest.formEncode(items)) ?? self
    }

    /// This URL with a path appended, each segment percent-encoded (Matrix room ids hold `!` and `:`).
    public func appending(segments: String...) -> URL {
        appending(segments: segments)
    }

    /// This URL with a path appended, each segment percent-encoded; a segment holding `/` is several segments.
    public func appending(segments: [String]) -> URL {
        guard !segments.isEmpty else { return self }
        var text = absoluteString
        if text.hasSuffix("/") { text.removeLast() }
        for segment in segments {
            for part in segment.split(separator: "/", omittingEmptySubsequences: true) {
                text += "/" + WebRequest.percentEncode(String(part))
            }
        }
        return URL(string: text) ?? self
    }
}

extension JSONEncoder {
    /// Platforms read keys as given and do not want `\/` escapes in URLs.
    public static var platform: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}

/// A platform's answer: status, headers (names lowercased) and body.
public struct WebResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
    /// Masks the secrets of the call this answers wherever the answer is quoted; set by `PlatformClient.send`.
    public var redactor: Redactor = .none

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as text, shortened for an error message: masked first, then cut (a cut first could leave the start
    /// of a secret the mask no longer recognises), on one line.
    public var bodyExcerpt: String {
        let text = redactor(String(decoding: body.prefix(Self.scannedForExcerpt), as: UTF8.self))
        let cut = String(decoding: Array(text.utf8).prefix(300), as: UTF8.self)
        let line = String(cut.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
        return line.trimmingCharacters(in: .whitespaces)
    }

    /// How much of a body is read for an excerpt: enough that masking what it holds never shortens it below the
    /// excerpt's length.
    static let scannedForExcerpt = 65_536

    /// Text taken from the answer (a field of its JSON), with the call's secrets masked.
    public func quoting(_ text: String) -> String { redactor(text) }
}

/// Sends HTTP calls. The live one is `HTTPWebClient`; tests point the same adapters at local fake servers.
public protocol WebClient: Sendable {
    func send(_ request: WebRequest) async throws(TransportError) -> WebResponse
}

