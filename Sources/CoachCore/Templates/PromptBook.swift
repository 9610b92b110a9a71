import Foundation
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
    /// Small-business reward ideas for the admins' monthly prompt, from `Prompts/reward-ideas.json`.
    public let rewardIdeas: [String]
    /// The partials each template includes, by template name: a partial is rendered within these.
    public let partials: [String: Set<String>]

    /// A command's wording; which commands exist, and who may use them, is declared with the commands themselves.
    public struct CommandHelp: Codable, Sendable, Equatable {
        public var usage: String
        public var summary: String
        public var example: String
    }

    /// The reward ideas file: `{"schema": 1, "ideas": ["…", …]}`.
    struct RewardIdeasFile: Decodable {
        var schema: Int
        var ideas: [String]
    }

    /// Compiles every template. A deployment missing a file, or with one that does not parse, fails here, at start.
    public init(
        markup: Markup, templates: [String: String], commandHelpJSON: [UInt8], rewardIdeasJSON: [UInt8]
    ) throws(ConfigError) {
        self.markup = markup
        // Before the library parses anything: it recurses once per section, and renders a partial loop forever.
        partials = try TemplateCheck.check(templates).mapValues { Set($0.includes.map(\.partial)) }
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
        for template in Template.allCases where templates[template.rawValue] == nil {
            throw .invalidTemplate(name: template.rawValue, reason: "the file is missing")
        }
        self.library = library
        do {
            commandHelp = try JSONCoding.decoder.decode([String: CommandHelp].self, from: Data(commandHelpJSON))
        } catch {
            throw .invalidTemplate(name: "commands.json", reason: JSONCoding.describe(error))
        }
        let commands = Set(CommandParser.commandNames)
        for name in commands.sorted() where commandHelp[name] == nil {
            throw .invalidTemplate(name: "commands.json", reason: "it has no entry for the command \"\(name)\"")
        }
        // A misspelt key would leave its command without wording and the entry unused: name it.
        for name in commandHelp.keys.sorted() where !commands.contains(name) {
            throw .invalidTemplate(
                name: "commands.json",
                reason: "it has an entry \"\(name)\", which is no command; the commands are \(commands.sorted().joined(separator: ", "))")
        }
        let file: RewardIdeasFile
        do {
            file = try JSONCoding.decoder.decode(RewardIdeasFile.self, from: Data(rewardIdeasJSON))
        } catch {
            throw .invalidRewardIdeas(reason: JSONCoding.describe(error))
        }
        guard file.schema <= 1 else {
            throw .invalidRewardIdeas(reason: "schema \(file.schema) is newer than this build reads (1)")
        }
        let ideas = file.ideas.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard !ideas.isEmpty, !ideas.contains(where: \.isEmpty) else {
            throw .invalidRewardIdeas(reason: "\"ideas\" must list at least one idea, and none may be empty")
        }
        rewardIdeas = ideas
    }

    /// Renders a view through its template. The view's strings are user or catalogue text and get escaped.
    public func render<View: MessageView>(_ view: View) -> String {
        render(View.template, tree: ViewEncoder.tree(view))
    }

    /// Renders a template from a tree the view encoder built.
    func render(_ template: Template, tree: Any) -> String {
        Self.tidy(library.render(tree, withTemplate: template.rawValue) ?? "")
    }

    /// A local day and time as people say it, e.g. "Monday 09:00". Day names come from the prompts folder's
    /// template so a translated deployment names days in its own language.
    public func dayAndTime(_ instant: Date, in calendar: TeamCalendar) -> String {
        let date = calendar.localDate(of: instant)
        let components = calendar.calendar.dateComponents([.hour, .minute], from: instant)
        let day = render(WeekdayView(weekday: calendar.weekday(of: date)))
        return String(format: "%@ %02d:%02d", day.isEmpty ? date.description : day, components.hour ?? 0, components.minute ?? 0)
    }

    /// A full local timestamp for transcripts and the console, e.g. "2027-01-04 Monday 09:00".
    public func timestamp(_ instant: Date, in calendar: TeamCalendar) -> String {
        "\(calendar.localDate(of: instant)) \(dayAndTime(instant, in: calendar))"
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
