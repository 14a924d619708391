/// An exact amount of Chinese yuan, held as integer fen (分, 0.01 元). Never floating point.
///
/// The national penalty standard states fines in 万元 (10,000 元) with up to six decimals (DOMAIN.md §1.3),
/// which is exactly one fen; `Money(parsing: "0.2", unit: .wanYuan)` is 2,000.00 元. Canonical JSON writes the
/// amount in 元 as a decimal string with two places ("2000.00"), so no JSON reader turns it into a double.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The unit an input amount is written in.
    public enum Unit: String, Codable, Sendable {
        case yuan  // 元
        case wanYuan  // 万元
        case fen  // 分

        /// How many fen one unit is.
        public var fenPerUnit: Int64 {
            switch self {
            case .fen: return 1
            case .yuan: return 100
            case .wanYuan: return 1_000_000
            }
        }

        /// Decimal places that still land on whole fen.
        var exactDecimals: Int {
            switch self {
            case .fen: return 0
            case .yuan: return 2
            case .wanYuan: return 6
            }
        }
    }

    public let fen: Int64

    public init(fen: Int64) { self.fen = fen }

    /// Parses a plain decimal ("2000", "0.2", "-1.50", "1,234.5") in `unit` exactly.
    ///
    /// Thousands separators (`,`) are accepted only between digit groups of three. A value with more decimals than
    /// land on whole fen (`0.0000001` 万元) or that overflows is an error, never rounded.
    public init(parsing text: String, unit: Unit) throws {
        if let fen = Money.plainFen(text, unit: unit) {
            self.fen = fen
            return
        }
        self.fen = try Money.generalFen(text, unit: unit)
    }

    /// The fast path of `init(parsing:unit:)`: an optional sign, digits, an optional dot and digits, within range
    /// (no thousands separator, nothing to report), parsed in one pass over the bytes without arrays. Anything
    /// else answers nil and takes `generalFen`, which accepts or rejects it; `MoneyTests` compares the two.
    static func plainFen(_ text: String, unit: Unit) -> Int64? {
        let parsed = text.utf8.withContiguousStorageIfAvailable { b -> Int64? in
            let n = b.count
            var i = 0
            var negative = false
            if n > 0, b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
                negative = b[0] == UInt8(ascii: "-")
                i = 1
            }
            var value: Int64 = 0
            var digits = 0
            while i < n, b[i] >= 0x30, b[i] <= 0x39 {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(b[i] &- 0x30))
                if o1 || o2 { return nil }
                value = a
                digits += 1
                i += 1
            }
            var decimals = 0
            if i < n, b[i] == UInt8(ascii: ".") {
                i += 1
                let start = i
                while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i == n else { return nil }
                digits += n - start
                var end = n
                while end > start, b[end - 1] == 0x30 { end -= 1 }
                decimals = end - start
                guard decimals <= unit.exactDecimals else { return nil }
                for j in start..<end {
                    let (m, o1) = value.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(b[j] &- 0x30))
                    if o1 || o2 { return nil }
                    value = a
                }
            }
            guard i == n, digits > 0 else { return nil }
            for _ in decimals..<unit.exactDecimals {
                let (m, o) = value.multipliedReportingOverflow(by: 10)
                if o { return nil }
                value = m
            }
            return negative ? -value : value
        }
        return parsed ?? nil
    }

    /// The general parser: thousands separators, and the reason for every rejection.
    static func generalFen(_ text: String, unit: Unit) throws -> Int64 {
        var bytes = Array(text.utf8)
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes.removeFirst()
        }
        guard !bytes.isEmpty else { throw CoreError(CoreError.moneyInvalid, "'\(text)' is not an amount") }
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        var intPart = Array(bytes[..<(dot ?? bytes.count)])
        let fracPart = dot.map { Array(bytes[($0 + 1)...]) } ?? []
        if intPart.contains(UInt8(ascii: ",")) {
            let groups = intPart.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard let head = groups.first, (1...3).contains(head.count),
                groups.dropFirst().allSatisfy({ $0.count == 3 })
            else {
                throw CoreError(CoreError.moneyInvalid, "'\(text)' has misplaced thousands separators")
            }
            intPart = groups.flatMap { $0 }
        }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        guard !(intPart.isEmpty && fracPart.isEmpty), intPart.allSatisfy(isDigit), fracPart.allSatisfy(isDigit),
            !(dot != nil && fracPart.isEmpty && intPart.isEmpty)
        else { throw CoreError(CoreError.moneyInvalid, "'\(text)' is not a plain decimal amount") }
        // Trailing zeros in the fraction carry no value; more significant decimals than one fen do.
        var fraction = fracPart
        while let last = fraction.last, last == 0x30 { fraction.removeLast() }
        guard fraction.count <= unit.exactDecimals else {
            throw CoreError(
                CoreError.moneyInvalid,
                "'\(text)' \(unit.rawValue) has more decimals than one fen (at most \(unit.exactDecimals))")
        }
        var value: Int64 = 0
        for digit in intPart + fraction + Array(repeating: 0x30, count: unit.exactDecimals - fraction.count) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(digit - 0x30))
            guard !o1, !o2 else { throw CoreError(CoreError.moneyInvalid, "'\(text)' is too large") }
            value = a
        }
        // value is now in units of 10^-exactDecimals of `unit`, which is exactly fen for every unit.
        return negative ? -value : value
    }

    /// The amount in 元 with two decimals, e.g. "2000.00".
    public var yuanText: String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(magnitude / 100) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// The amount in 万元 with six decimals trimmed of trailing zeros, e.g. "0.2".
    public var wanYuanText: String {
        let magnitude = fen.magnitude
        var frac = String(magnitude % 1_000_000)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        while frac.last == "0" { frac.removeLast() }
        return (fen < 0 ? "-" : "") + String(magnitude / 1_000_000) + (frac.isEmpty ? "" : "." + frac)
    }

    public var description: String { yuanText + " 元" }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.fen < rhs.fen }
}

extension Money: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Money(parsing: text, unit: .yuan)
        } catch let error as CoreError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(yuanText)
    }
}
