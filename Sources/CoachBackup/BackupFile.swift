import CoachCore
import CompressNIO
import Foundation
import NIOCore

/// The backup file: one line of JSON saying what it is, then the state, gzip-compressed.
///
/// ```
/// {"appVersion":"0.9.0","counts":{…},"createdAt":"2027-04-09T10:15:00Z","format":"servicecoach-backup",
///  "formatVersion":1,"payload":{"bytes":…,"compressedBytes":…,"compression":"gzip","crc32":"1c291ca3"},
///  "schemaVersion":5,"seq":812,"team":"Corner Bakery"}
/// <gzip stream of state.json exactly as the bot writes its snapshot>
/// ```
///
/// The header comes first and uncompressed, so what a file is, which versions it needs and whether it is whole is
/// known before a byte is decompressed (`head -1 file` shows it too), and a newer format may compress differently
/// without an older coach misreading it. The payload is the snapshot document the store writes at compaction
/// (`JournalStore.snapshotDocument`), so restoring it is reading a `state.json`, with the same strict decoder, and
/// `tail -n +2 file | gunzip` gives one back by hand.
public struct BackupFile: Sendable, Equatable {
    /// What the first line says.
    public var header: BackupHeader
    /// The state document, uncompressed.
    public var payload: Data

    /// The name every backup's header carries.
    public static let formatName = "servicecoach-backup"
    /// This build writes format 1 and reads 1 and older. A change an older coach would misread bumps it.
    public static let formatVersion = 1
    /// The most the header may be, so a file that is something else is told apart without reading it all as a line.
    static let largestHeader = 64 * 1024

    /// A file's bytes: the header line, then the compressed payload. Tests write headers of their own with it.
    static func bytes(header: BackupHeader, compressed: Data) throws -> Data {
        var bytes = try headerEncoder.encode(header)
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(compressed)
        return bytes
    }

    /// A file for `payload`, with the header's payload fields (sizes, checksum) worked out here.
    static func make(
        payload: Data, schemaVersion: Int, appVersion: String?, createdAt: Date, team: String, seq: Int,
        counts: BackupCounts
    ) throws -> (file: BackupFile, bytes: Data) {
        let compressed = try compress(payload)
        let header = BackupHeader(
            format: formatName, formatVersion: formatVersion, schemaVersion: schemaVersion, appVersion: appVersion,
            createdAt: createdAt, team: team, seq: seq, counts: counts,
            payload: .init(
                compression: BackupHeader.Payload.gzip, bytes: payload.count, compressedBytes: compressed.count,
                crc32: String(format: "%08x", CRC32.checksum(payload))))
        return (BackupFile(header: header, payload: payload), try bytes(header: header, compressed: compressed))
    }

    /// Reads a backup's bytes, checking everything that can be checked without the state's types: that it is a
    /// backup at all, its format version, that it is whole, that it decompresses completely and to the checksum.
    /// `path` names the file in the errors. The schema version and the state itself are the caller's to check.
    static func read(_ bytes: Data, path: String) throws(BackupError) -> BackupFile {
        let start = bytes.startIndex
        guard let newline = bytes.prefix(largestHeader).firstIndex(of: UInt8(ascii: "\n")) else {
            throw .notABackup(path: path, reason: bytes.isEmpty ? "it is empty" : "it does not start with a backup's header line")
        }
        let line = bytes[start..<newline]
        let decoder = headerDecoder
        guard let probe = try? decoder.decode(FormatProbe.self, from: line), probe.format == formatName else {
            throw .notABackup(path: path, reason: "its first line is not a backup's header")
        }
        if let version = probe.formatVersion, version > formatVersion {
            throw .newerFormat(path: path, found: version, supported: formatVersion)
        }
        let header: BackupHeader
        do {
            header = try decoder.decode(BackupHeader.self, from: line)
        } catch {
            throw .damaged(path: path, reason: "its header line cannot be read: \(error)")
        }
        let declared = header.payload
        guard declared.compression == BackupHeader.Payload.gzip else {
            throw .damaged(path: path, reason: "its header names the compression \"\(declared.compression)\", not gzip")
        }
        let compressed = bytes[(newline + 1)...]
        let expected = newline + 1 - start + declared.compressedBytes
        guard compressed.count >= declared.compressedBytes else {
            throw .truncated(path: path, expected: expected, found: bytes.count)
        }
        guard compressed.count == declared.compressedBytes else {
            throw .damaged(path: path, reason: "it holds \(bytes.count) bytes where its header says \(expected)")
        }
        // A header claiming more than deflate can give from these bytes (it packs at most about 1032 to 1) would
        // only make the reader allocate for it.
        guard declared.bytes >= 0, declared.bytes <= declared.compressedBytes * 1032 + 1024 else {
            throw .damaged(path: path, reason: "its header says \(declared.bytes) bytes of state, more than "
                + "\(declared.compressedBytes) compressed bytes can hold")
        }
        let payload: Data
        do {
            var buffer = ByteBuffer(bytes: compressed)
            let inflated = try buffer.decompress(with: .gzip(), maxSize: declared.bytes + 1)
            payload = Data(inflated.readableBytesView)
        } catch {
            throw .damaged(path: path, reason: "its compressed state does not decompress (\(error))")
        }
        guard payload.count == declared.bytes else {
            throw .damaged(path: path, reason: "its state decompresses to \(payload.count) bytes where its header says "
                + "\(declared.bytes)")
        }
        let crc = String(format: "%08x", CRC32.checksum(payload))
        guard crc == declared.crc32.lowercased() else {
            throw .damaged(path: path, reason: "its checksum is \(crc) where its header says \(declared.crc32)")
        }
        return BackupFile(header: header, payload: payload)
    }

    static func compress(_ payload: Data) throws -> Data {
        var buffer = ByteBuffer(bytes: payload)
        let compressed = try buffer.compress(with: .gzip())
        return Data(compressed.readableBytesView)
    }

    static var headerEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // One line, the same bytes for the same backup: people compare headers with diff and grep.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var headerDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// Just enough of a header to know it is one, and which format, before the rest of it is trusted.
    struct FormatProbe: Decodable {
        var format: String?
        var formatVersion: Int?
    }
}

/// A backup's first line.
public struct BackupHeader: Codable, Sendable, Equatable {
    /// Always `BackupFile.formatName`.
    public var format: String
    /// The layout of the file (`BackupFile.formatVersion` when written).
    public var formatVersion: Int
    /// The schema of the state inside (`CoachState.schemaVersion` of the coach that wrote it).
    public var schemaVersion: Int
    /// The coach that wrote it (`coach --version`), when known.
    public var appVersion: String?
    /// When the state was read.
    public var createdAt: Date
    /// The team's name from the config, for the person choosing a backup.
    public var team: String
    /// The last journal sequence number the state holds.
    public var seq: Int
    public var counts: BackupCounts
    public var payload: Payload

    public struct Payload: Codable, Sendable, Equatable {
        static let gzip = "gzip"
        public var compression: String
        /// The state document's size, uncompressed, and the compressed bytes after the header line.
        public var bytes: Int
        public var compressedBytes: Int
        /// CRC-32 of the uncompressed state document, eight hex digits.
        public var crc32: String
    }
}

/// What a backup holds, counted for the line `coach backup` and `coach restore` print.
public struct BackupCounts: Codable, Sendable, Equatable {
    public var members: Int
    /// Examples not deleted.
    public var examples: Int
    /// Programme weeks run, every cycle.
    public var weeks: Int
    public var goals: Int
    public var followUps: Int
    public var ideas: Int
    public var definitions: Int
    public var feedback: Int

    public init(_ state: CoachState) {
        members = state.members.count
        examples = state.examples.liveCount
        weeks = state.weeks.count
        goals = state.goals.count
        followUps = state.followUps.count
        ideas = state.ideas.count
        definitions = state.definitions.count
        feedback = state.feedback.count
    }
}
