import Foundation
import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// The duplicate index's memory budget: past it the index moves to an on-disk table (`DiskIDTable`) with the same
/// verdicts, the process's share stays under the budget, and the temporary file is gone.
@Suite struct DuplicateIndexTests {
    static func engine(budget: Int, directory: String) throws -> MappingEngine {
        let description = PartnerDescription(
            id: "test", names: .init(zh: "测试", en: "Test"), province: "浙江", regionCode: "330100",
            transport: .init(mode: "push", endpoint: "https://127.0.0.1:1/", pull: nil), subscriptions: [],
            dialects: ["penalty": "p.json"], certificates: nil)
        let partner = Partner(
            folder: URL(fileURLWithPath: "/nonexistent"), description: description,
            dialects: [.penalty: try penaltyDialect()])
        var engine = try MappingEngine(
            partner: partner, kind: .penalty, codes: try TestSupport.codeTables(), today: TestSupport.today,
            duplicateIndexBudget: budget)
        engine.duplicateIndexDirectory = directory
        return engine
    }

    /// `rows` JSON lines: most carry a new decision number (a new record id), every third repeats an earlier one,
    /// chosen pseudo-randomly over everything seen so far (so both early and late first rows are named), and every
    /// eleventh is rejected for another reason (its id must not enter the index).
    static func file(rows: Int) -> [UInt8] {
        var lines: [String] = []
        var distinct = 0
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for i in 0..<rows {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let n: Int
            if i % 3 == 2, distinct > 0 {
                n = Int(x >> 33) % distinct
            } else {
                n = distinct
                distinct += 1
            }
            let fine = i % 11 == 10 ? "x" : "0.2"
            lines.append(
                #"{"mc":"某公司","dm":"91330100716105852F","wsh":"某罚〔2024〕\#(n)号","lb1":"罚款","fk":"\#(fine)","rq":"2024/05/12","yxq":"2025/05/12"}"#
            )
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    struct Verdict: Equatable {
        let row: Int
        let verdict: RowOutcome.Verdict
        let problems: [String]
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-dupindex-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    @Test(arguments: [0, 4 << 10, 48 << 10])
    func spilledIndexGivesTheSameVerdictsAsTheInMemoryOne(budget: Int) throws {
        let input = Self.file(rows: 3000)
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }

        var expected: [Verdict] = []
        let (refSummary, refStats) = try Self.engine(budget: 64 << 20, directory: dir).runWithIndexStats(
            .bytes(input)
        ) { o in
            expected.append(Verdict(row: o.row, verdict: o.verdict, problems: o.problems.map { "\($0.code) \($0.message)" }))
        }
        #expect(refStats.spilledAtRow == nil)
        #expect(refSummary.rejected > 1000)
        #expect(expected.contains { $0.problems.contains { $0.hasPrefix("row.duplicate") } })

        var got: [Verdict] = []
        var filesWhileSpilled: [String]?
        let engine = try Self.engine(budget: budget, directory: dir)
        let (summary, stats) = try engine.runWithIndexStats(.bytes(input)) { o in
            got.append(Verdict(row: o.row, verdict: o.verdict, problems: o.problems.map { "\($0.code) \($0.message)" }))
            if o.row == 2500 { filesWhileSpilled = try FileManager.default.contentsOfDirectory(atPath: dir) }
        }
        #expect(got == expected)
        #expect(summary == refSummary)
        let spilledAt = try #require(stats.spilledAtRow)
        // Duplicates whose first row came before the spill and after it are both in the file.
        let firstRows = got.compactMap { v -> Int? in
            guard let p = v.problems.first(where: { $0.hasPrefix("row.duplicate") }),
                let r = p.split(separator: " ").last
            else { return nil }
            return Int(r)
        }
        // (A budget of 0 spills at the first accepted row, so no first row precedes it.)
        #expect(budget == 0 || firstRows.contains { $0 < spilledAt })
        #expect(firstRows.contains { $0 > spilledAt })
        // The on-disk table grew (from its first 1,024 slots) at least once during the run, and stays half full.
        #expect(stats.diskCapacity > 1024)
        #expect(stats.diskEntries * 2 <= stats.diskCapacity)
        #expect(stats.diskEntries == refSummary.accepted)
        // The process's share: the in-memory slots never passed the budget, and after the spill only the probe
        // window is left.
        #expect(stats.peakResidentBytes <= budget)
        #expect(stats.residentBytes <= max(budget, 5 * 4 * DiskIDTable.window))
        #expect(stats.residentBytes < 1024)
        // The file was unlinked at once and is closed after the run.
        #expect(filesWhileSpilled == [])
        #expect(!stats.diskOpen)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
    }

    /// The default budget keeps a small file in memory.
    @Test func defaultBudgetKeepsSmallFilesInMemory() throws {
        let engine = try Self.engine(budget: MappingEngine.defaultDuplicateIndexBudget, directory: "/nonexistent")
        let (_, stats) = try engine.runWithIndexStats(.bytes(Self.file(rows: 500))) { _ in }
        #expect(stats.spilledAtRow == nil)
        #expect(stats.peakResidentBytes > 0 && stats.peakResidentBytes <= MappingEngine.defaultDuplicateIndexBudget)
    }

    /// A temporary file that cannot be created stops the run with a mapping error naming the partner, the file and
    /// the row; the rows before it were handed over, none after it.
    @Test func unusableTemporaryDirectoryIsAClearError() throws {
        let engine = try Self.engine(budget: 2 << 10, directory: "/nonexistent/g60-dir")
        var rows: [Int] = []
        let error = #expect(throws: MappingError.self) {
            try engine.run(.bytes(Self.file(rows: 200))) { rows.append($0.row) }
        }
        #expect(error?.code == MappingError.duplicateIndexFailed)
        let message = error?.message ?? ""
        #expect(message.contains("partner test"))
        #expect(message.contains("<memory>"))
        #expect(message.contains("line \((rows.last ?? 0) + 1)"))
        #expect(message.contains("/nonexistent/g60-dir"))
        #expect(!rows.isEmpty && rows.count < 200)
    }
}

@Suite struct DiskIDTableTests {
    /// The on-disk table answers as a dictionary would through several doublings, also when ids collide in their
    /// low bits, with a rehash buffer of a single window.
    @Test func findsEveryEarlierIDAndOnlyThose() throws {
        let table = try DiskIDTable(directory: NSTemporaryDirectory(), capacity: 16, memoryBudget: 0)
        defer { table.close() }
        var reference: [RunState.IDKey: UInt32] = [:]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for row in UInt32(1)...3000 {
            let key = IDTableTests.collidingKey(row: Int(row), x: &x)
            let expected = reference[key].map(Int.init)
            if expected == nil { reference[key] = row }
            #expect(try table.firstRow(key, row: row) == expected)
            #expect(table.count * 2 <= table.capacity)
        }
        #expect(table.count == reference.count)
        #expect(table.capacity >= 4096)
        for (key, row) in reference { #expect(try table.firstRow(key, row: 99_999) == Int(row)) }
        #expect(table.isOpen)
        table.close()
        #expect(!table.isOpen)
    }

    /// `IDTable` says in advance when it grows and to how many bytes (the budget check relies on it).
    @Test func idTablePredictsItsGrowth() {
        var table = IDTable()
        var x: UInt64 = 7
        var growths = 0
        for row in Int32(1)...2000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let grows = table.growsOnNextCall
            let before = table.bytes
            let after = table.bytesAfterGrow
            _ = table.firstRow(RunState.IDKey(high: x, low: x ^ 0x5555), row: row)
            #expect(table.bytes == (grows ? after : before))
            if grows { growths += 1 }
        }
        #expect(growths > 5)
    }
}
