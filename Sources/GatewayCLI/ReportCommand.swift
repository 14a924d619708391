import Foundation
import Gateway
import GatewayCore

/// `g60-gateway report`: the dual-publicity monitoring report (weekly monitoring, monthly circular).
enum ReportCommand: Command {
    static let name = "report"
    static let summary = "dual-publicity report: reporting, compliance, timeliness rates"
    static let help = """
        Usage: g60-gateway report --from DATE --to DATE [--format html|csv|json] [--db FILE] [--out FILE]
                                  [--contracts DIR]

        The dual-publicity (双公示) monitoring report of the days DATE … DATE (YYYY-MM-DD, inclusive, Beijing time):
        per partner city and record kind, the reporting rate (rows received ÷ rows declared in envelope record
        counts, with missing batches from sequence gaps), the compliance rate (rows accepted ÷ rows received, with
        the top rejection reasons), the timeliness rate (accepted licences and penalties received within 7 working
        days of their decision date, official calendar with make-up workdays), weekly and monthly columns, and the
        nine cities ranked per month as the monthly circular shows them. Record ids only: no identity numbers, no
        names of persons.

          --format     html (default: one self-contained page), csv (UTF-8 with BOM), json
          --out        write to FILE instead of standard output
          --db         the store database (default: $G60_DB, else ./g60-gateway.db)
          --contracts  the Contracts folder holding calendar/ (default: $G60_CONTRACTS, else found upwards)

        Exit status: 0 ok, 2 usage error, 4 the store or the calendar cannot be read.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--from", "--to", "--format", "--db", "--out", "--contracts"])
        guard args.positional.isEmpty else {
            throw UsageError("report takes no positional arguments (got '\(args.positional[0])')")
        }
        func date(_ option: String) throws -> CivilDate {
            guard let text = args.value(option) else { throw UsageError("\(option) DATE is required") }
            guard let date = CivilDate(iso: text) else {
                throw UsageError("\(option) '\(text)' is not a date of the form YYYY-MM-DD")
            }
            return date
        }
        let from = try date("--from")
        let to = try date("--to")
        guard from <= to else { throw UsageError("--to \(to) is before --from \(from)") }
        let format = args.value("--format") ?? "html"
        guard ["html", "csv", "json"].contains(format) else {
            throw UsageError("--format must be html, csv or json (got '\(format)')")
        }
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let calendar = try WorkingDayCalendar.load(directory: contracts.appendingPathComponent("calendar"))
        let store = try LogCommand.openStore(LogCommand.databasePath(args))
        let report = try DualPublicityReport.build(store: store, calendar: calendar, from: from, to: to)
        let text: String
        switch format {
        case "csv": text = report.csvText()
        case "json": text = try report.jsonText()
        default: text = report.htmlText()
        }
        if let out = args.value("--out") {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                io.err("g60-gateway report: cannot write \(out): \(error.localizedDescription)")
                return .unreadable
            }
            io.err("wrote \(out) (\(format), \(from) – \(to))")
        } else {
            io.out(text)
        }
        return .ok
    }
}
