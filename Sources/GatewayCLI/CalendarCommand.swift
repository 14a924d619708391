import Foundation
import GatewayCore

/// `g60-gateway calendar`: the official working-day calendar.
enum CalendarCommand: Command {
    static let name = "calendar"
    static let summary = "working days, make-up workdays and the 7-working-day publication deadline"
    static let help = """
        Usage: g60-gateway calendar is-workday DATE
               g60-gateway calendar add-workdays DATE N
               g60-gateway calendar deadline DATE
               g60-gateway calendar years
        Options: --contracts DIR   the Contracts/ folder (default: found above the working directory)

        DATE is YYYY-MM-DD. The calendar is the State Council's holidays and make-up workdays (调休), one file per
        year in Contracts/calendar/.
          is-workday    prints 'workday' (exit 0) or 'rest' (exit 1), with the holiday's name when there is one
          add-workdays  prints the N-th working day after DATE (N may be negative)
          deadline      prints the last day of the 7-working-day publication window of a decision on DATE
          years         prints the years loaded
        A date outside the loaded years exits 3 and names the missing file.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--contracts"])
        let p = args.positional
        guard let sub = p.first else { throw UsageError("expected a subcommand: is-workday, add-workdays, deadline, years") }
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let calendar = try WorkingDayCalendar.load(directory: contracts.appendingPathComponent("calendar"))
        func date(_ i: Int) throws -> CivilDate {
            guard i < p.count else { throw UsageError("\(sub) needs a DATE") }
            guard let d = CivilDate(iso: p[i]) else { throw UsageError("'\(p[i])' is not a date of the form YYYY-MM-DD") }
            return d
        }
        switch sub {
        case "is-workday":
            guard p.count == 2 else { throw UsageError("is-workday takes one DATE") }
            let d = try date(1)
            let work = try calendar.isWorkday(d)
            let name = calendar.name(of: d).map { "\t\($0)" } ?? ""
            io.out((work ? "workday" : "rest") + name)
            return work ? .ok : .negative
        case "add-workdays":
            guard p.count == 3, let n = Int(p[2]) else { throw UsageError("add-workdays takes DATE and a whole number N") }
            io.out(try calendar.addingWorkdays(n, to: try date(1)).description)
            return .ok
        case "deadline":
            guard p.count == 2 else { throw UsageError("deadline takes one DATE") }
            io.out(try calendar.publicationDeadline(decisionDate: try date(1)).description)
            return .ok
        case "years":
            io.out(calendar.loadedYears.map(String.init).joined(separator: " "))
            return .ok
        default:
            throw UsageError("unknown subcommand '\(sub)'")
        }
    }
}
