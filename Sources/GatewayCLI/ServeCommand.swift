import Foundation
import Gateway
import GatewayCore

/// `g60-gateway serve --config FILE`: runs the gateway node until SIGINT or SIGTERM.
enum ServeCommand: Command {
    static let name = "serve"
    static let summary = "run the gateway node (inbox, mapping, deliveries, read API) from a configuration file"
    static let help = """
        Usage: g60-gateway serve --config FILE

        Loads FILE with its G60_* environment overrides (Contracts/config/README.md), checks every setting and
        refuses to start with the list of problems (exit 2) rather than start half-configured. Then opens the store,
        the trust folder and the partner folders, listens on listen.http / listen.https, and runs the mapping and
        delivery workers until SIGINT or SIGTERM, when it finishes in-flight requests and stops.
        Logs are JSON lines on standard error. Endpoints of partners can be redirected with
        G60_PARTNER_<SLUG>_ENDPOINT (tests and local setups).
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(arguments, valued: ["--config"])
        guard args.positional.isEmpty, let file = args.value("--config") else {
            throw UsageError("serve needs --config FILE")
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(file: file)
        } catch let error as ConfigurationError {
            io.err(error.description)
            return .usage
        }
        let service = try GatewayService(configuration: configuration)
        try service.start()
        io.err("g60-gateway serving on ports \(service.ports.map(String.init).joined(separator: ", "))")
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0) }
        for source in sources {
            source.setEventHandler { stop.signal() }
            source.resume()
        }
        stop.wait()
        service.stop()
        return .ok
    }
}
