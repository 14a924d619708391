/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) in plain Swift.
///
/// GatewayCore must run without OpenSSL (ARCHITECTURE.md: the domain is tested without C libraries), yet it needs
/// a hash for deterministic record ids and the keyed hash of identity numbers. Inputs here are short (a natural
/// key, an identity number), so this simple implementation is enough; bulk digests of payloads use OpenSSL in
/// GatewayCrypto. Checked against the FIPS 180-4 and RFC 4231 vectors in the tests.
public enum SHA256 {
    /// The 32-byte digest of `message`.
    ///
    /// Written for speed in plain Swift (record ids hash one short key per mapped row): full blocks are read in
    /// place from the message's contiguous storage, only the last one or two blocks are padded in a stack buffer,
    /// the state lives in locals, the 64 rounds are unrolled with their constants inline, and no bounds checks run
    /// in the rounds. Checked against the FIPS 180-4 vectors, boundary lengths and `openssl dgst -sha256`.
    public static func hash<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        if let digest = message.withContiguousStorageIfAvailable({ hash(bytes: UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(message).withUnsafeBytes { hash(bytes: $0) }
    }

    /// The digest of the bytes in `bytes` (the contiguous form every `hash` call ends in).
    static func hash(bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var state = State()
        state.absorb(bytes, previous: 0)
        return state.digest()
    }

    /// HMAC-SHA-256 of `message` under `key` (RFC 2104).
    ///
    /// The padded key blocks are compressed in place (no `key ⊕ ipad ‖ message` array); the same bytes as the
    /// textbook construction, checked against RFC 4231.
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let longKey = key.count > 64 ? hash(key) : key
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { pad in
            for i in 0..<64 { pad[i] = i < longKey.count ? longKey[i] ^ 0x36 : 0x36 }
            var inner = State()
            inner.compress(UnsafeRawPointer(pad.baseAddress!))
            message.withUnsafeBytes { inner.absorb($0, previous: 64) }
            let innerDigest = inner.digest()
            for i in 0..<64 { pad[i] ^= 0x36 ^ 0x5c }
            var outer = State()
            outer.compress(UnsafeRawPointer(pad.baseAddress!))
            innerDigest.withUnsafeBytes { outer.absorb($0, previous: 64) }
            return outer.digest()
        }
    }

    /// `"rec_"` and the first 16 digest bytes of `bytes` in lower-case hex: a record id, built without the
    /// digest array, its prefix slice or the hex string in between.
    static func recordID(bytes: UnsafeRawBufferPointer) -> String {
        var state = State()
        state.absorb(bytes, previous: 0)
        let digits: StaticString = "0123456789abcdef"
        let d = UnsafeBufferPointer(start: digits.utf8Start, count: 16)
        let words = (state.h0, state.h1, state.h2, state.h3)
        return String(unsafeUninitializedCapacity: 36) { out in
            out[0] = UInt8(ascii: "r")
            out[1] = UInt8(ascii: "e")
            out[2] = UInt8(ascii: "c")
            out[3] = UInt8(ascii: "_")
            withUnsafeBytes(of: words) { raw in
                for n in 0..<4 {
                    let word = raw.load(fromByteOffset: 4 * n, as: UInt32.self)
                    for j in 0..<8 {
                        out[4 + 8 * n + j] = d[Int((word >> UInt32(28 - 4 * j)) & 0x0f)]
                    }
                }
            }
            return 36
        }
    }

    /// The eight chaining words.
    struct State {
        var h0: UInt32 = 0x6a09_e667
        var h1: UInt32 = 0xbb67_ae85
        var h2: UInt32 = 0x3c6e_f372
        var h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f
        var h5: UInt32 = 0x9b05_688c
        var h6: UInt32 = 0x1f83_d9ab
        var h7: UInt32 = 0x5be0_cd19

        /// Compresses every full block of `bytes` in place, then pads the rest (one or two blocks on the stack).
        /// `previous` is the number of bytes already compressed (64 after an HMAC key block), for the length field.
        mutating func absorb(_ bytes: UnsafeRawBufferPointer, previous: Int) {
            let count = bytes.count
            var offset = 0
            if let base = bytes.baseAddress {
                while count - offset >= 64 {
                    compress(base + offset)
                    offset += 64
                }
            }
            let rest = count - offset
            let bitLength = UInt64(count + previous) &* 8
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                let blocks = rest + 9 <= 64 ? 64 : 128
                for i in 0..<blocks { tail[i] = 0 }
                if rest > 0, let base = bytes.baseAddress {
                    for i in 0..<rest { tail[i] = base.load(fromByteOffset: offset + i, as: UInt8.self) }
                }
                tail[rest] = 0x80
                for j in 0..<8 { tail[blocks - 1 - j] = UInt8(truncatingIfNeeded: bitLength >> UInt64(8 * j)) }
                let p = UnsafeRawPointer(tail.baseAddress!)
                compress(p)
                if blocks == 128 { compress(p + 64) }
            }
        }

        /// The 32-byte big-endian digest of the state.
        func digest() -> [UInt8] {
            let words = (h0, h1, h2, h3, h4, h5, h6, h7)
            return [UInt8](unsafeUninitializedCapacity: 32) { out, initialized in
                withUnsafeBytes(of: words) { raw in
                    for n in 0..<8 {
                        let word = raw.load(fromByteOffset: 4 * n, as: UInt32.self)
                        out[4 * n] = UInt8(truncatingIfNeeded: word >> 24)
                        out[4 * n + 1] = UInt8(truncatingIfNeeded: word >> 16)
                        out[4 * n + 2] = UInt8(truncatingIfNeeded: word >> 8)
                        out[4 * n + 3] = UInt8(truncatingIfNeeded: word)
                    }
                }
                initialized = 32
            }
        }

        /// One 64-byte block at `block` (any alignment).
        mutating func compress(_ block: UnsafeRawPointer) {
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { buffer in
                let w = buffer.baseAddress!
                for i in 0..<16 {
                    w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 &* i, as: UInt32.self))
                }
                for i in 16..<64 {
                    let x = w[i &- 15]
                    let y = w[i &- 2]
                    let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                    let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                    w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
                }
                var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                SHA256.round(a, b, c, &d, e, f, g, &h, 0x428a2f98 &+ w[0])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0x71374491 &+ w[1])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0xb5c0fbcf &+ w[2])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0xe9b5dba5 &+ w[3])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x3956c25b &+ w[4])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0x59f111f1 &+ w[5])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x923f82a4 &+ w[6])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0xab1c5ed5 &+ w[7])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0xd807aa98 &+ w[8])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0x12835b01 &+ w[9])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0x243185be &+ w[10])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0x550c7dc3 &+ w[11])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x72be5d74 &+ w[12])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0x80deb1fe &+ w[13])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x9bdc06a7 &+ w[14])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0xc19bf174 &+ w[15])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0xe49b69c1 &+ w[16])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0xefbe4786 &+ w[17])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0x0fc19dc6 &+ w[18])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0x240ca1cc &+ w[19])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x2de92c6f &+ w[20])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0x4a7484aa &+ w[21])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x5cb0a9dc &+ w[22])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0x76f988da &+ w[23])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0x983e5152 &+ w[24])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0xa831c66d &+ w[25])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0xb00327c8 &+ w[26])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0xbf597fc7 &+ w[27])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0xc6e00bf3 &+ w[28])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0xd5a79147 &+ w[29])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x06ca6351 &+ w[30])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0x14292967 &+ w[31])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0x27b70a85 &+ w[32])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0x2e1b2138 &+ w[33])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0x4d2c6dfc &+ w[34])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0x53380d13 &+ w[35])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x650a7354 &+ w[36])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0x766a0abb &+ w[37])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x81c2c92e &+ w[38])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0x92722c85 &+ w[39])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0xa2bfe8a1 &+ w[40])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0xa81a664b &+ w[41])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0xc24b8b70 &+ w[42])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0xc76c51a3 &+ w[43])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0xd192e819 &+ w[44])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0xd6990624 &+ w[45])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0xf40e3585 &+ w[46])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0x106aa070 &+ w[47])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0x19a4c116 &+ w[48])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0x1e376c08 &+ w[49])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0x2748774c &+ w[50])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0x34b0bcb5 &+ w[51])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x391c0cb3 &+ w[52])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0x4ed8aa4a &+ w[53])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0x5b9cca4f &+ w[54])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0x682e6ff3 &+ w[55])
                SHA256.round(a, b, c, &d, e, f, g, &h, 0x748f82ee &+ w[56])
                SHA256.round(h, a, b, &c, d, e, f, &g, 0x78a5636f &+ w[57])
                SHA256.round(g, h, a, &b, c, d, e, &f, 0x84c87814 &+ w[58])
                SHA256.round(f, g, h, &a, b, c, d, &e, 0x8cc70208 &+ w[59])
                SHA256.round(e, f, g, &h, a, b, c, &d, 0x90befffa &+ w[60])
                SHA256.round(d, e, f, &g, h, a, b, &c, 0xa4506ceb &+ w[61])
                SHA256.round(c, d, e, &f, g, h, a, &b, 0xbef9a3f7 &+ w[62])
                SHA256.round(b, c, d, &e, f, g, h, &a, 0xc67178f2 &+ w[63])
                h0 = h0 &+ a
                h1 = h1 &+ b
                h2 = h2 &+ c
                h3 = h3 &+ d
                h4 = h4 &+ e
                h5 = h5 &+ f
                h6 = h6 &+ g
                h7 = h7 &+ h
            }
        }
    }

    /// One round: `d` and `h` are the two words it changes; the caller rotates the names instead of the values.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
        _ h: inout UInt32, _ kw: UInt32
    ) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        d = d &+ t1
        h = t1 &+ t2
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two characters a byte.
    public var hexString: String { Array(self).hexString }
}

extension Array where Element == UInt8 {
    /// Lower-case hexadecimal, two characters a byte, written straight into the string's storage (a generic loop
    /// showed in the lookup route's profile: digests are hex-encoded per request).
    public var hexString: String {
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBufferPointer { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                let d = UnsafeBufferPointer(start: digits.utf8Start, count: 16)
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = d[Int(byte >> 4)]
                    out[2 * i + 1] = d[Int(byte & 0x0f)]
                }
                return bytes.count * 2
            }
        }
    }
}
