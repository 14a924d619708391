import Foundation
import Gateway
import GatewayCore
import GatewayDispatch

/// `g60-gateway explain`: every stored measure decision of a subject, with its explanation.
enum ExplainCommand: Command {
    static let name = "explain"
    static let summary = "a subject's joint reward / punishment measures with rule, records, period and versions"
    static let help = """
        Usage: g60-gateway explain SUBJECT [--db FILE] [--config FILE | --demo-key] [--contracts DIR] [--json]

        SUBJECT as for `lookup`. Prints each stored decision (as GET /v1/subjects/{key}/measures): status, measure,
        rule, triggering record, period, why it ended, what suspends it, and the catalogue / rules / periods
        versions used. Decisions whose period ended since the last sweep show as lifted.

        Exit status: 0 printed (even none), 2 usage, 4 the subject identifies nobody exactly or the store cannot
        be read.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments, valued: ["--db", "--config", "--contracts"], switches: ["--demo-key", "--json"])
        guard args.positional.count == 1, let subject = args.positional.first else {
            throw UsageError("explain takes one SUBJECT")
        }
        let lookup = try MeasureCommandSupport.lookup(args, subject: subject)
        let keys: [String]
        let decisions: [MeasureDecision]
        do {
            keys = try lookup.subjectKeys(subject)
            decisions = try lookup.decisions(keys: keys)
        } catch let error as GatewayError {
            io.err("g60-gateway explain: \(error.code): \(error.message)")
            return .unreadable
        }
        if args.has("--json") {
            struct Body: Encodable {
                var subjectKeys: [String]
                var decisions: [MeasureDecision]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            io.out(String(decoding: try encoder.encode(Body(subjectKeys: keys, decisions: decisions)), as: UTF8.self))
            return .ok
        }
        io.out("subject: \(keys.joined(separator: " or "))")
        if decisions.isEmpty { io.out("(no measure decisions stored for this subject)") }
        let order: [MeasureDecision.Status] = [.active, .suspended, .pending, .lifted]
        for d in decisions.sorted(by: {
            (order.firstIndex(of: $0.status) ?? 9, $0.measure) < (order.firstIndex(of: $1.status) ?? 9, $1.measure)
        }) {
            let title = lookup.catalogue.measure(d.measure).map { "\($0.title) (\($0.titleEn))" } ?? ""
            io.out("\(d.status.rawValue.uppercased())  \(d.measure)  \(title)")
            io.out("    \(d.explanation)")
        }
        return .ok
    }
}
