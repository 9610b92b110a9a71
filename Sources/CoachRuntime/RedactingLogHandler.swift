import CoachChat
import Foundation
import Logging

/// A log handler that masks the deployment's secrets in every line before the handler it wraps writes it: the
/// message, every metadata value (the logger's own, its provider's and the call's), and an attached error.
///
/// The builder installs it on the logger every part of the bot logs through, swift-service-lifecycle's included,
/// so a secret that slipped into a description or an error reason is masked whatever the log level. It owns the
/// metadata and the metadata provider, so nothing reaches the wrapped handler unmasked.
public struct RedactingLogHandler: LogHandler {
    private var wrapped: any LogHandler
    public let redactor: Redactor
    public var metadata: Logger.Metadata
    public var metadataProvider: Logger.MetadataProvider?

    /// Wraps `handler`, taking over its metadata. Wrapping a redacting handler again keeps one layer with the
    /// secrets of both.
    public init(wrapping handler: any LogHandler, redactor: Redactor) {
        var inner = handler
        var secrets = redactor.secrets
        if let redacting = handler as? RedactingLogHandler {
            inner = redacting.wrapped
            secrets = redacting.redactor.secrets + secrets
            metadata = redacting.metadata
            metadataProvider = redacting.metadataProvider
        } else {
            metadata = inner.metadata
            metadataProvider = inner.metadataProvider
            inner.metadata = [:]
            if inner.metadataProvider != nil { inner.metadataProvider = nil }
        }
        wrapped = inner
        self.redactor = Redactor(secrets: secrets)
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit = event.metadata { all.merge(explicit) { _, new in new } }
        event.metadata = all.isEmpty ? nil : all.mapValues(redact)
        event.message = "\(redactor(event.message.description))"
        if let error = event.error { event.error = RedactedError(description: redactor(String(describing: error))) }
        wrapped.log(event: event)
    }

    private func redact(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(redactor(text))
        case .stringConvertible(let convertible): .string(redactor(convertible.description))
        case .dictionary(let dictionary): .dictionary(dictionary.mapValues(redact))
        case .array(let array): .array(array.map(redact))
        }
    }
}

/// An error as it is logged once its secrets are masked.
struct RedactedError: Error, CustomStringConvertible {
    var description: String
}

extension Logger {
    /// This logger with every line masked by `redactor` (see `RedactingLogHandler`).
    public func redacting(with redactor: Redactor) -> Logger {
        var logger = self
        logger.handler = RedactingLogHandler(wrapping: handler, redactor: redactor)
        return logger
    }
}
