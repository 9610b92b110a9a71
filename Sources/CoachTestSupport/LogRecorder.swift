import Foundation
import Logging
import Synchronization

/// Keeps every log line it is given, as "level: message key=value …", so a test can check what the operator reads
/// (a warning said, a failure not said, a secret never written).
public final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    public var all: [String] { lines.withLock { $0 } }

    /// Every line, one after another: for searching all of it at once.
    public var text: String { all.joined(separator: "\n") }

    /// A logger writing here, at `level` and above.
    public func logger(level: Logger.Level = .trace) -> Logger {
        Logger(label: "test") { _ in Handler(sink: self, logLevel: level) }
    }

    /// At every level.
    public var logger: Logger { logger() }

    struct Handler: LogHandler {
        let sink: LogRecorder
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?

        init(sink: LogRecorder, logLevel: Logger.Level) {
            self.sink = sink
            self.logLevel = logLevel
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        /// The handler's metadata, the provider's and the event's, and the error: everything a real handler could
        /// print, so a test that searches the lines searches all of it.
        func log(event: LogEvent) {
            var all = metadata
            if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
            if let explicit = event.metadata { all.merge(explicit) { $1 } }
            let extra = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let error = event.error.map { " error=\($0)" } ?? ""
            sink.lines.withLock { $0.append("\(event.level): \(event.message) \(extra)\(error)") }
        }
    }
}
