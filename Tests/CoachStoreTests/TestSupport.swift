import Foundation
import Testing

@testable import CoachStore

/// A small stand-in for the engine's state: a counter, a growing list (the "history") and a date.
struct Tally: Codable, Equatable {
    var count = 0
    var notes: [String] = []
    var lastSeen: Date?
    var score = 0.0
}

enum TallyEvent: Codable, Equatable {
    case add(Int)
    case note(String)
    case seen(Date)
    case score(Double)
}

struct RefusedEvent: Error, CustomStringConvertible {
    var description: String { "refused on purpose" }
}

func applyTally(_ state: inout Tally, _ event: TallyEvent) throws {
    switch event {
    case .add(let amount): state.count += amount
    case .note(let text): state.notes.append(text)
    case .seen(let date): state.lastSeen = date
    case .score(let score): state.score = score
    }
}

typealias TallyStore = JournalStore<Tally, TallyEvent>

func openTally(
    _ directory: URL, schema: Int = 1, options: StoreOptions = .init(),
    apply: (inout Tally, TallyEvent) throws -> Void = applyTally
) throws -> (store: TallyStore, state: Tally) {
    try TallyStore.open(
        directory: directory, schemaVersion: schema, options: options, initial: { Tally() }, apply: apply)
}

/// What the engine does per poll batch: apply in memory, then commit the batch with the new state.
func record(_ events: [TallyEvent], in store: TallyStore, state: inout Tally) throws {
    for event in events { try applyTally(&state, event) }
    try store.commit(events, state: state)
}

/// The batches the tests commit; batch `n` is the same every time so runs can be compared byte for byte.
func batch(_ n: Int) -> [TallyEvent] {
    [.add(n), .note("batch \(n)"), .seen(Date(timeIntervalSince1970: 1_700_000_000 + Double(n) * 60))]
}

/// Opens a fresh store in `directory`, commits batches `range`, and closes it; returns the committed state.
@discardableResult
func commitBatches(_ range: ClosedRange<Int>, in directory: URL, options: StoreOptions = .init()) throws -> Tally {
    var (store, state) = try openTally(directory, options: options)
    defer { store.close() }
    for n in range { try record(batch(n), in: store, state: &state) }
    return state
}

/// The state that committing batches `range` onto an empty store must produce.
func expectedTally(_ range: ClosedRange<Int>) throws -> Tally {
    var state = Tally()
    for n in range { for event in batch(n) { try applyTally(&state, event) } }
    return state
}

/// Runs `body` with a fresh directory under the system temp directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("CoachStoreTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

extension URL {
    var snapshotFile: URL { appendingPathComponent("state.json") }
    var journalFile: URL { appendingPathComponent("journal.jsonl") }
}

/// Every file in `directory` with its bytes, except the lock (open writes its pid there even when it then refuses).
func filesExceptLock(in directory: URL) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name != "state.lock" {
        files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
    }
    return files
}

func journalLines(in directory: URL) throws -> [Data] {
    try Data(contentsOf: directory.journalFile).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .dropLast().map { Data($0) }
}

func journalSeqs(in directory: URL) throws -> [Int] {
    try journalLines(in: directory).map { line in
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        return try #require(object["seq"] as? Int)
    }
}

func append(_ text: String, to file: URL) throws {
    let handle = try FileHandle(forWritingTo: file)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}

func inode(of file: URL) throws -> UInt64 {
    let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
    return try #require((attributes[.systemFileNumber] as? NSNumber)?.uint64Value)
}
