// g60-store-bench: durable acknowledged envelopes/s and records/s of GatewayStore, single and concurrent
// writers, next to raw SQLite insert rates measured in the same run on the same disk. Run with `make bench-store`.
//
// Usage: g60-store-bench [--dir DIR] [--scale F] [--only records|envelopes|lease] [--sync full|normal] [--runs N]
//                        [--page-size BYTES] [--records N] [--segments K] [--pragma 'PRAGMA …']
//   DIR default Benchmarks/out/store (same disk as the checkout, not tmpfs); F scales every count.
//   --sync normal runs the raw baselines and the record stores with synchronous=NORMAL (no fsync per commit): the
//   write path apart from the disk's sync rate. Envelope lines always use FULL (acknowledgement = durability).
//   --runs N repeats the record lines N times (default 1).
//   --page-size BYTES sets PRAGMA page_size of the raw baselines' and the record stores' new files (default SQLite's).
//   --records N stores N new records per record line (default 50,000 × F); the raw baselines insert max(100,000 × F, N)
//   rows. Above 200,000 the records are made batch by batch outside the clock (memory stays flat) and the 4-writer
//   line is left out. --segments K cuts the 1-writer lines and the raw baselines into K equal stretches, each printed
//   (default 1; 10 from 500,000 records): how the rate changes as the tables and their indexes grow.
//   --pragma SQL runs SQL (e.g. 'PRAGMA mmap_size=1073741824') after the store's pragmas on the raw baselines' and the
//   stores' connections alike (repeatable).
// Every line gives the pages written to the WAL per 1,000 rows (SQLITE_DBSTATUS_CACHE_WRITE of the writing
// connection: each a frame of page size + 24 bytes, so dirty pages per commit × commits); every timed section starts
// with an empty WAL (a fresh file, or a TRUNCATE checkpoint before the re-sent line), so an automatic checkpoint
// (every 8,192 WAL pages, the store's and the baselines' wal_autocheckpoint) lands in each section only as its own
// page count makes it.
import Foundation
import GatewayCore
import GatewayStore
import Synchronization

var dir = "Benchmarks/out/store"
var scale = 1.0
var only = ""
var syncMode = "FULL"
var runs = 1
var pageSize: Int?
var recordsOption: Int?
var segmentsOption: Int?
var pragmas: [String] = []
var argi = 1
while argi < CommandLine.arguments.count {
    let a = CommandLine.arguments[argi]
    let v = argi + 1 < CommandLine.arguments.count ? CommandLine.arguments[argi + 1] : ""
    switch a {
    case "--dir": dir = v
    case "--scale": scale = Double(v) ?? 1
    case "--only": only = v
    case "--sync": syncMode = v.uppercased() == "NORMAL" ? "NORMAL" : "FULL"
    case "--runs": runs = max(1, Int(v) ?? 1)
    case "--page-size": pageSize = Int(v)
    case "--records": recordsOption = Int(v).map { max(1_000, $0) }
    case "--segments": segmentsOption = Int(v).map { max(1, $0) }
    case "--pragma": pragmas.append(v)
    default:
        print(
            "usage: g60-store-bench [--dir DIR] [--scale F] [--only records|envelopes|lease] [--sync full|normal] "
                + "[--runs N] [--page-size BYTES] [--records N] [--segments K] [--pragma SQL]")
        exit(2)
    }
    argi += 2
}
let runScale = scale
func scaled(_ n: Int) -> Int { max(1, Int(Double(n) * runScale)) }
let benchDir = dir
try FileManager.default.createDirectory(atPath: benchDir, withIntermediateDirectories: true)

func fresh(_ name: String) -> String {
    let path = benchDir + "/" + name
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    try measured(body).wall
}

/// Wall and CPU seconds (every thread of the process) of `body`.
func measured(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let cpu = StoreBenchmarkSupport.cpuSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return (
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, StoreBenchmarkSupport.cpuSeconds() - cpu
    )
}

func firstLine(_ path: String, containing prefix: String = "") -> String {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init) ?? "?"
}

func loadAverage() -> String {
    firstLine("/proc/loadavg").split(separator: " ").prefix(3).joined(separator: " ")
}

print(
    "machine: nproc \(ProcessInfo.processInfo.activeProcessorCount), "
        + firstLine("/proc/cpuinfo", containing: "model name").replacingOccurrences(of: "\t", with: "")
        + "; load average at start \(loadAverage()); \(Date())")
print(
    "synchronous=\(syncMode) for the raw baselines and the record stores (--sync); page size "
        + (pageSize.map { "\($0)" } ?? "SQLite's default") + " (--page-size)"
        + (pragmas.isEmpty ? "" : "; on both sides: " + pragmas.joined(separator: "; ")))
let extraPragmas = pragmas.joined(separator: "; ")

func record(_ n: Int, fine: Int64 = 500_000) -> CanonicalRecord {
    let authority = Authority(name: "嘉兴市市场监督管理局", uscc: "11330400002000000X")
    let body = PenaltyDecision(
        decisionNumber: "嘉市监罚〔2026〕\(n)号", violationType: "虚假宣传", facts: "当事人在其经营场所发布虚假广告",
        legalBasis: "《中华人民共和国反不正当竞争法》第八条第一款", categories: ["fine"], content: "罚款人民币伍仟元",
        fineAmount: Money(fen: fine), decisionDate: CivilDate(year: 2026, month: 3, day: 2)!,
        validUntil: .date(CivilDate(year: 2029, month: 3, day: 2)!), authority: authority, sourceUnit: authority)
    let subject = Subject(
        category: "legalEntity", name: "嘉兴某某贸易有限公司\(n)", uscc: "91330400MA2B\(String(format: "%06d", n % 1_000_000))")
    var r = CanonicalRecord(sourcePartner: "jiaxing", subject: subject, body: .penalty(body))
    r.assignID(keyring: .demo)
    return r
}

func envelope(_ id: String) -> EnvelopeSubmission {
    let raw = Array(
        "{\"v\":1,\"id\":\"\(id)\",\"from\":\"jiaxing\",\"to\":\"songjiang\",\"records\":[{\"id\":\"rec_0123456789abcdef0123456789abcdef\"}],\"sig\":\"MEUCIQDx0123456789abcdefghijklmnopqrstuvwxyzABCDEF\"}"
            .utf8)
    return EnvelopeSubmission(
        direction: .inbound,
        header: EnvelopeHeader(
            messageID: id, sender: "jiaxing", recipient: "songjiang", kind: "records", sequence: 1, recordCount: 1,
            payloadDigest: "sha256:00", issuedAt: Date()),
        raw: raw, receipt: Array("receipt:\(id)".utf8), enqueueForMapping: true)
}

func report(_ line: String) { print(line) }

// Queue leases behind one old dead item (`--only lease`, also in the default run): a partner's backlog of per-record
// items (each its own order key) leased 100 at a time and completed one transaction per lease, once with no dead item
// and once with one dead item of another key of the same partner that nobody replays. The lease's blocked-by-dead
// check used to walk the whole ordered backlog whenever the partner had a dead item; it now starts from the dead items.
if only == "" || only == "lease" {
    let backlog = scaled(20_000)
    for withDead in [false, true] {
        var options = StoreBenchmarkSupport.options(
            synchronous: syncMode, pageSize: pageSize, pragmas: pragmas.joined(separator: "; "))
        options.retryPolicy = RetryPolicy(maxAttempts: 1)
        let store = try SQLiteStore(path: fresh(withDead ? "lease-dead.db" : "lease.db"), options: options)
        func item(_ key: String) -> QueueItemSubmission {
            QueueItemSubmission(
                direction: .outbound, partner: "hefei", kind: "record", recordID: key, recordVersion: 1, orderKey: key,
                payload: Array("{\"id\":\"\(key)\"}".utf8))
        }
        if withDead {
            _ = try store.enqueue([item("rec_dead")])
            for leased in try store.lease(direction: .outbound, partner: "hefei", limit: 1, owner: "b", duration: 60) {
                _ = try store.fail(itemID: leased.id, owner: "b", error: "HTTP 503")
            }
        }
        var ids: [Int64] = []
        for start in stride(from: 0, to: backlog, by: 1_000) {
            ids += try store.enqueue((start..<min(backlog, start + 1_000)).map { item("rec_\($0)") })
        }
        var leases = 0
        var leasedItems = 0
        let m = try measured {
            while true {
                let items = try store.lease(
                    direction: .outbound, partner: "hefei", limit: 100, owner: "w", duration: 60)
                if items.isEmpty { break }
                leases += 1
                leasedItems += items.count
                _ = try store.complete(itemIDs: items.map(\.id), owner: "w")
            }
        }
        let dead = try store.deadItems(partner: "hefei").count
        report(
            String(
                format:
                    "queue lease + complete, %@ %6.0f leases/s, %7.1f µs CPU/lease (%d leases of ≤ 100 of a %d-item "
                    + "backlog, %d leased, %d dead)",
                (withDead ? "one old dead item:" : "no dead item:     "), Double(leases) / m.wall,
                1e6 * m.cpu / Double(max(1, leases)), leases, backlog, leasedItems, dead))
    }
    if only == "lease" {
        print("load average at end \(loadAverage())")
        exit(0)
    }
}

// Records: built before timing (batch by batch above 200,000); their canonical JSON size sets the raw baselines' row
// size.
let recordCount = recordsOption ?? scaled(50_000)
let keepRecords = recordCount <= 200_000
let segments = segmentsOption ?? (recordCount >= 500_000 ? 10 : 1)
let records = keepRecords ? (0..<recordCount).map { record($0) } : []
func batchRecords(_ range: Range<Int>) -> [CanonicalRecord] {
    keepRecords ? Array(records[range]) : range.map { record($0) }
}
let sampleJSON = try JSONEncoder().encode(record(0))
let rowBytes = sampleJSON.count
let provenance = Provenance(partner: "jiaxing", messageID: "bench", rowNumber: 1, receivedAt: Date())

let rawRows = max(scaled(100_000), recordCount)
let singleCommits = try StoreBenchmarkSupport.rawSingleRowCommits(path: fresh("single.db"), rows: scaled(2_000))
report(String(format: "raw SQLite single-row commits %8.0f commits/s (the disk's durable commit rate)", singleCommits))
print(
    "records per store line \(recordCount), rows per raw baseline \(rawRows)"
        + (segments > 1 ? ", \(segments) stretches each" : ""))

typealias Stretch = StoreBenchmarkSupport.Stretch

/// One records/s line: wall rate, the share of each raw baseline, CPU per record, WAL pages per 1,000 records.
func recordLine(_ label: String, _ m: Stretch, raw: Double, rawHashed: Double, _ note: String) {
    let rate = m.perSecond
    report(
        String(
            format:
                "%@ %9.0f records/s = %3.0f %% of raw seq., %3.0f %% of raw hashed; %6.1f µs CPU/record, %7.0f records/CPU-s, %5.0f WAL pages/1,000 (%@)",
            label.padding(toLength: 44, withPad: " ", startingAt: 0), rate, 100 * rate / raw, 100 * rate / rawHashed,
            1e6 * m.cpu / Double(m.rows), m.perCPUSecond, m.pagesPer1000, note))
}

/// The stretches of a line (only with --segments > 1): rate, CPU and pages of each, the table size at its end.
func stretchLines(_ label: String, _ parts: [Stretch]) {
    guard parts.count > 1 else { return }
    var rows = 0
    for part in parts {
        rows += part.rows
        report(
            String(
                format: "    %@ up to %8d rows: %9.0f rows/s, %6.1f µs CPU/row, %5.0f WAL pages/1,000",
                label.padding(toLength: 26, withPad: " ", startingAt: 0), rows, part.perSecond,
                1e6 * part.cpu / Double(part.rows), part.pagesPer1000))
    }
}

/// Stores every record in batches of 1,000 through `put`, timing only `put` (records made and `prepare`d outside
/// the clock); returns the whole and `segments` stretches.
func storeAll<P>(
    _ store: SQLiteStore, prepare: ([CanonicalRecord]) throws -> P, _ put: (P) throws -> Void
) throws -> (Stretch, [Stretch]) {
    let per = max(1_000, (recordCount + segments - 1) / segments)
    var parts: [Stretch] = []
    var total = Stretch()
    var part = Stretch()
    var pagesBefore = try StoreBenchmarkSupport.pagesWritten(store)
    for start in stride(from: 0, to: recordCount, by: 1_000) {
        let range = start..<min(recordCount, start + 1_000)
        let batch = try prepare(batchRecords(range))
        let m = try measured { try put(batch) }
        part.rows += range.count
        part.wall += m.wall
        part.cpu += m.cpu
        if part.rows >= per || start + 1_000 >= recordCount {
            let pages = try StoreBenchmarkSupport.pagesWritten(store)
            part.pages = pages - pagesBefore
            pagesBefore = pages
            parts.append(part)
            total += part
            part = Stretch()
        }
    }
    return (total, parts)
}

for run in 1...runs where only != "envelopes" {
    if runs > 1 { print("-- records run \(run) of \(runs), load average \(loadAverage())") }
    let rawSeq = try StoreBenchmarkSupport.rawBatchedInsertStretches(
        path: fresh("raw.db"), rows: rawRows, batchSize: 1_000, payloadBytes: rowBytes, randomKeys: false,
        synchronous: syncMode, pageSize: pageSize, segments: segments, pragmas: extraPragmas)
    report(
        String(
            format:
                "raw SQLite batched inserts, sequential keys %9.0f rows/s, %7.0f rows/CPU-s, %6.1f µs CPU/row, %5.0f WAL pages/1,000 (%d rows of %d B, 1,000 per transaction, WAL, synchronous=%@, store pragmas)",
            rawSeq.total.perSecond, rawSeq.total.perCPUSecond, 1e6 / rawSeq.total.perCPUSecond,
            rawSeq.total.pagesPer1000, rawRows, rowBytes, syncMode))
    stretchLines("raw seq.", rawSeq.segments)
    let rawHashed = try StoreBenchmarkSupport.rawBatchedInsertStretches(
        path: fresh("rawr.db"), rows: rawRows, batchSize: 1_000, payloadBytes: rowBytes, randomKeys: true,
        synchronous: syncMode, pageSize: pageSize, segments: segments, pragmas: extraPragmas)
    report(
        String(
            format:
                "raw SQLite batched inserts, hashed keys     %9.0f rows/s, %7.0f rows/CPU-s, %6.1f µs CPU/row, %5.0f WAL pages/1,000 (same, keys like record ids: random order)",
            rawHashed.total.perSecond, rawHashed.total.perCPUSecond, 1e6 / rawHashed.total.perCPUSecond,
            rawHashed.total.pagesPer1000))
    stretchLines("raw hashed", rawHashed.segments)
    let raw = rawSeq.total.perSecond
    let rawR = rawHashed.total.perSecond
    let options = StoreBenchmarkSupport.options(synchronous: syncMode, pageSize: pageSize, pragmas: extraPragmas)
    if run == 1 {
        // The share of the cost that is canonical JSON (sorted keys), the content comparison form.
        let sample = batchRecords(0..<min(recordCount, 50_000))
        func encodingLine(_ label: String, _ m: (wall: Double, cpu: Double)) {
            report(
                String(
                    format: "%@ %9.0f records/s, %7.0f records/CPU-s (1 thread, no database)",
                    label.padding(toLength: 52, withPad: " ", startingAt: 0), Double(sample.count) / m.wall,
                    Double(sample.count) / m.cpu))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encodingLine(
            "canonical JSON encoding only (JSONEncoder)",
            try measured { for r in sample { _ = try encoder.encode(r) } })
        // The writer the store uses since: GatewayCore's CanonicalJSONWriter, byte-identical output.
        encodingLine(
            "canonical JSON encoding only (CanonicalJSONWriter)",
            measured { for r in sample { _ = CanonicalJSONWriter.recordText(r) } })
        // What putRecords does before the writer: PreparedRecord.prepare (the canonical JSON).
        encodingLine(
            "PreparedRecord.prepare only",
            try measured { _ = try PreparedRecord.prepare(sample.map { ($0, provenance) }) })
    }
    do {
        // The service's path: the mapping worker makes each record's canonical JSON once (PreparedRecord), uses
        // it for the delivery line and hands it to putPreparedRecords. Prepared outside the clock, as the raw
        // baselines' rows are.
        let store = try SQLiteStore(path: fresh("records1p.db"), options: options)
        let (m, parts) = try storeAll(store, prepare: { try PreparedRecord.prepare($0.map { ($0, provenance) }) }) {
            _ = try store.putPreparedRecords($0)
        }
        recordLine(
            "service's path: putPreparedRecords, 1 writer", m, raw: raw, rawHashed: rawR,
            "JSON made by the mapping worker, batches of 1,000, new records")
        stretchLines("putPreparedRecords", parts)
    }
    do {
        let store = try SQLiteStore(path: fresh("records1.db"), options: options)
        let pairs = { (batch: [CanonicalRecord]) in batch.map { ($0, provenance) } }
        let (m, parts) = try storeAll(store, prepare: pairs) { _ = try store.putRecords($0) }
        recordLine(
            "putRecords, 1 writer", m, raw: raw, rawHashed: rawR, "encodes each record itself, batches of 1,000, new")
        stretchLines("putRecords", parts)
        try StoreBenchmarkSupport.checkpoint(store)
        let (m2, _) = try storeAll(store, prepare: pairs) { _ = try store.putRecords($0) }
        recordLine(
            "putRecords, 1 writer, re-sent", m2, raw: raw, rawHashed: rawR, "same records again: no new version")
    }
    if keepRecords {
        let store = try SQLiteStore(path: fresh("records4.db"), options: options)
        let writers = 4
        let m = measured {
            let failures = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: writers) { w in
                for start in stride(from: w * 250, to: recordCount, by: 250 * writers) {
                    let batch = records[start..<min(recordCount, start + 250)].map { ($0, provenance) }
                    if (try? store.putRecords(batch)) == nil { failures.add(1, ordering: .relaxed) }
                }
            }
            if failures.load(ordering: .relaxed) > 0 {
                print("record writer failures: \(failures.load(ordering: .relaxed))")
            }
        }
        var s = Stretch()
        s.rows = recordCount
        s.wall = m.wall
        s.cpu = m.cpu
        s.pages = try StoreBenchmarkSupport.pagesWritten(store)
        recordLine(
            "putRecords, \(writers) writers", s, raw: raw, rawHashed: rawR, "batches of 250, group commit")
    }
}
if only != "records" {

    let single = scaled(2_000)
    do {
        let store = try SQLiteStore(path: fresh("env1.db"))
        let t = try seconds { for i in 0..<single { _ = try store.append(envelope("s\(i)")) } }
        report(
            String(
                format: "acked envelopes, 1 writer      %9.0f envelopes/s (each its own commit + fsync)",
                Double(single) / t))
    }
    for writers in [8, 32, 128] {
        let total = scaled(30_000)
        let store = try SQLiteStore(path: fresh("env\(writers).db"))
        let per = total / writers
        let failures = Atomic<Int>(0)
        let t = seconds {
            let group = DispatchGroup()
            for w in 0..<writers {
                group.enter()
                Thread {
                    for i in 0..<per where (try? store.append(envelope("w\(w)-\(i)"))) == nil {
                        failures.add(1, ordering: .relaxed)
                    }
                    group.leave()
                }.start()
            }
            group.wait()
        }
        let verified = try store.verifyChain()
        report(
            String(
                format:
                    "acked envelopes, %3d writers   %9.0f envelopes/s (group commit; chain of %d verifies: %@; failures %d)",
                writers, Double(per * writers) / t, verified.entriesChecked, verified.isIntact ? "yes" : "NO",
                failures.load(ordering: .relaxed)))
    }
}
print("load average at end \(loadAverage())")
