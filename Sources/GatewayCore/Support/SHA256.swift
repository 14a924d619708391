/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) in plain Swift.
///
/// GatewayCore must run without OpenSSL (ARCHITECTURE.md: the domain is tested without C libraries), yet it needs
/// a hash for deterministic record ids and the keyed hash of identity numbers. Inputs here are short (a natural
/// key, an identity number), so this simple implementation is enough; bulk digests of payloads use OpenSSL in
/// GatewayCrypto. Checked against the FIPS 180-4 and RFC 4231 vectors in the tests.
public enum SHA256 {
    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The 32-byte digest of `message`.
    ///
    /// Written for speed in plain Swift (record ids hash one short key per mapped row): the padded message is
    /// built once, the schedule lives in a stack buffer, the state in locals, and no bounds checks run in the
    /// rounds. Checked against the FIPS 180-4 vectors, including multi-block and boundary lengths.
    public static func hash<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let length = message.count
        let padded = (length + 9 + 63) / 64 * 64
        var data = [UInt8](repeating: 0, count: padded)
        data.withUnsafeMutableBufferPointer { buffer in
            var i = 0
            for byte in message {
                buffer[i] = byte
                i += 1
            }
            buffer[length] = 0x80
            let bitLength = UInt64(length) &* 8
            for j in 0..<8 { buffer[padded - 1 - j] = UInt8(truncatingIfNeeded: bitLength >> UInt64(8 * j)) }
        }
        var h0: UInt32 = 0x6a09_e667
        var h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372
        var h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f
        var h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab
        var h7: UInt32 = 0x5be0_cd19
        data.withUnsafeBufferPointer { bytes in
            k.withUnsafeBufferPointer { k in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    var chunk = 0
                    while chunk < padded {
                        for i in 0..<16 {
                            let b = chunk &+ i &* 4
                            w[i] =
                                UInt32(bytes[b]) << 24 | UInt32(bytes[b &+ 1]) << 16 | UInt32(bytes[b &+ 2]) << 8
                                | UInt32(bytes[b &+ 3])
                        }
                        for i in 16..<64 {
                            let x = w[i &- 15]
                            let y = w[i &- 2]
                            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                            w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
                        }
                        var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
                        for i in 0..<64 {
                            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                            let ch = (e & f) ^ (~e & g)
                            let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                            let maj = (a & b) ^ (a & c) ^ (b & c)
                            let t2 = s0 &+ maj
                            hh = g
                            g = f
                            f = e
                            e = d &+ t1
                            d = c
                            c = b
                            b = a
                            a = t1 &+ t2
                        }
                        h0 = h0 &+ a
                        h1 = h1 &+ b
                        h2 = h2 &+ c
                        h3 = h3 &+ d
                        h4 = h4 &+ e
                        h5 = h5 &+ f
                        h6 = h6 &+ g
                        h7 = h7 &+ hh
                        chunk &+= 64
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: 32)
        for (n, word) in [h0, h1, h2, h3, h4, h5, h6, h7].enumerated() {
            out[4 * n] = UInt8(truncatingIfNeeded: word >> 24)
            out[4 * n + 1] = UInt8(truncatingIfNeeded: word >> 16)
            out[4 * n + 2] = UInt8(truncatingIfNeeded: word >> 8)
            out[4 * n + 3] = UInt8(truncatingIfNeeded: word)
        }
        return out
    }

    /// HMAC-SHA-256 of `message` under `key` (RFC 2104).
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = hash(block.map { $0 ^ 0x36 } + message)
        return hash(block.map { $0 ^ 0x5c } + inner)
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two characters a byte.
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        let d = UnsafeBufferPointer(start: digits.utf8Start, count: 16)
        for byte in self {
            out.append(d[Int(byte >> 4)])
            out.append(d[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
