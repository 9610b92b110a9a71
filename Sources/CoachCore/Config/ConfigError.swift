/// Why a config, catalogue or prompt could not be used. Each message names the problem and the fix.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    /// The config file is not JSON of the expected shape.
    case invalidJSON(reason: String)
    /// One field has a value the bot cannot use.
    case invalidField(field: String, value: String, fix: String)
    /// The principle catalogue is unreadable or inconsistent.
    case invalidCatalogue(reason: String)
    /// A message template does not parse, or one the bot needs is missing.
    case invalidTemplate(name: String, reason: String)

    public var description: String {
        switch self {
        case .invalidJSON(let reason):
            "The config file is not valid: \(reason). Compare it with Config/coach.json."
        case .invalidField(let field, let value, let fix):
            "The config field \(field) has the value \"\(value)\", which does not work: \(fix)."
        case .invalidCatalogue(let reason):
            "The principle catalogue (Prompts/catalogue.json) cannot be used: \(reason). Fix the file and start again."
        case .invalidTemplate(let name, let reason):
            "The message template Prompts/\(name).mustache cannot be used: \(reason). Fix or restore the file."
        }
    }
}
