import Foundation
import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// CSV rows keep their values by column position (`RowSchema` once per header); they must read exactly as the
/// former name → value dictionary did, and map to the same outcome.
@Suite struct ColumnStorageTests {
    @Test func repeatedNamesTakeTheLastPresentColumn() throws {
        let text = "a,b,a\n1,2,3\n4,5\n6\n"
        let rows = try decode(csv(), Array(text.utf8))
        #expect(rows.map(\.fields) == [["a": "3", "b": "2"], ["a": "4", "b": "5"], ["a": "6"]])
        #expect(rows.map { $0.value("a") } == ["3", "4", "6"])
        #expect(rows.map { $0.value("b") } == ["2", "5", nil])
        #expect(rows.map { $0.value("c") } == [nil, nil, nil])
    }

    @Test func shortAndLongRowsReadAsBefore() throws {
        let rows = try decode(csv(), Array("x,y\n1\n2,3,4\n".utf8))
        #expect(rows.map(\.fields) == [["x": "1"], ["x": "2", "y": "3"]])
        #expect(rows[0].value("y") == nil)
        #expect(rows[1].value("y") == "3")
    }

    /// The same rows, once by column positions and once as dictionaries, map to identical outcomes, also when the
    /// row has fewer values than the header and when a mapped source is not a column.
    @Test func columnRowsMapLikeDictionaryRows() throws {
        let dialect = try penaltyDialect()
        let mapper = try DialectMapper(
            partnerID: "test", dialect: dialect, codes: try TestSupport.codeTables(), today: TestSupport.today,
            keyring: .demo)
        let header = ["mc", "dm", "wsh", "lb1", "lb2", "fk", "rq", "yxq"]
        let lines = [
            ["某公司", MapperTests.company, "某罚〔2024〕1号", "罚款", "", "0.2", "2024/05/12", "2025/05/12"],
            ["无", MapperTests.company, "某罚〔2024〕2号", "警告", "罚款、没收违法所得", "1", "2024/13/12", "2025/05/12"],
            ["某公司", "bad", "某罚〔2024〕3号"],
        ]
        let schema = RowSchema(names: header)
        for (n, values) in lines.enumerated() {
            let byColumns = SourceRow(
                number: n + 1, location: "line \(n + 2)", schema: schema, values: values, raw: Array("r".utf8))
            let byName = SourceRow(
                number: n + 1, location: "line \(n + 2)", fields: byColumns.fields, raw: Array("r".utf8))
            let a = mapper.map(byColumns)
            let b = mapper.map(byName)
            #expect(a.verdict == b.verdict)
            #expect(a.problems == b.problems)
            #expect(a.record == b.record)
            #expect(a.record != nil)
        }
        #expect(mapper.map(SourceRow(number: 1, location: "l", schema: schema, values: lines[0], raw: [])).verdict == .accepted)
    }
}

/// The hash lookups of code fields answer exactly as the table scans they replace.
@Suite struct CodeLookupTests {
    func scan(_ v: String, _ table: String, _ codes: CodeTables) -> [String]? {
        let t = codes[table]
        if t.contains(v) { return [v] }
        if let e = t.entry(named: v) { return [e.code] }
        if table == "penalty-categories", let e = codes["penalty-categories-v1"].entry(named: v) { return e.mapsTo }
        return nil
    }

    @Test func everyCodeAndNameOfEveryTable() throws {
        let codes = try TestSupport.codeTables()
        var checked = 0
        for (name, table) in codes.tables {
            let lookup = try #require(CodeLookup(type: .code(name), codes: codes))
            var probes = table.entries.flatMap { [$0.code, $0.name, " \($0.code)", $0.name + "x"] } + ["", "?"]
            if name == "penalty-categories" { probes += codes["penalty-categories-v1"].entries.map(\.name) }
            for v in probes {
                #expect(lookup.resolve(v) == scan(v, name, codes), "\(name): \(v)")
                checked += 1
            }
        }
        #expect(checked > 100)
        #expect(CodeLookup(type: .code("sex"), codes: codes) == nil)
        #expect(CodeLookup(type: .text, codes: codes) == nil)
    }
}

/// Flat JSON records keep their values by position under a reused schema; they must read as `flattened` does.
@Suite struct JSONColumnStorageTests {
    @Test func flatRecordsReadAsFlattened() throws {
        let lines = [
            #"{"a":"1","b":2,"c":null}"#, #"{"a":"3","b":4,"c":null}"#, #"{"a":"5","c":"x","b":true}"#,
            #"{"a":"6","a":"7"}"#, #"{"a":{"n":"8"},"b":[1,2]}"#, #"{"":"e","a":null}"#, #"{"a":"9","b":"10","c":null}"#,
        ]
        let rows = try decode(JSONLinesDecoder(maxRowBytes: 1 << 20), Array(lines.joined(separator: "\n").utf8))
        #expect(rows.count == lines.count)
        for (row, line) in zip(rows, lines) {
            let expected = try JSONValue.parse(Array(line.utf8)).flattened()
            #expect(row.fields == expected, "\(line)")
            for name in ["a", "b", "c", "", "a.n"] { #expect(row.value(name) == expected[name], "\(line): \(name)") }
        }
        // The first two records share one schema; the repeated key falls back to a dictionary.
        guard case .columns(let s0, _) = rows[0].storage, case .columns(let s1, _) = rows[1].storage else {
            Issue.record("flat records should be stored by column")
            return
        }
        #expect(s0 === s1)
        if case .columns = rows[3].storage { Issue.record("a repeated key should be stored as a dictionary") }
    }
}

/// A code field's byte-keyed table answers as the general `String` path for every value it holds and for values it
/// must leave to that path: unknown text, other normalisation forms, near misses.
@Suite struct ExactCodeTableTests {
    @Test func everyCodeFieldOfEveryPartnerAnswersAsTheGeneralPath() throws {
        let codes = try TestSupport.codeTables()
        let folders = try FileManager.default.contentsOfDirectory(
            at: TestSupport.partners, includingPropertiesForKeys: nil)
        var checked = 0
        var found = 0
        for folder in folders
        where FileManager.default.fileExists(atPath: folder.appendingPathComponent("partner.json").path) {
            let partner = try Partner.load(folder: folder)
            for (_, dialect) in partner.dialects {
                let mapper = try DialectMapper(
                    partnerID: partner.id, dialect: dialect, codes: codes, today: TestSupport.today, keyring: .demo)
                for plan in mapper.plans {
                    let table: String
                    switch plan.type {
                    case .code(let t), .codes(let t): table = t
                    default: continue
                    }
                    var probes = Array((plan.table ?? [:]).keys) + ["", "?", "male", "男", "女", "penalty", "罚款"]
                    if table != "sex", table != "record-kinds" {
                        probes += codes[table].entries.flatMap { [$0.code, $0.name] }
                        probes += codes["penalty-categories-v1"].entries.map(\.name)
                    }
                    probes += probes.flatMap { [
                        $0.decomposedStringWithCanonicalMapping, $0.precomposedStringWithCanonicalMapping, $0 + "x",
                        String($0.dropLast()),
                    ] }
                    for v in probes {
                        let general = DialectMapper.resolveTrimmedCode(
                            v, local: plan.table, lookup: plan.lookup, table: table, codes: codes)
                        if let answer = plan.exact?.find(v) {
                            #expect(answer == general, "\(partner.id) \(plan.path): '\(v)'")
                            found += 1
                        }
                        let trimmed = DialectMapper.resolveTrimmedCode(
                            Transforms.trim(v), local: plan.table, lookup: plan.lookup, table: table, codes: codes)
                        #expect(mapper.resolveCode(v, plan: plan, table: table) == trimmed, "\(plan.path): '\(v)'")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 1000)
        #expect(found > 500)
    }
}
