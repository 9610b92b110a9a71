import Foundation

/// CRC-32 (IEEE 802.3, the checksum gzip and zip carry), to tell a damaged backup from a good one.
///
/// A checksum against accidents (a disk, a copy, a transfer that flipped or lost bytes), not a seal against someone
/// who means harm: whoever can write a backup file can write any state into it, so a cryptographic hash would add a
/// dependency and no protection. Written here because zlib's own is out of reach behind compress-nio's API.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: some ContiguousBytes) -> UInt32 {
        bytes.withUnsafeBytes { buffer in
            table.withUnsafeBufferPointer { table in
                var crc: UInt32 = 0xFFFF_FFFF
                for byte in buffer { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
                return crc ^ 0xFFFF_FFFF
            }
        }
    }
}
