import Foundation
import GatewayCore

/// A rule test as data (`Contracts/rules/tests/*.json`): records in, expected decisions out on given dates, run by
/// `g60-gateway rules test` and `make test`, like `opa test`.
///
/// ```json
/// { "name": "…", "records": [ canonical records ],
///   "checks": [ { "asOf": "2025-06-01", "active": ["rule.id"], "suspended": [], "lifted": [],
///                 "measures": { "g60.spc.flights": "active" } } ] }
/// ```
/// `active`, `suspended` and `lifted` list rule ids and must match exactly when given; `measures` pins single
/// measures' states (`absent` for a measure that must not be decided at all).
public struct RuleTestCase: Codable, Sendable {
    public struct Check: Codable, Sendable {
        public var asOf: CivilDate
        public var active: [String]?
        public var suspended: [String]?
        public var lifted: [String]?
        public var measures: [String: String]?
        /// Substrings that some decision's explanation must contain (e.g. a period's regulation).
        public var explains: [String]?
    }

    /// Rules a partner adds to the shared ones (as `Partners/<slug>/rules.json` would), for this case only.
    public struct PartnerRules: Codable, Sendable {
        public var partner: String
        public var ruleset: RuleSet
    }

    public var name: String
    public var description: String?
    public var partnerRules: PartnerRules?
    public var records: [CanonicalRecord]
    public var checks: [Check]

    /// The outcome of running one case: every failed expectation, and what it covered.
    public struct Outcome: Sendable {
        public var name: String
        public var file: String
        public var failures: [String]
        public var coveredRules: Set<String>
        public var coveredMeasures: Set<String>
    }

    public func run(engine: RuleEngine, keyring: SubjectKeyring = .demo, file: String = "") -> Outcome {
        var outcome = Outcome(name: name, file: file, failures: [], coveredRules: [], coveredMeasures: [])
        var engine = engine
        if let extra = partnerRules {
            do {
                let rules = try engine.rules.adding(
                    partnerRules: extra.ruleset, partner: extra.partner, catalogue: engine.catalogue)
                engine = RuleEngine(
                    catalogue: engine.catalogue, rules: rules, periods: engine.periods, calendar: engine.calendar)
            } catch {
                outcome.failures.append("partner rules: \(error)")
                return outcome
            }
        }
        var records = self.records
        for i in records.indices { records[i].assignID(keyring: keyring) }
        let groups = Dictionary(grouping: records) { RuleEngine.subjectKey($0.subject) }
        for check in checks {
            var decisions: [MeasureDecision] = []
            do {
                for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
                    decisions += try engine.evaluate(records: group, asOf: check.asOf)
                }
            } catch {
                outcome.failures.append("\(check.asOf): evaluation failed: \(error)")
                continue
            }
            func rules(_ status: MeasureDecision.Status) -> [String] {
                Array(Set(decisions.filter { $0.status == status }.map(\.rule))).sorted()
            }
            for (label, expected, status) in [
                ("active", check.active, MeasureDecision.Status.active), ("suspended", check.suspended, .suspended),
                ("lifted", check.lifted, .lifted),
            ] {
                guard let expected else { continue }
                let got = rules(status)
                if got != expected.sorted() {
                    outcome.failures.append("\(check.asOf): \(label) rules are \(got), expected \(expected.sorted())")
                }
            }
            for (measure, state) in (check.measures ?? [:]).sorted(by: { $0.key < $1.key }) {
                let states = Set(decisions.filter { $0.measure == measure }.map(\.status.rawValue))
                let ok = state == "absent" ? states.isEmpty : states.contains(state)
                if !ok {
                    outcome.failures.append("\(check.asOf): measure \(measure) is \(states.sorted()), expected \(state)")
                }
            }
            for text in check.explains ?? [] where !decisions.contains(where: { $0.explanation.contains(text) }) {
                outcome.failures.append("\(check.asOf): no explanation mentions '\(text)'")
            }
            for d in decisions where d.status == .active || d.status == .suspended {
                outcome.coveredRules.insert(d.rule)
                outcome.coveredMeasures.insert(d.measure)
            }
        }
        return outcome
    }

    /// Loads every `*.json` in `directory`, sorted by name.
    public static func loadAll(directory: URL) throws -> [(file: String, test: RuleTestCase)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let url = directory.appendingPathComponent(name)
            do {
                return (name, try JSONDecoder().decode(RuleTestCase.self, from: Data(contentsOf: url)))
            } catch {
                throw DispatchError(DispatchError.testInvalid, "\(url.path): \(error)")
            }
        }
    }
}
