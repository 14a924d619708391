// g60-ops-bench: what one refresh of `/ops` and one scrape of `/metrics` cost on a store with a day of traffic.
// Fills a store with the nine cities' penalties (envelopes of 100 rows, 5 % quarantined, all within the last
// 24 hours, so the dashboard's rejected-row window scans them all) and outbound queue items, then times
// `OperationsConsole.dashboardHTML()` and `metricsText()`. Run with `make bench-ops`.
//
// Usage: g60-ops-bench [--dir DIR] [--rows N]
//   DIR default Benchmarks/out/ops (same disk as the checkout); N accepted + quarantined rows (default 200,000).
import Foundation
import Gateway
import GatewayCore
import GatewayMapping
import GatewayStore

var dir = "Benchmarks/out/ops"
var totalRows = 200_000
var argi = 1
while argi < CommandLine.arguments.count {
    let a = CommandLine.arguments[argi]
    let v = argi + 1 < CommandLine.arguments.count ? CommandLine.arguments[argi + 1] : ""
    switch a {
    case "--dir": dir = v
    case "--rows": totalRows = Int(v) ?? totalRows
    default:
        print("usage: g60-ops-bench [--dir DIR] [--rows N]")
        exit(2)
    }
    argi += 2
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_795_746_600)
    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func set(_ d: Date) {
        lock.lock()
        current = d
        lock.unlock()
    }
}

try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
let path = dir + "/ops-bench.db"
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
let clock = Clock()
let now = clock.now
let store = try SQLiteStore(path: path, options: SQLiteStoreOptions(clock: { clock.now }))
let partnersRoot = URL(fileURLWithPath: "Partners")
let partners = try Partner.folders(in: partnersRoot).map { try Partner.load(folder: $0).description }
let cities = partners.map(\.id)
let perEnvelope = 100
let envelopes = max(1, totalRows / perEnvelope)
let day = CivilDate.today(now: now)
let fill = try seconds {
    for e in 0..<envelopes {
        let city = cities[e % cities.count]
        let at = now.addingTimeInterval(-86_000 + 86_000 * Double(e) / Double(envelopes))
        clock.set(at)
        let id = "bench-\(e)"
        _ = try store.append(
            EnvelopeSubmission(
                direction: .inbound,
                header: EnvelopeHeader(
                    messageID: id, sender: city, recipient: "g60-hub", kind: "records.batch", sequence: Int64(e),
                    recordCount: perEnvelope, payloadDigest: "sha256:-", issuedAt: at),
                raw: Array("g60-envelope: 1\n\n{}".utf8)))
        var records: [(record: CanonicalRecord, provenance: Provenance)] = []
        var rejected: [QuarantinedRow] = []
        for row in 1...perEnvelope {
            if row % 20 == 0 {
                rejected.append(
                    QuarantinedRow(
                        partner: city, messageID: id, rowNumber: row, raw: Array("raw".utf8),
                        problemsJSON: #"{"problems":[{"field":"subject.uscc","code":"field.required","severity":"error"}]}"#,
                        receivedAt: at))
                continue
            }
            let authority = Authority(name: "市场监督管理局")
            let body = PenaltyDecision(
                decisionNumber: "罚〔\(e)〕\(row)号", violationType: "v", facts: "f", legalBasis: "b", categories: ["fine"],
                content: "c", decisionDate: day, validUntil: .date(day.adding(years: 1)), authority: authority,
                sourceUnit: authority)
            var record = CanonicalRecord(
                sourcePartner: city,
                subject: Subject(category: "legalEntity", name: "公司\(row)", uscc: "91330100716105852F"),
                body: .penalty(body))
            record.assignID(keyring: .demo)
            records.append((record, Provenance(partner: city, messageID: id, rowNumber: row, receivedAt: at)))
        }
        _ = try store.putRecords(records)
        try store.quarantine(rejected)
        // Each accepted row goes to the eight other cities; here one outbound item per envelope per city.
        _ = try store.enqueue(
            cities.filter { $0 != city }.map {
                QueueItemSubmission(direction: .outbound, partner: $0, kind: "records", payload: Array("{}".utf8))
            })
    }
}
clock.set(now)
print("filled \(envelopes) envelopes, \(envelopes * perEnvelope) rows, \(envelopes * 8) queue items in "
    + "\(String(format: "%.1f", fill)) s")

let metrics = OperationsMetrics(clock: { clock.now })
for minute in 0..<60 {
    for _ in 0..<20 { metrics.history.envelopeReceived(at: now.addingTimeInterval(Double(minute - 59) * 60), receiptLatency: 0.03) }
}
let console = OperationsConsole(store: store, partners: partners, metrics: metrics, clock: { clock.now })
var pageBytes = 0
var metricsBytes = 0
var pages: [Double] = []
var scrapes: [Double] = []
var counts: [Double] = []
for _ in 0..<7 {
    pages.append(try seconds { pageBytes = try console.dashboardHTML().utf8.count })
    scrapes.append(try seconds { metricsBytes = try console.metricsText().utf8.count })
    counts.append(try seconds { _ = try store.rowCounts(receivedFrom: now.addingTimeInterval(-86_400), before: now) })
}
func ms(_ v: Double) -> String { String(format: "%.1f ms", v * 1000) }
print("GET /ops page (snapshot + render), median of 7: \(ms(median(pages))) (\(pageBytes) B); "
    + "all: \(pages.map(ms))")
print("  of which rowCounts (24 h window scan): \(ms(median(counts)))")
print("GET /metrics (refresh + render), median of 7: \(ms(median(scrapes))) (\(metricsBytes) B)")
print("database: \(try store.databaseSizeBytes() / 1_048_576) MB")
