import Foundation
import GatewayCore
import GatewayDispatch
import GatewayTesting
import Testing

@Test func eligibilityFollowsActiveTravelMeasuresOnly() throws {
    let all = try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests"))
    let test = try #require(all.first { $0.file.hasPrefix("09-") }).test
    var records = test.records
    for i in records.indices { records[i].assignID(keyring: .demo) }
    let person = records.filter { $0.subject.category == "naturalPerson" }
    let before = try engine.evaluate(records: person, asOf: CivilDate(iso: "2025-06-01")!)
    let answer = TrustTravel.answer(decisions: before, catalogue: engine.catalogue)
    #expect(answer.eligible)
    #expect(answer.benefits.map(\.code) == ["g60.travel.depositFreeHotel", "g60.travel.priorityLane", "g60.travel.scenicDiscount"])
    #expect(answer.benefits.first { $0.code == "g60.travel.priorityLane" }?.partners == ["all"])
    // Once listed as a dishonest debtor, the benefits are suspended: not eligible.
    let after = try engine.evaluate(records: person, asOf: CivilDate(iso: "2026-06-01")!)
    #expect(!TrustTravel.answer(decisions: after, catalogue: engine.catalogue).eligible)
    // The answer carries no names, numbers or reasons.
    let json = String(decoding: try JSONEncoder().encode(answer), as: UTF8.self)
    #expect(!json.contains("王五") && !json.contains("11010219840406970X") && !json.contains("rec_"))
}

@Test func lookupSubjectsAreCheckedAndHashed() throws {
    let checker = IdentifierChecker(authorities: try TestSupport.codeTables().usccAuthorities)
    let person = TrustTravel.subjectKeys(for: "11010219840406970X", checker: checker, keyring: .demo)
    var identity = PersonIdentity(documentType: "residentIdCard", clearNumber: "11010219840406970X")
    identity.seal(with: .demo)
    #expect(person.keys == ["id:" + identity.hash!])
    #expect(TrustTravel.subjectKeys(for: "91330100716105852F", checker: checker, keyring: .demo).keys == ["uscc:91330100716105852F"])
    #expect(TrustTravel.subjectKeys(for: "3208191960****6833", checker: checker, keyring: .demo).reason == "subject.masked")
    #expect(TrustTravel.subjectKeys(for: "1101021984040697", checker: checker, keyring: .demo).reason == "subject.invalid")
    // 11010219840406970Y happens to pass the USCC check; 110102198404069... numbers valid as both give both keys.
    #expect(TrustTravel.subjectKeys(for: "11010219840406970Y", checker: checker, keyring: .demo).keys == ["uscc:11010219840406970Y"])
}
