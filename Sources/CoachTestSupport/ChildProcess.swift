import Foundation

/// A program run as the tests' own child process (chromium, systemd-analyze, ldd, dpkg): waits for it to exit (an
/// event, not a time), reading its output meanwhile so a chatty program never blocks on a full pipe.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var output: Data
        public var error: Data

        public var outputText: String { String(decoding: output, as: UTF8.self) }
        /// The end of what it wrote to stderr: enough to say why it failed, short enough for a test's message.
        public var errorText: String { String(decoding: error.suffix(2000), as: UTF8.self) }
    }

    /// The program's full path: `name` as given when it holds a slash, else the first executable `name` on the PATH.
    public static func find(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    public static func run(_ executable: String, _ arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        let outputData = Collected()
        let errorData = Collected()
        output.fileHandleForReading.readabilityHandler = { outputData.append($0.availableData) }
        error.fileHandleForReading.readabilityHandler = { errorData.append($0.availableData) }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        output.fileHandleForReading.readabilityHandler = nil
        error.fileHandleForReading.readabilityHandler = nil
        outputData.append(output.fileHandleForReading.readDataToEndOfFile())
        errorData.append(error.fileHandleForReading.readDataToEndOfFile())
        return Result(status: status, output: outputData.data, error: errorData.data)
    }

    final class Collected: @unchecked Sendable {
        // @unchecked: `bytes` is only touched under `lock`, from the pipes' handlers and the caller.
        private let lock = NSLock()
        private var bytes = Data()
        func append(_ more: Data) { lock.withLock { bytes.append(more) } }
        var data: Data { lock.withLock { bytes } }
    }
}
