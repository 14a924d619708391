/// 组织机构代码 (organisation code), GB 11714: eight body characters and a check character.
///
/// Body characters are digits or upper-case letters with digit → 0–9 and A–Z → 10–35 (a different map from
/// the USCC alphabet), weights 3 7 9 10 5 8 4 2, check = 11 − (Σ mod 11) with 10 → `X` and 11 → `0`.
/// A hyphen before the check character (`12345678-9`, the printed form) is accepted and removed.
public enum OrganizationCode {
    static let weights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// The check character for an eight-character body, or nil when a character is not a digit or letter A–Z.
    public static func checkCharacter<S: StringProtocol>(forBody body: S) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 8 else { return nil }
        var sum = 0
        for (i, byte) in bytes.enumerated() {
            guard let v = value(of: byte) else { return nil }
            sum += v * weights[i]
        }
        let c = 11 - sum % 11
        switch c {
        case 10: return "X"
        case 11: return "0"
        default: return Character(String(c))
        }
    }

    public static func check(_ input: String) -> IdentifierCheck {
        var normalized = TextNormalization.identifier(input)
        let utf8 = Array(normalized.utf8)
        if utf8.count == 10, utf8[8] == UInt8(ascii: "-") {
            normalized = String(decoding: utf8[0..<8] + utf8[9...], as: UTF8.self)
        }
        var problems: [Problem] = []
        problems += checkProblems(normalized, field: "orgcode")
        if problems.isEmpty { problems += normalizationWarnings(input: input, normalized: normalized, field: "orgcode") }
        return IdentifierCheck(kind: .orgcode, input: input, normalized: normalized, problems: problems)
    }

    /// The problems of a normalised nine-character code, with codes under `field` (e.g. `uscc.orgcode`).
    static func checkProblems(_ code: String, field: String) -> [Problem] {
        checkProblems(bytes: Array(code.utf8), field: field)
    }

    /// `checkProblems` over the code's UTF-8 bytes (the USCC check passes a slice of its own bytes).
    static func checkProblems<C: Collection>(bytes: C, field: String) -> [Problem]
    where C.Element == UInt8, C.Index == Int {
        // The fast path: nine valid characters with the right check character.
        if bytes.count == 9 {
            var sum = 0
            var valid = true
            for (i, byte) in bytes.prefix(8).enumerated() {
                guard let v = value(of: byte) else {
                    valid = false
                    break
                }
                sum += v * weights[i]
            }
            if valid {
                let c = 11 - sum % 11
                let expected: UInt8 = c == 10 ? UInt8(ascii: "X") : c == 11 ? UInt8(ascii: "0") : UInt8(0x30 + c)
                if expected == bytes[bytes.index(bytes.startIndex, offsetBy: 8)] { return [] }
            }
        }
        let bytes = Array(bytes)
        let code = String(decoding: bytes, as: UTF8.self)
        guard bytes.count == 9 else {
            return [.error(field, "\(field).length", "'\(code)' has \(code.count) characters; an organisation code has 9")]
        }
        if let bad = bytes[0..<8].firstIndex(where: { value(of: $0) == nil }) {
            return [
                .error(
                    field, "\(field).character",
                    "'\(code)' has '\(Character(Unicode.Scalar(bytes[bad])))' at position \(bad + 1); only digits and A–Z are allowed")
            ]
        }
        let expected = checkCharacter(forBody: code.prefix(8))!
        let actual = Character(Unicode.Scalar(bytes[8]))
        guard expected == actual else {
            return [.error(field, "\(field).checksum", "'\(code)' ends in '\(actual)' but its check character is '\(expected)'")]
        }
        return []
    }

    static func value(of byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x5A: return Int(byte - 0x41) + 10
        default: return nil
        }
    }
}
