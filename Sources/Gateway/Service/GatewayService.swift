import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayHTTP
import GatewayMapping
import GatewayStore
import Synchronization

/// The running gateway node: the store, the trust layer, the partner directory, the inbox and read API over
/// HTTP(S), the mapping workers and one delivery worker per push partner.
public final class GatewayService: @unchecked Sendable {
    public let configuration: Configuration
    public let store: SQLiteStore
    public let trust: TrustStore
    public let node: NodeIdentity
    public let partners: PartnerDirectory
    public let codes: CodeTables
    public let inbox: Inbox
    /// The joint reward / punishment dispatcher (Sources/Gateway/Dispatch/).
    public let dispatcher: MeasureDispatcher
    public let logger: Logger
    /// Every metric of the node (`GET /metrics`) and the dashboard's history.
    public let operations: OperationsMetrics
    /// The `/metrics` and `/ops` pages.
    public let console: OperationsConsole
    public var metrics: MetricsRegistry { operations.registry }
    let transport: any EnvelopeTransport
    var counters: OperationsMetrics { operations }
    private let servers = Mutex<[HTTPServer]>([])
    private let running = Atomic<Bool>(false)
    private let finished = DispatchGroup()

    /// Opens everything the configuration names; any problem stops here with its cause.
    public init(
        configuration: Configuration, transport: (any EnvelopeTransport)? = nil,
        logger: Logger = Logger(label: "g60-gateway")
    ) throws {
        self.configuration = configuration
        var logger = logger
        logger.level = configuration.logLevel
        self.logger = logger.with(["node.id": configuration.nodeID])
        let contracts = URL(fileURLWithPath: configuration.contractsDirectory)
        codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        partners = try PartnerDirectory.load(directory: URL(fileURLWithPath: configuration.partnersDirectory))
        guard let trustDirectory = configuration.trustDirectory else {
            throw GatewayError(GatewayError.nodeIdentity, "trust.directory is not set: the node has no keys or roots")
        }
        let trustURL = URL(fileURLWithPath: trustDirectory)
        trust = try TrustStore.load(
            directory: trustURL, partnersDirectory: URL(fileURLWithPath: configuration.partnersDirectory))
        node = try NodeIdentity.load(id: configuration.nodeID, trustDirectory: trustURL)
        var options = SQLiteStoreOptions()
        options.retryPolicy = RetryPolicy(
            maxAttempts: configuration.retry.maxAttempts, maxAge: Double(configuration.retry.maxAgeHours) * 3600,
            baseDelay: configuration.retry.initialDelaySeconds, maxDelay: configuration.retry.maxDelaySeconds,
            jitter: configuration.retry.jitter)
        options.logRetention = Double(configuration.retentionDays) * 86400
        options.hash = { Digest.hash($0, using: .sha256) }
        options.identityCipher = try configuration.identityCipher()
        // A node whose database holds encrypted evidence does not start without the key (nor with another one).
        options.requireEvidenceKey = true
        options.fullCheckLimitBytes = Int64(configuration.fullCheckMaxMegabytes) * 1_048_576
        store = try SQLiteStore(path: configuration.databasePath, options: options)
        if case .partial(let bytes) = store.integrityCheckAtOpen {
            self.logger.notice(
                "the store is \(bytes / 1_048_576) MB, above database.fullCheckMaxMegabytes "
                    + "(\(configuration.fullCheckMaxMegabytes)): only the log head and checkpoints were checked at start; "
                    + "run `g60-gateway store check --config FILE` to check every page")
        }
        let directory = partners
        let loaded = directory.ids.compactMap { directory.partner($0) }
        operations = OperationsMetrics()
        console = OperationsConsole(
            store: store, partners: loaded.map(\.description), metrics: operations,
            certificates: OperationsConsole.certificateExpiries(of: loaded))
        let issuer = try ReceiptIssuer(node: node.id, key: node.key, certificate: node.certificate)
        inbox = Inbox(
            node: node.id, trust: trust,
            policy: ReceptionPolicy(
                maxPayloadBytes: configuration.limits.maxEnvelopeBytes,
                maxFutureSkew: Double(configuration.maxClockSkewSeconds),
                replayWindow: Double(configuration.replayWindowDays) * 86400),
            store: store, issuer: issuer, metrics: operations)
        let timeout = Swift.Duration.milliseconds(Int(configuration.deliveryTimeoutSeconds * 1000))
        self.transport =
            transport
            ?? CurlEnvelopeTransport(
                configuration: HTTPClientConfiguration(
                    connectTimeout: min(.seconds(5), timeout), totalTimeout: timeout),
                caBundles: CurlEnvelopeTransport.partnerCABundles(loaded))
        dispatcher = MeasureDispatcher(
            store: store,
            // The shared rules and every city's additions (Partners/<slug>/rules.json), checked at start-up.
            engine: try RuleEngine.load(
                contracts: contracts, partners: URL(fileURLWithPath: configuration.partnersDirectory)),
            partners: partners, logger: self.logger)
        if configuration.subjectKeyIsDemo {
            self.logger.warning("the identity-hash key is the published DEMO key: never use this node for real data")
        }
        let sealed = store.evidenceSealedAtOpen
        if sealed.sealedLogEntries + sealed.sealedQuarantinedRows > 0 {
            self.logger.info(
                "clear evidence encrypted in place",
                [
                    "log.entries": String(sealed.sealedLogEntries),
                    "quarantine.rows": String(sealed.sealedQuarantinedRows),
                ])
        }
        if options.identityCipher == nil {
            self.logger.warning(
                "no identity key (identityKey.*): envelopes and quarantined rows are stored in clear and records "
                    + "carrying identity numbers are refused")
        }
    }

    // MARK: - Running

    /// The bound ports (HTTP first, then HTTPS), once started.
    public var ports: [UInt16] { servers.withLock { $0.map(\.port) } }

    /// Starts the listeners and (unless `workers` is false: the ingest benchmark measures intake alone) the workers.
    public func start(workers: Bool = true) throws {
        let router = makeRouter()
        var started: [HTTPServer] = []
        for (address, tls) in [(configuration.listen.http, false), (configuration.listen.https, true)] {
            guard let address, let (host, port) = Configuration.parseHostPort(address) else { continue }
            let tlsConfiguration: HTTPTLSConfiguration? =
                tls
                ? HTTPTLSConfiguration(
                    certificateChainPath: configuration.tls.certificate ?? "",
                    privateKeyPath: configuration.tls.key ?? "", clientCAPath: configuration.tls.clientCAs.first,
                    requireClientCertificate: configuration.tls.requireClientCertificate,
                    cipherList: configuration.tls.ciphers ?? HTTPTLSConfiguration.defaultCipherList,
                    tls13CipherSuites: configuration.tls.ciphersuites
                        ?? HTTPTLSConfiguration.defaultTLS13CipherSuites)
                : nil
            let server = try HTTPServer(
                configuration: HTTPServerConfiguration(
                    host: host, port: port, workerCount: max(2, configuration.mappingWorkers),
                    maxConnections: configuration.limits.maxConnections,
                    idleTimeout: .seconds(configuration.limits.idleTimeoutSeconds),
                    headerTimeout: .seconds(configuration.limits.headerTimeoutSeconds),
                    bodyTimeout: .seconds(configuration.limits.bodyTimeoutSeconds), tls: tlsConfiguration,
                    allowPlaintext: !tls),
                router: router)
            try server.start()
            started.append(server)
        }
        servers.withLock { $0 = started }
        running.store(true, ordering: .sequentiallyConsistent)
        logger.info("gateway listening", ["listen": ports.map(String.init).joined(separator: ",")])
        if workers { try startWorkers() }
    }

    /// Starts the mapping, delivery and pull workers (once).
    public func startWorkers() throws {
        for i in 0..<configuration.mappingWorkers {
            let worker = MappingWorker(
                store: store, partners: partners, codes: codes, keyring: configuration.keyring,
                owner: "\(node.id)-mapper-\(i)", metrics: counters, logger: logger, dispatcher: dispatcher)
            if let lease = configuration.leaseSeconds { worker.leaseDuration = lease }
            spawn("mapper-\(i)") { try worker.runOnce() }
        }
        spawn("measure-sweep") { [dispatcher] in try dispatcher.sweepIfDue() }
        // Rule data other than the stored decisions were made with: every subject is re-evaluated in the background.
        let backfill = MeasureBackfill(dispatcher: dispatcher)
        spawn("measure-backfill") { try backfill.runIfDue() }
        for partner in partners.ids.compactMap({ partners.partner($0) }) {
            let worker = try DeliveryWorker(
                store: store, partner: partner, url: deliveryURL(for: partner), node: node, trust: trust,
                transport: transport, owner: "\(node.id)-delivery-\(partner.id)", metrics: counters, logger: logger)
            if let lease = configuration.leaseSeconds { worker.leaseDuration = lease }
            spawn("delivery-\(partner.id)") { try worker.runOnce() }
        }
        for partner in partners.ids.compactMap({ partners.partner($0) }) where partner.description.transport.mode == "pull" {
            let scheduler = try PullScheduler(
                partner: partner, url: pullURL(for: partner), inbox: inbox,
                cursorFile: URL(fileURLWithPath: configuration.databasePath + ".pull-cursors.json"),
                interval: pullInterval, logger: logger)
            spawn("pull-\(partner.id)") { try scheduler.runOnce() }
        }
        logger.info("workers started", ["partners": String(partners.ids.count)])
    }

    /// Where deliveries to `partner` go: `G60_PARTNER_<SLUG>_ENDPOINT` overrides partner.json's placeholder (the demo
    /// and tests point partners at their own loopback endpoints).
    func deliveryURL(for partner: Partner) -> String {
        let name = "G60_PARTNER_\(partner.id.uppercased())_ENDPOINT"
        return ProcessInfo.processInfo.environment[name] ?? endpointOverrides.withLock { $0[partner.id] }
            ?? partner.description.transport.endpoint
    }

    /// Endpoint overrides set in-process (the demo's simulated partners).
    public let endpointOverrides = Mutex<[String: String]>([:])

    /// Where the export of a pull partner is fetched: `G60_PARTNER_<SLUG>_PULL_ENDPOINT`, an in-process override
    /// under `<slug>.pull`, or partner.json's endpoint.
    func pullURL(for partner: Partner) -> String {
        let name = "G60_PARTNER_\(partner.id.uppercased())_PULL_ENDPOINT"
        return ProcessInfo.processInfo.environment[name] ?? endpointOverrides.withLock { $0[partner.id + ".pull"] }
            ?? partner.description.transport.endpoint
    }

    /// Overrides every pull partner's polling interval (the demo polls every second).
    public var pullInterval: TimeInterval?

    /// Runs `body` in a loop on its own thread until stopped; sleeps briefly when there was nothing to do.
    private func spawn(_ name: String, _ body: @escaping @Sendable () throws -> Int) {
        finished.enter()
        let thread = Thread { [self] in
            defer { finished.leave() }
            var idle = 0
            while running.load(ordering: .relaxed) {
                var done = 0
                do {
                    done = try body()
                } catch {
                    logger.error("worker error", ["worker": name, "error": "\(error)"])
                }
                if done == 0 {
                    idle = min(idle + 1, 10)
                    usleep(UInt32(20_000 * idle))
                } else {
                    idle = 0
                }
            }
        }
        thread.name = name
        thread.start()
    }

    /// Stops accepting, lets in-flight requests finish, and stops the workers.
    public func stop() {
        running.store(false, ordering: .sequentiallyConsistent)
        for server in servers.withLock({ $0 }) { server.shutdown() }
        finished.wait()
        logger.info("gateway stopped")
    }

    /// True while nothing is waiting in any queue (the demo waits for this).
    public func isIdle() throws -> Bool {
        try store.queueSummary().allSatisfy { $0.depth == 0 }
    }
}

