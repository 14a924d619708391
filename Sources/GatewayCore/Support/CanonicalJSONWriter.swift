/// Writes canonical records and row-report entries as JSON, byte for byte what `JSONEncoder` with `.sortedKeys`
/// and `.withoutEscapingSlashes` writes for the same values, at a small fraction of the cost (the encoder was a
/// third of the mapping time in the benchmark).
///
/// It mirrors the Codable shape of the model in `Sources/GatewayCore/Model/`; `CanonicalJSONWriterTests` (in
/// GatewayMappingTests) compares it with `JSONEncoder` on records with every field set and on every fixture record.
/// A record's fields are walked in one place, `writeRecord` (`CanonicalJSONWriter+Cursor.swift`): when the model
/// gains a field, add it there (the test fails until then). `Value` is for other small documents (row reports).
/// It lives in GatewayCore so that the mapping layer (records and row reports) and the record store (the canonical
/// JSON versions are compared in) share one implementation.
public struct CanonicalJSONWriter: Sendable {
    public indirect enum Value: Sendable {
        case string(String)
        case bool(Bool)
        case int(Int)
        case array([Value])
        case object([(String, Value)])
    }

    public var bytes: [UInt8] = []
    /// `writeRecord`'s scratch buffer, made on first use.
    var scratch: Scratch?

    public init() { bytes.reserveCapacity(2048) }

    public static func text(_ value: Value) -> String {
        var w = CanonicalJSONWriter()
        w.write(value)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    public mutating func write(_ value: Value) {
        switch value {
        case .string(let s): writeString(s)
        case .bool(let b): bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i): DecimalDigits.append(i, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            for (i, (key, v)) in sorted.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(v)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ s: String) {
        bytes.append(0x22)
        var s = s
        let clean = s.withUTF8 { buffer -> Bool in
            if ByteWord.needsJSONEscape(buffer) { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if clean {
            bytes.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22:
                bytes.append(0x5C)
                bytes.append(0x22)
            case 0x5C:
                bytes.append(0x5C)
                bytes.append(0x5C)
            case 0x0A:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "n"))
            case 0x0D:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "r"))
            case 0x09:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "t"))
            case 0x08:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "b"))
            case 0x0C:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "f"))
            case 0x00..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 0x0F)])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}

extension CanonicalJSONWriter.Value {
    /// Members for the optional values that are present (Codable's `encodeIfPresent`).
    public static func members(_ pairs: [(String, CanonicalJSONWriter.Value?)]) -> CanonicalJSONWriter.Value {
        .object(pairs.compactMap { k, v in v.map { (k, $0) } })
    }

    public static func s(_ text: String?) -> Self? { text.map { .string($0) } }

    public static func problem(_ p: Problem) -> Self {
        .object([
            ("field", .string(p.field)), ("code", .string(p.code)), ("message", .string(p.message)),
            ("severity", .string(p.severity.rawValue)),
        ])
    }
}
