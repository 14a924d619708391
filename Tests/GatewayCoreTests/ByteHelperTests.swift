import Testing

@testable import GatewayCore

/// `ByteWord` (the eight-bytes-at-a-time tests) and `DecimalDigits` against plain byte loops and `String(n)`.
@Suite struct ByteHelperTests {
    static func mustEscape(_ b: UInt8) -> Bool { b < 0x20 || b == 0x22 || b == 0x5C }

    /// Every byte value below 0x20, `"` and `\` need escaping; 0x20–0x7F (but `"` and `\`) and 0x80–0xFF do not.
    @Test func singleBytes() {
        var escaped: [UInt8] = []
        for value in 0...255 {
            let b = UInt8(value)
            #expect(ByteWord.needsJSONEscape(b) == Self.mustEscape(b), "byte \(value)")
            if ByteWord.needsJSONEscape(b) { escaped.append(b) }
            // The same byte in every lane of an otherwise plain word, and the word made of it alone.
            for lane in 0..<8 {
                var word = Array("abcdefgh".utf8)
                word[lane] = b
                let x = word.withUnsafeBytes { ByteWord.load($0.baseAddress!, 0) }
                #expect(ByteWord.needsJSONEscape(x) == Self.mustEscape(b), "byte \(value) in lane \(lane)")
                #expect((ByteWord.equalBytes(x, ByteWord.repeating(b)) != 0), "byte \(value) in lane \(lane)")
                #expect((ByteWord.zeroBytes(x) != 0) == (b == 0), "byte \(value) in lane \(lane)")
            }
            #expect(ByteWord.needsJSONEscape(ByteWord.repeating(b)) == Self.mustEscape(b))
        }
        #expect(escaped == Array(0..<0x20) + [0x22, 0x5C])
        #expect(!ByteWord.needsJSONEscape(UInt8(0x7F)) && !ByteWord.needsJSONEscape(UInt8(0x80)))
        #expect(ByteWord.equalBytes(ByteWord.load(Array("abcdefgh".utf8), 0), ByteWord.repeating(0x2C)) == 0)
    }

    /// Buffers of 0 to 17 bytes (no full word, one word and a tail, two words and one byte), plain ASCII and
    /// CJK filler, with every byte value at every position: the buffer test, and the word skip's stopping point.
    @Test func buffersOfEveryLength() {
        var dirty = 0
        for filler in [Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("嘉兴市场监督管理局".utf8)] {
            for length in 0...17 {
                let base = Array(filler.prefix(length))
                #expect(base.withUnsafeBufferPointer { ByteWord.needsJSONEscape($0) } == false)
                #expect(
                    base.withUnsafeBytes { b in
                        b.baseAddress.map { ByteWord.skipJSONPlainWords($0, from: 0, to: length) } ?? 0
                    } == length / 8 * 8)
                for position in 0..<length {
                    for value in 0...255 {
                        var bytes = base
                        bytes[position] = UInt8(value)
                        let expected = bytes.contains(where: Self.mustEscape)
                        if expected { dirty += 1 }
                        #expect(
                            bytes.withUnsafeBufferPointer { ByteWord.needsJSONEscape($0) } == expected,
                            "byte \(value) at \(position) of \(length)")
                        // The skip stops at the word holding the byte, or at the tail when the byte is in the tail.
                        let skipped = bytes.withUnsafeBytes {
                            ByteWord.skipJSONPlainWords($0.baseAddress!, from: 0, to: length)
                        }
                        let stop = expected && position < length / 8 * 8 ? position / 8 * 8 : length / 8 * 8
                        #expect(skipped == stop, "byte \(value) at \(position) of \(length)")
                    }
                }
            }
        }
        #expect(dirty == 2 * 34 * (0...17).reduce(0, +))
        // A start offset that is not a multiple of eight, and an end before the buffer's.
        let text = Array("0123456789\"abcdefghijkl".utf8)
        text.withUnsafeBytes { b in
            #expect(ByteWord.skipJSONPlainWords(b.baseAddress!, from: 3, to: text.count) == 3)  // `"` at 10
            #expect(ByteWord.skipJSONPlainWords(b.baseAddress!, from: 11, to: text.count) == 19)
            #expect(ByteWord.skipJSONPlainWords(b.baseAddress!, from: 0, to: 10) == 8)
            #expect(ByteWord.skipJSONPlainWords(b.baseAddress!, from: 0, to: 7) == 0)
        }
    }

    @Test func decimalDigits() {
        let values: [Int] = [
            0, 1, 9, 10, 11, 99, 100, 101, 12_345, 999_999_999, 1_000_000_000, 999_999_999_999, 1_000_000_000_000,
            Int.max, Int.max - 1, -1, -9, -10, -42, -1_000_000_000_000, Int.min + 1, Int.min,
        ]
        for n in values + (0..<200).map({ $0 * 7919 - 700_000 }) {
            var bytes: [UInt8] = [0x5B]
            DecimalDigits.append(n, to: &bytes)
            #expect(bytes == [0x5B] + Array(String(n).utf8), "\(n)")
            let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalDigits.maxCount) { b in
                let count = DecimalDigits.write(n, to: b.baseAddress!)
                return Array(b[..<count])
            }
            #expect(written == Array(String(n).utf8), "\(n)")
            #expect(written.count <= DecimalDigits.maxCount)
            if n >= 0 { #expect(DecimalDigits.count(UInt64(n)) == String(n).count, "\(n)") }
        }
        #expect(DecimalDigits.count(UInt64.max) == DecimalDigits.maxCount)
        let max = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DecimalDigits.maxCount) { b in
            Array(b[..<DecimalDigits.write(UInt64.max, to: b.baseAddress!)])
        }
        #expect(max == Array(String(UInt64.max).utf8))
    }
}
