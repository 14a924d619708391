import GatewayCore

#if canImport(Glibc)
    import Glibc
#endif

/// One record as a decoder cut it from the input, before mapping: source field names and text values, where it
/// is in the source, and its raw bytes (UTF-8 after any encoding conversion) for the row report.
///
/// Two storages: a name → value dictionary (JSON, XML, rows built in tests), or, for CSV, the column names of
/// the file (`RowSchema`, built once per header) with the row's values by position, so that no dictionary is
/// built per row and the mapper can resolve its source names to positions once per file.
public struct SourceRow: Sendable {
    /// 1-based ordinal of the record in the input.
    public var number: Int
    /// Where it is: `line 12`, `data.records[3]`, `Record 4 (line 57)`.
    public var location: String
    public var raw: [UInt8] {
        get {
            if let element = deferredRawElement { return XMLPrologue.serialize(element: element, fields: fields) }
            return rawTrailing == 0 ? rawBytes : Array(rawBytes.dropLast(rawTrailing))
        }
        set {
            rawBytes = newValue
            rawTrailing = 0
            valuesAreRawBytes = false
            deferredRawElement = nil
        }
    }
    /// The raw bytes as the decoder cut them.
    var rawBytes: [UInt8]
    /// Bytes at the end of `rawBytes` that are not part of `raw` (a CSV row's line end): the decoder hands over its
    /// buffer as it is, and the trimmed copy is made only when `raw` is read (for rejected and skipped rows), so the
    /// decoder's buffer is free again for the next row once the row is mapped (no copy and allocation per row).
    var rawTrailing = 0
    /// Whether every value's bytes are bytes of `rawBytes` (a CSV row with no UTF-8 repaired): a raw row without
    /// a byte then has no value with it.
    var valuesAreRawBytes = false
    /// For an XML record: its element name. The raw form (`XMLPrologue.serialize`) is then built from the fields
    /// only when asked for, that is for a rejected or skipped row (it was ≈ 8 % of the XML mapping time).
    var deferredRawElement: String?
    /// Problems found while decoding the row (wrong column count, a line that is not JSON).
    public var problems: [Problem]

    enum Storage: Sendable {
        case dictionary([String: String])
        /// Values by column position; a row may have fewer or more values than the schema has names.
        case columns(RowSchema, [String])
    }

    var storage: Storage

    /// Source field name → value. Nested JSON keys are joined with `.`; repeated values with U+001F. For CSV,
    /// a name given to several columns takes the last column's value; columns beyond the row's values are absent.
    public var fields: [String: String] {
        get {
            switch storage {
            case .dictionary(let d): return d
            case .columns(let schema, let values):
                var dict: [String: String] = [:]
                dict.reserveCapacity(schema.names.count)
                for (i, value) in values.enumerated() where i < schema.names.count { dict[schema.names[i]] = value }
                return dict
            }
        }
        set {
            storage = .dictionary(newValue)
            valuesAreRawBytes = false
        }
    }

    public init(number: Int, location: String, fields: [String: String], raw: [UInt8], problems: [Problem] = []) {
        self.number = number
        self.location = location
        self.storage = .dictionary(fields)
        self.rawBytes = raw
        self.problems = problems
    }

    /// An XML record whose raw form is built from `fields` only when `raw` is read.
    init(number: Int, location: String, storage: Storage, xmlElement: String) {
        self.number = number
        self.location = location
        self.storage = storage
        self.rawBytes = []
        self.deferredRawElement = xmlElement
        self.problems = []
    }

    init(
        number: Int, location: String, schema: RowSchema, values: [String], raw: [UInt8], rawTrailing: Int = 0,
        valuesAreRawBytes: Bool = false, problems: [Problem] = []
    ) {
        self.number = number
        self.location = location
        self.storage = .columns(schema, values)
        self.rawBytes = raw
        self.rawTrailing = rawTrailing
        self.valuesAreRawBytes = valuesAreRawBytes
        self.problems = problems
    }

    /// `"line \(n)"`, written without string interpolation (a small string: no allocation either).
    static func lineLocation(_ n: Int) -> String {
        guard n >= 0, n < 1_000_000_000 else { return "line \(n)" }
        let digits = DecimalDigits.count(UInt64(n))
        return String(unsafeUninitializedCapacity: 5 + digits) { b in
            guard let base = b.baseAddress else { return 0 }
            base[0] = UInt8(ascii: "l")
            base[1] = UInt8(ascii: "i")
            base[2] = UInt8(ascii: "n")
            base[3] = UInt8(ascii: "e")
            base[4] = UInt8(ascii: " ")
            return 5 + DecimalDigits.write(UInt64(n), digits: digits, to: base + 5)
        }
    }

    /// The value of source field `name`, as `fields[name]` gives it.
    func value(_ name: String) -> String? {
        switch storage {
        case .dictionary(let d): return d[name]
        case .columns(let schema, let values):
            guard let i = schema.position(of: name, valueCount: values.count) else { return nil }
            return values[i]
        }
    }

    /// Whether any value holds the byte 0xEF (the first byte of U+FFFD): the rare case worth a closer look.
    var anyValueMayHoldReplacement: Bool {
        // A CSV row's values are cut from its raw bytes: one scan of those instead of one per value.
        if valuesAreRawBytes, !rawBytes.withUnsafeBufferPointer({ b in
            guard let base = b.baseAddress else { return false }
            return memchr(base, 0xEF, b.count) != nil
        }) {
            return false
        }
        switch storage {
        case .dictionary(let d): return d.values.contains { Self.holds0xEF($0) }
        case .columns(_, let values): return values.contains { Self.holds0xEF($0) }
        }
    }

    static func holds0xEF(_ value: String) -> Bool {
        var v = value
        return v.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return false }
            return memchr(base, 0xEF, buffer.count) != nil
        }
    }

    /// Separator between the values of a repeated element or a JSON array of scalars.
    public static let valueSeparator = "\u{1F}"
}

/// The column names of one CSV file (its header or the dialect's `columns`), built once, and shared by every row.
final class RowSchema: Sendable {
    let names: [String]
    /// Name → its last position (the value `fields` keeps when a name repeats).
    let index: [String: Int]
    let hasRepeatedNames: Bool

    init(names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        index.reserveCapacity(names.count)
        for (i, n) in names.enumerated() { index[n] = i }
        self.index = index
        self.hasRepeatedNames = index.count != names.count
    }

    /// The position whose value `fields[name]` holds for a row of `valueCount` values, if any.
    func position(of name: String, valueCount: Int) -> Int? {
        guard let last = index[name] else { return nil }
        if last < valueCount { return last }
        guard hasRepeatedNames else { return nil }
        // A repeated name whose last column is missing in this short row: the last present column of that name.
        var i = min(valueCount, names.count) - 1
        while i >= 0 {
            if names[i] == name { return i }
            i -= 1
        }
        return nil
    }
}

/// A push decoder: fed UTF-8 chunks, it emits complete rows; `finish` flushes or reports a truncated input.
protocol RowDecoder {
    mutating func feed(_ chunk: [UInt8], emit: (SourceRow) throws -> Void) throws
    mutating func finish(emit: (SourceRow) throws -> Void) throws
}
