import GatewayCore

/// One record as a decoder cut it from the input, before mapping: source field names and text values, where it
/// is in the source, and its raw bytes (UTF-8 after any encoding conversion) for the row report.
public struct SourceRow: Sendable {
    /// 1-based ordinal of the record in the input.
    public var number: Int
    /// Where it is: `line 12`, `data.records[3]`, `Record 4 (line 57)`.
    public var location: String
    /// Source field name → value. Nested JSON keys are joined with `.`; repeated values with U+001F.
    public var fields: [String: String]
    public var raw: [UInt8]
    /// Problems found while decoding the row (wrong column count, a line that is not JSON).
    public var problems: [Problem]

    public init(number: Int, location: String, fields: [String: String], raw: [UInt8], problems: [Problem] = []) {
        self.number = number
        self.location = location
        self.fields = fields
        self.raw = raw
        self.problems = problems
    }

    /// Separator between the values of a repeated element or a JSON array of scalars.
    public static let valueSeparator = "\u{1F}"
}

/// A push decoder: fed UTF-8 chunks, it emits complete rows; `finish` flushes or reports a truncated input.
protocol RowDecoder {
    mutating func feed(_ chunk: [UInt8], emit: (SourceRow) throws -> Void) throws
    mutating func finish(emit: (SourceRow) throws -> Void) throws
}
