/// Integers in decimal, as `String(n)` writes them, straight into a byte buffer: the writers of canonical JSON,
/// row reports and row locations, which write one or more numbers per row.
public enum DecimalDigits {
    /// The most bytes `write` writes: 20, for `Int.min` ("-9223372036854775808") and `UInt64.max`.
    @inlinable
    public static var maxCount: Int { 20 }

    /// The number of decimal digits of `value` (1 for 0).
    @inlinable
    public static func count(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits &+= 1
            rest /= 10
        }
        return digits
    }

    /// Writes `value`'s digits at `p` (no sign, no leading zero) and returns how many: `count(value)`, which `p`
    /// must have room for.
    @inlinable
    public static func write(_ value: UInt64, to p: UnsafeMutablePointer<UInt8>) -> Int {
        write(value, digits: count(value), to: p)
    }

    /// Writes `value`'s digits at `p` when the caller already has their number, `digits` (= `count(value)`).
    @inlinable
    public static func write(_ value: UInt64, digits: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var v = value
        var i = digits &- 1
        while i >= 0 {
            p[i] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
            v /= 10
            i &-= 1
        }
        return digits
    }

    /// Writes `n` as `String(n)` writes it (`-` before a negative number) at `p` and returns the byte count; `p`
    /// must have room for `maxCount` bytes.
    @inlinable
    public static func write(_ n: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        if n >= 0 { return write(UInt64(n), to: p) }
        p[0] = UInt8(ascii: "-")
        return 1 &+ write(UInt64(n.magnitude), to: p + 1)
    }

    /// Appends `n` as `String(n)` writes it.
    @inlinable
    public static func append(_ n: Int, to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxCount) { buffer in
            guard let base = buffer.baseAddress else { return }
            let count = write(n, to: base)
            // Byte by byte: `append(contentsOf:)` here made a second specialization of it in GatewayCore, which
            // the optimizer merged with the one the hot paths call, putting a thunk in front of every other call
            // (measured: 6 instructions a call, 72 a mapped CSV row).
            for k in 0..<count { bytes.append(base[k]) }
        }
    }
}
