/// Why a config, catalogue or prompt could not be used. Each message names the problem and the fix.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// The config file is not JSON at all: the first place it breaks the grammar.
    case notJSON(line: Int, column: Int, problem: String)
    /// The config file is JSON, but not of the expected shape (a value of the wrong type, a missing field).
    case invalidJSON(reason: String)
    /// A key no part of coach reads: a typo, or a setting from another version. Refused rather than ignored,
    /// because an ignored `"admin"` leaves a team without admins and nobody notices until they need one.
    /// `section` is where it sits ("team", "members[1]", "the top level"); `known` is every key that section reads.
    case unknownField(field: String, suggestion: String?, section: String, known: [String])
    /// One field has a value the bot cannot use.
    case invalidField(field: String, value: String, fix: String)
    /// The principle catalogue is unreadable or inconsistent.
    case invalidCatalogue(reason: String)
    /// A message template does not parse, or one the bot needs is missing.
    case invalidTemplate(name: String, reason: String)
    /// Templates include each other in a loop: `files` from the first back to it, `lines` the include in each.
    /// Rendering one would never end (it crashed the bot on the first Friday, and again after every restart).
    case partialLoop(files: [String], lines: [Int])
    /// `Prompts/reward-ideas.json`, the admins' monthly reward ideas, is unreadable or lists none.
    case invalidRewardIdeas(reason: String)

    public var description: String {
        switch self {
        case .notJSON(let line, let column, let problem):
            "The config file is not valid JSON at line \(line), column \(column): \(problem)."
        case .invalidJSON(let reason):
            "The config file is not valid: \(reason). Compare it with Config/coach.json."
        case .unknownField(let field, let suggestion, let section, let known):
            "The config key \(field) is not one coach reads"
                + (suggestion.map { ": did you mean \($0)?" } ?? ".")
                + " The keys \(section == JSONCoding.topLevel ? "at the top level" : "of \(section)") are \(known.joined(separator: ", "))."
        case .invalidField(let field, let value, let fix):
            "The config field \(field) has the value \"\(value)\", which does not work: \(fix)."
        case .invalidCatalogue(let reason):
            "The principle catalogue (Prompts/catalogue.json) cannot be used: \(reason). Fix the file and start again."
        case .invalidTemplate(let name, let reason):
            // A template is named without its extension; a data file (commands.json) with its own.
            "The message file Prompts/\(name.contains(".") ? name : name + ".mustache") cannot be used: \(reason). Fix or restore the file."
        case .partialLoop(let files, let lines):
            files.count == 2
                ? "The message file Prompts/\(files[0]).mustache includes itself (line \(lines[0]): {{> \(files[0])}}), "
                    + "so rendering it would never end. Remove that include."
                : "The message files "
                    + zip(files, lines).map { "Prompts/\($0).mustache (line \($1))" }.joined(separator: " → ")
                    + " → Prompts/\(files[0]).mustache include each other in a loop, so rendering them would never end. "
                    + "Remove one of these includes."
        case .invalidRewardIdeas(let reason):
            "The reward ideas (Prompts/reward-ideas.json) cannot be used: \(reason). Fix or restore the file."
        }
    }
}
