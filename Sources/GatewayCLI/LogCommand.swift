import Foundation
import GatewayStore

/// `g60-gateway log verify`: walks the message log's hash chain.
enum LogCommand: Command {
    static let name = "log"
    static let summary = "verify the message log's hash chain"
    static let help = """
        Usage: g60-gateway log verify [--db FILE]

        Walks the message log's hash chain from the last pruning checkpoint and reports the first broken link:
        an entry edited, deleted, inserted or swapped, or the newest entries removed.
        --db   the store database (default: $G60_DB, else ./g60-gateway.db); never created by this verb

        Exit status: 0 the chain verifies, 1 it is broken (or the file is not a sound G60 store),
        2 usage error, 4 the file cannot be opened.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--db"])
        guard args.positional == ["verify"] else { throw UsageError("expected 'log verify'") }
        let path = databasePath(args)
        let store: SQLiteStore
        do {
            store = try openStore(path)
        } catch let error as StoreError where error.code == StoreError.corrupt || error.code == StoreError.schemaTooNew
        {
            io.err("g60-gateway log: \(error)")
            return .negative
        }
        let result = try store.verifyChain()
        if let broken = result.firstBroken {
            io.out("BROKEN \(path): first broken link at \(broken) (\(result.entriesChecked) entries read)")
            return .negative
        }
        let from = result.checkpointPosition > 0 ? " after checkpoint \(result.checkpointPosition)" : ""
        io.out("OK \(path): \(result.entriesChecked) entries verify\(from)")
        return .ok
    }

    /// The database a store verb works on: `--db`, else `$G60_DB`, else `./g60-gateway.db`.
    static func databasePath(_ args: ArgumentList) -> String {
        args.value("--db") ?? ProcessInfo.processInfo.environment["G60_DB"] ?? "g60-gateway.db"
    }

    /// Opens an existing store for an operator verb (never creates one).
    static func openStore(_ path: String) throws -> SQLiteStore {
        try SQLiteStore(path: path, options: SQLiteStoreOptions(createIfMissing: false))
    }
}
