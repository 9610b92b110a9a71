import CoachChat
import CoachCore
import Foundation

/// Why a platform's configuration cannot work; each message names the setting and the fix.
public enum PlatformSetupError: Error, Equatable, CustomStringConvertible {
    case missingSetting(kind: String, key: String, hint: String)
    case invalidSetting(kind: String, key: String, value: String, hint: String)
    case unknownSetting(kind: String, key: String, known: [String])
    /// A secret was written into the config instead of an environment variable.
    case secretInConfig(kind: String, key: String, instead: String)
    /// A `*Env` setting holds something that is no environment variable's name: most likely the secret itself (a
    /// token, a webhook URL), so the message never shows it. `variable` is the setting's usual variable.
    case notAVariableName(kind: String, key: String, variable: String, what: String)
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
        case .notAVariableName(let kind, let key, let variable, let what):
            "transport.settings.\(key) must be the name of an environment variable, such as \(variable), but what it holds is not one (it looks like a token or an address, so it is not repeated here). Put the \(kind) \(what) in the environment instead, e.g. `export \(variable)=…`, and set transport.settings.\(key) to \"\(variable)\" or leave it out. If that value was a real secret, it is now in the config file: replace it with a new one."
        case .missingSecret(let kind, let variable, let setting, let what):
            "The environment variable \(variable) (named by transport.settings.\(setting)) is not set; it must hold the \(kind) \(what). Export it before starting coach, e.g. `export \(variable)=…`."
        case .unknownKind(let kind, let known):
            "The config's transport.kind is \"\(kind)\", which this build does not know. Use one of: \(known.joined(separator: ", "))."
        }
    }
}

/// A secret a platform reads from the environment: the setting that names the variable (`tokenEnv`), the variable
/// read when the config names none, and what it holds, for messages ("bot token"). Declared once per platform, in its
/// `PlatformEntry`, so the redactor knows every secret before the platform is built.
public struct SecretSetting: Sendable {
    public var setting: String
    public var defaultVariable: String
    public var what: String

    public init(_ setting: String, defaultVariable: String, what: String) {
        self.setting = setting
        self.defaultVariable = defaultVariable
        self.what = what
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

    /// Refuses keys the platform does not read (a typo would otherwise be silently ignored), secrets in the file,
    /// and `*Env` settings that hold something other than a variable's name (a token typed where its variable's name
    /// goes).
    public func validateKeys(_ known: Set<String>) throws(PlatformSetupError) {
        let allowed = known.union(Self.sharedKeys)
        for key in values.keys.sorted() {
            if let instead = Self.secretKeys[key], !allowed.contains(key) {
                throw .secretInConfig(kind: kind, key: key, instead: instead)
            }
            if !allowed.contains(key) { throw .unknownSetting(kind: kind, key: key, known: allowed.sorted()) }
            if key.hasSuffix("Env") { _ = try variable(for: declared(key)) }
        }
    }

    /// The secrets this kind of platform reads, as its entry declares them.
    var secretSettings: [SecretSetting] { Platforms.entry(kind)?.secrets ?? [] }

    /// The declaration of `setting`, or one made up from the setting's name for a platform that declares none.
    func declared(_ setting: String) -> SecretSetting {
        secretSettings.first { $0.setting == setting }
            ?? SecretSetting(setting, defaultVariable: Self.exampleVariable(kind: kind, setting: setting), what: "secret")
    }

    static func exampleVariable(kind: String, setting: String) -> String {
        let base = kind.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return String(base) + "_" + setting.dropLast(3).uppercased()
    }

    /// Whether `text` can be an environment variable's name as a shell exports it: letters, digits and `_`, not
    /// starting with a digit. A token (`xoxb-…`, `123:AA…`) or a URL never is.
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, text.count <= 255 else { return false }
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
        return !CharacterSet.decimalDigits.contains(first) && text.unicodeScalars.allSatisfy(allowed.contains)
    }

    /// The variable a secret is read from: the one the config names, else the default. A name that is no variable's
    /// is refused without repeating it, since it is most likely the secret itself.
    func variable(for secret: SecretSetting) throws(PlatformSetupError) -> String {
        guard let named = optional(secret.setting) else { return secret.defaultVariable }
        guard Self.isVariableName(named) else {
            throw .notAVariableName(kind: kind, key: secret.setting, variable: secret.defaultVariable, what: secret.what)
        }
        return named
    }

    /// Masks every secret this platform's settings name, as far as the environment holds them: each declared
    /// secret's variable (the config's or the default), and any other `*Env` setting's. Secrets a platform derives
    /// (a login's token, a basic-auth header) are added by its client.
    public var redactor: Redactor {
        var secrets: [Redactor.Secret] = []
        var declarations = secretSettings
        for key in values.keys.sorted() where key.hasSuffix("Env") && !declarations.contains(where: { $0.setting == key }) {
            declarations.append(declared(key))
        }
        for declaration in declarations {
            if let named = optional(declaration.setting), !Self.isVariableName(named) {
                // A secret typed where its variable's name goes: refused at start, and masked meanwhile.
                secrets.append(Redactor.Secret(value: named, name: "transport.settings." + declaration.setting))
                continue
            }
            guard let variable = try? variable(for: declaration),
                let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
            else { continue }
            secrets.append(Redactor.Secret(value: value, name: variable))
        }
        return Redactor(secrets: secrets)
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
    func namedSecret(_ secret: SecretSetting) throws(PlatformSetupError) -> (value: String, variable: String) {
        let variable = try variable(for: secret)
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw .missingSecret(kind: kind, variable: variable, setting: secret.setting, what: secret.what)
        }
        return (value, variable)
    }

    /// A secret from the environment variable its setting names, or from its default variable.
    func secret(_ secret: SecretSetting) throws(PlatformSetupError) -> String {
        try namedSecret(secret).value
    }

    /// A secret from the environment variable named by `setting`, or by `defaultVariable` when the config names none.
    public func secret(_ setting: String, defaultVariable: String, what: String) throws(PlatformSetupError) -> String {
        try secret(SecretSetting(setting, defaultVariable: defaultVariable, what: what))
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
