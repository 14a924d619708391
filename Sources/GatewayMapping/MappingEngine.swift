import Foundation
import GatewayCore

/// Counts of one mapping run.
public struct MappingSummary: Codable, Sendable, Hashable {
    public var rows = 0
    public var accepted = 0
    public var rejected = 0
    public var skipped = 0
    /// Bytes of the input read (before encoding conversion).
    public var bytesRead = 0

    public init() {}
}

/// Maps one input file of one partner and record kind: decodes it as a stream in the dialect's format and
/// encoding, maps and validates every row, and hands each outcome to the caller in source order.
///
/// Duplicates: a row whose record id (natural key) equals an earlier accepted row's is rejected with
/// `row.duplicate`, naming the earlier row. That index holds one compact entry per accepted row (the id's 128 bits
/// and the row number, 20 bytes in a hash table, 25–31 bytes a row with the table's free slots), the only
/// state that grows with the file; exact detection needs one entry per distinct key, so it cannot be fixed-size
/// (a fixed-size filter would reject valid rows as false duplicates); `detectDuplicates: false` turns it
/// off (the record store is idempotent by id anyway), and memory is then flat in file size.
///
/// Memory budget: the index's slots stay in memory up to `duplicateIndexBudget` bytes (default 32 MiB, about
/// 1.1–1.3M distinct records); when a shard's growth would pass it, every entry moves to an on-disk table in an
/// unlinked temporary file (`DiskIDTable`, in `duplicateIndexDirectory`) and the in-memory slots are freed, so the
/// process's memory stays flat in file size. The verdicts are the same either way; a failure of the file (cannot be
/// created, disk full) stops the run with `mapping.duplicateIndex.failed`, naming the partner, file and row.
public struct MappingEngine: Sendable {
    /// The default memory budget of the duplicate index's in-memory slots: 32 MiB (a 1M-row file stays in memory;
    /// 16 MiB spilled it and cost 92–113k instead of ≈ 150k rows per CPU-second, see BENCHMARKS.md).
    public static let defaultDuplicateIndexBudget = 32 << 20

    public let partner: Partner
    public let kind: RecordKind
    public let mapper: DialectMapper
    public let detectDuplicates: Bool
    /// Bytes of in-memory slots the duplicate index may hold before it moves to disk.
    public let duplicateIndexBudget: Int
    /// Where the on-disk duplicate index's temporary file is created (unlinked at once).
    var duplicateIndexDirectory: String = MappingEngine.defaultTemporaryDirectory()

    static func defaultTemporaryDirectory() -> String {
        if let t = ProcessInfo.processInfo.environment["TMPDIR"], !t.isEmpty { return t }
        return "/tmp"
    }

    public init(
        partner: Partner, kind: RecordKind, codes: CodeTables, today: CivilDate, keyring: SubjectKeyring = .demo,
        detectDuplicates: Bool = true, duplicateIndexBudget: Int = MappingEngine.defaultDuplicateIndexBudget
    ) throws {
        self.detectDuplicates = detectDuplicates
        self.duplicateIndexBudget = max(0, duplicateIndexBudget)
        guard let dialect = partner.dialects[kind] else {
            let have = partner.dialects.keys.map(\.rawValue).sorted().joined(separator: ", ")
            throw MappingError(
                MappingError.kindNotMapped,
                "partner \(partner.id) has no dialect for \(kind.rawValue) (it has: \(have))")
        }
        self.partner = partner
        self.kind = kind
        self.mapper = try DialectMapper(
            partnerID: partner.id, dialect: dialect, codes: codes, today: today, keyring: keyring)
    }

    /// Runs the mapping; throws a `MappingError` when the input cannot be read as the dialect says (with where and
    /// why). Rows already handed to `onRow` stay valid outcomes.
    @discardableResult
    public func run(_ input: MappingInput, onRow: (RowOutcome) throws -> Void) throws -> MappingSummary {
        try withoutActuallyEscaping(onRow) { onRow in try runEscaping(input, onRow: onRow).0 }
    }

    /// `run`, also returning what the duplicate index held (for tests and benchmarks).
    func runWithIndexStats(_ input: MappingInput, onRow: (RowOutcome) throws -> Void) throws
        -> (MappingSummary, DuplicateIndexStats)
    {
        try withoutActuallyEscaping(onRow) { onRow in try runEscaping(input, onRow: onRow) }
    }

    private func runEscaping(_ input: MappingInput, onRow: @escaping (RowOutcome) throws -> Void) throws
        -> (MappingSummary, DuplicateIndexStats)
    {
        let dialect = mapper.dialect
        let source = try UTF8ChunkSource(input, encoding: dialect.encoding)
        let maxRow = dialect.maxRowBytes ?? Dialect.defaultMaxRowBytes
        let state = RunState(
            mapper: mapper, detectDuplicates: detectDuplicates, onRow: onRow, inputName: input.name,
            indexBudget: duplicateIndexBudget, indexDirectory: duplicateIndexDirectory)
        defer { state.finish() }
        let handle: (SourceRow) throws -> Void = { row in try state.handle(row) }
        switch dialect.format.type {
        case "csv":
            let delimiterText = dialect.format.delimiter == "\\t" ? "\t" : (dialect.format.delimiter ?? ",")
            var decoder = CSVDecoder(
                delimiter: delimiterText.utf8.first ?? UInt8(ascii: ","), hasHeader: dialect.format.header ?? true,
                columns: dialect.format.columns, skipLines: dialect.format.skipLines ?? 0, maxRowBytes: maxRow)
            try drive(&decoder, source, handle)
        case "jsonl":
            var decoder = JSONLinesDecoder(maxRowBytes: maxRow)
            try drive(&decoder, source, handle)
        case "json":
            var decoder = JSONArrayDecoder(recordPath: dialect.format.recordPath, maxRowBytes: maxRow)
            try drive(&decoder, source, handle)
        case "xml":
            let decoder = XMLRecordDecoder(
                recordElement: dialect.format.recordElement ?? "", namespace: dialect.format.namespace,
                maxRowBytes: maxRow)
            try decoder.run(source: source, emit: handle)
        default:
            throw MappingError(MappingError.dialectInvalid, "format.type '\(dialect.format.type)' is not supported")
        }
        state.summary.bytesRead = source.bytesRead
        // Closed here too (the `defer` covers errors), so the stats below say the disk index is closed.
        state.finish()
        return (state.summary, state.indexStats)
    }

    private func drive<D: RowDecoder>(
        _ decoder: inout D, _ source: UTF8ChunkSource, _ handle: (SourceRow) throws -> Void
    ) throws {
        while let chunk = try source.next() {
            try decoder.feed(chunk, emit: handle)
        }
        try decoder.finish(emit: handle)
    }
}

/// The per-run state behind the row callback: a class, so the closure handed to the decoders captures one
/// reference (capturing the engine struct made every call copy it).
final class RunState {
    /// A record id (`rec_` + 32 hex digits) as 128 bits: a quarter of the memory of the string.
    struct IDKey: Hashable {
        let high: UInt64
        let low: UInt64

        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        init?(_ id: String) {
            var id = id
            let parsed = id.withUTF8 { b -> (UInt64, UInt64)? in
                guard b.count == 36, b[0] == 0x72, b[1] == 0x65, b[2] == 0x63, b[3] == 0x5F else { return nil }
                var h: UInt64 = 0
                var l: UInt64 = 0
                for i in 4..<36 {
                    let c = b[i]
                    let v: UInt64
                    switch c {
                    case 0x30...0x39: v = UInt64(c &- 0x30)
                    case 0x61...0x66: v = UInt64(c &- 0x61 &+ 10)
                    default: return nil
                    }
                    if i < 20 { h = h << 4 | v } else { l = l << 4 | v }
                }
                return (h, l)
            }
            guard let parsed else { return nil }
            high = parsed.0
            low = parsed.1
        }
    }

    let mapper: DialectMapper
    let detectDuplicates: Bool
    let onRow: (RowOutcome) throws -> Void
    var summary = MappingSummary()
    /// Accepted ids → first row, in 256 shards by the id's first byte: each shard grows (and rehashes) on its own,
    /// so memory rises in small steps instead of doubling the whole table at once (the old table and its doubled
    /// successor both lived during a resize: ≈ 60 MB at 1M rows). Each shard is 64–80 % full: 25–31 bytes a row.
    var seen: [IDTable] = (0..<256).map { _ in IDTable() }
    /// The mapper's value slots, reused from row to row.
    var values = DialectMapper.Values(count: 0)
    /// Ids of another form (should the id scheme change), kept as strings.
    var seenOther: [String: Int] = [:]

    /// Bytes of `seen`'s slots, kept up to date before each growth.
    var seenBytes = 0
    /// The most `duplicateIndexBytes` has been.
    var peakIndexBytes = 0
    /// Bytes of in-memory slots allowed before the index moves to `disk`.
    let indexBudget: Int
    let indexDirectory: String
    let inputName: String
    /// The index once it passed its budget (then `seen` is empty).
    var disk: DiskIDTable?
    private var spilledAtRow: Int?

    /// Bytes the process holds for the duplicate index (the ids of another form not counted).
    var duplicateIndexBytes: Int { seenBytes + (disk?.residentBytes ?? 0) }

    var indexStats: DuplicateIndexStats {
        DuplicateIndexStats(
            spilledAtRow: spilledAtRow, residentBytes: duplicateIndexBytes, peakResidentBytes: peakIndexBytes,
            diskEntries: disk?.count ?? 0, diskCapacity: disk?.capacity ?? 0, diskOpen: disk?.isOpen ?? false)
    }

    init(
        mapper: DialectMapper, detectDuplicates: Bool, onRow: @escaping (RowOutcome) throws -> Void,
        inputName: String, indexBudget: Int, indexDirectory: String
    ) {
        self.mapper = mapper
        self.detectDuplicates = detectDuplicates
        self.onRow = onRow
        self.inputName = inputName
        self.indexBudget = indexBudget
        self.indexDirectory = indexDirectory
    }

    /// Closes the on-disk index's file (it was unlinked when created, so this removes it).
    func finish() {
        disk?.close()
    }

    /// The accepted row that had `id` first; records `row` under `id` when none did.
    func firstRow(for id: String, row: Int, location: @autoclosure () -> String) throws -> Int? {
        if let key = IDKey(id), row >= 1, row <= Int(Int32.max) {
            do {
                if let disk { return try disk.firstRow(key, row: UInt32(row)) }
                let shard = Int(truncatingIfNeeded: key.high >> 56)
                if seen[shard].growsOnNextCall {
                    let after = seenBytes - seen[shard].bytes + seen[shard].bytesAfterGrow
                    if after > indexBudget {
                        let disk = try spill(row: row)
                        return try disk.firstRow(key, row: UInt32(row))
                    }
                    seenBytes = after
                    if after > peakIndexBytes { peakIndexBytes = after }
                }
                return seen[shard].firstRow(key, row: Int32(row))
            } catch {  // (typed: every call above throws DiskIDTable.Failure)
                throw MappingError(
                    MappingError.duplicateIndexFailed,
                    "partner \(mapper.partnerID), \(inputName), \(location()): the duplicate index on disk (in "
                        + "\(indexDirectory)) failed, so the duplicate check cannot go on: \(error.message)")
            }
        }
        if let first = seenOther[id] { return first }
        seenOther[id] = row
        return nil
    }

    /// Moves every in-memory entry to a new on-disk table (at most a quarter full) and frees the shards.
    private func spill(row: Int) throws(DiskIDTable.Failure) -> DiskIDTable {
        let entries = seen.reduce(0) { $0 + $1.count }
        var capacity = 1024
        while capacity < 4 * (entries + 1) { capacity *= 2 }
        let table = try DiskIDTable(directory: indexDirectory, capacity: capacity, memoryBudget: indexBudget)
        for shard in seen {
            try shard.forEachEntry { (key, first) throws(DiskIDTable.Failure) in
                _ = try table.firstRow(key, row: first)
            }
        }
        seen = []
        seenBytes = 0
        disk = table
        spilledAtRow = row
        return table
    }

    func handle(_ row: SourceRow) throws {
        var outcome = mapper.map(row, reusing: &values)
        if detectDuplicates, outcome.verdict == .accepted, let id = outcome.recordID {
            if let first = try firstRow(for: id, row: row.number, location: row.location) {
                outcome.verdict = .rejected
                outcome.raw = row.raw
                outcome.problems.append(
                    .error(
                        "row", MappingProblemCode.duplicate,
                        "\(row.location) has the same natural key (record \(id)) as accepted row \(first)"))
            }
        }
        summary.rows += 1
        switch outcome.verdict {
        case .accepted: summary.accepted += 1
        case .rejected: summary.rejected += 1
        case .skipped: summary.skipped += 1
        }
        try onRow(outcome)
    }
}

/// The JSON Lines forms the mapping layer writes: canonical records, and row-report entries.
public struct RowReportEntry: Codable, Sendable, Hashable {
    public var row: Int
    public var location: String
    public var verdict: RowOutcome.Verdict
    public var recordId: String?
    public var problems: [Problem]
    public var skipReason: String?
    /// The raw row (UTF-8 after encoding conversion), for rejected and skipped rows, with identity numbers masked
    /// (`IdentityMasking`; the exact bytes stay in `RowOutcome.raw`).
    public var raw: String?

    public init(_ o: RowOutcome) {
        row = o.row
        location = o.location
        verdict = o.verdict
        recordId = o.verdict == .accepted ? o.recordID : nil
        problems = o.problems
        skipReason = o.skipReason
        raw = o.verdict == .accepted ? nil : IdentityMasking.mask(String(decoding: o.raw, as: UTF8.self))
    }
}

/// Deterministic JSON for records and report lines (sorted keys, no escaped slashes): golden files compare bytes.
/// The output equals `JSONEncoder`'s with `.sortedKeys` and `.withoutEscapingSlashes` (see CanonicalJSONWriter).
public final class MappingJSON: Sendable {
    public init() {}

    public func line(_ record: CanonicalRecord) throws -> String {
        CanonicalJSONWriter.recordText(record)
    }

    public func line(_ entry: RowReportEntry) throws -> String {
        CanonicalJSONWriter.reportText(entry)
    }
}


/// What a run's duplicate index held (tests and benchmarks).
struct DuplicateIndexStats {
    /// The row whose insertion moved the index to disk, or nil if it stayed in memory.
    var spilledAtRow: Int?
    /// Bytes the process held for the index at the end of the run.
    var residentBytes: Int
    /// The most it held during the run.
    var peakResidentBytes: Int
    var diskEntries: Int
    var diskCapacity: Int
    /// Whether the on-disk table's file was still open after the run (it must not be).
    var diskOpen: Bool
}
