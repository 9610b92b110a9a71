import CoachChat
@testable import CoachPlatforms
import CoachRuntime
import CoachTestSupport
import Foundation
import Logging
import Testing

/// The forms a secret takes when something quotes it, and the log handler that masks them in every line.
@Suite("Redactor")
struct RedactorTests {
    static let token = Redactor.Secret(value: "xoxb-1234-abcd", name: "SLACK_BOT_TOKEN")
    static let password = Redactor.Secret(value: "pa\"ss/wö rd+&=", name: "MATRIX_PASSWORD")

    @Test("a secret is masked as typed, inside JSON (any escaping), URL-encoded (either case, + for spaces) and double-escaped")
    func forms() throws {
        let redactor = Redactor(secrets: [Self.token, Self.password])
        let password = Self.password.value
        let json = String(decoding: try JSONEncoder().encode([password]), as: UTF8.self)  // escapes "/" as "\/"
        let ascii = String(decoding: try JSONSerialization.data(withJSONObject: [password]), as: UTF8.self)
        let doubled = String(decoding: try JSONEncoder().encode([json]), as: UTF8.self)
        let strict = WebRequest.percentEncode(password)
        let quoted = [
            "Authorization: Bearer xoxb-1234-abcd", json, ascii, doubled, strict, strict.lowercased(),
            strict.replacingOccurrences(of: "%20", with: "+"), password.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!,
            #"{"pw":"pa\"ss\/w\u00f6 rd+&="}"#, #"{"pw":"pa\"ss\/w\u00F6 rd+&="}"#,
        ]
        for text in quoted {
            let masked = redactor(text)
            #expect(!masked.contains("1234-abcd") && !masked.contains("rd+&") && !masked.contains("rd%2B") && !masked.contains("rd%2b"),
                "\(text) → \(masked)")
            #expect(masked.contains("[redacted "), "\(text) → \(masked)")
        }
        #expect(redactor("token xoxb-1234-abcd.") == "token [redacted SLACK_BOT_TOKEN].")
        #expect(redactor("nothing secret here") == "nothing secret here")
        #expect(Redactor.none("xoxb-1234-abcd") == "xoxb-1234-abcd")
    }

    @Test("a key inside a basic credential is masked wherever the user name puts it in base64's groups")
    func basicCredentials() {
        let key = Redactor.Secret(value: "PLANTEDzulipKey0123456789", name: "ZULIP_API_KEY")
        let redactor = Redactor(secrets: [key])
        for email in ["a@b.c", "ab@b.c", "abc@b.c"] {
            let header = "Basic " + Data("\(email):\(key.value)".utf8).base64EncodedString()
            let masked = redactor(header)
            #expect(masked.contains("[redacted ZULIP_API_KEY]"), "\(email): \(masked)")
            // What is left around the mask is the email and at most two characters of each of the key's ends.
            let left = masked.replacingOccurrences(of: "Basic ", with: "").replacingOccurrences(of: "[redacted ZULIP_API_KEY]", with: "")
            #expect(left.count <= 16, "\(email): \(masked)")
        }
    }

    @Test("a webhook URL is masked whole, by its path alone and by each long query value; short values stay readable")
    func webhookPieces() {
        let url = "https://prod.logic.example/workflows/f1a2b3c4d5e6/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE0123456789"
        let redactor = Redactor(secrets: [.init(value: url, name: "TEAMS_WEBHOOK_URL")])
        let mask = "[redacted TEAMS_WEBHOOK_URL]"
        #expect(redactor("posting to \(url) failed") == "posting to \(mask) failed")
        #expect(redactor("POST /workflows/f1a2b3c4d5e6/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE0123456789&x=1 HTTP/1.1")
            == "POST \(mask)&x=1 HTTP/1.1")
        #expect(!redactor("the signature SiGnAtUrE0123456789 was refused").contains("SiGnAtUrE"))
        #expect(redactor("api-version 2016-06-01 is current") == "api-version 2016-06-01 is current")
        #expect(!redactor(#"{"url":"https:\/\/prod.logic.example\/workflows\/f1a2b3c4d5e6"}"#).contains("f1a2b3c4d5e6"))
    }

    @Test("the longest form wins, masks are never read again, and a mask right after a JSON backslash keeps the JSON valid")
    func scanning() throws {
        let url = Redactor.Secret(value: "https://hooks.example/services/T000/B000/XXXXXXXXXXXX", name: "SLACK_WEBHOOK_URL")
        let short = Redactor.Secret(value: "red", name: "SHORT")
        let redactor = Redactor(secrets: [url, short])
        #expect(redactor(url.value) == "[redacted SLACK_WEBHOOK_URL]")
        #expect(redactor("red") == "[redacted SHORT]")
        let secret = Redactor.Secret(value: "nPLANTED", name: "P")
        let masked = Redactor(secrets: [secret])(#"{"text":"line one\nPLANTED and \\nPLANTED"}"#)
        let decoded = try JSONSerialization.jsonObject(with: Data(masked.utf8)) as? [String: String]
        #expect(decoded?["text"]?.contains("PLANTED") == false, "\(masked)")
    }

    @Test("an answer's excerpt is masked before it is cut, and fits on one line")
    func excerpt() {
        let secret = Redactor.Secret(value: "PLANTED-" + String(repeating: "s", count: 40), name: "TOKEN")
        var response = WebResponse(status: 500, body: Data((String(repeating: "a", count: 290) + "\n" + secret.value).utf8))
        #expect(response.bodyExcerpt.contains("PLANTED"), "without a redactor the cut leaves the secret's start")
        response.redactor = Redactor(secrets: [secret])
        #expect(!response.bodyExcerpt.contains("PLANT"))
        #expect(response.bodyExcerpt.hasSuffix(" [redacted"))
        #expect(!response.bodyExcerpt.contains("\n"))
    }

    @Test("the log handler masks the message, every kind of metadata, the provider's, the logger's own and an error")
    func logHandler() {
        let log = LogRecorder()
        let secret = Self.token.value
        var logger = log.logger(level: .trace).redacting(with: Redactor(secrets: [Self.token]))
        logger[metadataKey: "own"] = "\(secret)"
        struct Described: CustomStringConvertible, Sendable { var description: String }
        struct Failure: Error, CustomStringConvertible { var description: String }
        for level in Logger.Level.allCases {
            logger.log(level: level, "call with \(secret)", metadata: [
                "string": "\(secret)", "convertible": .stringConvertible(Described(description: secret)),
                "nested": ["list": ["\(secret)"], "map": ["k": "\(secret)"]],
            ])
        }
        logger.handler.log(event: LogEvent(level: .error, message: "failed", error: Failure(description: "refused \(secret)"),
            metadata: nil, source: nil, file: #fileID, function: #function, line: #line))
        #expect(log.all.count == Logger.Level.allCases.count + 1)
        #expect(!log.text.contains("1234-abcd"), "\(log.text)")
        #expect(log.text.contains("call with [redacted SLACK_BOT_TOKEN]"))
        #expect(log.text.contains("own=[redacted SLACK_BOT_TOKEN]"))
    }

    @Test("wrapping a redacting handler again keeps one layer with both redactors' secrets")
    func wrappingTwice() {
        let log = LogRecorder()
        let once = log.logger(level: .info).redacting(with: Redactor(secrets: [Self.token]))
        let twice = once.redacting(with: Redactor(secrets: [Self.password]))
        twice.info("\(Self.token.value) \(Self.password.value)")
        #expect(log.all == ["info: [redacted SLACK_BOT_TOKEN] [redacted MATRIX_PASSWORD] "])
        #expect((twice.handler as? RedactingLogHandler)?.redactor.secrets.count == 2)
    }
}
