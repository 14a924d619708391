import Foundation
import Gateway
import GatewayCore
import GatewayDispatch
import GatewayStore

/// `g60-gateway rules`: checks the rule data and runs the rule tests.
enum RulesCommand: Command {
    static let name = "rules"
    static let summary = "check the measure catalogue and rules, run the rule tests (Contracts/rules/)"
    static let help = """
        Usage: g60-gateway rules test [--contracts DIR] [--partners DIR] [--require-coverage]
               g60-gateway rules check [--contracts DIR] [--partners DIR]
               g60-gateway rules backfill --config FILE [--force] [--status] [--batch N]

          check   loads measures.json, rules.json and periods.json, and every city's additions
                  Partners/<slug>/rules.json, and checks them against each other (errors name the file, the rule
                  and the field)
          test    runs every Contracts/rules/tests/*.json case and every city's Partners/<slug>/rules-tests/*.json
                  case (records in, expected decisions out on given dates) with the cities' additions loaded;
                  prints PASS/FAIL per case with each failed expectation, then the rules and measures no case
                  covered. --require-coverage fails when any rule or measure is uncovered.

          backfill  re-evaluates every subject of the node's store (--config: its database, contracts, partners,
                  identity key) with the node's rule data, issuing and lifting measures with queued notices as the
                  running node does; resumes a pass under way; does nothing when the store's decisions were made
                  with this rule data unless --force. --status only prints where the backfill stands. The node
                  runs it by itself at start-up when the rule data changed.

          --partners DIR  the Partners/ folder (default: $G60_PARTNERS, else beside Contracts/)

        Exit status: 0 all passed, 1 a case failed (or coverage is missing), 2 usage, 4 the rule data is invalid.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments, valued: ["--contracts", "--partners", "--config", "--batch"],
            switches: ["--require-coverage", "--force", "--status"])
        if args.positional.first == "backfill" { return try backfill(args, io: io) }
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
            throw UsageError("expected 'rules test', 'rules check' or 'rules backfill'")
        }
    }

    /// `rules backfill`: the node's re-evaluation of every subject, on demand.
    static func backfill(_ args: ArgumentList, io: CLIIO) throws -> ExitStatus {
        guard let file = args.value("--config") else {
            throw UsageError("rules backfill needs the node's --config FILE")
        }
        let batch = try args.value("--batch").map { text -> Int in
            guard let n = Int(text), n > 0 else { throw UsageError("--batch takes a positive number") }
            return n
        }
        let backfill: MeasureBackfill
        do {
            let configuration = try Configuration.load(file: file)
            var options = SQLiteStoreOptions(createIfMissing: false)
            options.identityCipher = try configuration.identityCipher()
            let store = try SQLiteStore(path: configuration.databasePath, options: options)
            let partners = URL(fileURLWithPath: configuration.partnersDirectory)
            let engine = try RuleEngine.load(
                contracts: URL(fileURLWithPath: configuration.contractsDirectory), partners: partners)
            let dispatcher = MeasureDispatcher(
                store: store, engine: engine, partners: try PartnerDirectory.load(directory: partners),
                logger: Logger(label: "g60-gateway", level: .warning))
            backfill = MeasureBackfill(dispatcher: dispatcher, batchSize: batch ?? 500)
        } catch let error as UsageError {
            throw error
        } catch {
            io.err("g60-gateway rules backfill: \(error)")
            return .unreadable
        }
        func describe(_ s: MeasureBackfillState) -> String {
            // The cursor itself is not printed: a `name:` subject key holds a name.
            let phase = s.phase.map { "\($0.rawValue), \(s.cursor.isEmpty ? "from the start" : "resuming")" } ?? "none under way"
            return "pass: \(phase); subjects \(s.subjects), changes \(s.changes)"
        }
        let before = try backfill.dispatcher.store.measureBackfillState()
        io.out("rule data: \(backfill.fingerprint)")
        io.out("store evaluated with: \(before.evaluatedWith ?? "nothing yet")")
        if args.has("--status") {
            io.out(describe(before))
            return try backfill.isCurrent() ? .ok : .negative
        }
        if try backfill.isCurrent() && !args.has("--force") {
            io.out("every subject was evaluated with this rule data: nothing to do (--force re-evaluates anyway)")
            return .ok
        }
        var batches = 0
        let state = try backfill.runToEnd(force: args.has("--force")) { state in
            batches += 1
            if batches % 20 == 0 { io.out(describe(state)) }
        }
        io.out("done: \(state.subjects) subjects re-evaluated, \(state.changes) changes (notices queued)")
        return .ok
    }
}
