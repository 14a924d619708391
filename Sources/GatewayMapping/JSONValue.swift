import GatewayCore

/// A small JSON reader over bytes that keeps numbers as their literal text, so an amount such as `0.2` (万元)
/// reaches `Money` exactly and is never turned into a binary double. Depth and size are bounded by the caller.
enum JSONValue {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    struct ParseError: Error {
        let offset: Int
        let reason: String
    }

    static let maxDepth = 64

    /// Parses exactly one JSON value (surrounding white space allowed).
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buf in
            var p = Parser(buf: buf)
            p.skipSpace()
            let v = try p.value(depth: 0)
            p.skipSpace()
            guard p.i == buf.count else { throw ParseError(offset: p.i, reason: "unexpected text after the value") }
            return v
        }
    }

    /// `parse(bytes).flatMembers()` without the value tree, for the common record: one object whose members are
    /// all scalars or null. `nil` for anything else (nested values, or bytes that are not such an object, whose
    /// error `parse` then reports): the caller takes the general path.
    static func parseFlatObject(_ bytes: [UInt8]) -> FlatMembers? {
        bytes.withUnsafeBufferPointer { buf -> FlatMembers? in
            var p = Parser(buf: buf)
            var flat = FlatMembers()
            p.skipSpace()
            guard p.i < buf.count, buf[p.i] == UInt8(ascii: "{") else { return nil }
            p.i += 1
            p.skipSpace()
            if p.i < buf.count, buf[p.i] == UInt8(ascii: "}") {
                p.i += 1
            } else {
                while true {
                    p.skipSpace()
                    guard p.i < buf.count, buf[p.i] == 0x22, let key = try? p.string() else { return nil }
                    p.skipSpace()
                    guard p.i < buf.count, buf[p.i] == UInt8(ascii: ":") else { return nil }
                    p.i += 1
                    p.skipSpace()
                    guard p.i < buf.count, buf[p.i] != UInt8(ascii: "{"), buf[p.i] != UInt8(ascii: "["),
                        let value = try? p.value(depth: 1)
                    else { return nil }
                    if !value.isNull {
                        guard let text = value.scalarText else { return nil }
                        flat.names.append(key)
                        flat.values.append(text)
                    }
                    p.skipSpace()
                    guard p.i < buf.count else { return nil }
                    if buf[p.i] == UInt8(ascii: ",") {
                        p.i += 1
                        continue
                    }
                    guard buf[p.i] == UInt8(ascii: "}") else { return nil }
                    p.i += 1
                    break
                }
            }
            p.skipSpace()
            return p.i == buf.count ? flat : nil
        }
    }

    /// The value flattened to source fields: nested keys joined with `.`, arrays of scalars joined with U+001F,
    /// array elements that are objects as `key.N.sub`; null is absent.
    func flattened() -> [String: String] {
        var out: [String: String] = [:]
        flatten(prefix: "", into: &out)
        return out
    }

    private func flatten(prefix: String, into out: inout [String: String]) {
        switch self {
        case .object(let members):
            for (k, v) in members { v.flatten(prefix: prefix.isEmpty ? k : prefix + "." + k, into: &out) }
        case .array(let items):
            if items.allSatisfy({ $0.scalarText != nil || $0.isNull }) {
                let values = items.compactMap(\.scalarText)
                if !values.isEmpty { out[prefix] = values.joined(separator: SourceRow.valueSeparator) }
            } else {
                for (i, v) in items.enumerated() { v.flatten(prefix: prefix + "." + String(i), into: &out) }
            }
        case .null:
            break
        default:
            if let t = scalarText { out[prefix] = t }
        }
    }

    /// For an object whose members are all scalars or null: its non-null members' names and scalar texts in
    /// source order (what `flattened` holds for it); nil for anything else.
    func flatMembers() -> FlatMembers? {
        guard case .object(let members) = self else { return nil }
        var flat = FlatMembers()
        flat.names.reserveCapacity(members.count)
        flat.values.reserveCapacity(members.count)
        for member in members {
            if member.1.isNull { continue }
            // Arrays and objects have no scalar text.
            guard let t = member.1.scalarText else { return nil }
            flat.names.append(member.0)
            flat.values.append(t)
        }
        return flat
    }

    var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    private struct Parser {
        let buf: UnsafeBufferPointer<UInt8>
        var i = 0

        init(buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

        mutating func skipSpace() {
            while i < buf.count, buf[i] == 0x20 || buf[i] == 0x0A || buf[i] == 0x0D || buf[i] == 0x09 { i += 1 }
        }

        func fail(_ reason: String) -> ParseError { ParseError(offset: i, reason: reason) }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth < JSONValue.maxDepth else { throw fail("nested deeper than \(JSONValue.maxDepth) levels") }
            guard i < buf.count else { throw fail("the input ends where a value was expected") }
            switch buf[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if i < buf.count, buf[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard i < buf.count, buf[i] == 0x22 else { throw fail("a key in quotes was expected") }
                    let key = try string()
                    skipSpace()
                    guard i < buf.count, buf[i] == UInt8(ascii: ":") else {
                        throw fail("':' was expected after key '\(key)'")
                    }
                    i += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < buf.count else { throw fail("the input ends inside an object") }
                    if buf[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if buf[i] == UInt8(ascii: "}") {
                        i += 1
                        return .object(members)
                    }
                    throw fail("',' or '}' was expected")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skipSpace()
                if i < buf.count, buf[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < buf.count else { throw fail("the input ends inside an array") }
                    if buf[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if buf[i] == UInt8(ascii: "]") {
                        i += 1
                        return .array(items)
                    }
                    throw fail("',' or ']' was expected")
                }
            case 0x22:
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default:
                return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let n = word.utf8CodeUnitCount
            guard i + n <= buf.count else { throw fail("the input ends inside '\(word)'") }
            for k in 0..<n where buf[i + k] != word.utf8Start[k] { throw fail("'\(word)' was expected") }
            i += n
        }

        mutating func number() throws -> String {
            let start = i
            if i < buf.count, buf[i] == UInt8(ascii: "-") { i += 1 }
            var digits = 0
            while i < buf.count {
                let b = buf[i]
                if b >= 0x30 && b <= 0x39 {
                    digits += 1
                    i += 1
                } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                    || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                {
                    i += 1
                } else {
                    break
                }
            }
            guard digits > 0 else {
                i = start
                throw fail("a value was expected")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
        }

        mutating func string() throws -> String {
            i += 1  // opening quote
            let start = i
            // Fast path: no escapes. Eight bytes at a time while none is a quote, a backslash or a control
            // character (`ByteWord.skipJSONPlainWords`), then byte by byte.
            if let base = buf.baseAddress {
                i = ByteWord.skipJSONPlainWords(UnsafeRawPointer(base), from: i, to: buf.count)
            }
            while i < buf.count, buf[i] != 0x22, buf[i] != 0x5C {
                guard buf[i] >= 0x20 else { throw fail("a control character inside a string") }
                i += 1
            }
            guard i < buf.count else { throw fail("the input ends inside a string") }
            if buf[i] == 0x22 {
                let s = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            var bytes = Array(buf[start..<i])
            while i < buf.count {
                let b = buf[i]
                if b == 0x22 {
                    i += 1
                    return String(decoding: bytes, as: UTF8.self)
                }
                if b == 0x5C {
                    i += 1
                    guard i < buf.count else { break }
                    let e = buf[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): bytes.append(0x22)
                    case UInt8(ascii: "\\"): bytes.append(0x5C)
                    case UInt8(ascii: "/"): bytes.append(0x2F)
                    case UInt8(ascii: "b"): bytes.append(0x08)
                    case UInt8(ascii: "f"): bytes.append(0x0C)
                    case UInt8(ascii: "n"): bytes.append(0x0A)
                    case UInt8(ascii: "r"): bytes.append(0x0D)
                    case UInt8(ascii: "t"): bytes.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code), i + 1 < buf.count, buf[i] == 0x5C,
                            buf[i + 1] == UInt8(ascii: "u")
                        {
                            i += 2
                            let low = try hex4()
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                        bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw fail("'\\\(Character(Unicode.Scalar(e)))' is not a JSON escape")
                    }
                } else {
                    guard b >= 0x20 else { throw fail("a control character inside a string") }
                    bytes.append(b)
                    i += 1
                }
            }
            throw fail("the input ends inside a string")
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= buf.count else { throw fail("the input ends inside a \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = buf[i]
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                default: throw fail("a hex digit was expected in a \\u escape")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }
    }
}

/// See `JSONValue.flatMembers`.
struct FlatMembers {
    var names: [String] = []
    var values: [String] = []
}
