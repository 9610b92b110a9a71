import CoachTestSupport
import Foundation
import Testing

/// The files for running coach as a service: the systemd units in `Config/systemd/` and the `Containerfile`.
///
/// `systemd-analyze verify` reads each unit as systemd would (the template through an instance,
/// `servicecoach@example.service`), where the tool is installed; elsewhere that test is skipped with the reason. It
/// refuses a unit whose program does not exist, and `/usr/local/bin/coach` exists only on a machine where coach is
/// installed, so each unit is verified as a copy in a temporary folder with only its program rewritten to `/bin/true`;
/// every other line, the arguments included, is the shipped one.
///
/// The Containerfile cannot be built here (no container engine), so it is read: its stages, that every file it copies
/// is in the repository and in the build context, that its health check asks `/healthz` on the port coach listens on,
/// and, when a release `coach` built as it builds one is at hand, that the libraries it installs are exactly those
/// `ldd` says the binary needs beyond the base image's.
@Suite("Running it as a service: the systemd units and the Containerfile")
struct ServiceFilesTests {
    static let units = ["servicecoach.service", "servicecoach@.service"]

    static func unit(_ name: String) throws -> UnitFile {
        try UnitFile(text: String(contentsOf: Fixtures.projectRoot.appendingPathComponent("Config/systemd/" + name), encoding: .utf8))
    }

    // MARK: systemd

    @Test(
        "systemd-analyze verify has nothing to say about either unit",
        .enabled(if: SystemdAnalyze.path != nil, "systemd-analyze is not installed (Debian: apt-get install systemd)"))
    func verify() async throws {
        for name in Self.units {
            let text = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("Config/systemd/" + name), encoding: .utf8)
            let findings = try await SystemdAnalyze.verify(text, named: name)
            #expect(findings.isEmpty, "systemd-analyze verify on \(name):\n\(findings.joined(separator: "\n"))")
        }
    }

    @Test(
        "the verify check itself reports a setting systemd would ignore, and a missing program",
        .enabled(if: SystemdAnalyze.path != nil, "systemd-analyze is not installed (Debian: apt-get install systemd)"))
    func verifyCatchesMistakes() async throws {
        for name in Self.units {
            let text = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent("Config/systemd/" + name), encoding: .utf8)
            let planted = text.replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystem=stricter\nRestartSecs=5")
            let findings = try await SystemdAnalyze.verify(planted, named: name)
            #expect(findings.contains { $0.contains("stricter") }, "\(findings)")
            #expect(findings.contains { $0.contains("RestartSecs") }, "\(findings)")
            let missing = try await SystemdAnalyze.verify(text, named: name, program: "/nonexistent/coach")
            #expect(missing.contains { $0.contains("/nonexistent/coach") }, "\(missing)")
        }
    }

    @Test("the two units differ only in what they run and where its files are")
    func unitsAgree() throws {
        let single = try Self.unit("servicecoach.service")
        let template = try Self.unit("servicecoach@.service")
        let differing: Set<String> = [
            "Unit.Description", "Service.ExecStart", "Service.ExecReload", "Service.EnvironmentFile", "Service.StateDirectory",
        ]
        let keys = Set(single.settings.map(\.key)).union(template.settings.map(\.key))
        for key in keys.sorted() where !differing.contains(key) {
            #expect(single.values(key) == template.values(key), "\(key): \(single.values(key)) and \(template.values(key))")
        }
        // The command lines are one, but for what coach runs.
        func common(_ command: String, dropping option: String) -> [String] {
            var words = command.split(separator: " ").map(String.init)
            if let at = words.firstIndex(of: option) { words.removeSubrange(at...at + 1) }
            return words
        }
        let singleCommand = try #require(single.value("Service.ExecStart"))
        let templateCommand = try #require(template.value("Service.ExecStart"))
        #expect(common(singleCommand, dropping: "--config") == common(templateCommand, dropping: "--teams"))
        #expect(template.value("Service.EnvironmentFile") == "-/etc/servicecoach/%i.env")
        #expect(single.value("Service.EnvironmentFile") == "-/etc/servicecoach/coach.env")
    }

    @Test("the units run coach as a notifying, watched, restarted service of its own user, its files where it may write", arguments: units)
    func unitBasics(name: String) throws {
        let unit = try Self.unit(name)
        for (key, value) in [
            ("Service.Type", "notify"), ("Service.NotifyAccess", "main"), ("Service.Restart", "on-failure"),
            ("Service.User", "servicecoach"), ("Service.ProtectSystem", "strict"), ("Service.NoNewPrivileges", "yes"),
            ("Service.CapabilityBoundingSet", ""),
        ] {
            #expect(unit.value(key) == value, "\(name): \(key)")
        }
        #expect(unit.value("Service.WatchdogSec") != nil, "\(name): WatchdogSec")
        let command = try #require(unit.value("Service.ExecStart")).split(separator: " ").map(String.init)
        func option(_ name: String) -> String? {
            command.firstIndex(of: name).flatMap { $0 + 1 < command.count ? command[$0 + 1] : nil }
        }
        #expect(Array(command.prefix(2)) == ["/usr/local/bin/coach", "run"])
        #expect(option("--prompts") == "/usr/local/share/servicecoach/Prompts")
        #expect(option("--log-format") == "json")
        #expect(option("--listen") == "${COACH_LISTEN}")
        #expect(unit.value("Service.Environment")?.hasPrefix("COACH_LISTEN=127.0.0.1:") == true, "loopback by default")
        // With ProtectSystem=strict only the state directory is writable, and each team's state is in its folder.
        let state = "/var/lib/" + (try #require(unit.value("Service.StateDirectory")))
        // A reload is SIGHUP, which coach run --teams handles (it rereads the folder) and coach run --config does not
        // (the signal would end it): only a teams unit may say how to reload.
        if let teams = option("--teams") {
            #expect(teams == state, "\(name): the teams folder \(teams) is not the state directory \(state)")
            #expect(unit.value("Service.ExecReload") == "/bin/kill -HUP $MAINPID")
        } else {
            #expect(option("--config")?.hasPrefix("/etc/servicecoach/") == true)
            #expect(unit.value("Service.ExecReload") == nil, "coach run --config does not handle SIGHUP")
        }
    }

    // MARK: Containerfile

    static func containerfile() throws -> Containerfile {
        try Containerfile(text: String(contentsOf: Fixtures.projectRoot.appendingPathComponent("Containerfile"), encoding: .utf8))
    }

    @Test("two stages: the pinned Swift 6.3 toolchain on the same Debian as the slim run image, which runs as no root")
    func stages() throws {
        let file = try Self.containerfile()
        #expect(file.stages.map(\.name) == ["build", "run"])
        let build = try #require(file.stages.first).image
        let run = try #require(file.stages.last).image
        // swift:6.3.<patch>-<codename>: a release, not a moving "6.3" or "latest".
        let tag = try #require(build.split(separator: ":").last.map(String.init))
        #expect(build.hasPrefix("swift:6.3.") && tag.split(separator: "-").count == 2, "\(build)")
        let codename = try #require(tag.split(separator: "-").last.map(String.init))
        #expect(run == "debian:\(codename)-slim", "\(run): build and run images must share a C library")
        let user = try #require(file.stages.last?.instructions.last { $0.keyword == "USER" }?.arguments)
        #expect(!["root", "0"].contains(user.split(separator: ":").first.map(String.init) ?? ""), "runs as \(user)")
        let buildCommands = file.stages[0].instructions.filter { $0.keyword == "RUN" }.map(\.arguments)
        #expect(buildCommands.contains { $0.contains("swift build -c release --product coach --static-swift-stdlib") })
    }

    @Test("every file it copies is in the repository and in the build context; the binary from the build stage")
    func copies() throws {
        let file = try Self.containerfile()
        let ignore = try String(contentsOf: Fixtures.projectRoot.appendingPathComponent(".dockerignore"), encoding: .utf8)
        let allowed = Set(ignore.split(separator: "\n").filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
        #expect(ignore.split(separator: "\n").contains("*"), ".dockerignore keeps everything out but what it names")
        var copied = 0
        for (index, stage) in file.stages.enumerated() {
            for copy in stage.instructions where copy.keyword == "COPY" {
                var words = copy.arguments.split(separator: " ").map(String.init)
                if let from = words.first, from.hasPrefix("--from=") {
                    let source = String(from.dropFirst("--from=".count))
                    #expect(file.stages.prefix(index).contains { $0.name == source }, "COPY --from=\(source): no earlier stage")
                    continue
                }
                words.removeLast()
                for source in words {
                    copied += 1
                    let path = Fixtures.projectRoot.appendingPathComponent(source).path
                    #expect(FileManager.default.fileExists(atPath: path), "COPY \(source): not in the repository")
                    let top = source.split(separator: "/").first.map(String.init) ?? source
                    #expect(allowed.contains(top), "COPY \(source): left out of the build context by .dockerignore")
                }
            }
        }
        #expect(copied >= 3, "Package.swift, Sources and Prompts")
    }

    @Test("the health check asks /healthz on the port coach listens on and the image exposes; state is on the volume")
    func healthAndState() throws {
        let file = try Self.containerfile()
        let run = try #require(file.stages.last)
        func argument(_ keyword: String) -> String? { run.instructions.last { $0.keyword == keyword }?.arguments }
        let command = try #require(argument("CMD").flatMap(Containerfile.execForm))
        let entry = try #require(argument("ENTRYPOINT").flatMap(Containerfile.execForm))
        func option(_ name: String) -> String? {
            command.firstIndex(of: name).flatMap { $0 + 1 < command.count ? command[$0 + 1] : nil }
        }
        let listen = try #require(option("--listen"))
        let port = try #require(listen.split(separator: ":").last.map(String.init))
        #expect(argument("EXPOSE") == port)
        let health = try #require(argument("HEALTHCHECK"))
        #expect(health.contains("CMD curl -fsS") && health.contains("http://127.0.0.1:\(port)/healthz"), "\(health)")
        let volume = try #require(argument("VOLUME"))
        #expect(option("--teams")?.hasPrefix(volume + "/") == true, "the teams folder is on the volume \(volume)")
        // The program and the wording are where the build put them.
        let copies = run.instructions.filter { $0.keyword == "COPY" }.map { $0.arguments.split(separator: " ").map(String.init) }
        #expect(copies.contains { $0.first == "--from=build" && $0.last == entry.first })
        #expect(copies.contains { $0.first == "Prompts" && $0.last == option("--prompts") })
        #expect(option("--log-format") == "json")
    }

    @Test(
        "the run image installs exactly the libraries ldd says the release binary needs beyond debian:bookworm-slim",
        .enabled(
            if: ReleaseBinary.staticPath != nil,
            """
            no release coach built as the Containerfile builds it: swift build -c release --product coach \
            --static-swift-stdlib (or set COACH_RELEASE_BINARY), with ldd and dpkg on a Debian bookworm machine
            """))
    func runtimeLibraries() async throws {
        let binary = try #require(ReleaseBinary.staticPath)
        let needed = try await ReleaseBinary.packages(needed: binary)
        let file = try Self.containerfile()
        let run = try #require(file.stages.last)
        let listed = Set(try #require(run.argument(named: "RUNTIME_LIBRARIES")).split(separator: " ").map(String.init))
        let beyondBase = needed.subtracting(ReleaseBinary.bookwormSlimLibraries)
        #expect(listed == beyondBase, "ldd needs \(needed.sorted()); beyond the base: \(beyondBase.sorted()); listed: \(listed.sorted())")
        #expect(!needed.isEmpty, "ldd listed no library at all")
    }
}

/// A systemd unit file, read as systemd reads one: sections, `Key=value` lines, `#` and `;` comments, and lines ending
/// in a backslash continued on the next (the backslash becomes a space).
struct UnitFile {
    /// Each setting as "Section.Key" and its value, in order; a key set twice appears twice.
    var settings: [(key: String, value: String)] = []

    init(text: String) throws {
        var section = ""
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty, line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast().trimmingCharacters(in: .whitespaces) + " "
                continue
            }
            let whole = pending + line
            pending = ""
            if whole.hasPrefix("[") && whole.hasSuffix("]") {
                section = String(whole.dropFirst().dropLast())
                continue
            }
            guard let equals = whole.firstIndex(of: "=") else {
                throw UnitError(line: whole)
            }
            let key = whole[..<equals].trimmingCharacters(in: .whitespaces)
            settings.append((section + "." + key, whole[whole.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
        }
    }

    struct UnitError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a setting: \(line)" }
    }

    func values(_ key: String) -> [String] { settings.filter { $0.key == key }.map(\.value) }

    /// The setting's last value, as systemd takes it for a key given once.
    func value(_ key: String) -> String? { values(key).last }
}

/// systemd's own check of a unit file, run on a copy whose program is rewritten (see `ServiceFilesTests`).
enum SystemdAnalyze {
    static let path = ChildProcess.find("systemd-analyze")
    /// The program the units start; the copies start `program` instead.
    static let installedProgram = "/usr/local/bin/coach"

    /// What `systemd-analyze verify` said about the unit: each line that names it, and its exit status if not 0.
    static func verify(_ text: String, named name: String, program: String = "/bin/true") async throws -> [String] {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = "ExecStart=" + installedProgram + " "
        #expect(text.contains(start), "\(name) no longer starts \(installedProgram): update the test and the README")
        let copy = text.replacingOccurrences(of: start, with: "ExecStart=" + program + " ")
        try Data(copy.utf8).write(to: folder.appendingPathComponent(name))
        // A template is verified through an instance of it, as it is started.
        let target = folder.appendingPathComponent(name.replacingOccurrences(of: "@.", with: "@example.")).path
        let result = try await ChildProcess.run(try #require(path), ["verify", "--man=no", target])
        // It also loads the host's units this one depends on; only what it says about ours counts.
        let stem = name.replacingOccurrences(of: "@.service", with: "@").replacingOccurrences(of: ".service", with: "")
        var findings = (result.outputText + "\n" + String(decoding: result.error, as: UTF8.self))
            .split(separator: "\n").map(String.init)
            .filter { $0.contains(folder.path) || $0.contains(stem) }
        if result.status != 0 { findings.append("exit status \(result.status)") }
        return findings
    }
}

/// A Containerfile's instructions by stage, with continuation lines joined and comments dropped.
struct Containerfile {
    struct Instruction {
        var keyword: String
        var arguments: String
    }

    struct Stage {
        var image: String
        var name: String
        var instructions: [Instruction]

        /// An `ARG NAME="value"` of this stage: its value, quotes removed.
        func argument(named name: String) -> String? {
            for instruction in instructions where instruction.keyword == "ARG" && instruction.arguments.hasPrefix(name + "=") {
                return String(instruction.arguments.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            return nil
        }
    }

    var stages: [Stage] = []

    init(text: String) throws {
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast().trimmingCharacters(in: .whitespaces) + " "
                continue
            }
            let whole = pending + line
            pending = ""
            let parts = whole.split(separator: " ", maxSplits: 1).map(String.init)
            let instruction = Instruction(keyword: parts[0].uppercased(), arguments: parts.count > 1 ? parts[1] : "")
            if instruction.keyword == "FROM" {
                let words = instruction.arguments.split(separator: " ").map(String.init)
                let name = words.count == 3 && words[1].uppercased() == "AS" ? words[2] : ""
                stages.append(Stage(image: words[0], name: name, instructions: []))
            } else if !stages.isEmpty {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
    }

    /// `["a", "b"]`, the exec form of CMD and ENTRYPOINT, as its words.
    static func execForm(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}

/// A release `coach` built as the Containerfile builds it, and the Debian packages its libraries come from.
enum ReleaseBinary {
    /// `COACH_RELEASE_BINARY`, else `.build/release/coach`, if it is there, linked with the Swift runtime inside
    /// (`--static-swift-stdlib`), and `ldd` and `dpkg` can say what it needs. Any other build would list Swift's
    /// own libraries, which the image does not install.
    static let staticPath: String? = {
        let given = ProcessInfo.processInfo.environment["COACH_RELEASE_BINARY"]
        let path = given ?? Fixtures.projectRoot.appendingPathComponent(".build/release/coach").path
        guard FileManager.default.isExecutableFile(atPath: path), ChildProcess.find("ldd") != nil,
            ChildProcess.find("dpkg") != nil, let libraries = try? libraries(path)
        else { return nil }
        return libraries.contains { $0.contains("libswiftCore") } ? nil : path
    }()

    /// The libraries `ldd` resolves for the binary, as paths. Read synchronously: it decides whether a test runs.
    static func libraries(_ binary: String) throws -> [String] {
        guard let ldd = ChildProcess.find("ldd") else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ldd)
        process.arguments = [binary]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // "\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)", "\t/lib64/ld-linux-x86-64.so.2 (0x…)", and the
        // kernel's "linux-vdso.so.1 (0x…)", which is no file.
        return String(decoding: output, as: UTF8.self).split(separator: "\n").compactMap { line in
            let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if let arrow = words.firstIndex(of: "=>"), arrow + 1 < words.count, words[arrow + 1].hasPrefix("/") {
                return words[arrow + 1]
            }
            return words.first?.hasPrefix("/") == true ? words.first : nil
        }
    }

    /// The Debian packages the binary's libraries belong to, as `dpkg -S` says.
    static func packages(needed binary: String) async throws -> Set<String> {
        var packages = Set<String>()
        let dpkg = try #require(ChildProcess.find("dpkg"))
        for library in try libraries(binary) {
            // Debian 12 keeps its libraries under /usr/lib but its package lists name the /lib paths they shipped
            // with, so the path is tried as ldd gives it, as the link resolves, and under /usr.
            let resolved = URL(fileURLWithPath: library).resolvingSymlinksInPath().path
            var owner: String?
            for candidate in [library, resolved, "/usr" + library, resolved.replacingOccurrences(of: "/usr/lib/", with: "/lib/")] {
                let result = try await ChildProcess.run(dpkg, ["-S", candidate])
                if result.status == 0, let name = result.outputText.split(separator: ":").first {
                    owner = String(name)
                    break
                }
            }
            packages.insert(try #require(owner, "no Debian package owns \(library)"))
        }
        return packages
    }

    /// The library packages in debian:bookworm-slim, which is Debian's minbase variant: what
    /// `debootstrap --variant=minbase --print-debs bookworm DIR http://deb.debian.org/debian` listed (on 2026-11-30),
    /// less the packages that are tools rather than libraries.
    static let bookwormSlimLibraries: Set<String> = [
        "libacl1", "libapt-pkg6.0", "libattr1", "libaudit-common", "libaudit1", "libblkid1", "libbz2-1.0", "libc-bin",
        "libc6", "libcap-ng0", "libcap2", "libcom-err2", "libcrypt1", "libdb5.3", "libdebconfclient0", "libext2fs2",
        "libffi8", "libgcc-s1", "libgcrypt20", "libgmp10", "libgnutls30", "libgpg-error0", "libhogweed6", "libidn2-0",
        "liblz4-1", "liblzma5", "libmd0", "libmount1", "libnettle8", "libp11-kit0", "libpam-modules",
        "libpam-modules-bin", "libpam-runtime", "libpam0g", "libpcre2-8-0", "libseccomp2", "libselinux1",
        "libsemanage-common", "libsemanage2", "libsepol2", "libsmartcols1", "libss2", "libstdc++6", "libsystemd0",
        "libtasn1-6", "libtinfo6", "libudev1", "libunistring2", "libuuid1", "libxxhash0", "libzstd1", "zlib1g",
    ]
}
