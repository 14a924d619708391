import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayMapping
import GatewayStore

/// `g60-gateway demo`: the exchange of every partner folder (the nine cities) on loopback, end to end.
enum DemoCommand: Command {
    static let name = "demo"
    static let summary = "run the exchange of every partner folder on loopback: PKI, gateway, simulated partners, fixtures"
    static let help = """
        Usage: g60-gateway demo [--state DIR] [--port N] [--alg sm2|p256|ed25519] [--exit] [--partners DIR]

        Creates a demo PKI (first run; a partner folder added later gets its certificate on the next run), starts
        the gateway on 127.0.0.1 with an embedded SQLite file (a new one each run: the previous run's database is
        removed, so the summary can be checked against the goldens; the PKI and tokens are kept), starts one
        simulated partner platform per partner folder (each receives deliveries and answers signed receipts), has every partner submit
        its fixture files from Partners/<slug>/fixtures as signed envelopes, runs the exchange to completion with
        progress, prints a summary per city (and the rejected rows with reasons), checks it against the fixtures'
        golden files, then keeps the gateway running with its URLs until Ctrl-C.

          --state DIR   where the demo keeps its state (default ./g60-demo): gateway.sqlite, pki/, gateway.json,
                        credentials.json (a bearer token per scope, for trying the API with curl), summary.json
          --port N      the gateway's HTTP port on 127.0.0.1 (default 8060; 0 picks a free one)
          --alg         the PKI's signature algorithm on first run (default sm2)
          --exit        end after the summary (exit 0 when every check passed, 1 otherwise)

        The keys, tokens and identity-hash key of the demo are DEMO secrets, printed and stored in clear on purpose.
        """

    /// The file that marks a folder as the demo's state (the demo replaces the database of such a folder only).
    static let marker = ".g60-demo-state"

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments, valued: ["--state", "--port", "--alg", "--partners", "--contracts"], switches: ["--exit"])
        guard args.positional.isEmpty else { throw UsageError("demo takes no positional arguments") }
        guard let port = UInt16(args.value("--port") ?? "8060") else { throw UsageError("--port must be 0–65535") }
        let fm = FileManager.default
        let state = URL(fileURLWithPath: args.value("--state") ?? "g60-demo").standardizedFileURL
        let contracts = try ContractsLocator.find(explicit: args.value("--contracts"))
        let partnersDir =
            args.value("--partners").map { URL(fileURLWithPath: $0) }
            ?? contracts.deletingLastPathComponent().appendingPathComponent("Partners")
        try fm.createDirectory(at: state, withIntermediateDirectories: true)
        // One demo per state folder: a second one would remove the running one's database.
        let lockPath = state.appendingPathComponent("demo.lock").path
        let lock = open(lockPath, O_RDWR | O_CREAT, 0o644)
        guard lock >= 0 else {
            io.err("g60-gateway demo: cannot open \(lockPath): \(String(cString: strerror(errno)))")
            return .unreadable
        }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            io.err(
                "g60-gateway demo: another demo is running on \(state.path) (it holds demo.lock); stop it first, or "
                    + "give another --state")
            return .usage
        }
        // A folder that is not the demo's (a node's own state, say) is never touched: the demo replaces its database.
        let marker = state.appendingPathComponent(Self.marker)
        let isDemoState =
            fm.fileExists(atPath: marker.path)
            || fm.fileExists(atPath: state.appendingPathComponent("credentials.json").path)
        let entries = ((try? fm.contentsOfDirectory(atPath: state.path)) ?? []).filter { $0 != "demo.lock" }
        if !isDemoState && !entries.isEmpty {
            io.err(
                "g60-gateway demo: \(state.path) holds files but is not a demo state folder (no \(Self.marker)); "
                    + "give a new or empty --state")
            return .usage
        }
        fm.createFile(
            atPath: marker.path,
            contents: Data("made by g60-gateway demo: its gateway.sqlite is replaced on every run\n".utf8))
        let pki = state.appendingPathComponent("pki")
        let partners = try PartnerDirectory.load(directory: partnersDir)
        let quiet = CLIIO(readAll: { Data() }, writeOut: { _ in }, writeErr: { io.err($0) })
        if !fm.fileExists(atPath: pki.appendingPathComponent("root/cert.pem").path) {
            io.out("== creating the demo PKI in \(pki.path)")
            guard
                try PKICommand.run(
                    ["init", "--dir", pki.path, "--alg", args.value("--alg") ?? "sm2", "--partners", partnersDir.path],
                    io: quiet) == .ok
            else { return .unreadable }
        }
        // A partner folder added since the state was made (a tenth city) gets its key and certificate now.
        for id in partners.ids where !fm.fileExists(atPath: pki.appendingPathComponent("\(id)/cert.pem").path) {
            io.out("== issuing a demo certificate for the new partner \(id)")
            guard try PKICommand.add(partner: id, dir: pki, days: 365, io: quiet) == .ok else {
                return .unreadable
            }
        }
        let credentials = try DemoCredentials.loadOrCreate(
            state.appendingPathComponent("credentials.json"), partners: partners.ids)
        let configFile = state.appendingPathComponent("gateway.json")
        try credentials.configuration(
            port: port, state: state, partners: partnersDir, contracts: contracts
        ).write(to: configFile)
        let configuration = try Configuration.load(file: configFile.path, environment: [:])

        let trust = try TrustStore.load(directory: pki, partnersDirectory: partnersDir)
        var simulated: [String: SimulatedPartner] = [:]
        for id in partners.ids {
            let (key, cert) = try loadIdentity(pki.appendingPathComponent(id))
            let partner = try SimulatedPartner(id: id, key: key, certificate: cert, trust: trust)
            try partner.start()
            simulated[id] = partner
        }
        defer { for p in simulated.values { p.stop() } }
        let database = URL(fileURLWithPath: configuration.databasePath)
        if fm.fileExists(atPath: database.path) {
            // The summary is checked against the fixtures' goldens, which describe one exchange into an empty store.
            for suffix in ["", "-wal", "-shm", ".pull-cursors.json"] where fm.fileExists(atPath: database.path + suffix) {
                do {
                    try fm.removeItem(atPath: database.path + suffix)
                } catch {
                    io.err("g60-gateway demo: cannot remove the previous run's \(database.path + suffix): \(error)")
                    return .unreadable
                }
            }
            io.out(
                "== starting from an empty store: the previous run's \(database.lastPathComponent) was removed "
                    + "(PKI and tokens kept)")
        }
        let logFile = state.appendingPathComponent("gateway.log")
        fm.createFile(atPath: logFile.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: logFile)
        let service = try GatewayService(
            configuration: configuration,
            logger: Logger(label: "g60-gateway", handler: JSONLinesLogHandler(fd: logHandle.fileDescriptor)))
        service.endpointOverrides.withLock { overrides in
            for (id, p) in simulated {
                overrides[id] = p.url
                overrides[id + ".pull"] = p.exportURL
            }
        }
        service.pullInterval = 0.5
        try service.start()
        defer { service.stop() }
        let gatewayURL = "http://127.0.0.1:\(service.ports.first ?? port)"
        io.out("== gateway on \(gatewayURL) (log: \(logFile.path)); \(simulated.count) simulated partners on loopback")

        // Every partner submits its fixtures as signed envelopes.
        var sent: [String: (envelopes: Int, rows: Int, receipts: Int)] = [:]
        var pulled: [(partner: String, envelope: [UInt8])] = []
        var expected = DemoExpectations()
        let client = try HTTPClient(configuration: HTTPClientConfiguration())
        for id in partners.ids {
            guard let partner = partners.partner(id) else { continue }
            let (key, cert) = try loadIdentity(pki.appendingPathComponent(id))
            let signer = try EnvelopeSigner(from: id, key: key, certificate: cert)
            let verifier = EnvelopeVerifier(node: id, trust: trust)
            var sequence: UInt64 = 0
            for folder in PartnerFixtures.folders(of: partner) {
                guard let data = fm.contents(atPath: folder.appendingPathComponent("fixture.json").path),
                    let fixture = try? JSONDecoder().decode(DemoFixture.self, from: data),
                    let kind = RecordKind(rawValue: fixture.kind),
                    let payload = fm.contents(atPath: folder.appendingPathComponent(fixture.input).path)
                else { continue }
                let rows = expected.add(folder: folder, partner: id, partners: partners)
                sequence += 1
                let envelope = try signer.sign(
                    to: configuration.nodeID, kind: kind == .retraction ? "records.retract" : "records.batch",
                    schema: "dialect/\(kind.rawValue)", contentType: contentType(fixture.input), payload: Array(payload),
                    recordCount: UInt64(rows), sequence: sequence)
                if partner.description.transport.mode == "pull" {
                    // A pull partner offers the envelope in its export; the gateway fetches it (receipt checked later).
                    simulated[id]?.offer(envelope)
                    pulled.append((id, envelope))
                    let before = sent[id] ?? (0, 0, 0)
                    sent[id] = (before.envelopes + 1, before.rows + rows, before.receipts)
                    continue
                }
                var headers = HTTPHeaders()
                headers.add("Content-Type", "application/vnd.g60.envelope")
                headers.add("Authorization", "Bearer \(credentials.partners[id] ?? "")")
                let response = try client.post(gatewayURL + "/v1/envelopes", body: envelope, headers: headers)
                var verified = 0
                if let receipt = try? verifier.confirmReceipt(response.body, for: envelope), receipt.status == .accepted {
                    verified = 1
                } else {
                    io.err("   \(id): envelope for \(folder.lastPathComponent) got HTTP \(response.status) without an accepted receipt")
                }
                let before = sent[id] ?? (0, 0, 0)
                sent[id] = (before.envelopes + 1, before.rows + rows, before.receipts + verified)
            }
            let how = partner.description.transport.mode == "pull" ? "offered for pulling" : "sent"
            io.out("   \(id): \(how) \(sent[id]?.envelopes ?? 0) envelopes (\(sent[id]?.rows ?? 0) rows)")
        }

        // Run the exchange to completion.
        io.out("== exchanging (mapping, fan-out, deliveries, validation reports)")
        let deadline = Date().addingTimeInterval(180)
        var lastLine = ""
        while Date() < deadline {
            let summary = try service.store.queueSummary()
            let inbound = summary.filter { $0.direction == .inbound }.reduce(0) { $0 + $1.depth }
            let outbound = summary.filter { $0.direction == .outbound }.reduce(0) { $0 + $1.depth }
            let delivered = simulated.values.reduce(0) { $0 + $1.received.records.values.reduce(0, +) }
            let line = "   inbound waiting \(inbound), outbound waiting \(outbound), records delivered \(delivered)"
            if line != lastLine {
                io.out(line)
                lastLine = line
            }
            let allPulled = pulled.allSatisfy { p in
                (try? service.store.logEntry(
                    direction: .inbound, sender: p.partner,
                    messageID: (try? Envelope.parse(p.envelope, maxPayloadBytes: Int.max).header.messageID) ?? "")) != nil
            }
            if inbound == 0 && outbound == 0 && allPulled { break }
            usleep(200_000)
        }

        // The receipts of pulled envelopes: the gateway kept them in its message log.
        for p in pulled {
            guard let header = try? Envelope.parse(p.envelope, maxPayloadBytes: Int.max).header,
                let entry = try service.store.logEntry(direction: .inbound, sender: p.partner, messageID: header.messageID),
                let receipt = entry.receipt
            else { continue }
            let verifier = EnvelopeVerifier(node: p.partner, trust: trust)
            if let confirmed = try? verifier.confirmReceipt(receipt, for: p.envelope), confirmed.status == .accepted {
                let before = sent[p.partner] ?? (0, 0, 0)
                sent[p.partner] = (before.envelopes, before.rows, before.receipts + 1)
            }
        }

        // The summary, and its checks against the fixtures' golden files.
        let report = try DemoSummary.build(
            service: service, partners: partners, simulated: simulated, sent: sent, expected: expected)
        io.out(report.text)
        let summaryData = try JSONSerialization.data(withJSONObject: report.json, options: [.prettyPrinted, .sortedKeys])
        try summaryData.write(to: state.appendingPathComponent("summary.json"))
        io.out("""
            == try it (tokens in \(state.path)/credentials.json; DEMO secrets)
               curl -s \(gatewayURL)/healthz
               curl -s -H 'Authorization: Bearer \(credentials.operate)' \(gatewayURL)/v1/queues
               curl -s -H 'Authorization: Bearer \(credentials.operate)' \(gatewayURL)/metrics
               curl -s -H 'Authorization: Bearer \(credentials.readRecords)' \(gatewayURL)/v1/subjects/\(expected.exampleUSCC ?? "91310000132260250X")/records
               curl -s -H 'Authorization: Bearer \(credentials.readRecords)' \(gatewayURL)/v1/subjects/\(expected.exampleUSCC ?? "91310000132260250X")/measures
               curl -s -H 'Authorization: Bearer \(credentials.lookup)' '\(gatewayURL)/v1/trust-travel/eligibility?subject=11010219840406970X'
               curl -s -H 'Authorization: Bearer \(credentials.operate)' '\(gatewayURL)/v1/reports/dual-publicity?from=2024-01-01&to=2024-12-31&format=html' > report.html
               (the dashboard is \(gatewayURL)/ops, with the operate token)
               g60-gateway log verify --db \(configuration.databasePath)
            """)
        if args.has("--exit") {
            return report.passed ? .ok : .negative
        }
        io.out("== the gateway keeps running on \(gatewayURL); Ctrl-C to stop")
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT)
        let stop = DispatchSemaphore(value: 0)
        source.setEventHandler { stop.signal() }
        source.resume()
        stop.wait()
        return report.passed ? .ok : .negative
    }

    static func loadIdentity(_ folder: URL) throws -> (PrivateKey, Certificate) {
        guard let keyPEM = FileManager.default.contents(atPath: folder.appendingPathComponent("key.pem").path),
            let cert = try Certificate.load(file: folder.appendingPathComponent("cert.pem")).first
        else { throw UsageError("\(folder.path) lacks key.pem or cert.pem; delete the state folder to start afresh") }
        return (try PrivateKey(pem: Array(keyPEM)), cert)
    }

    static func contentType(_ file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "csv", "tsv", "txt": return "text/csv"
        case "json": return "application/json"
        case "jsonl": return "application/x-ndjson"
        case "xml": return "application/xml"
        default: return "application/octet-stream"
        }
    }
}

struct DemoFixture: Decodable {
    var kind: String
    var input: String
}
