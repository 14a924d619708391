import Foundation
import GatewayCore
import GatewayMapping
import GatewayTesting
import Testing

/// A tenth city written only for this test: a new dialect (semicolon-separated, its own headers, amounts as
/// "3.5万", dates 2024.5.6) in a temporary folder, mapped with no code change.
@Suite struct NewPartnerTests {
    static let partnerJSON = """
        {"id":"tongling","names":{"zh":"铜陵市","en":"Tongling"},"province":"安徽","regionCode":"340700",
         "transport":{"mode":"pull","endpoint":"https://127.0.0.1:9443/tongling",
                      "pull":{"cursorParameter":"from","cursorSource":"lastRecordDate","intervalSeconds":600}},
         "subscriptions":["penalty"],"dialects":{"penalty":"d/penalty.json"}}
        """
    static let dialectJSON = """
        {"kind":"penalty","format":{"type":"csv","header":true,"delimiter":";"},
         "dateFormats":["yyyy.M.d"],
         "tables":{"lx":{"FK":"fine","JG":"warning"}},
         "fields":{
          "subject.category":{"const":"legalEntity"},
          "subject.name":{"from":["单位"]},
          "subject.uscc":{"from":["信用代码"]},
          "subject.legalRepresentative":{"from":["法人"]},
          "penalty.decisionNumber":{"from":["文号"]},
          "penalty.violationType":{"from":["事由"]},
          "penalty.facts":{"from":["事由"]},
          "penalty.legalBasis":{"from":["依据"]},
          "penalty.categories":{"from":["类型"],"table":"lx","split":["|"]},
          "penalty.content":{"from":["结果"]},
          "penalty.fineAmount":{"from":["金额"]},
          "penalty.decisionDate":{"from":["日期"]},
          "penalty.validUntil":{"const":"2099.12.31"},
          "penalty.authority.name":{"const":"铜陵市市场监督管理局"},
          "penalty.authority.uscc":{"const":"11340700MB1234567X"},
          "penalty.sourceUnit.name":{"const":"铜陵市市场监督管理局"},
          "penalty.sourceUnit.uscc":{"const":"11340700MB1234567X"}}}
        """

    func makeFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-new-partner-\(UUID().uuidString)")
            .appendingPathComponent("tongling")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("d"), withIntermediateDirectories: true)
        try Self.partnerJSON.write(to: dir.appendingPathComponent("partner.json"), atomically: true, encoding: .utf8)
        // The authority code must pass the checksum: compute its check character here.
        let body = "11340700MB123456"
        let org = String(OrganizationCode.checkCharacter(forBody: "MB123456")!)
        let uscc17 = body.dropLast(8) + "MB123456" + org
        let uscc = uscc17 + String(USCC.checkCharacter(forBody: uscc17)!)
        try Self.dialectJSON.replacingOccurrences(of: "11340700MB1234567X", with: String(uscc))
            .write(to: dir.appendingPathComponent("d/penalty.json"), atomically: true, encoding: .utf8)
        return dir
    }

    static func usccFor(_ org8: String, region: String) -> String {
        let org = org8 + String(OrganizationCode.checkCharacter(forBody: org8)!)
        let body = "91" + region + org
        return body + String(USCC.checkCharacter(forBody: body)!)
    }

    @Test func mapsANewDialectWithoutCode() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let partner = try Partner.load(folder: folder)
        let engine = try MappingEngine(
            partner: partner, kind: .penalty, codes: try TestSupport.codeTables(), today: TestSupport.today)
        let good = Self.usccFor("12345678", region: "340702")
        let csv = """
            单位;信用代码;法人;文号;事由;依据;类型;结果;金额;日期
            铜陵铜官有色金属有限公司;\(good);方明;铜市监罚〔2024〕1号;无证经营;《无证无照经营查处办法》第十三条;FK|JG;警告并罚款3.5万元;3.5万;2024.5.6
            铜陵义安矿业有限公司;\(good.dropLast())0;方明;铜市监罚〔2024〕2号;无证经营;同上;FK;罚款;1000;2024.5.7
            铜陵郊区建材有限公司;\(good);方明;铜市监罚〔2024〕3号;无证经营;同上;XX;罚款;1000;2024.5.32

            """
        var outcomes: [RowOutcome] = []
        let summary = try engine.run(.bytes(Array(csv.utf8))) { outcomes.append($0) }
        #expect(summary.rows == 3)
        #expect(outcomes.map(\.verdict) == [.accepted, .rejected, .rejected])
        let record = try #require(outcomes.first?.record)
        guard case .penalty(let p) = record.body else {
            Issue.record("not a penalty")
            return
        }
        #expect(p.categories == ["fine", "warning"])
        #expect(p.fineAmount == Money(fen: 3_500_000))
        #expect(p.decisionDate == CivilDate(year: 2024, month: 5, day: 6))
        #expect(p.validUntil.isLongTerm)
        #expect(record.sourcePartner == "tongling")
        #expect(
            outcomes[1].problems.map(\.code).contains("subject.uscc.checksum")
                || outcomes[1].problems.map(\.code).contains("subject.uscc.orgCode"))
        let codes3 = Set(outcomes[2].problems.map(\.code))
        #expect(codes3 == ["mapping.code.unknown", "mapping.date.unparseable"])
        #expect(String(decoding: outcomes[2].raw, as: UTF8.self).hasPrefix("铜陵郊区建材有限公司;"))
    }

    @Test func partnerCheckFindsAFixturelessDialect() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        let report = PartnerCheck.run(folder: folder, codes: try TestSupport.codeTables())
        #expect(report.problems == ["the penalty dialect has no fixture"])
        #expect(!report.ok)
    }
}
