// The lookup benchmark's helper, built in release by Benchmarks/lookup/run.sh (`make bench-lookup`):
//   seed DB N IDS   writes N subjects' measure decisions into a new store DB (90 % trustworthy with two active
//                   trust-travel benefits, 10 % debtors: a punishment and a suspended benefit) and 10,000 of their
//                   clear identity numbers to IDS (one per line, for wrk)
//   ids N FILE      writes the clear identity numbers of all N seeded subjects to FILE
//   serve DIR PORT DB   starts the real GatewayService (PKI and configuration written to DIR, store DB, plain
//                   HTTP on 127.0.0.1:PORT, one lookup client with bearer token `bench-lookup`)
// Not part of the gateway.
import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayStore

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

/// The i-th valid resident identity number: area 310104, a birth date from 1950-01-01, sequence i % 1000.
func identityNumber(_ i: Int) -> String {
    let birth = CivilDate(year: 1950, month: 1, day: 1)!.adding(days: i / 1000)
    let body = "310104" + birth.description.replacingOccurrences(of: "-", with: "") + String(format: "%03d", i % 1000)
    guard let check = ResidentID.checkCharacter(forBody: body) else { fail("no check character for \(body)") }
    return body + String(check)
}

func seed(db: String, count: Int, idsFile: String) throws {
    try? FileManager.default.removeItem(atPath: db)
    let store = try SQLiteStore(path: db)
    let template = """
        {"endsOn":"2099-01-01","endReason":"expired","explanation":"rule travel.trustworthyPerson (守信激励个人) on \
        listEntry BENCH from jiaxing: in force from 2025-01-01 until the day before 2099-01-01 (record validity \
        2098-12-31); catalogue 2026.11.1, rules 2026.11.1, periods 2026.11.1","from":"2025-01-01",\
        "measure":"g60.travel.scenicDiscount","measureKind":"incentive","record":"r","rule":"travel.trustworthyPerson",\
        "scope":"all","status":"active","subjectKey":"k","versions":{"catalogue":"2026.11.1","periods":"2026.11.1",\
        "rules":"2026.11.1"}}
        """
    let base = try JSONDecoder().decode(MeasureDecision.self, from: Data(template.utf8))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var rows: [StoredMeasureDecision] = []
    var sample: [String] = []
    let started = Date()
    func row(_ d: MeasureDecision) throws -> StoredMeasureDecision {
        StoredMeasureDecision(
            subjectKey: d.subjectKey, key: d.key, measure: d.measure, rule: d.rule, recordID: d.record,
            status: d.status.rawValue, nextChange: d.endsOn?.description,
            content: String(decoding: try encoder.encode(d), as: UTF8.self))
    }
    for i in 0..<count {
        let number = identityNumber(i)
        let key = "id:" + SubjectKeyring.demo.hash(documentType: "residentIdCard", number: number)
        var a = base
        a.subjectKey = key
        a.record = String(format: "bench-%07d", i)
        if i % 10 == 9 {
            var p = a
            p.measure = "g60.spc.flights"
            p.measureKind = .punishment
            p.rule = "debtor.notPerformed"
            rows.append(try row(p))
            a.status = .suspended
            a.suspendedBy = ["debtor.notPerformed"]
            rows.append(try row(a))
        } else {
            rows.append(try row(a))
            a.measure = "g60.travel.priorityLane"
            rows.append(try row(a))
        }
        if i % (max(1, count / 10_000)) == 0 && sample.count < 10_000 { sample.append(number) }
        if rows.count >= 100_000 {
            try store.putMeasureDecisionsInBulk(rows, evaluatedOn: "2026-11-27")
            rows = []
        }
    }
    try store.putMeasureDecisionsInBulk(rows, evaluatedOn: "2026-11-27")
    try (sample.joined(separator: "\n") + "\n").write(toFile: idsFile, atomically: true, encoding: .utf8)
    print(
        "seeded \(count) subjects, \(try store.measureDecisionCount()) decisions in "
            + String(format: "%.1f s", Date().timeIntervalSince(started)))
}

func serve(dir: URL, port: Int, db: String) throws {
    let trustDir = dir.appendingPathComponent("pki")
    let hubDir = trustDir.appendingPathComponent("g60-hub")
    try FileManager.default.createDirectory(at: hubDir, withIntermediateDirectories: true)
    try FileManager.default.createDirectory(
        at: trustDir.appendingPathComponent("root"), withIntermediateDirectories: true)
    let now = Date()
    let root = try CertificateAuthority.makeRoot(
        commonName: "Bench root", algorithm: .ed25519, notBefore: now - 86400, notAfter: now + 86400 * 30)
    let key = try PrivateKey.generate(.ed25519)
    let cert = try root.issue(
        partnerID: "g60-hub", publicKey: key.publicKey, notBefore: now - 86400, notAfter: now + 86400 * 30)
    try Data(try root.certificate.pem()).write(to: trustDir.appendingPathComponent("root/cert.pem"))
    try Data(try key.pem()).write(to: hubDir.appendingPathComponent("key.pem"))
    try Data(try cert.pem()).write(to: hubDir.appendingPathComponent("cert.pem"))
    let repo = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    let object: [String: Any] = [
        "node": ["id": "g60-hub"],
        "listen": ["http": "127.0.0.1:\(port)"],
        "database": ["path": db],
        "paths": [
            "partners": repo.appendingPathComponent("Partners").path,
            "contracts": repo.appendingPathComponent("Contracts").path,
        ],
        "trust": ["directory": trustDir.path],
        "subjectKey": ["demo": true],
        "identityKey": ["demo": true],
        "clients": [
            [
                "id": "bench-scenic-spot", "scopes": ["lookup"],
                "tokenSha256": Digest.hash(Array("bench-lookup".utf8), using: .sha256).hexString,
            ]
        ],
        // The default per-client limit (6,000/min) would answer most of the run with 429.
        "limits": ["maxConnections": 20_000, "requestsPerMinutePerClient": 10_000_000],
        "log": ["level": "warning"],
    ]
    let file = dir.appendingPathComponent("gateway.json")
    try JSONSerialization.data(withJSONObject: object).write(to: file)
    // The seeded decisions are this store's truth (it has no records): mark them as made with the node's rule data,
    // so the start-up backfill does not re-evaluate (and lift) the million subjects during the measurement.
    do {
        let engine = try RuleEngine.load(
            contracts: repo.appendingPathComponent("Contracts"), partners: repo.appendingPathComponent("Partners"))
        let store = try SQLiteStore(path: db, options: SQLiteStoreOptions(quickCheckOnOpen: false))
        try store.saveMeasureBackfillState(MeasureBackfillState(evaluatedWith: engine.fingerprint))
    }
    let service = try GatewayService(configuration: try Configuration.load(file: file.path, environment: [:]))
    try service.start()
    FileHandle.standardError.write(Data("g60-lookup-bench serving on 127.0.0.1:\(port)\n".utf8))
    while true { pause() }
}

/// Per-step costs of one lookup in-process (no HTTP), to see where the time goes.
func micro(db: String, idsFile: String) throws {
    let store = try SQLiteStore(path: db, options: SQLiteStoreOptions(quickCheckOnOpen: false))
    let contracts = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Contracts")
    let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
    let lookup = MeasureLookup(
        store: store, catalogue: try MeasureCatalogue.load(contracts.appendingPathComponent("rules/measures.json")),
        checker: IdentifierChecker(authorities: codes.usccAuthorities), keyring: .demo)
    let ids = try String(contentsOfFile: idsFile, encoding: .utf8).split(separator: "\n").map(String.init)
    let n = 20_000
    // Thread CPU time, not wall-clock: on a shared, loaded machine preemption would count otherwise.
    func cpuNanoseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
    }
    func time(_ name: String, _ body: (String) throws -> Void) rethrows {
        for i in 0..<1000 { try body(ids[i % ids.count]) }  // warm-up
        let start = cpuNanoseconds()
        for i in 0..<n { try body(ids[i % ids.count]) }
        print(name, String(format: "%.2f CPU µs", (cpuNanoseconds() - start) / Double(n) / 1e3))
    }
    let checker = IdentifierChecker(authorities: codes.usccAuthorities)
    time("ric check") { _ = checker.check($0, as: .ric) }
    time("uscc check") { _ = checker.check($0, as: .uscc) }
    time("hmac (plain Swift, before)") { _ = SubjectKeyring.demo.hash(documentType: "residentIdCard", number: $0) }
    try time("subjectKeys (general path)") { _ = try lookup.subjectKeys($0) }
    let keys = try ids.map { try lookup.subjectKeys($0)[0] }
    var k = 0
    try time("sqlite statuses (the store's general query, the tests' oracle)") { _ in
        k += 1
        _ = try store.measureStatuses(subjectKey: keys[k % keys.count], measurePrefix: "g60.travel.")
    }
    let fast = try KeyedHashSHA256(key: Array("G60-DEMO-ONLY-NOT-A-SECRET-subject-key".utf8))
    try time("hmac openssl") { _ = try fast.authenticate(Array(("residentIdCard:" + $0).utf8)) }
    var j = 0
    // The SQLite read itself: one row of the lookup's table (a reader of its own, so its pages fault in here).
    let reader = MeasureLookupReader(path: db)
    try time("sqlite active codes (lookup reader)") { _ in
        j += 1
        _ = try reader.activeMeasureCodes(
            subjectKey: keys[j % keys.count], measurePrefix: "g60.travel.", today: "2026-11-27")
    }
    try time("benefitCodes (the route's work: keys + read)") { _ = try lookup.benefitCodes(subject: $0) }
    let token = Array("bench-lookup".utf8)
    var tokenDigest = [UInt8](repeating: 0, count: 32)
    time("sha256 token (the bearer table's)") { _ in
        _ = token.withUnsafeBytes { t in tokenDigest.withUnsafeMutableBytes { Digest.sha256(t, into: $0) } }
    }
}

let args = Array(CommandLine.arguments.dropFirst())
do {
    switch args.first {
    case "seed" where args.count == 4:
        try seed(db: args[1], count: Int(args[2]) ?? 1_000_000, idsFile: args[3])
    case "ids" where args.count == 3:
        // Every stored subject's clear identity number, for asking about all of them (not a hot sample).
        let count = Int(args[1]) ?? 1_000_000
        var text = ""
        text.reserveCapacity(count * 19)
        for i in 0..<count { text += identityNumber(i) + "\n" }
        try Data(text.utf8).write(to: URL(fileURLWithPath: args[2]))
    case "micro" where args.count == 3:
        try micro(db: args[1], idsFile: args[2])
    case "serve" where args.count == 4:
        try serve(dir: URL(fileURLWithPath: args[1]), port: Int(args[2]) ?? 18090, db: args[3])
    default:
        fail("usage: g60-lookup-bench seed DB N IDS | ids N FILE | micro DB IDS | serve DIR PORT DB")
    }
} catch {
    fail("g60-lookup-bench: \(error)")
}
