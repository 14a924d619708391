// libFuzzer harness: the mapping layer's input formats (GatewayMapping). See Fuzz/README.md.
//
// The first byte of the input picks one of the real partners' dialects (Partners/<slug>/dialects), the rest is
// mapped by MappingEngine exactly as the node maps a partner's export: the streaming decoder of the dialect's format,
// its encoding (iconv), then field mapping, transforms, code tables and validation. Between them the dialects
// reach every input format: CSV (UTF-8 with BOM and quotes, GBK, tab-separated without header), JSON Lines, JSON
// with a record path into an object and as a root array, and XML in GB18030 with a namespace. A thrown
// MappingError is an answer; a crash, hang or unbounded memory is a finding.
import Foundation
import GatewayCore
import GatewayMapping

/// The dialects the first byte selects from (byte % count); the seed corpus files start with their index.
let fuzzDialects: [(partner: String, kind: RecordKind, what: String)] = [
    ("jiaxing", .penalty, "CSV UTF-8 with BOM, quoted fields, CRLF"),
    ("huzhou", .license, "CSV in GBK"),
    ("jinhua", .dishonestDebtor, "CSV UTF-8"),
    ("wuhu", .listEntry, "tab-separated, no header"),
    ("hangzhou", .penalty, "JSON Lines, nested objects"),
    ("hangzhou", .listEntry, "JSON Lines"),
    ("hefei", .retraction, "JSON Lines"),
    ("songjiang", .penalty, "JSON, object with record path data.records"),
    ("hefei", .license, "JSON, object with record path result.rows"),
    ("suzhou", .dishonestDebtor, "JSON, array at the root"),
    ("xuancheng", .penalty, "XML in GB18030 with a namespace"),
]

/// Loaded once per process: libFuzzer calls the harness millions of times.
let fuzzEngines: [MappingEngine] = {
    do {
        let contracts = try ContractsLocator.find()
        let partnersFolder = contracts.deletingLastPathComponent().appendingPathComponent("Partners")
        let codes = try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
        guard let today = CivilDate(year: 2026, month: 11, day: 27) else { preconditionFailure("a valid date") }
        return try fuzzDialects.map { entry in
            let partner = try Partner.load(folder: partnersFolder.appendingPathComponent(entry.partner))
            return try MappingEngine(
                partner: partner, kind: entry.kind, codes: codes, today: today)
        }
    } catch {
        preconditionFailure(
            "the mapping harness needs Contracts/ and Partners/ (run from the checkout or set G60_CONTRACTS): \(error)")
    }
}()

/// Maps one input; returns the dialect index and the rows seen (accepted, rejected, skipped), -1 rows when the
/// engine refused the input with an error.
func mapOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> (dialect: Int, rows: Int) {
    guard size > 0 else { return (-1, 0) }
    let dialect = Int(data[0]) % fuzzEngines.count
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var rows = 0
    do {
        try fuzzEngines[dialect].run(.bytes(input)) { outcome in
            rows += 1
            // Touch what the node would write: the canonical line or the report entry.
            if let record = outcome.record { _ = try? MappingJSON().line(record) }
            _ = try? MappingJSON().line(RowReportEntry(outcome))
        }
    } catch {
        return (dialect, -1)
    }
    return (dialect, rows)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMapping(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = mapOne(data, size)
    return 0
}

#if !G60_FUZZ
    /// The replayer also says which dialects the inputs reached, and how many rows each produced: this is how the
    /// run shows that every format was exercised (`Fuzz/run.sh replay mapping`, or over a grown corpus).
    @main enum ReplayMapping {
        static func main() {
            var inputs = [Int](repeating: 0, count: fuzzDialects.count)
            var rows = [Int](repeating: 0, count: fuzzDialects.count)
            var refused = [Int](repeating: 0, count: fuzzDialects.count)
            FuzzReplay.run { data, size in
                let (dialect, n) = mapOne(data, size)
                guard dialect >= 0 else { return 0 }
                inputs[dialect] += 1
                if n < 0 { refused[dialect] += 1 } else { rows[dialect] += n }
                return 0
            }
            for (i, entry) in fuzzDialects.enumerated() {
                print(
                    "  \(i) \(entry.partner)/\(entry.kind.rawValue) (\(entry.what)): \(inputs[i]) inputs, "
                        + "\(rows[i]) rows mapped, \(refused[i]) refused with an error")
            }
        }
    }
#endif
