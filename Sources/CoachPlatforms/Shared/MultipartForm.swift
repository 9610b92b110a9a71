import CoachChat
import Foundation

/// A `multipart/form-data` body (RFC 7578), written once for every platform that takes a file this way: Slack's
/// upload URL, Mattermost `/files`, Telegram `sendDocument`, Discord's `files[0]` with `payload_json`, Zulip
/// `/user_uploads`.
///
/// The boundary is chosen so it appears nowhere in the parts (a report quoting a member's words could hold any
/// text), and deterministically, so a request can be compared byte for byte in a test.
struct MultipartForm: Sendable {
    enum Part: Sendable {
        /// A text field, e.g. `chat_id`.
        case field(name: String, value: String)
        /// A field with its own content type, e.g. Discord's `payload_json` as `application/json`.
        case typed(name: String, contentType: String, value: Data)
        /// A file: the field's name (`document`, `files[0]`), the file's name, type and bytes.
        case file(name: String, FileAttachment)
    }

    var parts: [Part]

    init(_ parts: [Part]) {
        self.parts = parts
    }

    /// The body and the `Content-Type` header that names its boundary.
    func encoded() -> (contentType: String, body: Data) {
        let contents = parts.map(\.content)
        let headers = parts.map { Data($0.headers.utf8) }
        var boundary = Self.boundaryStem
        var attempt = 0
        // A boundary must not occur in any part; a collision is astronomically rare, but member text is arbitrary.
        while (contents + headers).contains(where: { $0.range(of: Data(boundary.utf8)) != nil }) {
            attempt += 1
            boundary = "\(Self.boundaryStem)-\(attempt)"
        }
        var body = Data()
        for (part, content) in zip(parts, contents) {
            body.append(Data("--\(boundary)\r\n".utf8))
            body.append(Data(part.headers.utf8))
            body.append(Data("\r\n".utf8))
            body.append(content)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    static let boundaryStem = "ServiceCoach-form-boundary-7c2e9a"

    /// A header parameter's value in quotes: quotes and backslashes escaped, line breaks (which would end the header)
    /// made spaces.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\r", "\n": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `filename="…"`, plus RFC 8187's `filename*=UTF-8''…` when the name is not plain ASCII, so every server reads
    /// the same name.
    static func filenameParameters(_ name: String) -> String {
        let plain = "filename=" + quoted(String(name.unicodeScalars.map { $0.isASCII ? Character($0) : "_" }))
        guard !name.unicodeScalars.allSatisfy(\.isASCII) else { return plain }
        return plain + "; filename*=UTF-8''" + WebRequest.percentEncode(name)
    }
}

extension MultipartForm.Part {
    var headers: String {
        switch self {
        case .field(let name, _):
            "Content-Disposition: form-data; name=\(MultipartForm.quoted(name))\r\n"
        case .typed(let name, let contentType, _):
            "Content-Disposition: form-data; name=\(MultipartForm.quoted(name))\r\nContent-Type: \(contentType)\r\n"
        case .file(let name, let file):
            "Content-Disposition: form-data; name=\(MultipartForm.quoted(name)); \(MultipartForm.filenameParameters(file.filename))\r\n"
                + "Content-Type: \(file.mimeType)\r\n"
        }
    }

    var content: Data {
        switch self {
        case .field(_, let value): Data(value.utf8)
        case .typed(_, _, let value): value
        case .file(_, let file): file.bytes
        }
    }
}
