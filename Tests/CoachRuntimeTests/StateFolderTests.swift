import CoachCore
import CoachRuntime
import CoachTestSupport
import Foundation
import Testing

@Suite("State folder choices")
struct StateFolderTests {
    static func refusal(_ path: String, home: String? = "/home/bot") -> String? {
        StateFolder.refusal(of: URL(fileURLWithPath: path), home: home)
    }

    @Test(
        "the top of the file system, a system folder or anywhere inside one, and shared parents are refused",
        arguments: [
            "/", "/etc", "/etc/coach", "/usr", "/usr/share/coach", "/bin", "/sbin/x", "/lib", "/lib64/coach", "/boot",
            "/proc", "/proc/1", "/sys/kernel", "/dev", "/dev/shm/coach", "/run/coach", "/var", "/var/lib", "/var/tmp",
            "/home", "/root", "/opt", "/srv", "/tmp", "/mnt", "/usr/local", "/home/bot", "/etc/../etc/./coach",
        ])
    func refused(path: String) {
        #expect(Self.refusal(path) != nil, "\(path) was accepted")
    }

    @Test(
        "a folder of the bot's own below a shared parent is accepted",
        arguments: ["/var/lib/coach", "/srv/coach/state", "/opt/coach/state", "/home/bot/coach-state", "/tmp/coach-test",
                    "/usr/local/var/coach", "/mnt/data/coach"])
    func accepted(path: String) {
        #expect(Self.refusal(path) == nil, "\(path): \(Self.refusal(path) ?? "")")
    }

    @Test("the reasons say what the folder is")
    func reasons() {
        #expect(Self.refusal("/")?.contains("top of the file system") == true)
        #expect(Self.refusal("/etc/coach")?.contains("inside /etc, a folder of the system") == true)
        #expect(Self.refusal("/run/coach")?.contains("emptied at every boot") == true)
        #expect(Self.refusal("/var/lib")?.contains("many programs share") == true)
        #expect(Self.refusal("/home/bot")?.contains("home folder") == true)
        #expect(Self.refusal("/home/bot", home: nil)?.contains("home folder") == nil)
    }

    @Test("links are followed to where the files would land, and a file is no folder")
    func linksAndFiles() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let toEtc = folder.appendingPathComponent("looks-harmless")
        try FileManager.default.createSymbolicLink(atPath: toEtc.path, withDestinationPath: "/etc")
        #expect(Self.refusal(toEtc.path)?.contains("leads to /etc") == true)
        #expect(Self.refusal(toEtc.appendingPathComponent("coach").path)?.contains("inside /etc") == true)

        let file = folder.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        #expect(Self.refusal(file.path) == "it is a file, not a folder")
        #expect(Self.refusal(file.appendingPathComponent("state").path) == "\(file.path) on its way is a file, not a folder")
        #expect(try Data(contentsOf: file) == Data("x".utf8))
        #expect(Self.refusal(folder.appendingPathComponent("state").path) == nil)
    }

    /// A config naming `stateDirectory`, in a fresh folder.
    static func config(stateDirectory: String) throws -> URL {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("coach.json")
        try Data(#"{"stateDirectory": "\#(stateDirectory)"}"#.utf8).write(to: file)
        return file
    }

    static let prompts = Fixtures.projectRoot.appendingPathComponent("Prompts").path

    @Test("the bot stops at start on a refused folder, naming the setting and the fix", arguments: ["/", "/etc", "/proc"])
    func setupRefuses(stateDirectory: String) throws {
        let file = try Self.config(stateDirectory: stateDirectory)
        do {
            _ = try CoachSetup.load(configPath: file.path, promptsPath: Self.prompts, stateOverride: nil)
            Issue.record("\(stateDirectory) was accepted")
        } catch {
            #expect(error.description.contains("The state folder \(stateDirectory) cannot be used"))
            #expect(error.description.contains("Set stateDirectory"))
        }
        let reading = CoachSetup.read(configPath: file.path, promptsPath: Self.prompts, stateOverride: nil)
        #expect(reading.problems.map(\.part) == [.state])
    }

    @Test("a relative path is resolved, .. included, and judged by where it lands")
    func relativePaths() throws {
        let file = try Self.config(stateDirectory: "state")
        // `..` enough times reaches the top from any working directory.
        let climbs = Array(repeating: "..", count: 64).joined(separator: "/")
        let top = CoachSetup.read(configPath: file.path, promptsPath: Self.prompts, stateOverride: climbs)
        #expect(top.stateDirectory?.path == "/")
        #expect(top.problems.map(\.part) == [.state])
        let own = CoachSetup.read(configPath: file.path, promptsPath: Self.prompts, stateOverride: "\(climbs)/tmp/coach-x")
        #expect(own.stateDirectory?.path == "/tmp/coach-x")
        #expect(own.problems.isEmpty)
    }

    @Test("a file as stateDirectory is refused by name at start, not as NSCocoaErrorDomain 516")
    func fileAsFolder() throws {
        let file = try Self.config(stateDirectory: "state")
        let regular = file.deletingLastPathComponent().appendingPathComponent("state")
        try Data("x".utf8).write(to: regular)
        do {
            _ = try CoachSetup.load(configPath: file.path, promptsPath: Self.prompts, stateOverride: regular.path)
            Issue.record("a file was accepted")
        } catch {
            #expect(error.description.contains("\(regular.path) cannot be used: it is a file, not a folder"))
            #expect(!error.description.contains("NSCocoaErrorDomain"))
        }
    }
}
