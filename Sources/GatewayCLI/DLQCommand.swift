import Foundation
import GatewayStore

/// `g60-gateway dlq`: lists and replays dead-lettered queue items.
enum DLQCommand: Command {
    static let name = "dlq"
    static let summary = "list or replay dead-lettered queue items"
    static let help = """
        Usage: g60-gateway dlq list [--partner P] [--db FILE]
               g60-gateway dlq replay ID... | --partner P | --all  [--actor NAME] [--db FILE]

        list     one line per dead item: ID PARTNER DIRECTION KIND RECORD@VERSION ATTEMPTS REASON LAST-ERROR
        replay   puts dead items back to pending with a fresh attempt budget; each replay is written to the
                 queue audit trail with the actor (default: $USER, else 'cli')
        --db     the store database (default: $G60_DB, else ./g60-gateway.db)

        Exit status: 0 ok (list: no dead items; replay: something replayed), 1 list: there are dead items /
        replay: nothing to replay, 2 usage error, 4 the store cannot be opened or an ID is not dead.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--db", "--partner", "--actor"], switches: ["--all"])
        guard let sub = args.positional.first else { throw UsageError("expected 'dlq list' or 'dlq replay'") }
        switch sub {
        case "list":
            guard args.positional.count == 1, !args.has("--all") else {
                throw UsageError("dlq list takes only --partner")
            }
            let store = try LogCommand.openStore(LogCommand.databasePath(args))
            let items = try store.deadItems(partner: args.value("--partner"))
            var rows = [["ID", "PARTNER", "DIRECTION", "KIND", "RECORD@VERSION", "ATTEMPTS", "REASON", "LAST-ERROR"]]
            for item in items {
                var reason = ""
                if case .dead(let r) = item.state { reason = r }
                let record = item.recordID.map { $0 + (item.recordVersion.map { "@\($0)" } ?? "") } ?? "-"
                rows.append([
                    String(item.id), item.partner, item.direction.rawValue, item.kind, record, String(item.attempts),
                    reason, item.lastError ?? "-",
                ])
            }
            if items.isEmpty {
                io.out("(no dead items)")
                return .ok
            }
            for line in table(rows) { io.out(line) }
            return .negative
        case "replay":
            let ids = args.positional.dropFirst()
            let selection: ReplaySelection
            let choices = (ids.isEmpty ? 0 : 1) + (args.value("--partner") == nil ? 0 : 1) + (args.has("--all") ? 1 : 0)
            guard choices == 1 else { throw UsageError("dlq replay needs exactly one of: IDs, --partner P, --all") }
            if args.has("--all") {
                selection = .all
            } else if let partner = args.value("--partner") {
                selection = .partner(partner)
            } else {
                var numbers: [Int64] = []
                for id in ids {
                    guard let n = Int64(id) else { throw UsageError("'\(id)' is not a queue item id") }
                    numbers.append(n)
                }
                selection = .items(numbers)
            }
            let actor = args.value("--actor") ?? ProcessInfo.processInfo.environment["USER"] ?? "cli"
            let store = try LogCommand.openStore(LogCommand.databasePath(args))
            let replayed = try store.replay(selection, actor: "operator:" + actor)
            io.out(
                "replayed \(replayed.count) item(s)"
                    + (replayed.isEmpty ? "" : ": " + replayed.map(String.init).joined(separator: " ")))
            return replayed.isEmpty ? .negative : .ok
        default:
            throw UsageError("unknown dlq subcommand '\(sub)'")
        }
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
    }
}
