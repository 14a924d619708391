import Foundation

/// A condition over a canonical record's JSON form, composable with all / any / not.
///
/// JSON: `{"field": "penalty.categories", "containsAny": ["revokeLicense"]}`, `{"field": "…", "equals": "…"}`,
/// `{"field": "…", "in": [...]}`, `{"field": "…", "exists": true}`, `{"all": [...]}`, `{"any": [...]}`,
/// `{"not": {...}}`. A field path is dotted keys into the record (`subject.category`, `listEntry.listCode`).
public indirect enum Predicate: Hashable, Sendable {
    case equals(field: String, value: String)
    case isIn(field: String, values: [String])
    case containsAny(field: String, values: [String])
    case exists(field: String, expected: Bool)
    case all([Predicate])
    case any([Predicate])
    case not(Predicate)

    /// Evaluates against a record as a JSON object (`JSONSerialization` form).
    public func matches(_ record: [String: Any]) -> Bool {
        switch self {
        case .equals(let field, let value):
            return Predicate.strings(at: field, in: record) == [value]
        case .isIn(let field, let values):
            let found = Predicate.strings(at: field, in: record)
            return found.count == 1 && values.contains(found[0])
        case .containsAny(let field, let values):
            return Predicate.strings(at: field, in: record).contains { values.contains($0) }
        case .exists(let field, let expected):
            return (Predicate.value(at: field, in: record) != nil) == expected
        case .all(let ps): return ps.allSatisfy { $0.matches(record) }
        case .any(let ps): return ps.contains { $0.matches(record) }
        case .not(let p): return !p.matches(record)
        }
    }

    /// Every field path the predicate reads (for checking rules against the schema).
    public var fields: [String] {
        switch self {
        case .equals(let f, _), .isIn(let f, _), .containsAny(let f, _), .exists(let f, _): return [f]
        case .all(let ps), .any(let ps): return ps.flatMap(\.fields)
        case .not(let p): return p.fields
        }
    }

    static func value(at path: String, in record: [String: Any]) -> Any? {
        var current: Any? = record
        for key in path.split(separator: ".") {
            guard let object = current as? [String: Any] else { return nil }
            current = object[String(key)]
        }
        if current is NSNull { return nil }
        return current
    }

    static func strings(at path: String, in record: [String: Any]) -> [String] {
        switch value(at: path, in: record) {
        case let s as String: return [s]
        case let a as [Any]: return a.compactMap { $0 as? String }
        case let n as NSNumber: return [n.stringValue]
        default: return []
        }
    }
}

extension Predicate: Codable {
    private struct Keys: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let keys = Set(c.allKeys.map(\.stringValue))
        if keys == ["all"] { self = .all(try c.decode([Predicate].self, forKey: Keys("all"))); return }
        if keys == ["any"] { self = .any(try c.decode([Predicate].self, forKey: Keys("any"))); return }
        if keys == ["not"] { self = .not(try c.decode(Predicate.self, forKey: Keys("not"))); return }
        guard keys.contains("field"), keys.count == 2 else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "a predicate is {all|any|not} or {field + one of equals/in/containsAny/exists}; got keys \(keys.sorted())"))
        }
        let field = try c.decode(String.self, forKey: Keys("field"))
        if keys.contains("equals") {
            self = .equals(field: field, value: try c.decode(String.self, forKey: Keys("equals")))
        } else if keys.contains("in") {
            self = .isIn(field: field, values: try c.decode([String].self, forKey: Keys("in")))
        } else if keys.contains("containsAny") {
            self = .containsAny(field: field, values: try c.decode([String].self, forKey: Keys("containsAny")))
        } else if keys.contains("exists") {
            self = .exists(field: field, expected: try c.decode(Bool.self, forKey: Keys("exists")))
        } else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown operator in \(keys.sorted())"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .equals(let f, let v):
            try c.encode(f, forKey: Keys("field"))
            try c.encode(v, forKey: Keys("equals"))
        case .isIn(let f, let v):
            try c.encode(f, forKey: Keys("field"))
            try c.encode(v, forKey: Keys("in"))
        case .containsAny(let f, let v):
            try c.encode(f, forKey: Keys("field"))
            try c.encode(v, forKey: Keys("containsAny"))
        case .exists(let f, let v):
            try c.encode(f, forKey: Keys("field"))
            try c.encode(v, forKey: Keys("exists"))
        case .all(let ps): try c.encode(ps, forKey: Keys("all"))
        case .any(let ps): try c.encode(ps, forKey: Keys("any"))
        case .not(let p): try c.encode(p, forKey: Keys("not"))
        }
    }
}
