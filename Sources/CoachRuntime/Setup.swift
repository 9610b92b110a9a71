import CoachCore
import Foundation

/// Everything read from disk before the bot starts: the config, the catalogue and the templates.
public struct CoachSetup: Sendable {
    public var config: CoachConfig
    public var catalogue: Catalogue
    /// Template texts by name; compiled into a `PromptBook` once the transport's markup is known.
    public var templates: [String: String]
    public var commandHelp: [UInt8]
    public var configFile: URL?
    public var promptsDirectory: URL
    public var stateDirectory: URL

    public func prompts(for markup: Markup) throws(ConfigError) -> PromptBook {
        try PromptBook(markup: markup, templates: templates, commandHelpJSON: commandHelp)
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

    public var description: String {
        switch self {
        case .missingFolder(let name, let searched):
            "Could not find the \(name) folder. Looked in: \(searched.joined(separator: ", ")). Run coach from the project folder, or pass --\(name.lowercased()) <folder>."
        case .unreadable(let path, let reason):
            "Could not read \(path): \(reason). Check the path and its permissions."
        case .invalid(let path, let problem):
            "\(path): \(problem)"
        case .folderNotEmpty(let path):
            "\(path) already holds a state. Give simulate an empty or new folder, so the run depends only on its seed."
        }
    }
}

extension CoachSetup {
    /// Reads the config (or the embedded default `Config/coach.json`), the catalogue and every template.
    ///
    /// Folders are looked for in the working directory and then beside the executable and its parents, so both
    /// `swift run coach` in a checkout and an installed binary with `Prompts/` next to it work without flags.
    public static func load(configPath: String?, promptsPath: String?, stateOverride: String?) throws(SetupError) -> CoachSetup {
        let configURL: URL
        if let configPath {
            configURL = URL(fileURLWithPath: configPath)
        } else {
            let folder = try locate("Config", explicit: nil)
            configURL = folder.appendingPathComponent("coach.json")
        }
        let configBytes = try read(configURL)
        let config: CoachConfig
        do {
            config = try CoachConfig(json: configBytes)
        } catch {
            throw .invalid(path: configURL.path, problem: error)
        }
        let prompts = try locate("Prompts", explicit: promptsPath)
        let catalogueURL = prompts.appendingPathComponent("catalogue.json")
        let catalogueBytes = try read(catalogueURL)
        let catalogue: Catalogue
        do {
            catalogue = try Catalogue(json: catalogueBytes)
        } catch {
            throw .invalid(path: catalogueURL.path, problem: error)
        }
        var templates: [String: String] = [:]
        let files = (try? FileManager.default.contentsOfDirectory(atPath: prompts.path)) ?? []
        for file in files where file.hasSuffix(".mustache") {
            let url = prompts.appendingPathComponent(file)
            guard let text = String(bytes: try read(url), encoding: .utf8) else {
                throw .unreadable(path: url.path, reason: "it is not UTF-8 text")
            }
            // A file's final newline is an editor habit, not part of the message.
            templates[String(file.dropLast(".mustache".count))] = text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        let commandHelp = try read(prompts.appendingPathComponent("commands.json"))
        // Relative state folders are relative to where coach runs, like any other command-line path.
        let stateText = stateOverride ?? config.stateDirectory
        let stateDirectory = URL(fileURLWithPath: stateText, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/"))
        return CoachSetup(
            config: config, catalogue: catalogue, templates: templates, commandHelp: commandHelp, configFile: configURL,
            promptsDirectory: prompts, stateDirectory: stateDirectory.absoluteURL.standardizedFileURL)
    }

    static func read(_ url: URL) throws(SetupError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
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
