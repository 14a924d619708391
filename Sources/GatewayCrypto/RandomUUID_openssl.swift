import COpenSSL
import Foundation

/// Version 4 UUIDs from OpenSSL's CSPRNG, lower case (Foundation's `UUID()` opens /dev/urandom on every call
/// here, which showed up as 5 % of envelope signing time).
enum RandomUUID {
    static func make() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        if RAND_bytes(&bytes, 16) != 1 {
            ERR_clear_error()
            return UUID().uuidString.lowercased()
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(0x2D) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
