import CSV
import Foundation

/// A table written by the CSV library (yaslab/CSV.swift) the way the export wrote it before it had its own writer:
/// the header quoted only where needed, every data field quoted, CRLF after every record. The tests hold the
/// export's writer to these bytes; the benchmark times the two on the same table.
public enum LibraryCSV {
    public static func write(header: [String], rows: some Sequence<some Sequence<String>>) throws -> [UInt8] {
        let stream = MemoryOutput()
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        try writer.write(row: header)
        for row in rows { try writer.write(row: row, quotedAtIndex: { _ in true }) }
        writer.stream.close()
        // The library puts the line break before each record; the export ends the file with one too.
        return stream.bytes + Array("\r\n".utf8)
    }
}

/// An output stream that collects what the library writes. The library writes a byte at a time; Foundation's file
/// and memory streams pay a call into CoreFoundation for each, where appending to an array costs next to nothing, so
/// the benchmark times the library's writing rather than the stream's.
final class MemoryOutput: OutputStream {
    private(set) var bytes: [UInt8] = []
    private var status: Stream.Status = .notOpen

    init() {
        super.init(toMemory: ())
        bytes.reserveCapacity(1 << 16)
    }

    required init(toMemory: ()) {
        super.init(toMemory: toMemory)
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var hasSpaceAvailable: Bool { true }

    override func write(_ buffer: UnsafePointer<UInt8>, maxLength length: Int) -> Int {
        if length == 1 {
            bytes.append(buffer.pointee)
        } else {
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: length))
        }
        return length
    }
}
