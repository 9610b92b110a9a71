import CoachCore
import CompressNIO
import Foundation
import NIOCore

/// The backup file: one line of JSON saying what it is, then the state, gzip-compressed.
///
/// ```
/// {"appVersion":"0.9.0","counts":{…},"createdAt":"2027-04-09T10:15:00Z","format":"servicecoach-backup",
///  "formatVersion":1,"headerCRC32":"8f01d2e4","payload":{"bytes":…,"compressedBytes":…,"compressedCRC32":"…",
///  "compression":"gzip","crc32":"1c291ca3"},"schemaVersion":5,"seq":812,"team":"Corner Bakery"}
/// <gzip stream of state.json exactly as the bot writes its snapshot>
/// ```
///
/// Every byte is checked: the header line by its own CRC-32 (`headerCRC32`, taken over the line with those eight
/// digits as zeros), the compressed bytes by their length and CRC-32 (gzip's own header has fields zlib never
/// checks), and the state by its length and CRC-32 once decompressed. A flipped bit anywhere, or a file cut short,
/// is refused rather than restored.
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

    /// A file's bytes: the header line, its check filled in, then the compressed payload. Tests write headers of
    /// their own with it.
    static func bytes(header: BackupHeader, compressed: Data) throws -> Data {
        var unchecked = header
        unchecked.headerCRC32 = zeroCheck
        var line = try headerEncoder.encode(unchecked)
        guard let check = checkRange(in: line) else { throw EncodingError.invalidValue(header, .init(codingPath: [], debugDescription: "no header check")) }
        line.replaceSubrange(check, with: Data(String(format: "%08x", CRC32.checksum(line)).utf8))
        line.append(UInt8(ascii: "\n"))
        line.append(compressed)
        return line
    }

    static let zeroCheck = "00000000"
    private static let checkKey = Data(#""headerCRC32":""#.utf8)

    /// Where the header check's eight digits sit in a header line. The key's quotes cannot come from inside a
    /// string value, which JSON escapes, so the only match is the field itself.
    static func checkRange(in line: Data) -> Range<Data.Index>? {
        guard let key = line.range(of: checkKey) else { return nil }
        let digits = key.upperBound..<key.upperBound + zeroCheck.count
        return digits.upperBound <= line.endIndex ? digits : nil
    }

    /// Whether a header line's check matches the line.
    static func headerIsIntact(_ line: Data) -> Bool {
        guard let range = checkRange(in: line) else { return false }
        var zeroed = Data(line)
        let offset = range.lowerBound - line.startIndex
        zeroed.replaceSubrange(offset..<offset + zeroCheck.count, with: Data(zeroCheck.utf8))
        return String(format: "%08x", CRC32.checksum(zeroed)) == String(decoding: line[range], as: UTF8.self)
    }

    /// A file for `payload`, with the header's payload fields (sizes, checksum) worked out here.
    static func make(
        payload: Data, schemaVersion: Int, appVersion: String?, createdAt: Date, team: String, seq: Int,
        counts: BackupCounts
    ) throws -> (file: BackupFile, bytes: Data) {
        let compressed = try compress(payload)
        var header = BackupHeader(
            format: formatName, formatVersion: formatVersion, headerCRC32: zeroCheck, schemaVersion: schemaVersion,
            appVersion: appVersion, createdAt: createdAt, team: team, seq: seq, counts: counts,
            payload: .init(
                compression: BackupHeader.Payload.gzip, bytes: payload.count, compressedBytes: compressed.count,
                compressedCRC32: String(format: "%08x", CRC32.checksum(compressed)),
                crc32: String(format: "%08x", CRC32.checksum(payload))))
        let bytes = try bytes(header: header, compressed: compressed)
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), let check = checkRange(in: bytes[..<newline]) {
            header.headerCRC32 = String(decoding: bytes[check], as: UTF8.self)
        }
        return (BackupFile(header: header, payload: payload), bytes)
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
        guard let probe = try? decoder.decode(FormatProbe.self, from: line) else {
            // A header whose own bytes were damaged still names the format.
            if line.range(of: Data(formatName.utf8)) != nil {
                throw .damaged(path: path, reason: "its header line is not valid JSON")
            }
            throw .notABackup(path: path, reason: "its first line is not a backup's header")
        }
        guard probe.format == formatName else {
            throw .notABackup(path: path, reason: "its first line is not a backup's header")
        }
        // Before the check: a newer format may check its header another way.
        if let version = probe.formatVersion, version > formatVersion {
            throw .newerFormat(path: path, found: version, supported: formatVersion)
        }
        guard headerIsIntact(line) else {
            throw .damaged(path: path, reason: "its header line does not match its check (headerCRC32)")
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
        let compressedCRC = String(format: "%08x", CRC32.checksum(compressed))
        guard compressedCRC == declared.compressedCRC32.lowercased() else {
            throw .damaged(path: path, reason: "its compressed state's checksum is \(compressedCRC) where its header says "
                + "\(declared.compressedCRC32)")
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

    /// zlib's default level: at 100k examples level 1 saved a fifth of the backup's time (0.5 s) for a fifth more
    /// bytes (4.8 MB against 4.0), and a backup is written once and kept many times.
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
    /// CRC-32 of the header line as written with these eight digits as zeros.
    public var headerCRC32: String
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
        /// CRC-32 of the compressed bytes, eight hex digits.
        public var compressedCRC32: String
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
