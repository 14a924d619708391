// g60-report-bench: how long the dual-publicity report takes on a month of data. Fills a store with the nine
// cities' licences and penalties (envelopes of 100 rows, 5 % quarantined, some late), then times
// `DualPublicityReport.build` and the three renderings. Run with `make bench-report`.
//
// Usage: g60-report-bench [--dir DIR] [--rows N]
//   DIR default Benchmarks/out/report (same disk as the checkout); N accepted + quarantined rows (default 200,000).
import Foundation
import Gateway
import GatewayCore
import GatewayStore

var dir = "Benchmarks/out/report"
var totalRows = 200_000
var argi = 1
while argi < CommandLine.arguments.count {
    let a = CommandLine.arguments[argi]
    let v = argi + 1 < CommandLine.arguments.count ? CommandLine.arguments[argi + 1] : ""
    switch a {
    case "--dir": dir = v
    case "--rows": totalRows = Int(v) ?? totalRows
    default:
        print("usage: g60-report-bench [--dir DIR] [--rows N]")
        exit(2)
    }
    argi += 2
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 0)
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
let path = dir + "/report-bench.db"
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
let clock = Clock()
let store = try SQLiteStore(path: path, options: SQLiteStoreOptions(clock: { clock.now }))
let contracts = try ContractsLocator.find()
let calendar = try WorkingDayCalendar.load(directory: contracts.appendingPathComponent("calendar"))

guard let first = CivilDate(iso: "2024-10-01"), let last = CivilDate(iso: "2024-10-31") else { exit(1) }
let cities = ReportPartner.g60Cities.map(\.slug)
let perEnvelope = 100
let envelopes = max(1, totalRows / perEnvelope)
var sequence: [String: Int64] = [:]
let fill = try seconds {
    for e in 0..<envelopes {
        let city = cities[e % cities.count]
        let day = first.adding(days: (e * 31) / envelopes)
        let at = Date(timeIntervalSince1970: TimeInterval(day.dayNumber * 86_400 + 2 * 3_600 + e % 3_600))
        clock.set(at)
        let seq = (sequence[city] ?? 0) + (e % 97 == 0 ? 2 : 1)  // now and then a missing batch
        sequence[city] = seq
        let id = "bench-\(e)"
        let raw = Array("g60-envelope: 1\nschema: \(city).xzcf.v1\n\n{}".utf8)
        _ = try store.append(
            EnvelopeSubmission(
                direction: .inbound,
                header: EnvelopeHeader(
                    messageID: id, sender: city, recipient: "g60-hub", kind: "records.batch", sequence: seq,
                    recordCount: perEnvelope, payloadDigest: "sha256:-", issuedAt: at),
                raw: raw))
        var records: [(record: CanonicalRecord, provenance: Provenance)] = []
        var rejected: [QuarantinedRow] = []
        for row in 1...perEnvelope {
            let provenance = Provenance(partner: city, messageID: id, rowNumber: row, receivedAt: at)
            if row % 20 == 0 {
                rejected.append(
                    QuarantinedRow(
                        partner: city, messageID: id, rowNumber: row, raw: Array("raw".utf8),
                        problemsJSON: #"{"problems":[{"code":"field.required","severity":"error"}]}"#,
                        receivedAt: at))
                continue
            }
            let decided = day.adding(days: -(row % 14))  // some beyond 7 working days: late
            let authority = Authority(name: "市场监督管理局")
            let body = PenaltyDecision(
                decisionNumber: "罚〔\(e)〕\(row)号", violationType: "v", facts: "f", legalBasis: "b", categories: ["fine"],
                content: "c", decisionDate: decided, validUntil: .date(decided.adding(years: 1)), authority: authority,
                sourceUnit: authority)
            var record = CanonicalRecord(
                sourcePartner: city,
                subject: Subject(category: "legalEntity", name: "公司\(row)", uscc: "91330100716105852F"),
                body: .penalty(body))
            record.assignID(keyring: .demo)
            records.append((record, provenance))
        }
        _ = try store.putRecords(records)
        try store.quarantine(rejected)
    }
}
print("filled \(envelopes) envelopes, \(envelopes * perEnvelope) rows in \(String(format: "%.1f", fill)) s")

let queries = try seconds {
    let start = Date(timeIntervalSince1970: TimeInterval(first.dayNumber * 86_400 - 8 * 3_600))
    let end = Date(timeIntervalSince1970: TimeInterval(last.adding(days: 1).dayNumber * 86_400 - 8 * 3_600))
    _ = try store.inboundEnvelopes(loggedFrom: start, before: end)
    _ = try store.acceptedRows(receivedFrom: start, before: end)
    _ = try store.quarantinedRows(receivedFrom: start, before: end)
}
print("store queries alone: \(String(format: "%.3f", queries)) s")
var report: DualPublicityReport?
var builds: [Double] = []
for _ in 0..<3 {
    builds.append(
        try seconds {
            report = try DualPublicityReport.build(store: store, calendar: calendar, from: first, to: last)
        })
}
guard let report else { exit(1) }
var sizes: [String: Int] = [:]
let json = try seconds { sizes["json"] = try report.jsonText().utf8.count }
let csv = seconds { sizes["csv"] = report.csvText().utf8.count }
let html = seconds { sizes["html"] = report.htmlText().utf8.count }
let rows = envelopes * perEnvelope
print(
    "build (store queries + figures), best of 3: \(String(format: "%.3f", builds.min() ?? 0)) s "
        + "= \(Int(Double(rows) / (builds.min() ?? 1))) rows/s; all: \(builds.map { String(format: "%.3f", $0) })")
print(
    "render json \(String(format: "%.3f", json)) s (\(sizes["json"] ?? 0) B), csv \(String(format: "%.3f", csv)) s "
        + "(\(sizes["csv"] ?? 0) B), html \(String(format: "%.3f", html)) s (\(sizes["html"] ?? 0) B)")
let late = report.partners.flatMap(\.kinds).map(\.lateRows.count).reduce(0, +)
print("late rows listed: \(late); missing batches: \(report.partners.map(\.missingBatches).reduce(0, +))")
