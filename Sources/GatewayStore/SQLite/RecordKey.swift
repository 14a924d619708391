/// How a record id is stored as a key (schema 4): a canonical id (`rec_` + 32 lowercase hex digits, see
/// `RecordID.make`) becomes its 16 raw bytes, half the size of the text in every index that holds it. Any other
/// id (tests, ids from older tools) is kept as its UTF-8 bytes behind one 0xFF byte, two when that would make it
/// 16 bytes long; 0xFF never occurs in UTF-8, so the two forms cannot collide and both convert back exactly.
enum RecordKey {
    private static let prefix = Array("rec_".utf8)

    /// The stored key of `id`.
    static func bytes(_ id: String) -> [UInt8] {
        let utf8 = Array(id.utf8)
        if let canonical = canonicalBytes(utf8) { return canonical }
        return (utf8.count + 1 == 16 ? [0xFF, 0xFF] : [0xFF]) + utf8
    }

    /// The record id a stored key stands for.
    static func id(_ key: [UInt8]) -> String {
        if key.count == 16 {
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            var text = prefix
            text.reserveCapacity(36)
            for byte in key {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return String(decoding: text, as: UTF8.self)
        }
        return String(decoding: key.drop(while: { $0 == 0xFF }), as: UTF8.self)
    }

    private static func canonicalBytes(_ text: [UInt8]) -> [UInt8]? {
        guard text.count == 36, text.starts(with: prefix) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        var high: UInt8?
        for c in text.dropFirst(4) {
            let nibble: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = c - UInt8(ascii: "a") + 10
            default: return nil  // upper-case hex is not canonical: kept as text so it converts back unchanged
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }
}

extension RecordKey {
    /// The stored key of one id, made without a heap allocation for a canonical id (the record write path binds it
    /// to two or three statements per record). Same bytes as `RecordKey.bytes(_:)`.
    struct Value {
        /// The 16 bytes of a canonical id, in order.
        private var raw: (UInt64, UInt64) = (0, 0)
        /// The key of an id that is not canonical (`RecordKey.bytes`); nil for a canonical one.
        private var other: [UInt8]?

        init(_ id: String) {
            var text = id
            let parsed = text.withUTF8 { utf8 -> (UInt64, UInt64)? in
                guard utf8.count == 36, utf8[0] == 0x72, utf8[1] == 0x65, utf8[2] == 0x63, utf8[3] == 0x5F else {
                    return nil  // not "rec_"
                }
                var words: (UInt64, UInt64) = (0, 0)
                let ok = withUnsafeMutableBytes(of: &words) { out -> Bool in
                    for i in 0..<16 {
                        guard let high = Self.nibble(utf8[4 + 2 * i]), let low = Self.nibble(utf8[5 + 2 * i]) else {
                            return false
                        }
                        out[i] = high << 4 | low
                    }
                    return true
                }
                return ok ? words : nil
            }
            if let parsed {
                raw = parsed
            } else {
                other = RecordKey.bytes(id)
            }
        }

        /// Lower-case hex only: upper-case ids are not canonical and keep their text (`RecordKey.bytes`).
        private static func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }

        /// Binds the key as a BLOB (SQLite copies it).
        func bind(_ statement: Statement, _ index: Int32) throws {
            if let other {
                try statement.bind(index, bytes: other)
                return
            }
            var raw = raw
            try withUnsafeBytes(of: &raw) { try statement.bind(index, raw: $0) }
        }

        /// The bytes (tests compare them with `RecordKey.bytes`).
        var bytes: [UInt8] {
            if let other { return other }
            var raw = raw
            return withUnsafeBytes(of: &raw) { Array($0) }
        }
    }
}
