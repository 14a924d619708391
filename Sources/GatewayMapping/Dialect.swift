import Foundation
import GatewayCore

/// One partner's export format for one record kind, read from `Partners/<slug>/dialects/<kind>.json`.
///
/// The file format is documented in Partners/README.md; this type is its exact Codable shape. A dialect is data:
/// following a change in a city's export is an edit of this file, never of Swift code.
public struct Dialect: Codable, Sendable, Hashable {
    /// How the file is cut into records.
    public struct Format: Codable, Sendable, Hashable {
        /// `csv`, `jsonl`, `json` or `xml`.
        public var type: String
        /// CSV: whether the first row (after `skipLines`) names the columns.
        public var header: Bool?
        /// CSV: the column names when there is no header (in order).
        public var columns: [String]?
        /// CSV: the field separator, one character (default `,`; `\t` for tab).
        public var delimiter: String?
        /// CSV: lines to skip before the header or the first row (title rows of spreadsheet exports).
        public var skipLines: Int?
        /// JSON: dotted path of keys from the document root to the array of records; empty or absent = the root
        /// is the array.
        public var recordPath: String?
        /// XML: local name of the element that is one record.
        public var recordElement: String?
        /// XML: namespace URI the record element must be in (absent: any).
        public var namespace: String?
    }

    /// A condition on one source field (for `when` and `skip`).
    public struct Condition: Codable, Sendable, Hashable {
        public var source: String
        /// The (trimmed) value is one of these.
        public var `in`: [String]?
        /// The (trimmed) value is none of these.
        public var notIn: [String]?
        /// The value is empty or absent (true) / present (false).
        public var empty: Bool?
        /// Why rows are skipped (skip rules only), written in the row report.
        public var reason: String?
    }

    /// How one canonical field is filled.
    public struct Field: Codable, Sendable, Hashable {
        /// Source field names tried in order; the first non-empty value wins (fallbacks, v1/v2 names).
        public var from: [String]?
        /// A constant value (e.g. the source authority), used when `from` gives nothing.
        public var const: String?
        /// Transforms applied in order: `trim` (default), `halfWidth`, `upper`, `removeSpaces`, `stripTrailing:X`.
        public var transforms: [String]?
        /// Date forms tried in order (see Partners/README.md); default: the dialect's `dateFormats`.
        public var dateFormats: [String]?
        /// Money: the unit of a bare number, `yuan` or `wanYuan` (a `元`/`万元` suffix in the value wins).
        public var unit: String?
        /// A local code table (a name in the dialect's `tables`) mapping source values to canonical codes.
        public var table: String?
        /// Multi-valued fields: separators the source uses between values.
        public var split: [String]?
        /// Use the field only on rows meeting this condition.
        public var when: Condition?
        /// Multi-valued fields: take every non-empty source in `from` (e.g. CF_CFLB1 and CF_CFLB2), not the first.
        public var join: Bool?
        /// Code fields: what a value in no table means: `reject` (default) the row, or `omit` the field with a
        /// warning (for optional codes such as a list's code, where the name is kept anyway).
        public var onUnknown: String?
    }

    /// A local code → one canonical code, or several (a v1 category that became two).
    public enum TableValue: Codable, Sendable, Hashable {
        case one(String)
        case many([String])

        public var codes: [String] {
            switch self {
            case .one(let c): return [c]
            case .many(let cs): return cs
            }
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .one(s) } else { self = .many(try c.decode([String].self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .one(let s): try c.encode(s)
            case .many(let cs): try c.encode(cs)
            }
        }
    }

    public var kind: RecordKind
    public var description: String?
    public var format: Format
    /// `utf-8` (default), `gbk` or `gb18030` (anything iconv knows).
    public var encoding: String?
    /// Rows larger than this are a file error (default 1 MiB).
    public var maxRowBytes: Int?
    /// Source values that mean "empty" (besides the empty string), e.g. `无`, `/`, `NULL`.
    public var nullValues: [String]?
    /// Default date forms for every date field.
    public var dateFormats: [String]?
    /// Source values meaning long-term for validity ends (besides 2099-12-31), e.g. `长期`.
    public var longTermValues: [String]?
    /// Local code tables, by name.
    public var tables: [String: [String: TableValue]]?
    /// Rows to skip (reported with verdict `skipped` and the reason).
    public var skip: [Condition]?
    /// Canonical field path → how to fill it.
    public var fields: [String: Field]

    public static let defaultDateFormats = [
        "yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd", "yyyy年M月d日", "yyyy-M-d", "yyyy/M/d", "yyyy.MM.dd",
    ]
    public static let defaultMaxRowBytes = 1 << 20

    /// Reads and checks a dialect file.
    public static func load(contentsOf url: URL) throws -> Dialect {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw MappingError(MappingError.dialectInvalid, "cannot read \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(Dialect.self, from: data)
        } catch {
            throw MappingError(MappingError.dialectInvalid, "\(url.path): \(DecodingErrorText.describe(error))")
        }
    }
}

/// Turns a DecodingError into one sentence naming the key path.
enum DecodingErrorText {
    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [CodingKey]) -> String {
            let p = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "the document" : String(p.drop(while: { $0 == "." }))
        }
        switch error {
        case .keyNotFound(let key, let ctx): return "\(path(ctx.codingPath + [key])) is missing"
        case .typeMismatch(_, let ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .valueNotFound(_, let ctx): return "\(path(ctx.codingPath)) is null"
        case .dataCorrupted(let ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
