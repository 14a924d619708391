// g60-store-bench: durable acknowledged envelopes/s and records/s of GatewayStore, single and concurrent
// writers, next to raw SQLite insert rates measured in the same run on the same disk. Run with `make bench-store`.
//
// Usage: g60-store-bench [--dir DIR] [--scale F] [--only records|envelopes]
//   DIR default Benchmarks/out/store (same disk as the checkout, not tmpfs); F scales every count.
import Foundation
import GatewayCore
import GatewayStore
import Synchronization

var dir = "Benchmarks/out/store"
var scale = 1.0
var only = ""
var argi = 1
while argi < CommandLine.arguments.count {
    let a = CommandLine.arguments[argi]
    let v = argi + 1 < CommandLine.arguments.count ? CommandLine.arguments[argi + 1] : ""
    switch a {
    case "--dir": dir = v
    case "--scale": scale = Double(v) ?? 1
    case "--only": only = v
    default:
        print("usage: g60-store-bench [--dir DIR] [--scale F] [--only records|envelopes]")
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
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

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

// Records: built before timing; their canonical JSON size sets the raw baseline's row size.
let recordCount = scaled(50_000)
let records = (0..<recordCount).map { record($0) }
let sampleJSON = try JSONEncoder().encode(records[0])
let rowBytes = sampleJSON.count
let provenance = Provenance(partner: "jiaxing", messageID: "bench", rowNumber: 1, receivedAt: Date())

let rawRows = scaled(100_000)
let raw = try StoreBenchmarkSupport.rawBatchedInserts(
    path: fresh("raw.db"), rows: rawRows, batchSize: 1_000, payloadBytes: rowBytes, randomKeys: false)
report(
    String(
        format:
            "raw SQLite batched inserts, sequential keys %9.0f rows/s (%d rows of %d B, 1,000 per transaction, WAL, synchronous=FULL)",
        raw, rawRows, rowBytes))
let rawRandom = try StoreBenchmarkSupport.rawBatchedInserts(
    path: fresh("rawr.db"), rows: rawRows, batchSize: 1_000, payloadBytes: rowBytes, randomKeys: true)
report(
    String(
        format: "raw SQLite batched inserts, hashed keys     %9.0f rows/s (same, keys like record ids: random order)",
        rawRandom))
let singleCommits = try StoreBenchmarkSupport.rawSingleRowCommits(path: fresh("single.db"), rows: scaled(2_000))
report(String(format: "raw SQLite single-row commits %8.0f commits/s (the disk's durable commit rate)", singleCommits))

if only != "envelopes" {
    do {
        // The share of the cost that is canonical JSON (sorted keys), the content comparison form.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let t = try seconds { for r in records { _ = try encoder.encode(r) } }
        report(
            String(
                format: "canonical JSON encoding only (JSONEncoder), 1 thread %9.0f records/s (no database)", Double(recordCount) / t)
        )
        // The writer the store uses since: GatewayCore's CanonicalJSONWriter, byte-identical output.
        let t2 = seconds { for r in records { _ = CanonicalJSONWriter.recordText(r) } }
        report(
            String(
                format: "canonical JSON encoding only (CanonicalJSONWriter), 1 thread %9.0f records/s (no database)",
                Double(recordCount) / t2))
    }
    do {
        let store = try SQLiteStore(path: fresh("records1.db"))
        let t = try seconds {
            for start in stride(from: 0, to: recordCount, by: 1_000) {
                let batch = records[start..<min(recordCount, start + 1_000)].map { ($0, provenance) }
                _ = try store.putRecords(batch)
            }
        }
        let rate = Double(recordCount) / t
        report(
            String(
                format:
                    "store records, 1 writer        %9.0f records/s (%.0f %% of raw; batches of 1,000, new records)",
                rate, 100 * rate / raw))
        let t2 = try seconds {
            for start in stride(from: 0, to: recordCount, by: 1_000) {
                let batch = records[start..<min(recordCount, start + 1_000)].map { ($0, provenance) }
                _ = try store.putRecords(batch)
            }
        }
        report(
            String(
                format: "store records, 1 writer, resent %8.0f records/s (same records again: no new version)",
                Double(recordCount) / t2))
    }
    do {
        // The write path alone, as raw inserts are measured: records prepared (encoded) before the clock starts.
        let prepared = try PreparedRecord.prepare(records.map { ($0, provenance) })
        let store = try SQLiteStore(path: fresh("records1p.db"))
        let t = try seconds {
            for start in stride(from: 0, to: recordCount, by: 1_000) {
                _ = try store.putPreparedRecords(Array(prepared[start..<min(recordCount, start + 1_000)]))
            }
        }
        let rate = Double(recordCount) / t
        report(
            String(
                format:
                    "store records, 1 writer, prepared %6.0f records/s (%.0f %% of raw; canonical JSON computed by the caller beforehand)",
                rate, 100 * rate / raw))
    }
    do {
        let store = try SQLiteStore(path: fresh("records4.db"))
        let writers = 4
        let t = seconds {
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
        let rate = Double(recordCount) / t
        report(
            String(
                format:
                    "store records, %d writers       %9.0f records/s (%.0f %% of raw; batches of 250, group commit)",
                writers, rate, 100 * rate / raw))
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
