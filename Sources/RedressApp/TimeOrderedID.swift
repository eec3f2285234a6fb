import Foundation
import RedressDomain

/// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.
///
/// Case ids that rise with time make inserts land at the end of the primary-key and event indexes
/// instead of on random pages, so each group commit writes and syncs fewer pages.
enum TimeOrderedID {
    static func make(at now: Date) -> String {
        var rng = SystemRandomNumberGenerator()
        let ms = UInt64(max(0, now.millisecondsSince1970))
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        let r1 = rng.next() as UInt64, r2 = rng.next() as UInt64
        for i in 6..<16 { bytes[i] = UInt8(truncatingIfNeeded: (i < 11 ? r1 : r2) >> (8 * UInt64(i % 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return uuid.uuidString.lowercased()
    }
}
