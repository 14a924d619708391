/// An error of the mapping layer that stops a whole file or a whole partner folder (a row-level defect is a
/// `Problem` in the row report instead): a stable dotted `code`, and a message saying which partner, file, row or
/// byte and why.
public struct MappingError: Error, Hashable, CustomStringConvertible, Sendable {
    public let code: String
    public let message: String
    public let location: String

    public init(_ code: String, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    public static func == (lhs: MappingError, rhs: MappingError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(message)" }
}

extension MappingError {
    /// partner.json is missing, unreadable or inconsistent.
    public static let partnerInvalid = "mapping.partner.invalid"
    /// A dialect file is not valid (unknown canonical field, missing table, bad option).
    public static let dialectInvalid = "mapping.dialect.invalid"
    /// The partner has no dialect for the requested record kind.
    public static let kindNotMapped = "mapping.kind.notMapped"
    /// The input cannot be opened or read.
    public static let inputUnreadable = "mapping.input.unreadable"
    /// The dialect names an encoding iconv does not know.
    public static let encodingUnsupported = "mapping.encoding.unsupported"
    /// A CSV quoted field never closes.
    public static let csvUnterminatedQuote = "mapping.csv.unterminatedQuote"
    /// A JSON document ends inside a value.
    public static let jsonTruncated = "mapping.json.truncated"
    /// A JSON document is not well formed outside any record.
    public static let jsonMalformed = "mapping.json.malformed"
    /// The dialect's record path is not in the JSON document.
    public static let jsonRecordPathNotFound = "mapping.json.recordPathNotFound"
    /// An XML document is not well formed.
    public static let xmlMalformed = "mapping.xml.malformed"
    /// An XML document carries a DTD (refused: entity expansion attacks).
    public static let xmlDTDForbidden = "mapping.xml.dtdForbidden"
    /// An XML document holds a processing instruction with no data (`<?target?>`): refused before parsing, since
    /// FoundationXML's parser on Linux reads its missing data through a null pointer and the process dies.
    public static let xmlEmptyProcessingInstruction = "mapping.xml.emptyProcessingInstruction"
    /// The duplicate index's temporary file cannot be created, read or written (the run stops: no silent skip).
    public static let duplicateIndexFailed = "mapping.duplicateIndex.failed"
    /// One row is larger than the dialect's `maxRowBytes`.
    public static let rowTooLarge = "mapping.row.tooLarge"
}

/// Stable codes of row-level problems raised by the mapping layer itself (the validator adds its own).
public enum MappingProblemCode {
    public static let dateUnparseable = "mapping.date.unparseable"
    public static let moneyUnparseable = "mapping.money.unparseable"
    public static let numberUnparseable = "mapping.number.unparseable"
    public static let codeUnknown = "mapping.code.unknown"
    /// A warning: an optional code field's value is in no table and was left out (`onUnknown: omit`).
    public static let codeUnmapped = "mapping.code.unmapped"
    public static let invalidBytes = "mapping.encoding.invalidBytes"
    public static let columnCount = "mapping.csv.columnCount"
    public static let rowMalformed = "mapping.row.malformed"
    public static let fieldRequired = "field.required"
    public static let duplicate = "row.duplicate"
}
