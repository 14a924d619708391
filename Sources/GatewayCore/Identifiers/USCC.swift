/// 统一社会信用代码 (unified social credit code), GB 32100-2015.
///
/// Layout (DOMAIN.md §6.1): position 1 registration authority, 2 entity type, 3–8 administrative division,
/// 9–17 the organisation code (GB 11714, with its own check character), 18 the check character over the 31-character
/// alphabet `0123456789ABCDEFGHJKLMNPQRTUWXY` with weights 3^(i−1) mod 31.
public enum USCC {
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    /// The weights of the 17 body characters (3^(i−1) mod 31); public for byte-level readers elsewhere (the
    /// lookup's subject keys) so that the table exists once.
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Byte → value in `alphabet`, or -1 (a table, so a check does no search per character).
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, byte) in alphabet.enumerated() { table[Int(byte)] = Int8(i) }
        return table
    }()

    /// The check character for a 17-character body, or nil when a character is outside the alphabet.
    public static func checkCharacter<S: StringProtocol>(forBody body: S) -> Character? {
        checkByte(forBody: body.utf8).map { Character(Unicode.Scalar($0)) }
    }

    /// The check character's byte for 17 body bytes, or nil (wrong length, a byte outside the alphabet).
    static func checkByte<C: Collection>(forBody body: C) -> UInt8? where C.Element == UInt8 {
        guard body.count == 17 else { return nil }
        var sum = 0
        for (i, byte) in body.enumerated() {
            let v = Int(values[Int(byte)])
            guard v >= 0 else { return nil }
            sum += v * weights[i]
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The authority and entity-type pairs `check` accepts, as `USCCAuthorityTable.authority(_:)` finds them
    /// (the first authority of a code wins): index value(authority) × 31 + value(type).
    static func authorityTypePairs(_ table: USCCAuthorityTable) -> [Bool] {
        var pairs = [Bool](repeating: false, count: 31 * 31)
        var seen = Set<String>()
        for authority in table.authorities where seen.insert(authority.code).inserted {
            // `check` looks up one-character strings: a longer code, or one outside the alphabet, never matches.
            guard authority.code.utf8.count == 1, let a = authority.code.utf8.first, values[Int(a)] >= 0 else {
                continue
            }
            for type in authority.types.keys {
                guard type.utf8.count == 1, let t = type.utf8.first, values[Int(t)] >= 0 else { continue }
                pairs[Int(values[Int(a)]) * 31 + Int(values[Int(t)])] = true
            }
        }
        return pairs
    }

    /// Whether `check(input, authorities:)` finds no problem at all (no error, no warning): then a caller that only
    /// reports problems has nothing to do. A byte scan without strings or arrays; anything irregular (a space, lower
    /// case, full-width, a bad character or check character, an embedded organisation code that fails) answers
    /// false, and the caller runs the full check for its problems. `authorityTypes` is `authorityTypePairs` of the
    /// table, or nil for none.
    static func isClean(_ input: String, authorityTypes: [Bool]?) -> Bool {
        guard input.utf8.count == 18 else { return false }
        let clean = input.utf8.withContiguousStorageIfAvailable { b -> Bool in
            values.withUnsafeBufferPointer { values in
                // Every byte in the alphabet (so ASCII, upper case, no space: the input is its normalised form).
                var sum = 0
                var v = (0, 0)
                for i in 0..<17 {
                    let value = Int(values[Int(b[i])])
                    if value < 0 { return false }
                    if i == 0 { v.0 = value } else if i == 1 { v.1 = value }
                    sum &+= value &* weights[i]
                }
                guard values[Int(b[17])] >= 0 else { return false }
                if let pairs = authorityTypes, !pairs[v.0 * 31 + v.1] { return false }
                for i in 2..<8 where b[i] < 0x30 || b[i] > 0x39 { return false }
                guard alphabet[(31 - sum % 31) % 31] == b[17] else { return false }
                // The embedded organisation code (positions 9–17), GB 11714: USCC characters are all digits or A–Z.
                var orgSum = 0
                for i in 0..<8 {
                    let byte = b[8 + i]
                    let value = byte <= 0x39 ? Int(byte) - 0x30 : Int(byte) - 0x41 + 10
                    orgSum &+= value &* OrganizationCode.weights[i]
                }
                let c = 11 - orgSum % 11
                let expected: UInt8 = c == 10 ? UInt8(ascii: "X") : c == 11 ? UInt8(ascii: "0") : UInt8(0x30 + c)
                return expected == b[16]
            }
        }
        return clean ?? false
    }

    /// Checks a USCC: length, alphabet, authority and type (when a table is given), division digits, check
    /// character, and the embedded organisation code (a warning unless `strictEmbeddedOrgCode`).
    public static func check(
        _ input: String, authorities: USCCAuthorityTable? = nil, strictEmbeddedOrgCode: Bool = false
    ) -> IdentifierCheck {
        let code = TextNormalization.identifier(input)
        let bytes = Array(code.utf8)
        var problems: [Problem] = []
        func done() -> IdentifierCheck {
            if !problems.hasErrors { problems += normalizationWarnings(input: input, normalized: code, field: "uscc") }
            return IdentifierCheck(kind: .uscc, input: input, normalized: code, problems: problems)
        }
        guard code.unicodeScalars.count == 18, bytes.count == 18 else {
            problems.append(.error("uscc", "uscc.length", "'\(code)' has \(code.count) characters; a USCC has 18"))
            return done()
        }
        if let bad = bytes.firstIndex(where: { values[Int($0)] < 0 }) {
            let char = Character(Unicode.Scalar(bytes[bad]))
            problems.append(
                .error(
                    "uscc", "uscc.character",
                    "'\(code)' has '\(char)' at position \(bad + 1); I, O, Z, S, V and non-alphanumerics never occur in a USCC"))
            return done()
        }
        if let table = authorities {
            let authority = String(Character(Unicode.Scalar(bytes[0])))
            let type = String(Character(Unicode.Scalar(bytes[1])))
            if let entry = table.authority(authority) {
                if !entry.types.keys.contains(type) {
                    problems.append(
                        .error(
                            "uscc", "uscc.type",
                            "'\(code)': entity type '\(type)' is not defined for authority '\(authority)' (\(entry.name))"))
                }
            } else {
                problems.append(
                    .error("uscc", "uscc.authority", "'\(code)': '\(authority)' is not a registration-authority code"))
            }
        }
        if !bytes[2..<8].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            problems.append(.error("uscc", "uscc.region", "'\(code)': positions 3–8 must be a six-digit division code"))
        }
        guard let expectedByte = checkByte(forBody: bytes[0..<17]) else {
            preconditionFailure("every byte of '\(code)' was checked against the alphabet")
        }
        let expected = Character(Unicode.Scalar(expectedByte))
        let actual = Character(Unicode.Scalar(bytes[17]))
        if expectedByte != bytes[17] {
            problems.append(
                .error("uscc", "uscc.checksum", "'\(code)' ends in '\(actual)' but its check character is '\(expected)'"))
        }
        if !problems.hasErrors {
            for p in OrganizationCode.checkProblems(bytes: bytes[8..<17], field: "uscc.orgcode") {
                problems.append(
                    Problem(
                        field: p.field, code: p.code,
                        message: "embedded organisation code: " + p.message,
                        severity: strictEmbeddedOrgCode ? .error : .warning))
            }
        }
        return done()
    }
}

/// The registration-authority and entity-type codes of USCC positions 1–2, loaded from
/// `Contracts/codes/uscc-authorities.json`.
public struct USCCAuthorityTable: Codable, Hashable, Sendable {
    public struct Authority: Codable, Hashable, Sendable {
        public var code: String
        public var name: String
        public var nameEn: String?
        /// Entity-type code → name.
        public var types: [String: String]
    }

    public var authorities: [Authority]

    public init(authorities: [Authority]) { self.authorities = authorities }

    public func authority(_ code: String) -> Authority? { authorities.first { $0.code == code } }
}
