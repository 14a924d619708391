import Foundation
import GatewayStore

/// `g60-gateway queues`: the state of the inbound and outbound queues per partner.
enum QueuesCommand: Command {
    static let name = "queues"
    static let summary = "show queue depth, age, retries, dead letters per partner"
    static let help = """
        Usage: g60-gateway queues [--db FILE] [--json]

        One line per partner and direction (inbound: envelopes awaiting mapping; outbound: deliveries):
          PARTNER  DIRECTION  DEPTH  OLDEST(s)  RETRY  DEAD  LAST-SUCCESS  LAST-ERROR
        DEPTH counts items not yet delivered and not dead. --json prints the same as a JSON array.
        --db   the store database (default: $G60_DB, else ./g60-gateway.db)

        Exit status: 0 ok, 2 usage error, 4 the store cannot be opened.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--db"], switches: ["--json"])
        guard args.positional.isEmpty else { throw UsageError("queues takes no positional arguments") }
        let store = try LogCommand.openStore(LogCommand.databasePath(args))
        let summaries = try store.queueSummary()
        if args.has("--json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            io.out(String(decoding: try encoder.encode(summaries), as: UTF8.self))
            return .ok
        }
        let iso = ISO8601DateFormatter()
        var rows = [["PARTNER", "DIRECTION", "DEPTH", "OLDEST(s)", "RETRY", "DEAD", "LAST-SUCCESS", "LAST-ERROR"]]
        for s in summaries {
            rows.append([
                s.partner, s.direction.rawValue, String(s.depth), s.oldestAgeSeconds.map { String(Int($0)) } ?? "-",
                String(s.inRetry), String(s.dead), s.lastSuccess.map { iso.string(from: $0) } ?? "-",
                s.lastError.map { e in (s.lastErrorAt.map { iso.string(from: $0) + " " } ?? "") + e } ?? "-",
            ])
        }
        if summaries.isEmpty { io.out("(no queue items)") }
        for line in DLQCommand.table(rows) { io.out(line) }
        return .ok
    }
}
