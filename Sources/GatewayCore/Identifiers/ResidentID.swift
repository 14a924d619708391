/// 公民身份号码 (resident identity number), GB 11643-1999.
///
/// 6-digit address code, 8-digit birth date, 3-digit sequence (odd male, even female), check character by
/// ISO 7064 MOD 11-2. Legacy 15-digit numbers (6 address, YYMMDD born 19YY, 3 sequence, no check) are
/// recognised and upgraded. Published lists mask numbers (`3208191960****6833`): a masked number is not an
/// error, but it identifies nobody exactly (DOMAIN.md §2).
public enum ResidentID {
    /// The weights of the 17 body digits (ISO 7064 MOD 11-2); public for byte-level readers elsewhere (the
    /// lookup's subject keys) so that the table exists once.
    public static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// The check character's byte for each weighted sum mod 11.
    public static let checkBytes: [UInt8] = Array("10X98765432".utf8)
    static let checkCharacters = checkBytes.map { Character(Unicode.Scalar($0)) }

    /// The check character for a 17-digit body.
    public static func checkCharacter<S: StringProtocol>(forBody body: S) -> Character? {
        let bytes = Array(body.utf8)
        guard bytes.count == 17, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var sum = 0
        for (i, byte) in bytes.enumerated() { sum += Int(byte - 0x30) * weights[i] }
        return checkCharacters[sum % 11]
    }

    /// Upgrades a 15-digit legacy number to 18 digits (inserting the century 19 and the check character).
    public static func upgrade(legacy: String) -> String? {
        let bytes = Array(legacy.utf8)
        guard bytes.count == 15, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let body = String(decoding: bytes[0..<6], as: UTF8.self) + "19" + String(decoding: bytes[6...], as: UTF8.self)
        return body + String(checkCharacter(forBody: body)!)
    }

    /// Whether `text` is a masked number as public lists print it (18 characters, digits/X and a run of `*`).
    public static func isMasked(_ text: String) -> Bool {
        let code = TextNormalization.identifier(text)
        let bytes = Array(code.utf8)
        guard bytes.count == 18 || bytes.count == 15, bytes.contains(UInt8(ascii: "*")) else { return false }
        return bytes.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "X") }
    }

    /// The display form the gateway shows: first six and last four characters, the rest masked.
    public static func masked(_ normalized: String) -> String {
        let chars = Array(normalized)
        guard chars.count >= 10 else { return String(repeating: "*", count: chars.count) }
        return String(chars[0..<6]) + String(repeating: "*", count: chars.count - 10) + String(chars[(chars.count - 4)...])
    }

    /// The birth date encoded in a valid 18-digit number.
    public static func birthDate(_ normalized: String) -> CivilDate? {
        let bytes = Array(normalized.utf8)
        guard bytes.count == 18 else { return nil }
        return CivilDate(iso: "\(String(decoding: bytes[6..<10], as: UTF8.self))-\(String(decoding: bytes[10..<12], as: UTF8.self))-\(String(decoding: bytes[12..<14], as: UTF8.self))")
    }

    /// Checks a number; `today` (when given) rejects birth dates in the future.
    public static func check(_ input: String, today: CivilDate? = nil) -> IdentifierCheck {
        let typed = TextNormalization.identifier(input)
        var code = typed
        var problems: [Problem] = []
        func done() -> IdentifierCheck {
            if !problems.hasErrors { problems += normalizationWarnings(input: input, normalized: typed, field: "ric") }
            return IdentifierCheck(kind: .ric, input: input, normalized: code, problems: problems)
        }
        if isMasked(code) {
            problems.append(.error("ric", "ric.masked", "'\(code)' is masked; it cannot be checked or matched exactly"))
            return done()
        }
        var bytes = Array(code.utf8)
        if bytes.count == 15 {
            guard let upgraded = upgrade(legacy: code) else {
                problems.append(.error("ric", "ric.character", "'\(code)': a 15-digit legacy number has digits only"))
                return done()
            }
            problems.append(
                .warning("ric", "ric.legacy15", "'\(code)' is a 15-digit legacy number; read as '\(upgraded)'"))
            // The legacy number's date and digits are checked below through the upgraded form.
            code = upgraded
            bytes = Array(code.utf8)
        }
        guard bytes.count == 18 else {
            problems.append(.error("ric", "ric.length", "'\(code)' has \(code.count) characters; an identity number has 18"))
            return done()
        }
        guard bytes[0..<17].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            (bytes[17] >= 0x30 && bytes[17] <= 0x39) || bytes[17] == UInt8(ascii: "X")
        else {
            problems.append(
                .error("ric", "ric.character", "'\(code)': 17 digits and a final digit or X are expected"))
            return done()
        }
        if bytes[0] == UInt8(ascii: "0") {
            problems.append(.error("ric", "ric.region", "'\(code)': an address code never starts with 0"))
        }
        if let birth = birthDate(code) {
            if birth.year < 1880 {
                problems.append(.error("ric", "ric.birthDate", "'\(code)': birth year \(birth.year) is before 1880"))
            } else if let today, birth > today {
                problems.append(.error("ric", "ric.birthDate", "'\(code)': birth date \(birth) is in the future"))
            }
        } else {
            let raw = String(decoding: bytes[6..<14], as: UTF8.self)
            problems.append(.error("ric", "ric.birthDate", "'\(code)': '\(raw)' is not a birth date"))
        }
        let expected = checkCharacter(forBody: code.prefix(17))!
        let actual = Character(Unicode.Scalar(bytes[17]))
        if expected != actual {
            problems.append(.error("ric", "ric.checksum", "'\(code)' ends in '\(actual)' but its check character is '\(expected)'"))
        }
        return done()
    }
}
