import Foundation
import GatewayCore
import GatewayDispatch
import GatewayTesting
import Testing

/// The cities' rule additions (`Partners/<slug>/rules.json`) as the node loads them.
@Suite struct PartnerRuleTests {
    @Test func theNodeLoadsEveryCitysAdditionsWithTheirVersions() throws {
        let files = try RuleEngine.partnerRuleFiles(partners: TestSupport.partners).map(\.slug)
        #expect(files == ["huzhou", "jiaxing", "jinhua"])
        let ids = fullEngine.rules.rules.map(\.id)
        for slug in files {
            #expect(ids.contains("\(slug).travel.localResidentTreatment"))
            #expect(fullEngine.rules.version.contains("+\(slug)@2026.11.1"))
        }
        #expect(fullEngine.rules.version.hasPrefix(engine.rules.version + "+"))
        // Shared rules keep their ids; the additions are marked with their city.
        #expect(fullEngine.rules.rules.filter { $0.partner == nil }.map(\.id) == engine.rules.rules.map(\.id))
        #expect(fullEngine.rules.rules.filter { $0.partner == "jiaxing" }.count == 1)
        #expect(engine.fingerprint != fullEngine.fingerprint)
    }

    /// A city's rule fires only on its own records, its decisions carry its scope and the merged version.
    @Test func anAdditionIsScopedToItsCities() throws {
        let test = try #require(
            try RuleEngine.partnerRuleTests(partners: TestSupport.partners).first { $0.file.hasPrefix("jiaxing/") }
        ).test
        var records = test.records
        for i in records.indices { records[i].assignID(keyring: .demo) }
        let byPerson = Dictionary(grouping: records) { RuleEngine.subjectKey($0.subject) }
        var decisions: [MeasureDecision] = []
        for (_, group) in byPerson {
            decisions += try fullEngine.evaluate(records: group, asOf: CivilDate(iso: "2025-06-01")!)
        }
        let local = decisions.filter { $0.measure == "g60.travel.localResidentTreatment" }
        #expect(local.count == 1)
        #expect(local.first?.rule == "jiaxing.travel.localResidentTreatment")
        #expect(local.first?.scope == .partners(["jiaxing", "jinhua", "huzhou"]))
        #expect(local.first?.versions.rules == fullEngine.rules.version)
        // The shared rule's measures keep their catalogue scope.
        #expect(decisions.first { $0.measure == "g60.travel.priorityLane" }?.scope == .all)
        // Without the additions, nothing local is decided.
        var shared: [MeasureDecision] = []
        for (_, group) in byPerson { shared += try engine.evaluate(records: group, asOf: CivilDate(iso: "2025-06-01")!) }
        #expect(!shared.contains { $0.measure == "g60.travel.localResidentTreatment" })
    }

    /// A rule without a scope is scoped to its city alone.
    @Test func anUnscopedAdditionAppliesInItsCityOnly() throws {
        let file = try write(
            slug: "suzhou",
            """
            {"ruleset": "suzhou.rules", "version": "1", "rules": [{"id": "closer", "title": "t", "titleEn": "t",
             "kind": "punishment", "priority": 1, "trigger": {"kind": "penalty"},
             "measures": ["g60.punish.closerInspection"], "period": {"basis": "untilRetracted"}}]}
            """)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        let rules = try engine.rules.adding(partnerRulesAt: file, partner: "suzhou", catalogue: engine.catalogue)
        let rule = try #require(rules.rules.last)
        #expect(rule.id == "suzhou.closer" && rule.partner == "suzhou" && rule.scope == .partners(["suzhou"]))
        #expect(rules.version == engine.rules.version + "+suzhou@1")
    }

    /// Errors name the file, the rule and the field.
    @Test(arguments: [
        (
            #"{"ruleset": "x", "version": "1", "rules": [{"id": "a", "title": "t", "titleEn": "t", "kind": "punishment", "priority": 1, "trigger": {"kind": "penalty"}, "measures": ["g60.punish.nope"], "period": {"basis": "untilRetracted"}}]}"#,
            ["rules.json", "rule a", "field measures", "g60.punish.nope"]
        ),
        (
            #"{"ruleset": "x", "version": "1", "rules": [{"id": "b", "title": "t", "titleEn": "t", "kind": "punishment", "priority": 1, "trigger": {"kind": "penalty", "when": {"field": "x", "like": "y"}}, "measures": ["g60.punish.closerInspection"], "period": {"basis": "untilRetracted"}}]}"#,
            ["rules.json", "rule b (rules[0])", "field trigger.when"]
        ),
        (
            #"{"ruleset": "x", "version": "1", "rules": [{"id": "c", "title": "t", "titleEn": "t", "kind": "punishment", "priority": 1, "trigger": {"kind": "penalty"}, "measures": ["g60.punish.closerInspection"]}]}"#,
            ["rule c (rules[0])", "field period: missing"]
        ),
        (
            #"{"ruleset": "x", "version": "1", "rules": [{"id": "d", "title": "t", "titleEn": "t", "kind": "incentive", "priority": 1, "trigger": {"kind": "listEntry"}, "measures": ["g60.travel.depositFreeHotel"], "period": {"basis": "untilRetracted"}, "scope": ["suzhou", "hefei"]}]}"#,
            ["rule d", "field scope", "hefei is outside measure g60.travel.depositFreeHotel"]
        ),
        (
            #"{"ruleset": "x", "version": "1", "partner": "hefei", "rules": []}"#,
            ["field partner is hefei", "suzhou's folder"]
        ),
        (
            #"{"ruleset": "x", "version": "1", "rules": [{"id": "e", "title": "t", "titleEn": "t", "kind": "punishment", "priority": 1, "trigger": {"kind": "listEntry"}, "measures": ["g60.punish.closerInspection"], "period": {"basis": "fixed"}}]}"#,
            ["rule e", "field period.length"]
        ),
    ])
    func invalidAdditionsAreRefusedPrecisely(json: String, mentions: [String]) throws {
        let file = try write(slug: "suzhou", json)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent().deletingLastPathComponent()) }
        do {
            _ = try engine.rules.adding(partnerRulesAt: file, partner: "suzhou", catalogue: engine.catalogue)
            Issue.record("accepted: \(json)")
        } catch let error as DispatchError {
            #expect(error.code == DispatchError.rulesInvalid)
            for text in mentions { #expect(error.message.contains(text), "\(error.message) lacks \(text)") }
        }
    }

    /// A broken city file stops the node's engine from loading (start-up), naming the file.
    @Test func aBrokenCityFileStopsTheLoad() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("g60-partner-rules-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let city = root.appendingPathComponent("wuhu")
        try FileManager.default.createDirectory(at: city, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: city.appendingPathComponent("partner.json"))
        try Data(#"{"ruleset": "x", "version": "1", "rules": [{"id": "z"}]}"#.utf8)
            .write(to: city.appendingPathComponent("rules.json"))
        #expect {
            try RuleEngine.load(contracts: TestSupport.contracts, partners: root)
        } throws: { error in
            let message = (error as? DispatchError)?.message ?? ""
            return message.contains("wuhu/rules.json") && message.contains("rule z (rules[0])")
        }
        // A folder without partner.json is not a city.
        try FileManager.default.removeItem(at: city.appendingPathComponent("partner.json"))
        #expect(try RuleEngine.load(contracts: TestSupport.contracts, partners: root).rules.version == engine.rules.version)
    }

    private func write(slug: String, _ json: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-partner-rules-\(UUID())/\(slug)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("rules.json")
        try Data(json.utf8).write(to: file)
        return file
    }
}
