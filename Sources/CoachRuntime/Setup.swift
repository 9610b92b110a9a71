import CoachCore
import CoachStore
import Foundation

/// Everything read from disk before the bot starts: the config, the catalogue and the templates.
public struct CoachSetup: Sendable {
    public var config: CoachConfig
    public var catalogue: Catalogue
    /// Template texts by name; compiled into a `PromptBook` once the transport's markup is known.
    public var templates: [String: String] { didSet { wordingDigest = 0 } }
    public var commandHelp: [UInt8] { didSet { wordingDigest = 0 } }
    /// `Prompts/reward-ideas.json`.
    public var rewardIdeas: [UInt8] { didSet { wordingDigest = 0 } }
    /// A digest of the wording as read from disk, under which its compiled templates are shared; 0 once the
    /// wording was changed in memory (a test's edit), so such a setup compiles its own.
    var wordingDigest: Int = 0
    public var configFile: URL?
    public var promptsDirectory: URL
    public var stateDirectory: URL
    /// A digest of every byte the setup was read from (config, catalogue, templates), so a reload can tell whether a
    /// team's setup changed. Stable within one process only.
    public var fingerprint: Int = 0

    /// The templates compiled for `markup`: compiled once per process for every setup with the same wording.
    public func prompts(for markup: Markup) throws(ConfigError) -> PromptBook {
        try SharedReading.shared.book(markup, self)
    }
}

/// Why the bot could not start; each message names the problem and the fix.
public enum SetupError: Error, CustomStringConvertible {
    /// A folder the bot needs (Prompts/, Config/) was not found where it looked.
    case missingFolder(name: String, searched: [String])
    /// A file named on the command line or in the config does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The config, catalogue or a template is wrong.
    case invalid(path: String, problem: ConfigError)
    /// `simulate --state` was pointed at a folder that already holds a state.
    case folderNotEmpty(path: String)
    /// The state folder (`stateDirectory`, or `--state`) is one the bot must not write into; see `StateFolder`.
    case refusedStateFolder(path: String, reason: String)
    /// `--team NAME` names no team of the teams folder.
    case unknownTeam(name: String, folder: String, teams: [String])
    /// A team's state folder is already another team's.
    case sharedStateFolder(path: String, owner: String)
    /// A team of a teams folder chose the local chat, which needs the one terminal.
    case consoleInTeams

    public var description: String {
        switch self {
        case .missingFolder(let name, let searched):
            "Could not find the \(name) folder. Looked in: \(searched.joined(separator: ", ")). Run coach from the project folder, or pass --\(name.lowercased()) <folder>."
        case .unreadable(let path, let reason):
            // The system's own reason often ends in a full stop already.
            "Could not read \(path): \(reason.hasSuffix(".") ? String(reason.dropLast()) : reason). Check the path and its permissions."
        case .invalid(let path, let problem):
            "\(path): \(problem)"
        case .folderNotEmpty(let path):
            "\(path) already holds a state. Give simulate an empty or new folder, so the run depends only on its seed."
        case .refusedStateFolder(let path, let reason):
            "The state folder \(path) cannot be used: \(reason). Set stateDirectory in the config (or --state) to a "
                + "folder of the bot's own, such as \"state\" beside the config or /var/lib/coach; coach creates it."
        case .unknownTeam(let name, let folder, let teams):
            teams.isEmpty
                ? "There is no team \"\(name)\" in \(folder): it holds no team yet. A team is a subfolder with its coach.json."
                : "There is no team \"\(name)\" in \(folder). Its teams are: \(teams.joined(separator: ", "))."
        case .sharedStateFolder(let path, let owner):
            "The state folder \(path) is team \(owner)'s already. Two teams cannot share one state: give this team its "
                + "own stateDirectory (a relative one, such as \"state\", is inside the team's folder)."
        case .consoleInTeams:
            "The local chat (\"kind\": \"console\") needs this terminal to itself, so it cannot be one team of many. "
                + "Run it alone (coach run --config <its coach.json>), or give this team a chat platform."
        }
    }
}

/// What `CoachSetup.inspectState` finds in a state folder.
public typealias StateInspection = StoreInspection<CoachState>

/// Each part of a deployment read on its own, for `coach check`: one broken part does not hide how the others are,
/// and a config's unknown keys are listed rather than fatal, so the settings the rest of the file gives can be shown.
public struct SetupReading: Sendable {
    /// The parts a problem can be in, in the order they are read.
    public enum Part: String, Sendable {
        /// The config file.
        case config
        /// The Prompts folder as a whole (not found).
        case prompts
        /// `Prompts/catalogue.json`.
        case catalogue
        /// The templates, `Prompts/commands.json` and `Prompts/reward-ideas.json`.
        case templates
        /// The state folder's place (`stateDirectory` or `--state`); what is in it is `coach check`'s own look.
        case state
    }

    /// The config file looked at; nil when the default's folder was not found.
    public var configFile: URL?
    /// The config as the bot reads it, less any keys it does not know; nil when the file cannot be used at all.
    public var config: CoachConfig?
    public var catalogue: Catalogue?
    public var templates: [String: String]?
    public var commandHelp: [UInt8]?
    public var rewardIdeas: [UInt8]?
    public var promptsDirectory: URL?
    /// The state folder: `--state`, or the config's `stateDirectory`; nil when neither can be known.
    public var stateDirectory: URL?
    /// Everything that stops the bot, in the order `load` meets it; one entry per unknown config key.
    public var problems: [(part: Part, error: SetupError)] = []
    /// Every byte read, in order (see `CoachSetup.fingerprint`).
    var digest = Hasher()
    /// Every byte of the wording (templates, command help, reward ideas), for sharing compiled templates.
    var wording = Hasher()

    /// The whole setup, when every part could be read (a config with unknown keys counts, without those keys).
    public var setup: CoachSetup? {
        guard let config, let catalogue, let templates, let commandHelp, let rewardIdeas, let promptsDirectory,
            let stateDirectory
        else {
            return nil
        }
        var setup = CoachSetup(
            config: config, catalogue: catalogue, templates: templates, commandHelp: commandHelp,
            rewardIdeas: rewardIdeas, configFile: configFile,
            promptsDirectory: promptsDirectory, stateDirectory: stateDirectory, fingerprint: digest.finalize())
        // Nonzero: 0 means "changed in memory" (see `CoachSetup.wordingDigest`).
        setup.wordingDigest = wording.finalize() | 1
        return setup
    }
}

extension CoachSetup {
    /// Reads the config (or the embedded default `Config/coach.json`), the catalogue and every template, and stops at
    /// the first problem, a key the config does not know included.
    ///
    /// Folders are looked for in the working directory and then beside the executable and its parents, so both
    /// `swift run coach` in a checkout and an installed binary with `Prompts/` next to it work without flags.
    public static func load(
        configPath: String?, promptsPath: String?, stateOverride: String?, team: TeamFolder? = nil
    ) throws(SetupError) -> CoachSetup {
        let reading = read(configPath: configPath, promptsPath: promptsPath, stateOverride: stateOverride, team: team)
        if let first = reading.problems.first { throw first.error }
        // Every part was read when nothing went wrong.
        return reading.setup!
    }

    /// Reads every part that can be read and lists what went wrong with the others; `load` is this, strict.
    ///
    /// For one team of a teams folder (`team`), a relative `stateDirectory` is relative to the team's folder, not to
    /// where coach runs (a teams folder moved or started from elsewhere keeps each team's state), and the team's own
    /// `Prompts/` folder, if it has one, replaces the shared wording file by file.
    public static func read(
        configPath: String?, promptsPath: String?, stateOverride: String?, team: TeamFolder? = nil
    ) -> SetupReading {
        var reading = SetupReading()
        do throws(SetupError) {
            let url: URL
            if let configPath {
                url = URL(fileURLWithPath: configPath)
            } else {
                url = try locate("Config", explicit: nil).appendingPathComponent("coach.json")
            }
            reading.configFile = url
            let bytes = try read(url).bytes
            reading.digest.combine(contentsOf: bytes)
            do {
                let (config, unknownKeys) = try CoachConfig.reading(json: bytes)
                reading.config = config
                reading.problems += unknownKeys.map { (.config, .invalid(path: url.path, problem: $0)) }
            } catch {
                throw .invalid(path: url.path, problem: error)
            }
        } catch {
            reading.problems.append((.config, error))
        }
        // Relative state folders are relative to where coach runs, like any other command-line path.
        if let stateText = stateOverride ?? reading.config?.stateDirectory {
            let here = team.map { URL(fileURLWithPath: $0.directory.path + "/") }
                ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")
            let directory = URL(fileURLWithPath: stateText, relativeTo: here).absoluteURL.standardizedFileURL
            reading.stateDirectory = directory
            if let reason = StateFolder.refusal(of: directory, home: ProcessInfo.processInfo.environment["HOME"]) {
                reading.problems.append((.state, .refusedStateFolder(path: directory.path, reason: reason)))
            }
        }
        let prompts: URL
        do throws(SetupError) {
            prompts = try locate("Prompts", explicit: promptsPath)
            reading.promptsDirectory = prompts
        } catch {
            reading.problems.append((.prompts, error))
            return reading
        }
        // A team's own file of the same name, where it has one, else the shared one.
        let overlay = team?.prompts
        func source(_ name: String) -> URL {
            if let overlay {
                let own = overlay.appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: own.path) { return own }
            }
            return prompts.appendingPathComponent(name)
        }
        do throws(SetupError) {
            let url = source("catalogue.json")
            let (file, bytes) = try read(url)
            reading.digest.combine(contentsOf: bytes)
            do {
                reading.catalogue = try SharedReading.shared.catalogue(file, bytes)
            } catch {
                throw .invalid(path: url.path, problem: error)
            }
        } catch {
            reading.problems.append((.catalogue, error))
        }
        do throws(SetupError) {
            var templates: [String: String] = [:]
            // The team's own templates need not exist in the shared folder; a name only they have is still read
            // (and `coach check` then reports it as a template the bot does not use).
            let names = Set(templateNames(in: prompts)).union(overlay.map(templateNames(in:)) ?? [])
            for name in names.sorted() {
                let url = source(name + ".mustache")
                let (file, bytes) = try read(url)
                for part in [Array(name.utf8), bytes] {
                    reading.digest.combine(contentsOf: part)
                    reading.wording.combine(contentsOf: part)
                }
                templates[name] = try SharedReading.shared.template(file, bytes, url: url)
            }
            let help = try read(source("commands.json")).bytes
            let ideas = try read(source("reward-ideas.json")).bytes
            for part in [help, ideas] {
                reading.digest.combine(contentsOf: part)
                reading.wording.combine(contentsOf: part)
            }
            reading.commandHelp = help
            reading.rewardIdeas = ideas
            reading.templates = templates
        } catch {
            reading.problems.append((.templates, error))
        }
        return reading
    }

    /// The state folder as the bot would find it, read without its lock and without repairing anything; throws the
    /// `StoreError` the bot would stop with.
    public static func inspectState(in directory: URL) throws -> StateInspection {
        try StateStore.inspect(
            directory: directory, schemaVersion: CoachState.schemaVersion, initial: { CoachState() },
            apply: { state, event in state.apply(event) })
    }

    /// The longest programme the catalogue allows, in principle weeks: one principle a week, each at most once, not
    /// counting week 0 when the plan opens with the definition activity (its principle is then not one of the weeks).
    /// The team may add its own principles later, but a simulation starts from the catalogue alone.
    public var longestPlan: Int {
        let opening = config.programme.openingWeek && catalogue.principle(id: DefinitionWeek.principleID) != nil
        return catalogue.principles.count - (opening ? 1 : 0)
    }

    /// The templates in a prompts folder, by name: `summary` for `summary.mustache`, and `report/page` for a file in
    /// a folder of its own (the HTML report's templates keep to `report/`, apart from the chat's messages). One level
    /// deep, as `Template`'s cases name them.
    public static func templateNames(in prompts: URL) -> [String] {
        let manager = FileManager.default
        var names: [String] = []
        for entry in (try? manager.contentsOfDirectory(atPath: prompts.path)) ?? [] {
            if entry.hasSuffix(".mustache") {
                names.append(String(entry.dropLast(".mustache".count)))
                continue
            }
            var isDirectory: ObjCBool = false
            let folder = prompts.appendingPathComponent(entry)
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for file in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasSuffix(".mustache") {
                names.append(entry + "/" + String(file.dropLast(".mustache".count)))
            }
        }
        return names.sorted()
    }

    static func read(_ url: URL) throws(SetupError) -> (file: SharedReading.FileKey, bytes: [UInt8]) {
        do {
            return try SharedReading.shared.file(url)
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
    }

    static func locate(_ name: String, explicit: String?) throws(SetupError) -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(name)]
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent(name))
            folder = folder.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory) && isDirectory.boolValue {
            return candidate
        }
        throw .missingFolder(name: name, searched: candidates.map(\.path))
    }
}
