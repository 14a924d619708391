import Foundation
import Gateway

/// `g60-gateway config check`: loads a node configuration and reports every problem, or the effective settings.
enum ConfigCommand: Command {
    static let name = "config"
    static let summary = "check a node configuration file (and its G60_* environment overrides)"
    static let help = """
        Usage: g60-gateway config check --config FILE

        Loads FILE with the G60_* environment overrides applied (Contracts/config/README.md), checks every setting
        and prints either each problem (key, source, why) or the effective settings, secrets left out.
        Exit status: 0 valid, 1 invalid, 2 usage.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--config"])
        guard args.positional == ["check"] else { throw UsageError("expected 'config check --config FILE'") }
        guard let file = args.value("--config") else { throw UsageError("--config FILE is required") }
        do {
            let c = try Configuration.load(file: file)
            io.out("configuration valid: \(file)")
            io.out("node.id \(c.nodeID)")
            io.out("listen.https \(c.listen.https ?? "-")  listen.http \(c.listen.http ?? "-")")
            io.out("database.path \(c.databasePath)")
            io.out("paths.partners \(c.partnersDirectory)  paths.contracts \(c.contractsDirectory)")
            io.out("trust.directory \(c.trustDirectory ?? "-")  crls \(c.crls.count)")
            io.out("retry \(c.retry.maxAttempts) attempts, \(c.retry.initialDelaySeconds)–\(c.retry.maxDelaySeconds) s, doubling, ±\(c.retry.jitter) jitter")
            io.out("subjectKey \(c.subjectKeyIsDemo ? "DEMO KEY (not for production)" : "set (\(c.subjectKey.count) bytes)")")
            for client in c.clients {
                let scopes = client.scopes.map(\.rawValue).sorted().joined(separator: ",")
                io.out("client \(client.id): \(scopes) by \(client.partner.map { "mutual TLS as \($0)" } ?? "bearer token")")
            }
            return .ok
        } catch let error as ConfigurationError {
            io.out(error.description)
            return .negative
        }
    }
}
