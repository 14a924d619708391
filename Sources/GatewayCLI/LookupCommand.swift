import Foundation
import Gateway
import GatewayCore
import GatewayDispatch
import GatewayStore

/// `g60-gateway lookup`: the trust-travel answer for a subject, as a scenic spot or hotel gets it.
enum LookupCommand: Command {
    static let name = "lookup"
    static let summary = "trust-travel eligibility of a subject from the store's measure decisions"
    static let help = """
        Usage: g60-gateway lookup SUBJECT [--db FILE] [--config FILE | --demo-key] [--contracts DIR] [--json]

        SUBJECT is a resident identity number, a USCC, or a match key (uscc:…, id:…). Prints only what
        GET /v1/trust-travel/eligibility answers: eligible yes/no and the benefits with where they apply.
        An identity number is hashed with the node's identity-hash key: give the node's --config FILE (which also
        names the store), or --demo-key for a demo store. The clear number is never printed or stored.

          --db FILE     the store database (default: the configuration's, else $G60_DB, else ./g60-gateway.db)
          --config FILE the node configuration (identity-hash key, database path)
          --demo-key    hash with the published DEMO key (demo stores only)
          --json        the HTTP answer's JSON

        Exit status: 0 eligible, 1 not eligible, 2 usage, 4 the subject identifies nobody exactly (masked or
        invalid number) or the store cannot be read.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments, valued: ["--db", "--config", "--contracts"], switches: ["--demo-key", "--json"])
        guard args.positional.count == 1, let subject = args.positional.first else {
            throw UsageError("lookup takes one SUBJECT")
        }
        let lookup = try MeasureCommandSupport.lookup(args, subject: subject)
        let answer: TrustTravelAnswer
        do {
            answer = try lookup.eligibility(subject: subject)
        } catch let error as GatewayError {
            io.err("g60-gateway lookup: \(error.code): \(error.message)")
            return .unreadable
        }
        if args.has("--json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            io.out(String(decoding: try encoder.encode(answer), as: UTF8.self))
        } else {
            io.out("eligible: \(answer.eligible ? "yes" : "no")")
            for b in answer.benefits {
                io.out("  \(b.code)  \(b.title) (\(b.titleEn)) — \(b.partners.joined(separator: ", "))")
            }
        }
        return answer.eligible ? .ok : .negative
    }
}

/// What `lookup` and `explain` share: the store, catalogue, checker and identity-hash key.
enum MeasureCommandSupport {
    static func lookup(_ args: ArgumentList, subject: String) throws -> MeasureLookup {
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        let catalogue = try MeasureCatalogue.load(contracts.appendingPathComponent("rules/measures.json"))
        let checker = IdentifierChecker(authorities: codes.usccAuthorities)
        var keyring: SubjectKeyring?
        var database = args.value("--db")
        if let file = args.value("--config") {
            let configuration = try Configuration.load(file: file)
            keyring = configuration.keyring
            database = database ?? configuration.databasePath
        } else if args.has("--demo-key") {
            keyring = .demo
        }
        if keyring == nil, checker.check(subject.trimmingCharacters(in: .whitespaces), as: .ric).isValid {
            throw UsageError(
                "an identity number is hashed with the node's identity-hash key: give --config FILE (or --demo-key)")
        }
        let path = database ?? LogCommand.databasePath(args)
        return MeasureLookup(
            store: try LogCommand.openStore(path), catalogue: catalogue, checker: checker, keyring: keyring ?? .demo)
    }
}
