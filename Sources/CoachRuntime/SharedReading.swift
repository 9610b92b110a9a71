import CoachCore
import Foundation
import Synchronization

/// What many teams of one process read alike, read and built once: the shared wording's files, the catalogue
/// parsed from them, and the templates compiled for each markup.
///
/// A thousand teams on the shipped wording would otherwise each hold their own copy of every template (half a
/// megabyte of text), their own parsed catalogue and two compiled books (the chat's markup and the report's HTML):
/// about 2 MB and 0.2 s of start-up a team, measured with `COACH_BENCH_ONLY=teams`. Everything here is keyed by
/// content (a file by its path, size and modification time; a book by its every template), so a team with its own
/// wording gets its own, and an edited file is read again at the next reload.
final class SharedReading: Sendable {
    static let shared = SharedReading()

    /// The most distinct books kept: the shipped wording in the platforms' few markups, and a team or two with
    /// their own. Past it the cache starts afresh, which costs a compile, never a wrong book.
    static let bookLimit = 64

    struct FileKey: Hashable {
        var path: String
        var size: Int
        var modified: Date
    }

    struct BookKey: Hashable {
        var markup: Markup
        var templates: [String: String]
        var commandHelp: [UInt8]
        var rewardIdeas: [UInt8]
    }

    private let files = Mutex<[FileKey: [UInt8]]>([:])
    private let catalogues = Mutex<[[UInt8]: Catalogue]>([:])
    private let books = Mutex<[BookKey: PromptBook]>([:])
    private let texts = Mutex<[[UInt8]: String]>([:])

    /// A template's text from its file's bytes, less the final newline (an editor habit, not part of the message):
    /// one string for every team whose file holds the same bytes.
    func template(_ bytes: [UInt8], url: URL) throws(SetupError) -> String {
        if let known = texts.withLock({ $0[bytes] }) { return known }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw .unreadable(path: url.path, reason: "it is not UTF-8 text")
        }
        let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
        texts.withLock { cache in
            if cache.count >= 4096 { cache = [:] }
            cache[bytes] = trimmed
        }
        return trimmed
    }

    /// A file's bytes: the same array (shared storage) for every reader while the file is unchanged.
    func bytes(of url: URL) throws -> [UInt8] {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        let key = FileKey(
            path: url.standardizedFileURL.path, size: (attributes[.size] as? NSNumber)?.intValue ?? -1,
            modified: attributes[.modificationDate] as? Date ?? .distantPast)
        if let known = files.withLock({ $0[key] }) { return known }
        let bytes = [UInt8](try Data(contentsOf: url))
        files.withLock { cache in
            // One entry per path: an edited file replaces its old bytes.
            cache = cache.filter { $0.key.path != key.path }
            cache[key] = bytes
        }
        return bytes
    }

    func catalogue(_ bytes: [UInt8]) throws(ConfigError) -> Catalogue {
        if let known = catalogues.withLock({ $0[bytes] }) { return known }
        let catalogue = try Catalogue(json: bytes)
        catalogues.withLock { cache in
            if cache.count >= Self.bookLimit { cache = [:] }
            cache[bytes] = catalogue
        }
        return catalogue
    }

    func book(_ key: BookKey) throws(ConfigError) -> PromptBook {
        if let known = books.withLock({ $0[key] }) { return known }
        let book = try PromptBook(
            markup: key.markup, templates: key.templates, commandHelpJSON: key.commandHelp, rewardIdeasJSON: key.rewardIdeas)
        books.withLock { cache in
            if cache.count >= Self.bookLimit { cache = [:] }
            cache[key] = book
        }
        return book
    }
}
