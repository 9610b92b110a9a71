import Foundation

extension OutboundMessage {
    /// A file a queued message carries, as a request: the runtime makes the file when it sends the message, so the
    /// outbox holds a few bytes instead of the file, and the file shows the programme as it stands when it goes out.
    public enum Attachment: Codable, Sendable, Equatable {
        /// The programme's report (`coach report` writes the same one on the server).
        case programmeReport(format: ReportFormat)
        /// Everything the bot holds about one member, for that member (`mydata`; `coach export --member` writes the
        /// same document on the server). Made when sent, from the state as it then is.
        case memberData(memberID: String)

        /// The forms a report file takes.
        public enum ReportFormat: String, Codable, Sendable, CaseIterable {
            /// One self-contained page to open in a browser.
            case html
        }

        /// Every attachment there is, for the journal's tests and `coach check`'s samples.
        public static var all: [Attachment] {
            ReportFormat.allCases.map { .programmeReport(format: $0) } + [.memberData(memberID: "u1")]
        }

        /// As the journal writes it: `programmeReport:html`, `memberData:<member id>`.
        public var label: String {
            switch self {
            case .programmeReport(let format): "programmeReport:" + format.rawValue
            case .memberData(let memberID): "memberData:" + memberID
            }
        }

        // One string, as `Destination` is journalled: `label`'s switch has no `default`, so an attachment added
        // without its journal form does not compile.
        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            let report = "programmeReport:"
            let member = "memberData:"
            if text.hasPrefix(report), let format = ReportFormat(rawValue: String(text.dropFirst(report.count))) {
                self = .programmeReport(format: format)
            } else if text.hasPrefix(member), text.count > member.count {
                self = .memberData(memberID: String(text.dropFirst(member.count)))
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown attachment \(text)"))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(label)
        }
    }
}
