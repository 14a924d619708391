import Foundation
import Gateway
import GatewayStore

/// `g60-gateway log verify`: walks the message log's hash chain.
enum LogCommand: Command {
    static let name = "log"
    static let summary = "verify the message log's hash chain"
    static let help = """
        Usage: g60-gateway log verify [--db FILE] [--config FILE | --state DIR]

        Walks the message log's hash chain from the last pruning checkpoint and reports the first broken link:
        an entry edited, deleted, inserted or swapped, or the newest entries removed.
        The raw envelopes are encrypted at rest (AES-256-GCM under the node's identity key). With the key, every
        encrypted envelope is decrypted and checked against the digest the chain commits to; without it the chain's
        links, headers and digests are verified, and the output says the contents were not decrypted.
        --db      the store database (default: the configuration's, else $G60_DB, else ./g60-gateway.db); never
                  created by this verb
        --config  the node's configuration file: its identity key (identityKey.*) and database
        --state   a demo state folder: DIR/gateway.json as --config

        Exit status: 0 the chain verifies, 1 it is broken, an encrypted envelope does not decrypt with the key, or
        the file is not a sound G60 store, 2 usage error (or an unusable configuration), 4 the file cannot be opened.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--db", "--config", "--state"])
        guard args.positional == ["verify"] else { throw UsageError("expected 'log verify'") }
        var configFile = args.value("--config")
        if let state = args.value("--state") {
            guard configFile == nil else { throw UsageError("give --config or --state, not both") }
            configFile = URL(fileURLWithPath: state).appendingPathComponent("gateway.json").path
        }
        var cipher: (any IdentityNumberCipher)?
        var configuredDatabase: String?
        if let configFile {
            do {
                let configuration = try Configuration.load(file: configFile)
                cipher = try configuration.identityCipher()
                configuredDatabase = configuration.databasePath
            } catch let error as ConfigurationError {
                io.err("g60-gateway log: \(error.description)")
                return .usage
            }
            if cipher == nil {
                io.err("g60-gateway log: \(configFile) sets no identityKey.*; encrypted contents will not be decrypted")
            }
        }
        let path = args.value("--db") ?? configuredDatabase ?? databasePath(args)
        let store: SQLiteStore
        do {
            var options = SQLiteStoreOptions(createIfMissing: false, identityCipher: cipher)
            options.sealClearEvidenceAtOpen = false
            store = try SQLiteStore(path: path, options: options)
        } catch let error as StoreError
            where error.code == StoreError.corrupt || error.code == StoreError.schemaTooNew
            || error.code == StoreError.identityKeyWrong
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
        if result.encryptedEntriesNotOpened > 0 {
            io.out(
                "NOT DECRYPTED: \(result.encryptedEntriesNotOpened) entries hold encrypted envelopes and no identity "
                    + "key was given (--config or --state): their links, headers and digests verify, but not that the "
                    + "encrypted bytes hold the envelopes the chain commits to")
        } else if result.encryptedEntriesOpened > 0 {
            io.out(
                "DECRYPTED: \(result.encryptedEntriesOpened) encrypted envelopes open with the identity key and match "
                    + "their digests")
        }
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
