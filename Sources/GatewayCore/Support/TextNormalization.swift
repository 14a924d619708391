/// Small text normalisations shared by identifier checks and the mapping layer.
///
/// Each has an ASCII fast path (identifiers and most values are ASCII): the same result as the general path,
/// which looks up Unicode properties per scalar, without the lookups or a new string when nothing changes.
public enum TextNormalization {
    /// Full-width ASCII forms (U+FF01…U+FF5E) to ASCII, the ideographic space (U+3000) to a space.
    ///
    /// Chinese input methods produce full-width digits and letters (`９１３３…`); they are the same characters.
    public static func halfWidth(_ text: String) -> String {
        if !needsHalfWidth(text) { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E: scalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: scalar.value - 0xFEE0)))
            case 0x3000: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether `text` holds U+3000 (E3 80 80) or a full-width form U+FF01…U+FF5E (EF BC 81…EF BD 9E): a byte scan,
    /// so that text with other CJK punctuation (`〔〕`, E3 80 94/95) takes the fast path too.
    public static func needsHalfWidth(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            var i = 0
            let n = b.count
            while i + 2 < n {
                let x = b[i]
                if x == 0xE3 {
                    if b[i + 1] == 0x80 && b[i + 2] == 0x80 { return true }
                } else if x == 0xEF {
                    let y = b[i + 1]
                    let z = b[i + 2]
                    if (y == 0xBC && z >= 0x81) || (y == 0xBD && z <= 0x9E) { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// Whether an ASCII byte is Unicode white space (U+0009…U+000D, U+0020).
    @inline(__always)
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// `scalar.properties.isWhitespace` (the Unicode White_Space property) without the property-table lookup:
    /// the 25 White_Space scalars are fixed since Unicode 6.3. `TextNormalizationTests` compares it with the
    /// property for every scalar.
    @inline(__always)
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        if v < 0x1680 { return v == 0x85 || v == 0xA0 }
        switch v {
        case 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Whether a scalar starting with UTF-8 byte `lead` may be white space: ASCII white space, or a lead byte of
    /// one of the non-ASCII White_Space scalars (C2, E1, E2, E3). A continuation byte answers true (unknown).
    @inline(__always)
    static func mayStartWhitespace(_ lead: UInt8) -> Bool {
        if lead < 0x80 { return isASCIIWhitespace(lead) }
        return lead < 0xC0 || lead == 0xC2 || lead == 0xE1 || lead == 0xE2 || lead == 0xE3
    }

    /// Trims ASCII and Unicode white space (including U+3000 and no-break space) at both ends.
    public static func trim(_ text: String) -> String {
        // Fast path, on the bytes: a first and last scalar whose lead byte no white-space scalar has (ASCII other
        // than white space, most CJK text) cannot be white space. The non-ASCII White_Space scalars start with C2
        // (U+0085, U+00A0), E1 (U+1680), E2 (U+2000…U+205F) or E3 (U+3000).
        let quick = text.utf8.withContiguousStorageIfAvailable { b -> Bool in
            let n = b.count
            guard n > 0, !mayStartWhitespace(b[0]) else { return false }
            var i = n - 1
            while i > 0, n - i < 4, b[i] & 0xC0 == 0x80 { i -= 1 }
            return !mayStartWhitespace(b[i])
        }
        if quick == true { return text }
        let scalars = text.unicodeScalars
        if let first = scalars.first, let last = scalars.last, !isWhitespace(first), !isWhitespace(last) {
            return text
        }
        guard let start = scalars.firstIndex(where: { !isWhitespace($0) }) else { return "" }
        guard let end = scalars.lastIndex(where: { !isWhitespace($0) }) else {
            preconditionFailure("a string with a non-space scalar has a last non-space scalar")
        }
        return String(scalars[start...end])
    }

    /// The form identifier checks work on: trimmed, half-width, ASCII letters upper-cased, inner spaces removed.
    public static func identifier(_ text: String) -> String {
        var ascii = true
        var unchanged = true
        for byte in text.utf8 {
            if byte >= 0x80 {
                ascii = false
                break
            }
            if isASCIIWhitespace(byte) || (byte >= 0x61 && byte <= 0x7A) { unchanged = false }
        }
        if ascii {
            if unchanged { return text }
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            for byte in text.utf8 where !isASCIIWhitespace(byte) {
                out.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            }
            return String(decoding: out, as: UTF8.self)
        }
        let half = halfWidth(text)
        var out = String.UnicodeScalarView()
        for scalar in half.unicodeScalars where !isWhitespace(scalar) {
            if scalar.value >= 0x61 && scalar.value <= 0x7A {
                out.append(Unicode.Scalar(UInt8(truncatingIfNeeded: scalar.value - 0x20)))
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
