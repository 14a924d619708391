import Foundation
import Gateway
import GatewayStore

/// `g60-gateway store check`: the whole-file integrity check that a node's start leaves out for large stores.
enum StoreCommand: Command {
    static let name = "store"
    static let summary = "check every page of the store database (integrity)"
    static let help = """
        Usage: g60-gateway store check [--db FILE] [--config FILE | --state DIR] [--thorough]

        Reads every page of the store database with SQLite's quick_check (--thorough: integrity_check, which
        also compares every index with its table and the eligibility lookup's table with the measure decisions,
        and is slower) and prints OK or the problems found (at most 20).
        A node checks the whole file at start only up to database.fullCheckMaxMegabytes (default 1024 MB); above
        that it checks the log head and checkpoints and says so in its log, and this verb does the rest, at a time
        the operator chooses. It opens the store as the other store verbs do (an older schema is migrated first, and
        a busy node's write lock is waited for up to 5 s), then only reads: a running node goes on meanwhile.
        --db      the store database (default: the configuration's, else $G60_DB, else ./g60-gateway.db)
        --config  the node's configuration file (for its database.path)
        --state   a demo state folder: DIR/gateway.json as --config

        Exit status: 0 the file is sound, 1 problems were found (or the file is not a G60 store), 2 usage error,
        4 the file cannot be opened.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--db", "--config", "--state"], switches: ["--thorough"])
        guard args.positional == ["check"] else { throw UsageError("expected 'store check'") }
        var configFile = args.value("--config")
        if let state = args.value("--state") {
            guard configFile == nil else { throw UsageError("give --config or --state, not both") }
            configFile = URL(fileURLWithPath: state).appendingPathComponent("gateway.json").path
        }
        var configuredDatabase: String?
        if let configFile {
            do {
                configuredDatabase = try Configuration.load(file: configFile).databasePath
            } catch let error as ConfigurationError {
                io.err("g60-gateway store: \(error.description)")
                return .usage
            }
        }
        let path = args.value("--db") ?? configuredDatabase ?? LogCommand.databasePath(args)
        let store: SQLiteStore
        do {
            // The open's own check would repeat part of the work below (or all of it, for a small file).
            var options = SQLiteStoreOptions(createIfMissing: false, quickCheckOnOpen: false)
            options.sealClearEvidenceAtOpen = false
            store = try SQLiteStore(path: path, options: options)
        } catch let error as StoreError where error.code == StoreError.corrupt || error.code == StoreError.foreign {
            io.err("g60-gateway store: \(error)")
            return .negative
        }
        let report = try store.checkIntegrity(thorough: args.has("--thorough"))
        let what = report.thorough ? "integrity_check" : "quick_check"
        let size = String(format: "%.1f MB", Double(report.fileBytes) / 1_048_576)
        let took = String(format: "%.1f s", report.seconds)
        if report.problems.isEmpty {
            io.out("OK \(path): \(what) found no problem (\(size), \(took))")
            return .ok
        }
        io.out("DAMAGED \(path): \(what) found \(report.problems.count) problem(s) (\(size), \(took)):")
        for problem in report.problems { io.out("  \(problem)") }
        return .negative
    }
}
