import Foundation

extension OutboundMessage {
    /// A file a queued message carries, as a request: the runtime makes the file when it sends the message, so the
    /// outbox holds a few bytes instead of the file, and the file shows the programme as it stands when it goes out.
    public enum Attachment: Codable, Sendable, Equatable {
        /// The programme's report (`coach report` writes the same one on the server).
        case programmeReport(format: ReportFormat)

        /// The forms a report file takes.
        public enum ReportFormat: String, Codable, Sendable, CaseIterable {
            /// One self-contained page to open in a browser.
            case html
        }

        /// Every attachment there is, for the journal's tests and `coach check`'s samples.
        public static var all: [Attachment] { ReportFormat.allCases.map { .programmeReport(format: $0) } }

        // One string, `programmeReport:html`, as `Destination` is journalled: the switch has no `default`, so an
        // attachment added without its journal form does not compile.
        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            let prefix = "programmeReport:"
            guard text.hasPrefix(prefix), let format = ReportFormat(rawValue: String(text.dropFirst(prefix.count))) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown attachment \(text)"))
            }
            self = .programmeReport(format: format)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .programmeReport(let format): try c.encode("programmeReport:" + format.rawValue)
            }
        }
    }
}
