import Foundation
import GatewayCore
import GatewayDispatch

/// `g60-gateway rules`: checks the rule data and runs the rule tests.
enum RulesCommand: Command {
    static let name = "rules"
    static let summary = "check the measure catalogue and rules, run the rule tests (Contracts/rules/)"
    static let help = """
        Usage: g60-gateway rules test [--contracts DIR] [--partners DIR] [--require-coverage]
               g60-gateway rules check [--contracts DIR] [--partners DIR]

          check   loads measures.json, rules.json and periods.json, and every city's additions
                  Partners/<slug>/rules.json, and checks them against each other (errors name the file, the rule
                  and the field)
          test    runs every Contracts/rules/tests/*.json case and every city's Partners/<slug>/rules-tests/*.json
                  case (records in, expected decisions out on given dates) with the cities' additions loaded;
                  prints PASS/FAIL per case with each failed expectation, then the rules and measures no case
                  covered. --require-coverage fails when any rule or measure is uncovered.

          --partners DIR  the Partners/ folder (default: $G60_PARTNERS, else beside Contracts/)

        Exit status: 0 all passed, 1 a case failed (or coverage is missing), 2 usage, 4 the rule data is invalid.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--contracts", "--partners"], switches: ["--require-coverage"])
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let partners = PartnersLocator.find(args.value("--partners"), contracts: contracts)
        // Contracts/rules/tests exercise the shared rules; the cities' cases run with every city's additions.
        let shared: RuleEngine
        let engine: RuleEngine
        let partnerCases: [(file: String, test: RuleTestCase)]
        do {
            shared = try RuleEngine.load(contracts: contracts)
            engine = try RuleEngine.load(contracts: contracts, partners: partners)
            partnerCases = try RuleEngine.partnerRuleTests(partners: partners)
        } catch {
            io.err("g60-gateway rules: \(error)")
            return .unreadable
        }
        switch args.positional.first {
        case "check":
            io.out(
                "catalogue \(engine.catalogue.version): \(engine.catalogue.measures.count) measures; "
                    + "rules \(engine.rules.version): \(engine.rules.rules.count) rules; periods \(engine.periods.version)")
            return .ok
        case "test":
            let cases =
                try RuleTestCase.loadAll(directory: contracts.appendingPathComponent("rules/tests")).map {
                    ($0.file, $0.test, shared)
                } + partnerCases.map { ("Partners/" + $0.file, $0.test, engine) }
            var failed = 0
            var rules = Set<String>()
            var measures = Set<String>()
            for (file, test, caseEngine) in cases {
                let outcome = test.run(engine: caseEngine, file: file)
                rules.formUnion(outcome.coveredRules)
                measures.formUnion(outcome.coveredMeasures)
                if outcome.failures.isEmpty {
                    io.out("PASS \(file): \(test.name)")
                } else {
                    failed += 1
                    io.out("FAIL \(file): \(test.name)")
                    for f in outcome.failures { io.out("    \(f)") }
                }
            }
            let missingRules = engine.rules.rules.map(\.id).filter { !rules.contains($0) }
            let missingMeasures = engine.catalogue.measures.map(\.code).filter { !measures.contains($0) }
            io.out("\(cases.count - failed) passed, \(failed) failed")
            io.out("uncovered rules: \(missingRules.isEmpty ? "none" : missingRules.joined(separator: ", "))")
            io.out("uncovered measures: \(missingMeasures.isEmpty ? "none" : missingMeasures.joined(separator: ", "))")
            let coverageMissing = args.has("--require-coverage") && !(missingRules.isEmpty && missingMeasures.isEmpty)
            return failed == 0 && !coverageMissing ? .ok : .negative
        default:
            throw UsageError("expected 'rules test' or 'rules check'")
        }
    }
}
