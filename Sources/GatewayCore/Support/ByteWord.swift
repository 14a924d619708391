/// Eight bytes at a time: the exact "some byte is zero / below n" tests on a 64-bit word (SWAR), shared by the
/// canonical JSON writer and the decoders, which skip runs of plain bytes with them.
///
/// Each test answers exactly whether *some* byte of the word has the property (the borrow of the subtraction can
/// mark a wrong lane above a true one, but never a lane when no byte has it), so callers use the answer for the
/// whole word and fall back to a byte loop from the first word that has such a byte.
public enum ByteWord {
    /// 0x01 in every byte. (Computed rather than stored: a stored global would be read through its accessor, a
    /// call, from the loops that inline these tests in other modules.)
    @inlinable @inline(__always)
    public static var ones: UInt64 { 0x0101_0101_0101_0101 }
    /// The high bit of every byte.
    @inlinable @inline(__always)
    public static var highs: UInt64 { 0x8080_8080_8080_8080 }

    /// The word whose eight bytes are all `byte`.
    @inlinable @inline(__always)
    public static func repeating(_ byte: UInt8) -> UInt64 { UInt64(byte) &* ones }

    /// Eight bytes from `base + offset`, any alignment.
    @inlinable @inline(__always)
    public static func load(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    }

    /// Non-zero exactly when some byte of `word` is zero.
    @inlinable @inline(__always)
    public static func zeroBytes(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }

    /// Non-zero exactly when some byte of `word` equals the byte that `repeated` (see `repeating`) repeats.
    @inlinable @inline(__always)
    public static func equalBytes(_ word: UInt64, _ repeated: UInt64) -> UInt64 { zeroBytes(word ^ repeated) }

    /// Non-zero exactly when some byte of `word` is a byte a JSON string must escape: a control character
    /// (below 0x20), `"` or `\`. Bytes 0x7F and 0x80–0xFF are not escaped.
    @inlinable @inline(__always)
    public static func jsonEscapeBytes(_ word: UInt64) -> UInt64 {
        let control = (word &- ones &* 0x20) & ~word
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        return (control | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & highs
    }

    /// Whether some byte of `word` must be escaped in a JSON string (`jsonEscapeBytes`).
    @inlinable @inline(__always)
    public static func needsJSONEscape(_ word: UInt64) -> Bool { jsonEscapeBytes(word) != 0 }

    /// Whether a single byte must be escaped in a JSON string.
    @inlinable @inline(__always)
    public static func needsJSONEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }

    /// From `start`, the offset of the first eight-byte word (at `start`, `start + 8`, …) that holds a byte to
    /// escape, or the first offset with fewer than eight bytes left before `end`: the bytes before it need no
    /// escaping; the caller tests the rest byte by byte.
    @inlinable
    public static func skipJSONPlainWords(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var i = start
        while i &+ 8 <= end {
            if needsJSONEscape(load(base, i)) { break }
            i &+= 8
        }
        return i
    }

    /// Whether any byte of `buffer` must be escaped in a JSON string: eight bytes at a time, then the tail.
    @inlinable
    public static func needsJSONEscape(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buffer.baseAddress else { return false }
        let n = buffer.count
        var i = skipJSONPlainWords(UnsafeRawPointer(base), from: 0, to: n)
        while i < n {
            if needsJSONEscape(base[i]) { return true }
            i &+= 1
        }
        return false
    }
}
