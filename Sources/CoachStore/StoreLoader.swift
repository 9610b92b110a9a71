#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What `open` found and repaired. Returned instead of logged (the store has no logger), so the runtime can say it.
public struct OpenReport: Sendable, Equatable {
    /// Schema of `state.json`, nil when there was none. An older value is where a migration would hook in; today
    /// older files decode through the caller's tolerant `Codable`.
    public var snapshotSchema: Int?
    /// The last journal sequence number folded into `state.json` (0 without one).
    public var snapshotSeq: Int
    /// Journal lines applied on top of the snapshot.
    public var replayedLines: Int
    /// Journal lines the snapshot already held: left by a crash between writing the snapshot and the journal reset.
    public var skippedLines: Int
    /// Bytes of a torn last journal line that were cut off (0 when the journal ended cleanly).
    public var droppedTornBytes: Int
    /// Temp files a crash during compaction left behind, now removed.
    public var removedTempFiles: [String]
}

/// The read-only half of `open`: decodes and validates everything before anything on disk is touched, so a corrupt
/// or newer directory is reported and left exactly as it was.
struct StoreLoader<Snapshot: Codable, Event: Codable> {
    let paths: StorePaths
    let schemaVersion: Int
    let decoder = StoreCoding.decoder()

    struct Result {
        var state: Snapshot
        var lastSeq: Int
        var report: OpenReport
        /// Length of the journal up to the end of its last complete line; nil when there is no journal file.
        var journalLength: Int?
    }

    /// - Parameter journalFirst: read the journal before the snapshot. `inspect` reads while a bot may be
    ///   compacting, which replaces the snapshot first and the journal second: a journal read first is never newer
    ///   than the snapshot read after it, so the pair is always consistent (the order backups use). Under the lock
    ///   nothing changes underneath, and reading the snapshot first lets its bytes go before the journal's are read,
    ///   which keeps a large state's start-up peak lower.
    func load(
        initial: () -> Snapshot, apply: (inout Snapshot, Event) throws -> Void, journalFirst: Bool = false
    ) throws -> Result {
        let early = journalFirst ? try SystemCalls.readFile(paths.journal) : nil
        var (state, snapshotSeq, snapshotSchema) = try loadSnapshot(initial: initial)
        let journal = journalFirst ? early : try SystemCalls.readFile(paths.journal)
        var result = Result(
            state: state, lastSeq: snapshotSeq,
            report: OpenReport(
                snapshotSchema: snapshotSchema, snapshotSeq: snapshotSeq, replayedLines: 0, skippedLines: 0,
                droppedTornBytes: 0, removedTempFiles: []
            ),
            journalLength: nil
        )
        if let journal {
            try replay(journal, snapshotSeq: snapshotSeq, into: &state, result: &result, apply: apply)
        }
        result.state = state
        return result
    }

    private func loadSnapshot(initial: () -> Snapshot) throws -> (Snapshot, seq: Int, schema: Int?) {
        guard let data = try SystemCalls.readFile(paths.snapshot) else { return (initial(), 0, nil) }
        let (state, seq, schema) = try decodeSnapshot(data, path: paths.snapshot)
        return (state, seq, schema)
    }

    /// A snapshot document's state, seq and schema, checked as `open` checks `state.json`: the one strict reading,
    /// shared with restoring a backup. `path` names the document in the errors.
    func decodeSnapshot(_ data: Data, path: String) throws -> (state: Snapshot, seq: Int, schema: Int) {
        let file: SnapshotFile<Snapshot>
        do {
            file = try decoder.decode(SnapshotFile<Snapshot>.self, from: data)
        } catch {
            try rejectNewerSchema(data, path: path)
            let reason = StoreCoding.syntaxError(in: data) ?? StoreCoding.describe(error, in: data)
            throw StoreError.corruptSnapshot(path: path, reason: reason)
        }
        guard file.schema <= schemaVersion else {
            throw StoreError.newerSchema(path: path, found: file.schema, supported: schemaVersion)
        }
        guard file.seq >= 0 else {
            throw StoreError.corruptSnapshot(path: path, reason: "negative seq \(file.seq)")
        }
        guard file.seq <= StoreLimits.largestSeq else {
            throw StoreError.corruptSnapshot(
                path: path, reason: "seq \(file.seq) is beyond \(StoreLimits.largestSeq), the largest this store writes")
        }
        return (file.state, file.seq, file.schema)
    }

    /// Applies every line newer than the snapshot. Only the very last piece of the file may be damaged (a crash in
    /// the middle of an append); anything else wrong is corruption.
    private func replay(
        _ data: Data, snapshotSeq: Int, into state: inout Snapshot, result: inout Result,
        apply: (inout Snapshot, Event) throws -> Void
    ) throws {
        let path = paths.journal
        let lines = Self.lineRanges(in: data)
        var goodLength = 0
        var previousSeq: Int?
        for (index, range) in lines.enumerated() {
            let lineNumber = index + 1
            let body = data[range]
            let isLastLine = index == lines.count - 1 && range.upperBound + 1 == data.endIndex
            let line: JournalLine<Event>
            do {
                line = try decoder.decode(JournalLine<Event>.self, from: body)
            } catch {
                try rejectNewerSchema(body, path: path)
                let syntaxError = StoreCoding.syntaxError(in: body)
                // A last line that is not even JSON is what a power cut can leave (e.g. zero-filled blocks);
                // valid JSON that does not decode is a real mismatch and must not be dropped silently.
                if isLastLine && syntaxError != nil { break }
                let reason = syntaxError ?? StoreCoding.describe(error, in: Data(body))
                throw StoreError.corruptJournal(path: path, line: lineNumber, reason: reason)
            }
            guard line.schema <= schemaVersion else {
                throw StoreError.newerSchema(path: path, found: line.schema, supported: schemaVersion)
            }
            if let previousSeq, line.seq <= previousSeq {
                throw StoreError.corruptJournal(
                    path: path, line: lineNumber, reason: "seq \(line.seq) does not follow seq \(previousSeq)")
            }
            guard line.seq >= 1 else {
                throw StoreError.corruptJournal(path: path, line: lineNumber, reason: "seq \(line.seq) is below 1")
            }
            guard line.seq <= StoreLimits.largestSeq else {
                throw StoreError.corruptJournal(
                    path: path, line: lineNumber,
                    reason: "seq \(line.seq) is beyond \(StoreLimits.largestSeq), the largest this store writes")
            }
            if line.seq <= snapshotSeq {
                result.report.skippedLines += 1
            } else {
                // A gap means history is missing, e.g. an old state.json restored next to a newer journal.
                let expected = max(previousSeq ?? snapshotSeq, snapshotSeq) + 1
                guard line.seq == expected else {
                    throw StoreError.corruptJournal(
                        path: path, line: lineNumber,
                        reason: "seq \(line.seq) where \(expected) was expected after snapshot seq \(snapshotSeq); "
                            + "part of the history is missing")
                }
                for event in line.events {
                    do {
                        try apply(&state, event)
                    } catch {
                        throw StoreError.applyFailed(path: path, line: lineNumber, reason: "\(error)")
                    }
                }
                result.report.replayedLines += 1
                result.lastSeq = line.seq
            }
            previousSeq = line.seq
            goodLength = range.upperBound + 1 - data.startIndex
        }
        result.journalLength = goodLength
        result.report.droppedTornBytes = data.count - goodLength
    }

    /// The byte ranges of the newline-terminated lines, without their "\n". Bytes after the last newline are left
    /// out: every append ends with "\n" in the same write, so a line without one never finished committing.
    /// memchr over the raw bytes, because walking a 16 MB `Data` through its Collection API is ~100x slower.
    static func lineRanges(in data: Data) -> [Range<Data.Index>] {
        let offset = data.startIndex
        return data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return [] }
            var ranges: [Range<Data.Index>] = []
            var start = 0
            while start < buffer.count,
                let found = memchr(base + start, Int32(UInt8(ascii: "\n")), buffer.count - start)
            {
                let newline = base.distance(to: UnsafeRawPointer(found))
                ranges.append(offset + start..<offset + newline)
                start = newline + 1
            }
            return ranges
        }
    }

    private func rejectNewerSchema(_ data: Data, path: String) throws {
        if let header = try? decoder.decode(SchemaHeader.self, from: data), header.schema > schemaVersion {
            throw StoreError.newerSchema(path: path, found: header.schema, supported: schemaVersion)
        }
    }
}
