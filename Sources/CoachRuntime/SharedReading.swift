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

    /// A book by its markup and a digest of every byte of its wording (each template's name and text, the command
    /// help and the reward ideas). The digest is 64 bits, so two different wordings share a book only with odds
    /// of about one in 10^17 for the few kept; hashing the texts themselves on every lookup cost more than the
    /// compile it saved, byte by byte (measured: a fifth of a 1,000-team start).
    struct BookKey: Hashable {
        var markup: Markup
        var wording: Int
    }

    private let files = Mutex<[FileKey: [UInt8]]>([:])
    private let catalogues = Mutex<[FileKey: Catalogue]>([:])
    private let books = Mutex<[BookKey: PromptBook]>([:])
    private let texts = Mutex<[FileKey: String]>([:])

    /// A template's text from its file, less the final newline (an editor habit, not part of the message): one
    /// string for every team that reads the same file.
    func template(_ file: FileKey, _ bytes: [UInt8], url: URL) throws(SetupError) -> String {
        if let known = texts.withLock({ $0[file] }) { return known }
        guard let text = String(bytes: bytes, encoding: .utf8) else {
            throw .unreadable(path: url.path, reason: "it is not UTF-8 text")
        }
        let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
        texts.withLock { cache in
            if cache.count >= 4096 { cache = [:] }
            cache[file] = trimmed
        }
        return trimmed
    }

    /// A file's bytes: the same array (shared storage) for every reader while the file is unchanged, and the key
    /// that names this version of it.
    func file(_ url: URL) throws -> (file: FileKey, bytes: [UInt8]) {
        // stat(2) itself: FileManager's attributes cost several calls a file (the owner's name among them), and a
        // thousand teams look at every shared template at start-up.
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            // FileManager says why in its own words, as the setup's error has always quoted them.
            _ = try FileManager.default.attributesOfItem(atPath: url.path)
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let modified = Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        let key = FileKey(path: url.standardizedFileURL.path, size: Int(info.st_size), modified: modified)
        if let known = files.withLock({ $0[key] }) { return (key, known) }
        let bytes = [UInt8](try Data(contentsOf: url))
        files.withLock { cache in
            if cache.count >= 8192 { cache = [:] }
            cache[key] = bytes
        }
        return (key, bytes)
    }

    func catalogue(_ file: FileKey, _ bytes: [UInt8]) throws(ConfigError) -> Catalogue {
        if let known = catalogues.withLock({ $0[file] }) { return known }
        let catalogue = try Catalogue(json: bytes)
        catalogues.withLock { cache in
            if cache.count >= Self.bookLimit { cache = [:] }
            cache[file] = catalogue
        }
        return catalogue
    }

    /// The templates of `setup` compiled for `markup`: from the cache when the setup's wording digest is known and
    /// a book was compiled for it; a setup whose wording was changed in memory (digest 0) always compiles its own.
    func book(_ markup: Markup, _ setup: CoachSetup) throws(ConfigError) -> PromptBook {
        func compile() throws(ConfigError) -> PromptBook {
            try PromptBook(
                markup: markup, templates: setup.templates, commandHelpJSON: setup.commandHelp,
                rewardIdeasJSON: setup.rewardIdeas)
        }
        guard setup.wordingDigest != 0 else { return try compile() }
        let key = BookKey(markup: markup, wording: setup.wordingDigest)
        if let known = books.withLock({ $0[key] }) { return known }
        let book = try compile()
        books.withLock { cache in
            if cache.count >= Self.bookLimit { cache = [:] }
            cache[key] = book
        }
        return book
    }
}

extension Hasher {
    /// Feeds `bytes` in one call: `combine(_ array:)` hashes an array element by element, many times slower.
    mutating func combine(contentsOf bytes: [UInt8]) {
        combine(bytes.count)
        bytes.withUnsafeBytes { combine(bytes: $0) }
    }
}
