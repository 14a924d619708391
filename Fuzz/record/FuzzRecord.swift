// libFuzzer harness: the canonical record decoder and validator (GatewayCore). See Fuzz/README.md.
//
// Decodes the input as a canonical record (JSON), validates it against the code tables of Contracts/codes (found
// through G60_CONTRACTS or the working directory, as the CLI does), and encodes it again; nothing may crash.
import Foundation
import GatewayCore

/// Loaded once per process: libFuzzer calls the harness millions of times.
let validator: RecordValidator = {
    do {
        let contracts = try ContractsLocator.find()
        return RecordValidator(
            codes: try CodeTables.load(directory: contracts.appendingPathComponent("codes")),
            today: CivilDate(year: 2026, month: 11, day: 27))
    } catch {
        preconditionFailure(
            "the record harness needs Contracts/codes (run from the checkout or set G60_CONTRACTS): \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecord(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let json = Data(bytes: data, count: size)
    guard let record = try? JSONDecoder().decode(CanonicalRecord.self, from: json) else { return 0 }
    _ = validator.validate(record)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let encoded = try? encoder.encode(record) {
        _ = try? JSONDecoder().decode(CanonicalRecord.self, from: encoded)
    }
    return 0
}

#if !G60_FUZZ
    @main enum ReplayRecord {
        static func main() { FuzzReplay.run(fuzzRecord) }
    }
#endif
