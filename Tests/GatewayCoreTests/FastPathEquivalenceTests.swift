@testable import GatewayCore
import GatewayTesting
import Testing

// The validator's fast paths against the general code they stand in front of: `USCC.isClean` must answer true
// exactly when the full USCC check finds no problem at all, and the resolved code sets must hold exactly the
// codes `CodeTable.contains` accepts.

/// Inputs around the real codes: each one, every single-character change (alphabet, forbidden letters, lower
/// case, space, full-width), shortened and lengthened forms, and a changed check character recomputed so that only
/// the authority, type, division or embedded organisation code is wrong.
func usccCandidates() -> [String] {
    var out: [String] = ["", "00000000000000000X", "９１３３０１００７１６１０５８５２Ｆ", " 91330100716105852F", "91330100716105852f"]
    let replacements = USCC.alphabet.map { Character(Unicode.Scalar($0)) } + ["I", "O", "Z", "S", "V", "a", " ", "-", "é", "中", "９"]
    for code in realUSCCs {
        out.append(code)
        out.append(String(code.dropLast()))
        out.append(code + "1")
        let chars = Array(code)
        for i in chars.indices {
            for replacement in replacements where replacement != chars[i] {
                var mutated = chars
                mutated[i] = replacement
                let text = String(mutated)
                out.append(text)
                // The same body with its check character recomputed (when the body is in the alphabet).
                let body = String(text.prefix(17))
                if i < 17, let check = USCC.checkCharacter(forBody: body) { out.append(body + String(check)) }
            }
        }
    }
    return out
}

@Test func cleanUSCCFastPathAgreesWithTheFullCheck() throws {
    let authorities = try TestSupport.codeTables().usccAuthorities
    let checkers = [
        IdentifierChecker(authorities: authorities), IdentifierChecker(authorities: nil),
        IdentifierChecker(authorities: authorities, strictEmbeddedOrgCode: true),
    ]
    let candidates = usccCandidates()
    #expect(candidates.count > 10_000)
    var clean = 0
    for checker in checkers {
        let pairs = checker.authorities.map(USCC.authorityTypePairs)
        for code in candidates {
            let full = checker.check(code, as: .uscc).problems.isEmpty
            #expect(USCC.isClean(code, authorityTypes: pairs) == full, "\(code): full check clean = \(full)")
            if full { clean += 1 }
        }
    }
    // Both answers occur, so the comparison is not vacuous.
    #expect(clean > 100)
    #expect(clean < candidates.count)
}

@Test func authorityTypePairsAreTheTableLookups() throws {
    let table = try TestSupport.codeTables().usccAuthorities
    let pairs = USCC.authorityTypePairs(table)
    for a in USCC.alphabet {
        for t in USCC.alphabet {
            let authority = String(Character(Unicode.Scalar(a)))
            let type = String(Character(Unicode.Scalar(t)))
            let expected = table.authority(authority)?.types.keys.contains(type) ?? false
            #expect(pairs[Int(USCC.values[Int(a)]) * 31 + Int(USCC.values[Int(t)])] == expected, "\(authority)\(type)")
        }
    }
    // The first authority of a code wins, as `authority(_:)` finds it.
    let twice = USCCAuthorityTable(authorities: [
        .init(code: "9", name: "first", types: ["1": "x"]), .init(code: "9", name: "second", types: ["2": "y"]),
    ])
    let p = USCC.authorityTypePairs(twice)
    #expect(p[9 * 31 + 1])
    #expect(!p[9 * 31 + 2])
}

@Test func resolvedCodeSetsHoldExactlyTheTableCodes() throws {
    let codes = try TestSupport.codeTables()
    let resolved = ResolvedCodes(codes)
    let sets: [(String, CodeSet)] = [
        ("subject-categories", resolved.subjectCategories), ("id-document-types", resolved.idDocumentTypes),
        ("license-categories", resolved.licenseCategories), ("license-status", resolved.licenseStatus),
        ("penalty-categories", resolved.penaltyCategories), ("severity-tiers", resolved.severityTiers),
        ("debtor-performance", resolved.debtorPerformance), ("debtor-situations", resolved.debtorSituations),
        ("list-kinds", resolved.listKinds), ("lists", resolved.lists), ("retraction-reasons", resolved.retractionReasons),
    ]
    var probes = ["", "fine", "罚款", "legalEntity", "x", "FINE"]
    for table in codes.tables.values { probes += table.entries.map(\.code) }
    for (name, set) in sets {
        #expect(set.table == name)
        #expect(!codes[name].entries.isEmpty, "\(name) is empty")
        for probe in probes { #expect(set.contains(probe) == codes[name].contains(probe), "\(name): \(probe)") }
    }
    for entry in codes["penalty-categories"].entries {
        #expect(resolved.penaltyRequires[entry.code] == (codes["penalty-categories"].entry(entry.code)?.requires ?? []))
    }
}

/// `Money(parsing:)`'s one-pass path must give the general parser's amount whenever it answers, and answer for
/// plain amounts (so the comparison is not vacuous).
@Test func plainMoneyFastPathAgreesWithTheGeneralParser() {
    var inputs = [
        "", "-", "+", ".", "-.", "0", "-0", "+0", "5.", ".5", "-.50", "2000.00", "2000", "0.01", "0.001", "1.10",
        "1.100", "12.345", "0.000001", "0.0000001", "1,234.50", "1,23", "12,3456", "1.2.3", "abc", " 1", "1 ", "1e3",
        "--5", "+-5", "9223372036854775807", "92233720368547758", "92233720368547758.07", "92233720368547758.08",
        "-92233720368547758.08", "99999999999999999999", "00012.3400", "１２", "12元", "0.", "-0.00",
    ]
    for a in ["", "-", "+"] {
        for b in ["", "0", "7", "12", "900", "123456789"] {
            for c in ["", ".", ".0", ".5", ".05", ".50", ".123", ".1200", ".000001", ".0000010", ".x"] { inputs.append(a + b + c) }
        }
    }
    var answered = 0
    for unit in [Money.Unit.fen, .yuan, .wanYuan] {
        for text in inputs {
            let general = try? Money.generalFen(text, unit: unit)
            if let fast = Money.plainFen(text, unit: unit) {
                answered += 1
                #expect(fast == general, "'\(text)' \(unit): fast \(fast), general \(String(describing: general))")
            }
            #expect((try? Money(parsing: text, unit: unit))?.fen == general, "'\(text)' \(unit)")
        }
    }
    #expect(answered > 200)
}

/// The eight-bytes-at-a-time escape scan against the byte loop: every byte value at every position of strings of
/// 0 to 24 bytes (ASCII and CJK filler), so each lane of the word and the byte tail are covered.
@Test func escapeScanAgreesWithTheByteLoop() {
    func naive(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
    var dirty = 0
    for filler in [Array("abcdefghijklmnopqrstuvwxyz".utf8), Array("嘉兴市场监督管理局".utf8)] {
        for length in 0...24 {
            let base = Array(filler.prefix(length))
            #expect(base.withUnsafeBufferPointer { ByteWord.needsJSONEscape($0) } == naive(base))
            for position in 0..<base.count {
                for value in 0...255 {
                    var bytes = base
                    bytes[position] = UInt8(value)
                    let expected = naive(bytes)
                    if expected { dirty += 1 }
                    #expect(
                        bytes.withUnsafeBufferPointer { ByteWord.needsJSONEscape($0) } == expected,
                        "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }
    #expect(dirty > 1000)
    var w = CanonicalJSONWriter()
    w.writeString("嘉兴\"市\\场\u{01}")
    #expect(String(decoding: w.bytes, as: UTF8.self) == #""嘉兴\"市\\场\u0001""#)
}
