import Foundation
import GatewayCore
import GatewayMapping

/// `g60-gateway partner check|list`: validates partner folders and runs their fixtures.
enum PartnerCommand: Command {
    static let name = "partner"
    static let summary = "check a partner folder (schema, code tables, certificates, fixtures) or list partners"
    static let help = """
        Usage: g60-gateway partner check SLUG_OR_DIR [--write-goldens] [--partners DIR] [--contracts DIR]
               g60-gateway partner list [--partners DIR] [--contracts DIR]

        check: loads partner.json and every dialect it names, checks them (canonical fields exist, local code
        tables map to canonical codes, required fields mapped, date forms and transforms known, listed certificates
        present), then maps every fixture under fixtures/ and compares the output with its golden files
        (expected-records.jsonl, expected-report.jsonl). --write-goldens writes the golden files instead (review
        the diff before committing). Prints a summary.
        list: one line per partner folder: slug, names, region code, record kinds.

        Exit status: 0 the folder is valid and every fixture matches, 1 problems found, 2 usage error.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--partners", "--contracts"], switches: ["--write-goldens"])
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let root = PartnersLocator.find(args.value("--partners"), contracts: contracts)
        switch args.positional.first {
        case "list":
            guard let root else { throw UsageError("no Partners/ folder found; pass --partners DIR") }
            for folder in Partner.folders(in: root) {
                do {
                    let p = try Partner.load(folder: folder)
                    let d = p.description
                    io.out(
                        "\(d.id)\t\(d.names.zh) \(d.names.en)\t\(d.regionCode)\t\(p.dialects.keys.map(\.rawValue).sorted().joined(separator: ","))"
                    )
                } catch {
                    io.out("\(folder.lastPathComponent)\tINVALID: \(error)")
                }
            }
            return .ok
        case "check":
            guard args.positional.count == 2 else { throw UsageError("partner check takes one SLUG_OR_DIR") }
            let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
            let folder: URL
            do { folder = try Partner.locate(args.positional[1], partnersRoot: root) } catch {
                throw UsageError("\(error)")
            }
            let report = PartnerCheck.run(folder: folder, codes: codes, writeGoldens: args.has("--write-goldens"))
            for p in report.problems { io.out("problem: \(p)") }
            for f in report.fixtures {
                let s = f.summary
                let verdict = args.has("--write-goldens") ? "written" : (f.passed ? "ok" : "FAIL")
                io.out(
                    "fixture \(f.name) (\(f.fixture?.kind.rawValue ?? "?")): \(verdict): \(s.rows) rows, \(s.accepted) accepted, \(s.rejected) rejected, \(s.skipped) skipped"
                        + (f.error.map { " — file error \($0.code)" } ?? ""))
                for d in f.differences { io.out("  " + d) }
            }
            io.out("partner \(report.partnerID): \(report.ok ? "ok" : "problems found")")
            return report.ok ? .ok : .negative
        default:
            throw UsageError("expected 'partner check SLUG_OR_DIR' or 'partner list'")
        }
    }
}
