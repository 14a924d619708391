/// Header fields in arrival order, looked up case-insensitively by name.
///
/// A plain array: requests carry a handful of fields, where a linear scan beats hashing.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init() { fields = [] }
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Room for `count` fields in one allocation (the parser's, instead of one regrowth per doubling).
    mutating func reserveCapacity(_ count: Int) { fields.reserveCapacity(count) }

    /// Appends a field (a repeated name is kept as a second field).
    public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

    /// Replaces every field of that name by one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    public mutating func remove(_ name: String) { fields.removeAll { asciiCaseInsensitiveEqual($0.name, name) } }

    /// The first value of a field, or nil.
    public subscript(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEqual(field.name, name) { return field.value }
        return nil
    }

    /// Every value of a field, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEqual($0.name, name) }.map(\.value)
    }
}

/// ASCII case-insensitive comparison over UTF-8 bytes (header names and tokens are ASCII).
@inlinable
func asciiCaseInsensitiveEqual(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { ua in
        b.withUTF8 { ub in
            guard ua.count == ub.count else { return false }
            for i in 0..<ua.count where ua[i] != ub[i] {
                let l = ua[i] | 0x20
                if l != ub[i] | 0x20 || l < 0x61 || l > 0x7A { return false }
            }
            return true
        }
    }
}
