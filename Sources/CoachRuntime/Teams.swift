import CoachCore
import Foundation

/// One team of a teams folder (`coach run --teams DIR`): the folder `DIR/<name>/` holding the team's `coach.json`,
/// and optionally its own `Prompts/`, whose files replace the shared wording one by one.
public struct TeamFolder: Sendable, Hashable {
    /// The folder's name: how logs, `coach check`, the health endpoint and `--team` call the team.
    public var name: String
    public var directory: URL

    public init(name: String, directory: URL) {
        self.name = name
        self.directory = directory
    }

    public var config: URL { directory.appendingPathComponent("coach.json") }

    /// The team's own wording, when it has a `Prompts/` folder.
    public var prompts: URL? {
        let folder = directory.appendingPathComponent("Prompts")
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? folder : nil
    }
}

/// A folder of teams, one subfolder each. Teams share nothing but the install's wording: each has its own config,
/// state folder (and lock), chat platform and credentials, so adding a team is adding its folder.
public struct TeamsFolder: Sendable {
    public var directory: URL

    public init(_ path: String) {
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")
        directory = URL(fileURLWithPath: path, relativeTo: here).absoluteURL.standardizedFileURL
    }

    /// What a look at the folder found: the teams, and the subfolders that are not one (and why).
    public struct Scan: Sendable {
        public var teams: [TeamFolder] = []
        /// Subfolders without a `coach.json`: probably a team not finished yet, so they are named, not fatal.
        public var notTeams: [(name: String, reason: String)] = []
    }

    /// Every subfolder with a `coach.json`, by name. Hidden entries (`.git`, an editor's `.swp`) and files are passed
    /// over in silence.
    public func scan() throws(SetupError) -> Scan {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .unreadable(
                path: directory.path,
                reason: "there is no such folder. --teams takes a folder with one subfolder per team, each holding its coach.json")
        }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .unreadable(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        var scan = Scan()
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let folder = directory.appendingPathComponent(entry)
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            let team = TeamFolder(name: entry, directory: folder)
            if manager.fileExists(atPath: team.config.path) {
                scan.teams.append(team)
            } else {
                scan.notTeams.append((entry, "it has no coach.json"))
            }
        }
        return scan
    }

    /// One team by name, for `--team NAME`; the message lists the teams there are.
    public func team(named name: String) throws(SetupError) -> TeamFolder {
        let scan = try scan()
        if let team = scan.teams.first(where: { $0.name == name }) { return team }
        let names = scan.teams.map(\.name)
        throw .unknownTeam(name: name, folder: directory.path, teams: names)
    }
}

/// Every team of a folder read: the ones that can run, and the ones that cannot with their reason.
public struct TeamsReading: Sendable {
    public var scan: TeamsFolder.Scan
    public var loaded: [(team: TeamFolder, setup: CoachSetup)] = []
    public var failed: [(team: TeamFolder, error: SetupError)] = []
    /// The folder itself could not be read (it was removed or its permissions changed): a reload then leaves every
    /// running team as it is rather than stopping them all.
    public var folderProblem: SetupError?

    /// Scans `folder` and reads every team in it.
    public init(folder: TeamsFolder, promptsPath: String?) {
        do {
            self.init(scan: try folder.scan(), promptsPath: promptsPath)
        } catch {
            self.init(scan: TeamsFolder.Scan(), promptsPath: promptsPath)
            folderProblem = error
        }
    }

    /// Reads each team of `scan` on its own, so one broken team is reported and left out and the others run. Two teams
    /// pointed at one state folder would share a lock and a history: the later one (by name) is refused.
    public init(scan: TeamsFolder.Scan, promptsPath: String?) {
        self.scan = scan
        var owners: [String: String] = [:]
        for team in scan.teams {
            do {
                let setup = try CoachSetup.load(
                    configPath: team.config.path, promptsPath: promptsPath, stateOverride: nil, team: team)
                let key = setup.stateDirectory.resolvingSymlinksInPath().path
                if let owner = owners[key] {
                    throw SetupError.sharedStateFolder(path: setup.stateDirectory.path, owner: owner)
                }
                owners[key] = team.name
                loaded.append((team, setup))
            } catch let error as SetupError {
                failed.append((team, error))
            } catch {
                failed.append((team, .unreadable(path: team.config.path, reason: "\(error)")))
            }
        }
    }
}
