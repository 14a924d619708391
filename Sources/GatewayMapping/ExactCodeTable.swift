#if canImport(Glibc)
    import Glibc
#endif

/// A code field's answers (`DialectMapper.resolveCode`) for every value it knows, keyed by the value's exact UTF-8
/// bytes: the dialect's local codes, the canonical codes, names and v1 names, each with the codes `resolveCode`
/// gives it, computed once per dialect through `resolveCode` itself.
///
/// A probe hashes the bytes (FNV-1a) and compares bytes: no `Hasher`, no Unicode-aware comparison, no array built
/// per value (`String`'s hashing and `==` follow canonical equivalence, so a `Set<String>` probe whose hash
/// collides with a non-ASCII name cost up to ≈ 2k instructions). A value found here is byte-equal to a key, hence
/// equal as a `String`, so it gets the key's answer exactly. A value not found (an unknown code, or text equal to a
/// key only under canonical equivalence) takes `resolveCode`'s general path, which gives the same answers as before.
struct ExactCodeTable: Sendable {
    /// Slot → entry index + 1 (0: free), capacity a power of two at least twice the entry count.
    private let slots: [Int32]
    private let keys: [[UInt8]]
    /// The codes of each key, as `resolveCode` gives them (nil: a v1 name that maps to no canonical code).
    private let answers: [[String]?]

    init(_ entries: [(key: String, answer: [String]?)]) {
        var keys: [[UInt8]] = []
        var answers: [[String]?] = []
        var capacity = 16
        while capacity < 2 * entries.count { capacity *= 2 }
        var slots = [Int32](repeating: 0, count: capacity)
        for (key, answer) in entries {
            let bytes = Array(key.utf8)
            var i = Int(truncatingIfNeeded: bytes.withUnsafeBufferPointer(Self.hash)) & (capacity - 1)
            var present = false
            while slots[i] != 0 {
                if keys[Int(slots[i]) - 1] == bytes {
                    present = true
                    break
                }
                i = (i + 1) & (capacity - 1)
            }
            if present { continue }  // the first entry of a key wins, as the lookups it mirrors do
            keys.append(bytes)
            answers.append(answer)
            slots[i] = Int32(keys.count)
        }
        self.slots = slots
        self.keys = keys
        self.answers = answers
    }

    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in b { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h ^ (h >> 29)
    }

    /// The answer for a value byte-equal to a key; nil when no key is (then `resolveCode`'s general path decides).
    func find(_ value: String) -> [String]?? {
        let found: Int? = value.utf8.withContiguousStorageIfAvailable { b -> Int? in
            let mask = slots.count - 1
            var i = Int(truncatingIfNeeded: Self.hash(b)) & mask
            while true {
                let s = Int(slots[i])
                if s == 0 { return nil }
                let key = keys[s - 1]
                if key.count == b.count {
                    let equal = key.withUnsafeBufferPointer { k in
                        guard let kb = k.baseAddress, let vb = b.baseAddress else { return b.count == 0 }
                        return memcmp(kb, vb, b.count) == 0
                    }
                    if equal { return s - 1 }
                }
                i = (i + 1) & mask
            }
        } ?? nil
        guard let found else { return nil }
        return .some(answers[found])
    }
}
