import Mustache

/// Every text the bot says, compiled from the Mustache templates in `Prompts/`.
///
/// Values are escaped for the platform's markup as they are substituted (`{{name}}`), so user text is always data:
/// it is never parsed as a template and can never ping a channel. Templates are given as text, so this type reads
/// no files; the runtime loads them.
public struct PromptBook: Sendable {
    public let markup: Markup
    let library: MustacheLibrary
    /// Per-command usage, summary and example, from `Prompts/commands.json`.
    public let commandHelp: [String: CommandHelp]

    public struct CommandHelp: Codable, Sendable, Equatable {
        public var usage: String
        public var summary: String
        public var example: String
        public var admin: Bool?
    }

    /// The templates the engine renders; a deployment missing one fails at start, not on a Friday.
    public static let requiredTemplates = [
        "intro", "help", "help-command", "usage", "unknown-command", "not-understood", "admin-only", "not-found",
        "status", "principles", "principle", "rate-prompt", "rate-ack", "scores", "example-ack", "examples",
        "example-edited", "example-deleted", "not-yours", "goal-added", "goal-updated", "goal-action", "goal-closed",
        "goals", "followup-opened", "followups", "followup-fixed", "idea-ack", "ideas", "means-ack", "definitions",
        "away-ack", "back-ack", "programme", "programme-changed", "programme-started", "paused", "resumed", "skipped",
        "announcement", "reminder", "nudge-example", "nudge-goal", "nudge-goal-action", "nudge-followup", "summary",
        "programme-finished", "rerate-reminder", "before-after", "cycle-started", "late-note", "weekday", "duplicate-principle",
    ]

    public init(markup: Markup, templates: [String: String], commandHelpJSON: [UInt8]) throws(ConfigError) {
        self.markup = markup
        Self.registerContentTypes()
        var library = MustacheLibrary()
        for (name, text) in templates {
            do {
                // On a line of its own, so a section tag on the template's first line stays standalone.
                try library.register("{{% CONTENT_TYPE: \(Self.contentTypeName(markup))}}\n" + text, named: name)
            } catch {
                throw .invalidTemplate(name: name, reason: String(describing: error))
            }
        }
        for name in Self.requiredTemplates where templates[name] == nil {
            throw .invalidTemplate(name: name, reason: "the file is missing")
        }
        self.library = library
        do {
            commandHelp = try JSONCoding.decoder.decode([String: CommandHelp].self, from: Data(commandHelpJSON))
        } catch {
            throw .invalidTemplate(name: "commands.json", reason: JSONCoding.describe(error))
        }
        for name in CommandParser.commandNames where commandHelp[name] == nil {
            throw .invalidTemplate(name: "commands.json", reason: "it has no entry for the command \"\(name)\"")
        }
    }

    /// Renders a template; `context` values of type String are user or catalogue text and get escaped.
    public func render(_ name: String, _ context: [String: Any]) -> String {
        let text = library.render(RenderContext(context), withTemplate: name) ?? ""
        return Self.tidy(text)
    }

    /// A context node Mustache reads through `MustacheParent`. A plain class conforms directly, where a dictionary
    /// conforms only conditionally; that cast, repeated for every tag, was the largest cost of a reply.
    final class RenderContext: MustacheParent {
        let values: [String: Any]

        init(_ values: [String: Any]) {
            self.values = values.mapValues(Self.wrap)
        }

        static func wrap(_ value: Any) -> Any {
            if let dictionary = value as? [String: Any] { return RenderContext(dictionary) }
            if let rows = value as? [[String: Any]] { return rows.map(RenderContext.init) }
            return value
        }

        func child(named name: String) -> Any? { values[name] }
    }

    /// Collapses the blank lines that empty sections leave, so templates can be written for reading.
    static func tidy(_ text: String) -> String {
        // Most renders only need their leading newlines dropped; checking is far cheaper than splitting into lines.
        let body = text.drop { $0 == "\n" }
        if !needsTidying(body.utf8) { return String(body) }
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            var kept = line
            while kept.last == " " { kept = kept.dropLast() }
            lines.append(kept)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Whether text has a trailing space on a line, more than one blank line in a row, or a trailing newline.
    /// One pass over the bytes: Foundation's substring search was a measurable share of every reply.
    static func needsTidying(_ bytes: Substring.UTF8View) -> Bool {
        var newlines = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if previous == UInt8(ascii: " ") { return true }
                newlines += 1
                if newlines >= 3 { return true }
            } else {
                newlines = 0
            }
            previous = byte
        }
        return previous == UInt8(ascii: "\n") || previous == UInt8(ascii: " ")
    }

    static func contentTypeName(_ markup: Markup) -> String { "coach-\(markup.rawValue)" }

    struct Escaper: MustacheContentType {
        let markup: Markup
        func escapeText(_ text: String) -> String { markup.escape(text) }
    }

    static func registerContentTypes() {
        for markup in Markup.allCases {
            MustacheContentTypes.register(Escaper(markup: markup), named: contentTypeName(markup))
        }
    }
}

import Foundation
