// End-to-end ingest benchmark (issue 7): concurrent clients POST signed envelopes over loopback to a running
// gateway node and wait for the durable, signed receipt. Reports envelopes/s and records/s from POST to receipt,
// p50/p99 latency, peak RSS while the mapping workers work through the backlog, and the raw SQLite batched insert
// rate on the same disk in the same run. Run by `make bench-ingest` (release build). Loopback only; bounded.
import Foundation
import Gateway
import Synchronization
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayStore

struct Result: Sendable { var latencies: [Double] = []; var failures = 0 }
final class Shared: Sendable {
    let results = Mutex<Result>(Result())
    let next = Atomic<Int>(0)
}

func benchmark() throws {
    let args = CommandLine.arguments
    func arg(_ name: String, _ fallback: Int) -> Int {
        guard let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) else { return fallback }
        return v
    }
    let clients = arg("--clients", 8)
    let recordsPerEnvelope = arg("--records", 1000)
    let totalRecords = arg("--total", 200_000)
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("g60-ingest-bench-\(getpid())")
    try? FileManager.default.removeItem(at: work)
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }

    func peakRSSMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    // A P-256 exchange PKI in the `pki init` layout.
    let pki = work.appendingPathComponent("pki")
    let now = Date()
    let ca = try CertificateAuthority.makeRoot(
        commonName: "bench root", algorithm: .p256, notBefore: now.addingTimeInterval(-3600),
        notAfter: now.addingTimeInterval(86400))
    func write(_ bytes: [UInt8], _ path: String) throws {
        let url = pki.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    try write(try ca.certificate.pem(), "root/cert.pem")
    var keys: [String: (PrivateKey, Certificate)] = [:]
    let slugs = ["songjiang", "jiaxing", "hangzhou", "jinhua", "suzhou", "huzhou", "xuancheng", "wuhu", "hefei"]
    for id in ["g60-hub"] + slugs {
        let key = try PrivateKey.generate(.p256)
        let cert = try ca.issue(
            partnerID: id, publicKey: key.publicKey, notBefore: now.addingTimeInterval(-3600),
            notAfter: now.addingTimeInterval(86400))
        try write(try cert.pem(), "\(id)/cert.pem")
        try write(try key.pem(), "\(id)/key.pem")
        keys[id] = (key, cert)
    }
    let token = "bench-token"
    let config: [String: Any] = [
        "listen": ["http": "127.0.0.1:0"], "database": ["path": work.appendingPathComponent("gateway.sqlite").path],
        "paths": ["partners": root.appendingPathComponent("Partners").path, "contracts": root.appendingPathComponent("Contracts").path],
        "trust": ["directory": pki.path], "subjectKey": ["demo": true], "identityKey": ["demo": true],
        "limits": ["requestsPerMinutePerClient": 10_000_000], "log": ["level": "warning"],
        "clients": [[
            "id": "bench", "scopes": ["submit", "operate"], "partner": "jiaxing",
            "tokenSha256": Digest.hash(Array(token.utf8), using: .sha256).hexString,
        ]],
    ]
    try JSONSerialization.data(withJSONObject: config).write(to: work.appendingPathComponent("gateway.json"))
    let configuration = try Configuration.load(file: work.appendingPathComponent("gateway.json").path, environment: [:])
    let service = try GatewayService(configuration: configuration, logger: Logger(label: "bench", level: .error))
    // Intake alone first (POST → verified → committed → signed receipt); the workers start for the backlog phase.
    try service.start(workers: false)
    let url = "http://127.0.0.1:\(service.ports[0])/v1/envelopes"

    /// A valid USCC per subject number (so records spread over many subjects, as real data does).
    func uscc(_ n: Int) -> String {
        let org = String(format: "%08d", n % 100_000_000)
        let body = "91330100" + org + String(OrganizationCode.checkCharacter(forBody: org)!)
        return body + String(USCC.checkCharacter(forBody: body)!)
    }

    /// Canonical penalty records (valid, distinct decision numbers, one subject per ten records) as JSON Lines.
    func payload(envelope: Int, records: Int) -> [UInt8] {
        var out = ""
        for i in 0..<records {
            let subject = uscc((envelope * records + i) / 10)
            out += #"{"schema":"g60.record/v1","kind":"penalty","sourcePartner":"jiaxing","subject":{"category":"legalEntity","name":"企业\#(subject)","uscc":"\#(subject)","legalRepresentative":"赵明路"},"penalty":{"decisionNumber":"嘉市监罚〔2026〕\#(envelope)-\#(i)号","violationType":"虚假宣传","facts":"事实","legalBasis":"依据","categories":["warning"],"content":"警告","decisionDate":"2026-03-02","validUntil":"2099-12-31","authority":{"name":"嘉兴市市场监督管理局","uscc":"11330400MB1784521T"},"sourceUnit":{"name":"嘉兴市市场监督管理局","uscc":"11330400MB1784521T"}}}"# + "\n"
        }
        return Array(out.utf8)
    }

    func run(label: String, envelopes: Int, records: Int) -> (seconds: Double, result: Result) {
        // Sign everything first: the benchmark measures the gateway, not the client's signing.
        let signer = try! EnvelopeSigner(from: "jiaxing", key: keys["jiaxing"]!.0, certificate: keys["jiaxing"]!.1)
        let bodies = (0..<envelopes).map { e in
            try! signer.sign(
                to: "g60-hub", kind: "records.batch", schema: CanonicalRecord.schemaName,
                contentType: "application/x-ndjson", payload: payload(envelope: e + (records == 1000 ? 0 : 1_000_000), records: records),
                recordCount: UInt64(records), sequence: UInt64(e + 1))
        }
        let shared = Shared()
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<clients {
            group.enter()
            Thread {
                let client = try! HTTPClient(configuration: HTTPClientConfiguration(totalTimeout: .seconds(60)))
                var headers = HTTPHeaders()
                headers.add("Authorization", "Bearer \(token)")
                headers.add("Content-Type", "application/vnd.g60.envelope")
                var local = Result()
                while true {
                    let i = shared.next.add(1, ordering: .relaxed).oldValue
                    if i >= bodies.count { break }
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let ok = (try? client.post(url, body: bodies[i], headers: headers))?.status == 200
                    local.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    if !ok { local.failures += 1 }
                }
                shared.results.withLock { $0.latencies += local.latencies; $0.failures += local.failures }
                group.leave()
            }.start()
        }
        group.wait()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, shared.results.withLock { $0 })
    }
    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    let cpuModel = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
        .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
    say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpuModel)); clients \(clients); load average \(loadAverage())")
    let bigEnvelopes = max(1, totalRecords / recordsPerEnvelope)
    let (s1, r1) = run(label: "1000", envelopes: bigEnvelopes, records: recordsPerEnvelope)
    say(String(format: "envelopes of %d records: %d envelopes in %.2f s = %.0f envelopes/s, %.0f records/s to durable receipt; p50 %.1f ms, p99 %.1f ms; failures %d",
        recordsPerEnvelope, bigEnvelopes, s1, Double(bigEnvelopes) / s1, Double(bigEnvelopes * recordsPerEnvelope) / s1,
        percentile(r1.latencies, 0.5), percentile(r1.latencies, 0.99), r1.failures))
    let smallEnvelopes = arg("--small", 5000)
    let (s2, r2) = run(label: "10", envelopes: smallEnvelopes, records: 10)
    say(String(format: "envelopes of 10 records (P-256): %d in %.2f s = %.0f envelopes/s; p50 %.1f ms, p99 %.1f ms; failures %d",
        smallEnvelopes, s2, Double(smallEnvelopes) / s2, percentile(r2.latencies, 0.5), percentile(r2.latencies, 0.99), r2.failures))
    // The backlog phase: every partner a loopback sink that verifies each delivery envelope and answers a signed
    // receipt (counting record lines only, so nine sinks of a million records stay small), then the workers start,
    // map, store, dispatch and deliver everything. The wait is bounded by --backlog-seconds; the mapping phase ends
    // when the inbound queue is empty, the delivery phase when every queue is. RSS and the queues are sampled every second.
    var sinks: [BenchSink] = []
    let sinkTrust = try TrustStore.load(directory: pki)
    for id in service.partners.ids {
        guard let (key, cert) = keys[id] else { continue }
        let sink = try BenchSink(id: id, key: key, certificate: cert, trust: sinkTrust)
        sinks.append(sink)
        service.endpointOverrides.withLock { $0[id] = sink.url }
    }
    defer { for s in sinks { s.stop() } }
    let backlogRecords = bigEnvelopes * recordsPerEnvelope + smallEnvelopes * 10
    say("backlog: \(backlogRecords) records waiting; load average \(loadAverage())")
    let profile = ExchangeProfile.shared
    let cpuStart = processCPUSeconds()
    let backlogStart = Date()
    try service.startWorkers()
    var mappedAt: Double?
    var mappedCPU = 0.0
    var drained = false
    var peakMappingRSS = 0.0
    var peakRSS = 0.0
    var lastReport = 0.0
    let limit = Double(arg("--backlog-seconds", 600))
    while Date().timeIntervalSince(backlogStart) < limit {
        let rss = currentRSSMB()
        peakRSS = max(peakRSS, rss)
        if mappedAt == nil { peakMappingRSS = max(peakMappingRSS, rss) }
        let summary = (try? service.store.queueSummary()) ?? []
        let inbound = summary.filter { $0.direction == .inbound }.reduce(0) { $0 + $1.depth }
        let outbound = summary.filter { $0.direction == .outbound }.reduce(0) { $0 + $1.depth }
        let elapsed = Date().timeIntervalSince(backlogStart)
        if mappedAt == nil && inbound == 0 && !summary.isEmpty {
            mappedAt = elapsed
            mappedCPU = processCPUSeconds() - cpuStart
            say(String(format: "  mapped: %d records in %.1f s (%.0f records/s, %.1f CPU s); RSS now %.0f MB; load %@",
                profile.recordsMapped.load(ordering: .relaxed), elapsed, Double(profile.recordsMapped.load(ordering: .relaxed)) / elapsed,
                mappedCPU, rss, loadAverage()))
        }
        if inbound == 0 && outbound == 0 && !summary.isEmpty { drained = true; break }
        if elapsed - lastReport >= 15 {
            lastReport = elapsed
            say(String(format: "  %.0f s: mapped %d, delivered %d record copies, inbound items %d, outbound items %d, RSS %.0f MB",
                elapsed, profile.recordsMapped.load(ordering: .relaxed), profile.recordsDelivered.load(ordering: .relaxed),
                inbound, outbound, rss))
        }
        usleep(1_000_000)
    }
    let backlogSeconds = Date().timeIntervalSince(backlogStart)
    let backlogCPU = processCPUSeconds() - cpuStart
    let delivered = profile.recordsDelivered.load(ordering: .relaxed)
    let received = sinks.reduce(0) { $0 + $1.shared.records.load(ordering: .relaxed) }
    let sinkCPU = Double(sinks.reduce(0) { $0 + $1.shared.cpuNanos.load(ordering: .relaxed) }) / 1e9
    say(String(format: "backlog of %d records mapped and delivered to 9 partners: %@ in %.1f s; peak RSS while mapping %.0f MB, during the whole phase %.0f MB (process peak %.0f MB)",
        backlogRecords, drained ? "drained" : "NOT drained", backlogSeconds, peakMappingRSS, peakRSS, peakRSSMB()))
    if let mappedAt {
        say(String(format: "  mapping + store + dispatch + fan-out: %.0f records/s (%.1f s)", Double(profile.recordsMapped.load(ordering: .relaxed)) / mappedAt, mappedAt))
    }
    say(String(format: "  delivery: %d record copies in %d envelopes, %.0f copies/s over the phase; sinks received %d copies",
        delivered, profile.deliveryEnvelopes.load(ordering: .relaxed), Double(delivered) / backlogSeconds, received))
    say(String(format: "  process CPU %.1f s (%.1f s until mapped); partner sinks (verify + receipt) %.1f CPU s; load average %@",
        backlogCPU, mappedCPU, sinkCPU, loadAverage()))
    say("  per stage (thread CPU s / wall s, summed over worker threads):")
    for stage in ExchangeProfile.Stage.allCases {
        let t = profile.seconds(stage)
        say("    " + stage.name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%8.1f / %8.1f", t.cpu, t.wall))
    }
    let databaseBytes = ["", "-wal"].compactMap {
        (try? FileManager.default.attributesOfItem(atPath: work.appendingPathComponent("gateway.sqlite" + $0).path))?[.size] as? Int
    }.reduce(0, +)
    say(String(format: "  database file + WAL: %.0f MB", Double(databaseBytes) / 1_048_576))
    service.stop()
    let raw = try StoreBenchmarkSupport.rawBatchedInserts(
        path: work.appendingPathComponent("raw.sqlite").path, rows: 200_000, batchSize: 1000, payloadBytes: 300, randomKeys: false)
    say(String(format: "raw SQLite batched inserts (1,000 per transaction, ~300 B rows): %.0f rows/s", raw))

}

/// Prints and flushes (stdout is block-buffered into a pipe or file; a long run shows its progress as it goes).
func say(_ text: String) {
    print(text)
    fflush(nil)
}

/// The process's user + system CPU seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The resident set now, from /proc/self/statm.
func currentRSSMB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
}

/// A partner's receiving end for the benchmark: verifies every envelope (signature, chain, replay) and answers a
/// signed receipt like `SimulatedPartner`, but only counts record lines, and adds up its handler's thread CPU time
/// so that the partners' share of the two cores is reported apart from the gateway's.
final class BenchSink: Sendable {
    final class Shared: Sendable {
        let records = Atomic<Int>(0)
        let envelopes = Atomic<Int>(0)
        let rejected = Atomic<Int>(0)
        let cpuNanos = Atomic<Int>(0)
        let verifiers = Mutex<[VerifierBox]>([])
    }
    final class VerifierBox: @unchecked Sendable {
        let verifier: EnvelopeVerifier
        init(_ verifier: EnvelopeVerifier) { self.verifier = verifier }
    }
    let shared = Shared()
    let server: HTTPServer
    var url: String { "http://127.0.0.1:\(server.port)/g60" }

    init(id: String, key: PrivateKey, certificate: Certificate, trust: TrustStore) throws {
        let shared = self.shared
        let issuer = try ReceiptIssuer(node: id, key: key, certificate: certificate)
        var router = HTTPRouter()
        router.post("/g60", blocking: true) { request, _ in
            let start = ExchangeProfile.now()
            defer { shared.cpuNanos.add(ExchangeProfile.now().cpu - start.cpu, ordering: .relaxed) }
            let box = shared.verifiers.withLock { $0.popLast() } ?? VerifierBox(EnvelopeVerifier(node: id, trust: trust))
            defer { shared.verifiers.withLock { $0.append(box) } }
            let outcome = box.verifier.verify(request.body)
            let receipt = try issuer.receipt(for: request.body, outcome: outcome)
            if let envelope = outcome.envelope, outcome.error == nil {
                shared.envelopes.add(1, ordering: .relaxed)
                if envelope.header.kind == "records.batch" {
                    shared.records.add(envelope.payload.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }, ordering: .relaxed)
                }
            } else {
                shared.rejected.add(1, ordering: .relaxed)
            }
            return .bytes(receipt, contentType: "application/vnd.g60.envelope", status: outcome.httpStatus)
        }
        server = try HTTPServer(
            configuration: HTTPServerConfiguration(
                host: "127.0.0.1", port: 0, loopCount: 1, workerCount: 1,
                limits: HTTPParserLimits(maxBodyBytes: 8 << 20), allowPlaintext: true),
            router: router)
        try server.start()
    }

    func stop() { server.shutdown() }
}

try benchmark()
