import Foundation
import GatewayCore
import GatewayDispatch
import GatewayTesting
import Testing

let engine = try! RuleEngine.load(contracts: TestSupport.contracts)
/// The shared rules with every city's additions (Partners/<slug>/rules.json), as the node loads them.
let fullEngine = try! RuleEngine.load(contracts: TestSupport.contracts, partners: TestSupport.partners)
let rulesDir = TestSupport.contracts.appendingPathComponent("rules")
let caseFiles = try! RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")).map(\.file)
let partnerCaseFiles = try! RuleEngine.partnerRuleTests(partners: TestSupport.partners).map(\.file)

/// Every case in Contracts/rules/tests passes (the same runner as `g60-gateway rules test`).
@Test(arguments: caseFiles)
func ruleCasePasses(file: String) throws {
    let test = try #require(try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")).first { $0.file == file })
    let outcome = test.test.run(engine: engine, file: file)
    #expect(outcome.failures.isEmpty, "\(outcome.failures.joined(separator: "\n"))")
}

/// Every city's case in Partners/<slug>/rules-tests passes with the cities' additions loaded.
@Test(arguments: partnerCaseFiles)
func partnerRuleCasePasses(file: String) throws {
    let test = try #require(try RuleEngine.partnerRuleTests(partners: TestSupport.partners).first { $0.file == file })
    let outcome = test.test.run(engine: fullEngine, file: file)
    #expect(outcome.failures.isEmpty, "\(outcome.failures.joined(separator: "\n"))")
}

@Test func casesCoverEveryRuleAndMeasure() throws {
    var rules = Set<String>()
    var measures = Set<String>()
    for (file, test) in try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")) {
        let outcome = test.run(engine: engine, file: file)
        rules.formUnion(outcome.coveredRules)
        measures.formUnion(outcome.coveredMeasures)
    }
    for (file, test) in try RuleEngine.partnerRuleTests(partners: TestSupport.partners) {
        let outcome = test.run(engine: fullEngine, file: file)
        rules.formUnion(outcome.coveredRules)
        measures.formUnion(outcome.coveredMeasures)
    }
    #expect(Set(fullEngine.rules.rules.map(\.id)).subtracting(rules).isEmpty)
    #expect(Set(fullEngine.catalogue.measures.map(\.code)).subtracting(measures).isEmpty)
}

/// A case with a wrong expectation fails, naming what differs (the runner can fail).
@Test func aWrongExpectationFails() throws {
    var test = try #require(try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")).first).test
    test.checks[test.checks.count - 1].active = ["debtor.notPerformed"]
    let outcome = test.run(engine: engine)
    #expect(outcome.failures.count == 1)
    #expect(outcome.failures.first?.contains("expected [\"debtor.notPerformed\"]") == true)
}

@Test func predicatesParseAndEvaluate() throws {
    let json = #"{"all":[{"field":"penalty.categories","containsAny":["fine","orderClosure"]},{"not":{"field":"penalty.keyArea","exists":true}},{"any":[{"field":"subject.category","equals":"legalEntity"},{"field":"subject.category","in":["naturalPerson"]}]}]}"#
    let p = try JSONDecoder().decode(Predicate.self, from: Data(json.utf8))
    let record: [String: Any] = ["penalty": ["categories": ["warning", "fine"]], "subject": ["category": "legalEntity"]]
    #expect(p.matches(record))
    var withArea = record
    withArea["penalty"] = ["categories": ["fine"], "keyArea": "foodDrug"]
    #expect(!p.matches(withArea))
    #expect(p.fields == ["penalty.categories", "penalty.keyArea", "subject.category", "subject.category"])
    #expect(throws: (any Error).self) {
        try JSONDecoder().decode(Predicate.self, from: Data(#"{"field":"a","like":"b"}"#.utf8))
    }
    // Round trip.
    let again = try JSONDecoder().decode(Predicate.self, from: try JSONEncoder().encode(p))
    #expect(again == p)
}

@Test func rulesNamingUnknownOrMismatchedMeasuresAreRejected() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-rules-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let original = try String(contentsOf: rulesDir.appendingPathComponent("rules.json"), encoding: .utf8)
    for (from, to) in [("g60.punish.closerInspection", "g60.punish.unknown"), ("\"g60.reward.greenChannel\"", "\"g60.spc.flights\"")] {
        let file = dir.appendingPathComponent("rules.json")
        try original.replacingOccurrences(of: from, with: to).write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DispatchError(DispatchError.rulesInvalid, "")) {
            try RuleSet.load(file, catalogue: engine.catalogue)
        }
    }
}

@Test func periodRegimeFollowsTheDecisionDate() throws {
    let p = engine.periods
    #expect(p.regime(on: CivilDate(iso: "2019-06-30")!) == nil)
    #expect(p.regime(on: CivilDate(iso: "2019-07-01")!)?.id == "ndrc-2019-527")
    #expect(p.regime(on: CivilDate(iso: "2023-05-01")!)?.id == "ndrc-order-58")
    #expect(p.regime(on: CivilDate(iso: "2026-03-31")!)?.id == "ndrc-order-58")
    #expect(p.regime(on: CivilDate(iso: "2026-04-01")!)?.id == "ndrc-2025-repair")
}

@Test func changesBetweenEvaluationsBecomeNotices() throws {
    let all = try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests"))
    let test = try #require(all.first { $0.file.hasPrefix("07-") }).test
    var records = test.records
    for i in records.indices { records[i].assignID(keyring: .demo) }
    let may = try engine.evaluate(records: records, asOf: CivilDate(iso: "2025-05-01")!)
    let july = try engine.evaluate(records: records, asOf: CivilDate(iso: "2025-07-01")!)
    let january = try engine.evaluate(records: records, asOf: CivilDate(iso: "2026-01-01")!)
    let toJuly = MeasureChange.between(previous: may, current: july)
    #expect(Set(toJuly.filter { $0.change == .suspended }.map(\.decision.rule)) == ["list.taxpayerGradeA"])
    #expect(Set(toJuly.filter { $0.change == .issued }.map(\.decision.rule)) == ["list.black"])
    let toJanuary = MeasureChange.between(previous: july, current: january)
    #expect(Set(toJanuary.filter { $0.change == .resumed }.map(\.decision.rule)) == ["list.taxpayerGradeA"])
    #expect(Set(toJanuary.filter { $0.change == .lifted }.map(\.decision.rule)) == ["list.black"])
    // A record that disappears (withdrawn) lifts what it triggered.
    let gone = MeasureChange.between(previous: july, current: [])
    #expect(gone.allSatisfy { $0.change == .lifted } && !gone.isEmpty)
    // Every decision names its versions and explains itself.
    #expect(july.allSatisfy { $0.versions.rules == engine.rules.version && $0.explanation.contains($0.rule) })
}

/// `canDecide` never hides a decision: in every rule case (shared and the cities'), leaving out the records it says
/// cannot decide gives exactly the same decisions on every checked day.
@Test func recordsThatCannotDecideChangeNoDecision() throws {
    var cases = try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")).map { ($0.test, engine) }
    cases += try RuleEngine.partnerRuleTests(partners: TestSupport.partners).map { ($0.test, fullEngine) }
    var skipped = 0
    var deciding = 0
    for (test, base) in cases {
        var engine = base
        if let extra = test.partnerRules {
            let rules = try engine.rules.adding(
                partnerRules: extra.ruleset, partner: extra.partner, catalogue: engine.catalogue)
            engine = RuleEngine(catalogue: engine.catalogue, rules: rules, periods: engine.periods, calendar: engine.calendar)
        }
        var records = test.records
        for i in records.indices { records[i].assignID(keyring: .demo) }
        let groups = Dictionary(grouping: records) { RuleEngine.subjectKey($0.subject) }
        for check in test.checks {
            for (_, group) in groups {
                let kept = try group.filter { try engine.canDecide(on: $0) }
                skipped += group.count - kept.count
                deciding += kept.count
                let all = try engine.evaluate(records: group, asOf: check.asOf)
                let some = try engine.evaluate(records: kept, asOf: check.asOf)
                #expect(all == some, "\(test.name) on \(check.asOf)")
            }
        }
    }
    // The property is not vacuous: the cases hold records of both sorts.
    #expect(skipped > 0 && deciding > 0, "skipped \(skipped), deciding \(deciding)")
}

@Test func canDecideFollowsTheRulesConditions() throws {
    let warning = try #require(
        try RuleTestCase.loadAll(directory: rulesDir.appendingPathComponent("tests")).flatMap(\.test.records).first {
            if case .penalty(let p) = $0.body { return p.categories == ["warning"] }
            return false
        })
    #expect(try !engine.canDecide(on: warning))
    #expect(engine.triggerKinds.contains(.penalty))
}
