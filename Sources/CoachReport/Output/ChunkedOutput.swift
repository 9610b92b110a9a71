/// Bytes on their way to a file, gathered into chunks: the exports are written as they are made, a chunk of about
/// 64 KiB at a time, so a year of a large team's examples never sits in memory as a whole file (let alone as the
/// JSON encoder's tree of it), and the system is called once a chunk rather than once a field.
///
/// Without a drain, nothing leaves: the bytes stay in `bytes`, which is how the tests and a caller that wants the
/// file in memory use the same writers.
///
/// A struct the writers take `inout`, not a class: a class's stored array is checked for exclusive access at run
/// time on every append, which was about half the CSV writer's time.
struct ChunkedOutput {
    /// How much is gathered before it is handed on: large enough that a system call per chunk costs nothing next
    /// to making its bytes, small enough to stay in the processor's cache.
    static let chunkSize = 1 << 16

    private(set) var bytes: [UInt8] = []
    private let drain: ((UnsafeBufferPointer<UInt8>) throws -> Void)?

    init(drain: ((UnsafeBufferPointer<UInt8>) throws -> Void)? = nil) {
        self.drain = drain
        // A record may run past the chunk before the writer's next `endOfRecord()`.
        bytes.reserveCapacity(2 * Self.chunkSize)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    @inline(__always)
    mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
    }

    /// A string's UTF-8, as it is.
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Called by the writers between records, the only places a chunk is handed on: a record is never split
    /// between two calls to the drain for nothing, and the check costs nothing per byte.
    @inline(__always)
    mutating func endOfRecord() throws {
        if drain != nil, bytes.count >= Self.chunkSize { try flush() }
    }

    /// Hands on what is gathered. The writer's caller calls it once more at the end.
    mutating func flush() throws {
        guard let drain, !bytes.isEmpty else { return }
        try bytes.withUnsafeBufferPointer(drain)
        bytes.removeAll(keepingCapacity: true)
    }
}
