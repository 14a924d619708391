import GatewayCore

/// The value transforms of the dialect format (Partners/README.md "Transforms"): text clean-up, date forms,
/// amounts with units, numbers. Each is a pure function, tested on its own.
public enum Transforms {
    /// A text transform, compiled from its name once per dialect (`compile`).
    enum Op: Sendable {
        case trim
        case halfWidth
        case upper
        case removeSpaces
        case stripTrailing(String)
        case stripLeading(String)
        /// An unknown name (rejected when the dialect is checked); does nothing, as `apply` does with it.
        case none
    }

    static func compile(_ names: [String]) -> [Op] {
        names.map { name in
            switch name {
            case "trim": return .trim
            case "halfWidth": return .halfWidth
            case "upper": return .upper
            case "removeSpaces": return .removeSpaces
            default:
                if name.hasPrefix("stripTrailing:") { return .stripTrailing(String(name.dropFirst("stripTrailing:".count))) }
                if name.hasPrefix("stripLeading:") { return .stripLeading(String(name.dropFirst("stripLeading:".count))) }
                return .none
            }
        }
    }

    /// `apply(_:to:)` with compiled transforms.
    static func apply(_ ops: [Op], to value: String) -> String {
        var v = value
        for op in ops {
            switch op {
            case .trim: v = trim(v)
            case .halfWidth: v = halfWidth(v)
            case .upper: v = v.uppercased()
            case .removeSpaces: v = String(v.unicodeScalars.filter { !TextNormalization.isWhitespace($0) }.map(Character.init))
            case .stripTrailing(let suffix):
                if !suffix.isEmpty, v.hasSuffix(suffix) { v = String(v.dropLast(suffix.count)) }
            case .stripLeading(let prefix):
                if !prefix.isEmpty, v.hasPrefix(prefix) { v = String(v.dropFirst(prefix.count)) }
            case .none: break
            }
        }
        return v
    }

    /// Applies named text transforms in order. Unknown names are rejected when the dialect is checked.
    public static func apply(_ names: [String], to value: String) -> String {
        var v = value
        for name in names {
            switch name {
            case "trim": v = trim(v)
            case "halfWidth": v = halfWidth(v)
            case "upper": v = v.uppercased()
            case "removeSpaces": v = String(v.unicodeScalars.filter { !TextNormalization.isWhitespace($0) }.map(Character.init))
            default:
                if name.hasPrefix("stripTrailing:") {
                    let suffix = String(name.dropFirst("stripTrailing:".count))
                    if !suffix.isEmpty, v.hasSuffix(suffix) { v = String(v.dropLast(suffix.count)) }
                } else if name.hasPrefix("stripLeading:") {
                    let prefix = String(name.dropFirst("stripLeading:".count))
                    if !prefix.isEmpty, v.hasPrefix(prefix) { v = String(v.dropFirst(prefix.count)) }
                }
            }
        }
        return v
    }

    /// `TextNormalization.trim`, with a fast path for the common value that has nothing to trim (the Unicode
    /// property lookup behind `isWhitespace` was the largest single cost of mapping).
    public static func trim(_ v: String) -> String {
        // On the bytes: the first and the last scalar are read from the UTF-8 and compared with the white-space
        // scalars (`TextNormalization.isWhitespace`: ASCII white space, U+0085, U+00A0, U+1680, U+2000…U+200A,
        // U+2028, U+2029, U+202F, U+205F, U+3000). Nothing to trim: the value as it is.
        // (Read in place: `withUTF8` on a copy cost a retain and a release per value.)
        let edges =
            v.utf8.withContiguousStorageIfAvailable { b -> Bool in
                guard let f = b.first, let l = b.last else { return false }
                return startsWithWhitespace(b, f) || endsWithWhitespace(b, l)
            } ?? true  // not contiguous (never for a native string): the general path decides
        if !edges { return v }
        return TextNormalization.trim(v)
    }

    @inline(__always)
    static func startsWithWhitespace(_ b: UnsafeBufferPointer<UInt8>, _ f: UInt8) -> Bool {
        if f < 0x80 { return isASCIISpace(f) }
        switch f {
        case 0xC2: return b.count >= 2 && (b[1] == 0x85 || b[1] == 0xA0)
        case 0xE1, 0xE2, 0xE3: return b.count >= 3 && isThreeByteWhitespace(f, b[1], b[2])
        default: return false
        }
    }

    @inline(__always)
    static func endsWithWhitespace(_ b: UnsafeBufferPointer<UInt8>, _ l: UInt8) -> Bool {
        if l < 0x80 { return isASCIISpace(l) }
        let n = b.count
        if n >= 2, b[n - 2] == 0xC2, l == 0x85 || l == 0xA0 { return true }
        return n >= 3 && isThreeByteWhitespace(b[n - 3], b[n - 2], l)
    }

    /// U+1680 (E1 9A 80), U+2000…U+200A (E2 80 80…8A), U+2028/U+2029 (E2 80 A8/A9), U+202F (E2 80 AF),
    /// U+205F (E2 81 9F), U+3000 (E3 80 80).
    @inline(__always)
    static func isThreeByteWhitespace(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        switch (a, b) {
        case (0xE1, 0x9A): return c == 0x80
        case (0xE2, 0x80): return c <= 0x8A || c == 0xA8 || c == 0xA9 || c == 0xAF
        case (0xE2, 0x81): return c == 0x9F
        case (0xE3, 0x80): return c == 0x80
        default: return false
        }
    }

    /// `TextNormalization.halfWidth`, skipped when no full-width form or ideographic space can be present.
    public static func halfWidth(_ v: String) -> String {
        TextNormalization.halfWidth(v)
    }

    @inline(__always)
    static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        let x = s.value
        if x < 0x80 { return x == 0x20 || (0x09...0x0D).contains(x) }
        if (0x4E00...0x9FFF).contains(x) { return false }
        return TextNormalization.isWhitespace(s)
    }

    public static func isKnownTransform(_ name: String) -> Bool {
        ["trim", "halfWidth", "upper", "removeSpaces"].contains(name) || name.hasPrefix("stripTrailing:")
            || name.hasPrefix("stripLeading:")
    }

    /// Date forms: patterns of `yyyy`, `MM`/`dd` (two digits), `M`/`d` (one or two digits) and literal characters,
    /// or `epochMillis` / `epochSeconds` (a UTC instant, read as the date in China, UTC+8). A time part after the
    /// date (` 00:00:00`, `T08:00:00`) is ignored.
    public static func parseDate(_ text: String, formats: [String]) -> CivilDate? {
        let value = trim(halfWidth(text))
        guard !value.isEmpty else { return nil }
        for format in formats {
            if let d = parseDate(value, format: format) { return d }
        }
        return nil
    }

    public static let knownDateTokens = ["epochMillis", "epochSeconds"]

    public static func isValidDateFormat(_ format: String) -> Bool {
        if knownDateTokens.contains(format) { return true }
        return format.contains("yyyy") && format.contains("M") && format.contains("d")
    }

    static func parseDate(_ value: String, format: String) -> CivilDate? {
        if format == "epochMillis" || format == "epochSeconds" {
            guard let n = Int64(value), value.count <= 16 else { return nil }
            let seconds = format == "epochMillis" ? (n >= 0 ? n / 1000 : (n - 999) / 1000) : n
            let shifted = seconds + 8 * 3600
            let days = shifted >= 0 ? shifted / 86400 : (shifted - 86399) / 86400
            return CivilDate(dayNumber: Int(days))
        }
        var valueText = value
        var formatText = format
        if let d = valueText.withUTF8({ v in formatText.withUTF8 { f in parseASCIIDate(v, format: f) } }) {
            return d.date
        }
        return parseDateByScalars(value, format: format)
    }

    /// The general form of `parseDate(_:format:)`, scalar by scalar.
    static func parseDateByScalars(_ value: String, format: String) -> CivilDate? {
        let v = Array(value.unicodeScalars)
        let f = Array(format.unicodeScalars)
        var i = 0
        var j = 0
        var year: Int?
        var month: Int?
        var day: Int?
        func digits(min: Int, max: Int) -> Int? {
            var n = 0
            var count = 0
            while count < max, i < v.count, v[i].value >= 0x30, v[i].value <= 0x39 {
                n = n * 10 + Int(v[i].value - 0x30)
                i += 1
                count += 1
            }
            return count >= min ? n : nil
        }
        while j < f.count {
            if f[j] == "y", j + 3 < f.count, f[j + 1] == "y", f[j + 2] == "y", f[j + 3] == "y" {
                guard let y = digits(min: 4, max: 4) else { return nil }
                year = y
                j += 4
            } else if f[j] == "M" || f[j] == "d" {
                let two = j + 1 < f.count && f[j + 1] == f[j]
                guard let n = two ? digits(min: 2, max: 2) : digits(min: 1, max: 2) else { return nil }
                if f[j] == "M" { month = n } else { day = n }
                j += two ? 2 : 1
            } else {
                guard i < v.count, v[i] == f[j] else { return nil }
                i += 1
                j += 1
            }
        }
        if i < v.count {
            // Only a time part may follow the date.
            guard v[i] == " " || v[i] == "T" else { return nil }
        }
        guard let year, let month, let day else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// `parseDate(_:format:)` over bytes when the value and the format are both ASCII (then bytes are scalars and the
    /// same steps give the same answer); `nil` when either is not ASCII, `.some(nil)` when the value does not parse.
    static func parseASCIIDate(_ v: UnsafeBufferPointer<UInt8>, format f: UnsafeBufferPointer<UInt8>) -> ASCIIDate? {
        for b in v where b >= 0x80 { return nil }
        for b in f where b >= 0x80 { return nil }
        var i = 0
        var j = 0
        var year: Int?
        var month: Int?
        var day: Int?
        func digits(min: Int, max: Int) -> Int? {
            var n = 0
            var count = 0
            while count < max, i < v.count, v[i] >= 0x30, v[i] <= 0x39 {
                n = n * 10 + Int(v[i] - 0x30)
                i += 1
                count += 1
            }
            return count >= min ? n : nil
        }
        let y = UInt8(ascii: "y")
        let mm = UInt8(ascii: "M")
        let dd = UInt8(ascii: "d")
        while j < f.count {
            if f[j] == y, j + 3 < f.count, f[j + 1] == y, f[j + 2] == y, f[j + 3] == y {
                guard let n = digits(min: 4, max: 4) else { return ASCIIDate(date: nil) }
                year = n
                j += 4
            } else if f[j] == mm || f[j] == dd {
                let two = j + 1 < f.count && f[j + 1] == f[j]
                guard let n = two ? digits(min: 2, max: 2) : digits(min: 1, max: 2) else { return ASCIIDate(date: nil) }
                if f[j] == mm { month = n } else { day = n }
                j += two ? 2 : 1
            } else {
                guard i < v.count, v[i] == f[j] else { return ASCIIDate(date: nil) }
                i += 1
                j += 1
            }
        }
        if i < v.count {
            guard v[i] == UInt8(ascii: " ") || v[i] == UInt8(ascii: "T") else { return ASCIIDate(date: nil) }
        }
        guard let year, let month, let day else { return ASCIIDate(date: nil) }
        return ASCIIDate(date: CivilDate(year: year, month: month, day: day))
    }

    struct ASCIIDate {
        let date: CivilDate?
    }

    /// An amount: `2000`, `1,234.50`, `0.2万元`, `¥3,000元`, `3000.00 元`, `5万`. A unit suffix wins over
    /// `defaultUnit`; the result is exact (fen), never rounded.
    public static func parseMoney(_ text: String, defaultUnit: Money.Unit) throws -> Money {
        var v = trim(halfWidth(text))
        if v.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: of the prefixes and suffixes below only `RMB` can match (the rest are not ASCII).
            if v.hasPrefix("RMB") { v = String(v.dropFirst(3)) }
            return try Money(parsing: trim(v), unit: defaultUnit)
        }
        for prefix in ["¥", "￥", "RMB", "人民币"] where v.hasPrefix(prefix) { v = String(v.dropFirst(prefix.count)) }
        var unit = defaultUnit
        if v.hasSuffix("万元") {
            unit = .wanYuan
            v = String(v.dropLast(2))
        } else if v.hasSuffix("万") {
            unit = .wanYuan
            v = String(v.dropLast(1))
        } else if v.hasSuffix("元") {
            unit = .yuan
            v = String(v.dropLast(1))
        }
        v = trim(v)
        return try Money(parsing: v, unit: unit)
    }

    /// A whole number, allowing a unit suffix such as `岁` (age) after the digits.
    public static func parseInteger(_ text: String) -> Int? {
        let v = trim(halfWidth(text))
        let digits = v.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 9 else { return nil }
        let rest = v.dropFirst(digits.count)
        guard rest.isEmpty || rest == "岁" || rest == "周岁" else { return nil }
        return Int(digits)
    }

    /// Splits a multi-valued field on the given separators (and U+001F), dropping empty parts.
    public static func split(_ text: String, separators: [String]) -> [String] {
        if separators.allSatisfy(\.isEmpty), let parts = splitOnValueSeparator(text) { return parts }
        var parts = [text]
        for sep in separators + [SourceRow.valueSeparator] where !sep.isEmpty {
            parts = parts.flatMap { $0.components(separatedBy: sep) }
        }
        return parts.map { trim($0) }.filter { !$0.isEmpty }
    }

    /// `split` with no separators of the dialect, for a value without U+001F: the value itself, trimmed. No other
    /// sequence is equivalent to U+001F (it has no decomposition and is part of none), so the general path would
    /// not split it either. Values holding U+001F take the general path.
    static func splitOnValueSeparator(_ text: String) -> [String]? {
        var t = text
        let hasSeparator = t.withUTF8 { b in b.contains(0x1F) }
        if hasSeparator { return nil }
        let v = trim(text)
        return v.isEmpty ? [] : [v]
    }
}
