import Foundation
import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// A small penalty dialect over flat source names, changed per test through `extra` fields.
func penaltyDialect(_ extra: String = "", tables: String = "{}", skip: String = "[]") throws -> Dialect {
    let json = """
        {"kind":"penalty","format":{"type":"jsonl"},"nullValues":["无"],"tables":\(tables),"skip":\(skip),
         "fields":{
          "subject.category":{"from":["lb"],"const":"legalEntity"},
          "subject.name":{"from":["mc","name_v1"]},
          "subject.uscc":{"from":["dm"],"transforms":["trim","halfWidth","upper"]},
          "subject.legalRepresentative":{"const":"王五"},
          "penalty.decisionNumber":{"from":["wsh"]},
          "penalty.violationType":{"const":"x"},"penalty.facts":{"const":"x"},"penalty.legalBasis":{"const":"x"},
          "penalty.content":{"const":"x"},
          "penalty.categories":{"from":["lb1","lb2"],"join":true,"split":["、"]},
          "penalty.fineAmount":{"from":["fk"],"unit":"wanYuan"},
          "penalty.decisionDate":{"from":["rq"],"dateFormats":["yyyy/MM/dd"]},
          "penalty.validUntil":{"from":["yxq"],"dateFormats":["yyyy/MM/dd"]},
          "penalty.authority.name":{"const":"某局"},
          "penalty.authority.uscc":{"const":"11330100MB0000000X"},
          "penalty.sourceUnit.name":{"const":"某局"},
          "penalty.sourceUnit.uscc":{"const":"11330100MB0000000X"}\(extra)}}
        """.replacingOccurrences(of: "11330100MB0000000X", with: MapperTests.authorityUSCC)
    return try JSONDecoder().decode(Dialect.self, from: Data(json.utf8))
}

@Suite struct MapperTests {
    static let authorityUSCC: String = {
        let org = "MB123456" + String(OrganizationCode.checkCharacter(forBody: "MB123456")!)
        let body = "11330100" + org
        return body + String(USCC.checkCharacter(forBody: body)!)
    }()
    static let company = "91330100716105852F"

    func mapper(_ d: Dialect) throws -> DialectMapper {
        try DialectMapper(
            partnerID: "test", dialect: d, codes: try TestSupport.codeTables(), today: TestSupport.today, keyring: .demo
        )
    }

    func row(_ fields: [String: String]) -> SourceRow {
        var base = [
            "mc": "某公司", "dm": Self.company, "wsh": "某罚〔2024〕1号", "lb1": "罚款", "fk": "0.2",
            "rq": "2024/05/12", "yxq": "2025/05/12",
        ]
        for (k, v) in fields { base[k] = v }
        return SourceRow(
            number: 1, location: "line 1", fields: base.filter { !$0.value.isEmpty }, raw: Array("raw".utf8))
    }

    func codes(_ o: RowOutcome) -> [String] { o.problems.map(\.code) }

    @Test func acceptsAGoodRowExactly() throws {
        let o = try mapper(penaltyDialect()).map(row([:]))
        #expect(o.verdict == .accepted, "\(o.problems)")
        guard case .penalty(let p) = try #require(o.record).body else {
            Issue.record("kind")
            return
        }
        #expect(p.fineAmount == Money(fen: 200_000))
        #expect(p.categories == ["fine"])
        #expect(o.record?.id?.hasPrefix("rec_") == true)
    }

    @Test func fallbacksNullValuesAndJoin() throws {
        let m = try mapper(penaltyDialect())
        let o = m.map(row(["mc": "无", "name_v1": "旧名公司", "lb1": "警告", "lb2": "罚款、没收违法所得", "wffs": ""]))
        #expect(o.record?.subject.name == "旧名公司")
        guard case .penalty(let p) = try #require(o.record).body else { return }
        #expect(p.categories == ["warning", "fine", "confiscateIllegalGains"])
        #expect(codes(o).contains("penalty.confiscatedAmount.missingForCategory"))
    }

    @Test func fullWidthLowerCaseCodeIsNormalised() throws {
        let o = try mapper(penaltyDialect()).map(row(["dm": "９１３３０１００７１６１０５８５２ｆ"]))
        #expect(o.verdict == .accepted)
        #expect(o.record?.subject.uscc == Self.company)
    }

    @Test(arguments: [
        (["rq": "2024/02/30"], "mapping.date.unparseable", "penalty.decisionDate"),
        (["rq": ""], "field.required", "penalty.decisionDate"),
        (["yxq": "不详"], "mapping.date.unparseable", "penalty.validUntil"),
        (["fk": "两千"], "mapping.money.unparseable", "penalty.fineAmount"),
        (["fk": ""], "penalty.fineAmount.missingForCategory", "penalty.fineAmount"),
        (["lb1": "责令改正"], "mapping.code.unknown", "penalty.categories"),
        (["lb": "外星人"], "mapping.code.unknown", "subject.category"),
        (["dm": "91330100716105852G"], "subject.uscc.checksum", "subject.uscc"),
        (["wsh": ""], "field.required", "penalty.decisionNumber"),
        (["mc": "某\u{FFFD}公司"], "mapping.encoding.invalidBytes", "mc"),
        (["rq": "2027/01/01", "yxq": "2028/01/01"], "date.future", "penalty.decisionDate"),
        (["yxq": "2024/01/01"], "date.order", "penalty.validUntil"),
    ])
    func everyDefectHasItsCode(fields: [String: String], code: String, field: String) throws {
        let o = try mapper(penaltyDialect()).map(row(fields))
        #expect(o.verdict == .rejected)
        #expect(o.problems.contains { $0.code == code && $0.field == field }, "\(o.problems)")
        #expect(o.raw == Array("raw".utf8))
    }

    @Test func aMissingDateDoesNotCauseFollowOnProblems() throws {
        let o = try mapper(penaltyDialect()).map(row(["rq": "garbage"]))
        #expect(codes(o) == ["mapping.date.unparseable"])
    }

    @Test func localTablesAndUnknownOmit() throws {
        let d = try penaltyDialect(
            #","penalty.severity":{"from":["yz"],"table":"yz","onUnknown":"omit"}"#,
            tables: #"{"yz":{"1":"minor","3":"serious"},"lb":{"9":["fine","warning"]}}"#)
        let m = try mapper(d)
        let a = m.map(row(["yz": "3"]))
        guard case .penalty(let p) = try #require(a.record).body else { return }
        #expect(p.severity == "serious")
        let b = m.map(row(["yz": "7"]))
        #expect(b.verdict == .accepted)
        #expect(b.problems.map(\.code) == ["mapping.code.unmapped"])
        #expect(b.problems.first?.severity == .warning)
    }

    @Test func skipRulesReportTheReason() throws {
        let d = try penaltyDialect(skip: #"[{"source":"zt","in":["1","2"],"reason":"revoked"}]"#)
        let o = try mapper(d).map(row(["zt": "1"]))
        #expect(o.verdict == .skipped)
        #expect(o.skipReason == "revoked")
        #expect(try mapper(d).map(row(["zt": "0"])).verdict == .accepted)
    }

    @Test func whenConditionSelectsTheColumnsMeaning() throws {
        let d = try penaltyDialect(
            #","subject.identity.number":{"from":["zj"],"when":{"source":"lb","in":["naturalPerson"]}}"#)
        let m = try mapper(d)
        let person = m.map(row(["lb": "naturalPerson", "dm": "", "zj": "3307021979****3173"]))
        #expect(person.record?.subject.identity?.exact == false)
        let org = m.map(row(["zj": "3307021979****3173"]))
        #expect(org.record?.subject.identity == nil)
    }

    @Test func decodingProblemsRejectTheRowUnmapped() throws {
        var r = row([:])
        r.problems = [.error("row", MappingProblemCode.columnCount, "x")]
        let o = try mapper(penaltyDialect()).map(r)
        #expect(o.verdict == .rejected)
        #expect(o.record == nil)
        #expect(codes(o) == ["mapping.csv.columnCount"])
    }

    @Test(arguments: [
        (#","penalty.nonsense":{"from":["x"]}"#, "{}", "not a canonical field"),
        (#","penalty.severity":{"from":["x"],"table":"nope"}"#, "{}", "does not define"),
        (#","penalty.severity":{"from":["x"],"table":"t"}"#, #"{"t":{"1":"extreme"}}"#, "not a code of severity-tiers"),
        (#","penalty.remarks":{"from":["x"],"transforms":["rot13"]}"#, "{}", "unknown transform"),
        (#","penalty.remarks":{}"#, "{}", "neither 'from' nor 'const'"),
        (#","penalty.publicityEndDate":{"from":["x"],"dateFormats":["dd.MM"]}"#, "{}", "is not a date form"),
        (#","penalty.confiscatedAmount":{"from":["x"],"unit":"dollar"}"#, "{}", "unit 'dollar'"),
    ])
    func dialectChecksExplainEveryProblem(extra: String, tables: String, expected: String) throws {
        let d = try penaltyDialect(extra, tables: tables)
        let issues = DialectMapper.check(d, codes: try TestSupport.codeTables())
        #expect(issues.contains { $0.contains(expected) }, "\(issues)")
        let error = #expect(throws: MappingError.self) { try mapper(d) }
        #expect(error?.code == MappingError.dialectInvalid)
    }

    @Test func requiredFieldsMustBeMapped() throws {
        var d = try penaltyDialect()
        d.fields["penalty.decisionNumber"] = nil
        let issues = DialectMapper.check(d, codes: try TestSupport.codeTables())
        #expect(issues == ["fields.penalty.decisionNumber is required for penalty and not mapped"])
    }
}

@Suite struct EngineTests {
    func engine(_ dialect: Dialect) throws -> MappingEngine {
        let description = PartnerDescription(
            id: "test", names: .init(zh: "测试", en: "Test"), province: "浙江", regionCode: "330100",
            transport: .init(mode: "push", endpoint: "https://127.0.0.1:1/", pull: nil), subscriptions: [],
            dialects: ["penalty": "p.json"], certificates: nil)
        let partner = Partner(
            folder: URL(fileURLWithPath: "/nonexistent"), description: description, dialects: [.penalty: dialect])
        return try MappingEngine(
            partner: partner, kind: .penalty, codes: try TestSupport.codeTables(), today: TestSupport.today)
    }

    func line(_ f: [String: String]) -> String {
        var base = [
            "mc": "某公司", "dm": MapperTests.company, "wsh": "某罚〔2024〕1号", "lb1": "罚款", "fk": "0.2",
            "rq": "2024/05/12", "yxq": "2025/05/12",
        ]
        for (k, v) in f { base[k] = v }
        let data = try! JSONSerialization.data(withJSONObject: base, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func duplicatesAreRejectedNamingTheFirstRow() throws {
        let text = [line([:]), line(["wsh": "某罚〔2024〕2号"]), line([:]), line(["dm": " 91330100716105852F "])].joined(
            separator: "\n")
        var outcomes: [RowOutcome] = []
        let s = try engine(try penaltyDialect()).run(.bytes(Array(text.utf8))) { outcomes.append($0) }
        #expect(outcomes.map(\.verdict) == [.accepted, .accepted, .rejected, .rejected])
        #expect(outcomes[2].problems.first?.code == "row.duplicate")
        #expect(outcomes[2].problems.first?.message.contains("accepted row 1") == true)
        #expect(s.rows == 4 && s.accepted == 2 && s.rejected == 2)
    }

    @Test func duplicateCheckCanBeTurnedOff() throws {
        let e = try engine(try penaltyDialect())
        let off = try MappingEngine(
            partner: e.partner, kind: .penalty, codes: try TestSupport.codeTables(), today: TestSupport.today,
            detectDuplicates: false)
        var verdicts: [RowOutcome.Verdict] = []
        try off.run(.bytes(Array([line([:]), line([:])].joined(separator: "\n").utf8))) { verdicts.append($0.verdict) }
        #expect(verdicts == [.accepted, .accepted])
    }

    @Test func everyRowIsReportedInOrder() throws {
        let text = [line([:]), "not json", line(["rq": "x"]), "", line(["wsh": "2"])].joined(separator: "\n")
        var rows: [Int] = []
        var locations: [String] = []
        try engine(try penaltyDialect()).run(.bytes(Array(text.utf8))) {
            rows.append($0.row)
            locations.append($0.location)
        }
        #expect(rows == [1, 2, 3, 4])
        #expect(locations == ["line 1", "line 2", "line 3", "line 5"])
    }

    @Test func reportEntryKeepsRawOnlyForRejectedRows() throws {
        var entries: [RowReportEntry] = []
        try engine(try penaltyDialect()).run(.bytes(Array((line([:]) + "\n" + line(["fk": "x"])).utf8))) {
            entries.append(RowReportEntry($0))
        }
        #expect(entries[0].raw == nil && entries[0].recordId != nil)
        #expect(entries[1].raw?.contains("\"fk\":\"x\"") == true && entries[1].recordId == nil)
        let json = try MappingJSON().line(entries[1])
        #expect(json.contains("\"verdict\":\"rejected\""))
    }

    @Test func unmappedKindIsAnError() throws {
        let e = try engine(try penaltyDialect())
        let error = #expect(throws: MappingError.self) {
            try MappingEngine(
                partner: e.partner, kind: .license, codes: try TestSupport.codeTables(), today: TestSupport.today)
        }
        #expect(error?.code == MappingError.kindNotMapped)
    }

    @Test func unreadableFileIsAnError() throws {
        let error = #expect(throws: MappingError.self) {
            try engine(try penaltyDialect()).run(.file("/nonexistent/file.jsonl")) { _ in }
        }
        #expect(error?.code == MappingError.inputUnreadable)
    }
}
