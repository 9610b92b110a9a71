import CoachCore
import Foundation

/// Why a platform's configuration cannot work; each message names the setting and the fix.
public enum PlatformSetupError: Error, Equatable, CustomStringConvertible {
    case missingSetting(kind: String, key: String, hint: String)
    case invalidSetting(kind: String, key: String, value: String, hint: String)
    case unknownSetting(kind: String, key: String, known: [String])
    /// A secret was written into the config instead of an environment variable.
    case secretInConfig(kind: String, key: String, instead: String)
    case missingSecret(kind: String, variable: String, setting: String, what: String)
    case unknownKind(kind: String, known: [String])

    public var description: String {
        switch self {
        case .missingSetting(let kind, let key, let hint):
            "The \(kind) config needs transport.settings.\(key): \(hint). See Config/examples/\(kind).json."
        case .invalidSetting(let kind, let key, let value, let hint):
            "transport.settings.\(key) is \"\(value)\", which \(kind) cannot use: \(hint)."
        case .unknownSetting(let kind, let key, let known):
            "transport.settings.\(key) is not a \(kind) setting"
                + (Spelling.closest(to: key, among: known).map { ": did you mean transport.settings.\($0)?" } ?? ".")
                + " The \(kind) settings are: \(known.sorted().joined(separator: ", "))."
        case .secretInConfig(let kind, let key, let instead):
            "transport.settings.\(key) looks like a secret written into the \(kind) config. Secrets never go in config files: put it in an environment variable and name that variable in transport.settings.\(instead)."
        case .missingSecret(let kind, let variable, let setting, let what):
            "The environment variable \(variable) (named by transport.settings.\(setting)) is not set; it must hold the \(kind) \(what). Export it before starting coach, e.g. `export \(variable)=…`."
        case .unknownKind(let kind, let known):
            "The config's transport.kind is \"\(kind)\", which this build does not know. Use one of: \(known.joined(separator: ", "))."
        }
    }
}

/// A platform's `transport.settings`, read with clear errors, plus the environment its secrets come from.
///
/// Secrets are read only from environment variables whose names the config gives (`"tokenEnv": "SLACK_BOT_TOKEN"`),
/// so a config file can be shared, committed or pasted into a support request safely.
public struct PlatformSettings: Sendable {
    public let kind: String
    public let values: [String: String]
    let environment: [String: String]

    /// Settings every platform understands.
    public static let sharedKeys: Set<String> = ["firstStart", "baseURL", "pollSeconds"]
    /// Keys that must never carry a secret's value.
    static let secretKeys: [String: String] = [
        "token": "tokenEnv", "botToken": "tokenEnv", "password": "passwordEnv", "apiKey": "apiKeyEnv",
        "webhookURL": "webhookEnv", "webhookUrl": "webhookEnv", "url": "webhookEnv", "accessToken": "tokenEnv",
    ]

    public init(kind: String, values: [String: String], environment: [String: String]) {
        self.kind = kind
        self.values = values
        self.environment = environment
    }

    /// Refuses keys the platform does not read (a typo would otherwise be silently ignored) and secrets in the file.
    public func validateKeys(_ known: Set<String>) throws(PlatformSetupError) {
        let allowed = known.union(Self.sharedKeys)
        for key in values.keys.sorted() {
            if let instead = Self.secretKeys[key], !allowed.contains(key) {
                throw .secretInConfig(kind: kind, key: key, instead: instead)
            }
            if !allowed.contains(key) { throw .unknownSetting(kind: kind, key: key, known: allowed.sorted()) }
        }
    }

    public func optional(_ key: String) -> String? {
        guard let value = values[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    public func required(_ key: String, hint: String) throws(PlatformSetupError) -> String {
        guard let value = optional(key) else { throw .missingSetting(kind: kind, key: key, hint: hint) }
        return value
    }

    /// An http(s) URL setting, or the platform's public default.
    public func url(_ key: String = "baseURL", default fallback: String?, hint: String) throws(PlatformSetupError) -> URL {
        let text: String
        if let given = optional(key) {
            text = given
        } else if let fallback {
            text = fallback
        } else {
            throw .missingSetting(kind: kind, key: key, hint: hint)
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw .invalidSetting(kind: kind, key: key, value: text, hint: "it must be an http:// or https:// address")
        }
        return url
    }

    /// A secret from the environment, with the name of the variable it came from: operator messages name the
    /// variable to fix ("export it as DISCORD_BOT_TOKEN"), never the value.
    func namedSecret(_ setting: String, defaultVariable: String, what: String) throws(PlatformSetupError)
        -> (value: String, variable: String)
    {
        (try secret(setting, defaultVariable: defaultVariable, what: what), optional(setting) ?? defaultVariable)
    }

    /// A secret from the environment variable named by `setting`, or by `defaultVariable` when the config names none.
    public func secret(_ setting: String, defaultVariable: String, what: String) throws(PlatformSetupError) -> String {
        let variable = optional(setting) ?? defaultVariable
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw .missingSecret(kind: kind, variable: variable, setting: setting, what: what)
        }
        return value
    }

    /// A number of seconds, within a sensible range.
    public func seconds(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws(PlatformSetupError) -> Duration {
        guard let text = optional(key) else { return .milliseconds(Int64(fallback * 1000)) }
        guard let value = Double(text), range.contains(value) else {
            throw .invalidSetting(kind: kind, key: key, value: text,
                hint: "it must be a number of seconds from \(range.lowerBound.formatted()) to \(range.upperBound.formatted())")
        }
        return .milliseconds(Int64(value * 1000))
    }

    /// How a first start treats the channel's history: `now` (the default) skips it; `backlog` reads what the
    /// platform still returns on the first poll.
    public func readsBacklog() throws(PlatformSetupError) -> Bool {
        switch optional("firstStart")?.lowercased() {
        case nil, "now": return false
        case "backlog": return true
        case let other?:
            throw .invalidSetting(kind: kind, key: "firstStart", value: other, hint: "use \"now\" (skip old messages) or \"backlog\"")
        }
    }
}

extension Double {
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
