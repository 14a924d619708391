import GatewayCore
import GatewayTesting
import Testing

/// Real public USCCs from DOMAIN.md §6.1; each passes both the USCC and the embedded org-code check.
let realUSCCs = [
    "914403001922038216", "9144030071526726XG", "91330100716105852F", "91310000132260250X", "91110108551385082Q",
    "12100000425006133D", "11420000MB15291767", "91110000600037341L", "91440300708461136T", "91110000802100433B",
    "91350100M000100Y43",
]
/// Resident identity numbers from GB 11643's annex and test suites (DOMAIN.md §6.2).
let realRICs = ["11010519491231002X", "440524188001010014", "11010219840406970X", "360426199101010071"]

let checker = IdentifierChecker(authorities: try! TestSupport.codeTables().usccAuthorities)

@Test(arguments: realUSCCs)
func realUSCCIsValidWithoutWarnings(code: String) {
    let check = checker.check(code, as: .uscc)
    #expect(check.isValid, "\(check.problems)")
    #expect(check.warnings.isEmpty, "\(check.warnings)")
}

/// Every single-character change of a valid code must be rejected (the check character catches them all).
@Test(arguments: realUSCCs)
func everySingleCharacterMutationOfAUSCCFails(code: String) {
    let chars = Array(code)
    for i in chars.indices {
        for replacement in USCC.alphabet.map({ Character(Unicode.Scalar($0)) }) where replacement != chars[i] {
            var mutated = chars
            mutated[i] = replacement
            let check = checker.check(String(mutated), as: .uscc)
            #expect(!check.isValid, "\(String(mutated)) (position \(i + 1)) was accepted")
        }
    }
}

@Test(arguments: realRICs)
func realRICIsValid(code: String) {
    let check = checker.check(code, as: .ric)
    #expect(check.isValid, "\(check.problems)")
}

@Test(arguments: realRICs)
func everySingleCharacterMutationOfARICFails(code: String) {
    let chars = Array(code)
    for i in chars.indices {
        for replacement in Array("0123456789X") where replacement != chars[i] {
            var mutated = chars
            mutated[i] = replacement
            #expect(!checker.check(String(mutated), as: .ric).isValid, "\(String(mutated)) was accepted")
        }
    }
}

@Test func organisationCodeKnownAnswersAndMutations() {
    // Positions 9–17 of real USCCs are valid organisation codes (DOMAIN.md §6.1).
    for uscc in realUSCCs {
        let org = String(Array(uscc)[8..<17])
        #expect(checker.check(org, as: .orgcode).isValid, "\(org)")
        let chars = Array(org)
        for i in chars.indices {
            // GB 11714 maps letters to 10–35, so a digit replaced by a letter of the same value mod 11 keeps the
            // check (a known weakness of the standard, not of this code): mutations are digit for digit, plus
            // every change of the check character.
            let alphabet = i == 8 ? Array("0123456789X") : Array("0123456789")
            for replacement in alphabet where replacement != chars[i] && chars[i].isNumber {
                var mutated = chars
                mutated[i] = replacement
                #expect(!checker.check(String(mutated), as: .orgcode).isValid, "\(String(mutated))")
            }
        }
    }
    #expect(checker.check("71526726-X", as: .orgcode).isValid)
}

@Test func lowerCaseAndFullWidthInputIsNormalisedWithAWarning() {
    let lower = checker.check("9144030071526726xg", as: .uscc)
    #expect(lower.isValid)
    #expect(lower.normalized == "9144030071526726XG")
    #expect(lower.warnings.map(\.code) == ["uscc.normalized"])

    let fullWidth = checker.check("９１３３０１００７１６１０５８５２Ｆ", as: .uscc)
    #expect(fullWidth.isValid)
    #expect(fullWidth.normalized == "91330100716105852F")

    let spaced = checker.check("  11010519491231002x ", as: .ric)
    #expect(spaced.isValid)
    #expect(spaced.normalized == "11010519491231002X")
}

@Test func uscc_rejectsForbiddenLettersUnknownAuthorityAndLength() {
    #expect(checker.check("91330100716105852", as: .uscc).errors.map(\.code) == ["uscc.length"])
    #expect(checker.check("9133010071610585IF", as: .uscc).errors.map(\.code) == ["uscc.character"])
    // Authority B does not exist; the check character is recomputed so only the authority is wrong.
    let body = "B1330100716105852"
    let code = body + String(USCC.checkCharacter(forBody: body)!)
    #expect(checker.check(code, as: .uscc).errors.map(\.code) == ["uscc.authority"])
    let badType = "95330100716105852"
    #expect(
        checker.check(badType + String(USCC.checkCharacter(forBody: badType)!), as: .uscc).errors.map(\.code)
            == ["uscc.type"])
}

@Test func embeddedOrganisationCodeMismatchIsAWarningUnlessStrict() {
    // Change the org code's check character (position 17) and recompute the USCC check character.
    let body = "9133010071610585" + "3"
    let code = body + String(USCC.checkCharacter(forBody: body)!)
    let lenient = checker.check(code, as: .uscc)
    #expect(lenient.isValid)
    #expect(lenient.warnings.map(\.code) == ["uscc.orgcode.checksum"])
    let strict = IdentifierChecker(authorities: checker.authorities, strictEmbeddedOrgCode: true).check(code, as: .uscc)
    #expect(!strict.isValid)
    #expect(strict.errors.map(\.code) == ["uscc.orgcode.checksum"])
}

@Test func legacy15DigitNumberIsUpgraded() {
    // 110105491231002 is the 15-digit form of 11010519491231002X.
    #expect(ResidentID.upgrade(legacy: "110105491231002") == "11010519491231002X")
    let check = checker.check("110105491231002", as: .ric)
    #expect(check.isValid)
    #expect(check.normalized == "11010519491231002X")
    #expect(check.warnings.map(\.code) == ["ric.legacy15"])
}

@Test func maskedAndImpossibleNumbersAreRejected() {
    #expect(checker.check("3208191960****6833", as: .ric).errors.map(\.code) == ["ric.masked"])
    #expect(ResidentID.isMasked("320819********6833"))
    // 2023-02-29 does not exist; check character recomputed so only the date is wrong.
    let body = "11010520230229002"
    let code = body + String(ResidentID.checkCharacter(forBody: body)!)
    #expect(checker.check(code, as: .ric).errors.map(\.code) == ["ric.birthDate"])
    let future = "11010520300101002"
    let futureCode = future + String(ResidentID.checkCharacter(forBody: future)!)
    #expect(ResidentID.check(futureCode, today: TestSupport.today).errors.map(\.code) == ["ric.birthDate"])
}

@Test func anyKindNamesEveryKindItIsValidAs() {
    let result = checker.checkAnyKind("91330100716105852F")
    #expect(result.valid.map(\.kind) == [.uscc])
    let ric = checker.checkAnyKind("11010519491231002X")
    #expect(ric.valid.map(\.kind) == [.ric])
    #expect(checker.checkAnyKind("11010519491231002Y").best.kind == .ric)
    #expect(checker.checkAnyKind("3208191960****6833").best.errors.map(\.code) == ["ric.masked"])
}

@Test func maskedDisplayFormHidesTheMiddle() {
    #expect(ResidentID.masked("11010519491231002X") == "110105********002X")
}
