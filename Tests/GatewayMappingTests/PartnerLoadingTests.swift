import Foundation
import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// partner.json and dialect loading: every way a folder can be wrong gives `mapping.partner.invalid` or
/// `mapping.dialect.invalid` with the file and the reason.
@Suite struct PartnerLoadingTests {
    static let goodPartner = """
        {"id":"SLUG","names":{"zh":"测试","en":"Test"},"province":"浙江","regionCode":"330100",
         "transport":{"mode":"push","endpoint":"https://127.0.0.1:1/"},"subscriptions":["penalty"],
         "dialects":{"dishonestDebtor":"d.json"}}
        """
    static let debtorDialect = """
        {"kind":"dishonestDebtor","format":{"type":"csv"},"dateFormats":["yyyy-MM-dd"],
         "fields":{"subject.category":{"const":"naturalPerson"},"subject.name":{"from":["n"]},
          "subject.identity.number":{"from":["id"]},"dishonestDebtor.caseNumber":{"from":["c"]},
          "dishonestDebtor.court":{"const":"某法院"},"dishonestDebtor.enforcementBasisNumber":{"const":"x"},
          "dishonestDebtor.basisIssuer":{"const":"x"},"dishonestDebtor.obligation":{"const":"x"},
          "dishonestDebtor.caseFilingDate":{"from":["f"]},"dishonestDebtor.performance":{"const":"none"},
          "dishonestDebtor.situations":{"const":"1"},"dishonestDebtor.publishedDate":{"from":["p"]},
          "dishonestDebtor.age":{"from":["age"]}}}
        """

    func folder(_ partner: String, dialect: String = debtorDialect, slug: String = "testcity") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-load-\(UUID().uuidString)/\(slug)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try partner.replacingOccurrences(of: "SLUG", with: slug)
            .write(to: dir.appendingPathComponent("partner.json"), atomically: true, encoding: .utf8)
        try dialect.write(to: dir.appendingPathComponent("d.json"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func loadsAGoodFolder() throws {
        let dir = try folder(Self.goodPartner)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let p = try Partner.load(folder: dir)
        #expect(p.id == "testcity")
        #expect(p.dialects[.dishonestDebtor]?.format.type == "csv")
    }

    @Test(arguments: [
        (#""regionCode":"330100""#, #""regionCode":"3301""#, "regionCode"),
        (#""mode":"push""#, #""mode":"carrier-pigeon""#, "transport.mode"),
        (#""mode":"push""#, #""mode":"pull""#, "pull transport needs"),
        (#""dishonestDebtor":"d.json""#, #""gossip":"d.json""#, "unknown record kind"),
        (#""dishonestDebtor":"d.json""#, #""penalty":"d.json""#, "declares kind dishonestDebtor"),
        (#""dishonestDebtor":"d.json""#, #""dishonestDebtor":"missing.json""#, "cannot read"),
        (#""province":"浙江","#, "", "province"),
    ])
    func badFoldersAreExplained(find: String, replace: String, expected: String) throws {
        let dir = try folder(Self.goodPartner.replacingOccurrences(of: find, with: replace))
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let error = #expect(throws: MappingError.self) { try Partner.load(folder: dir) }
        #expect(error?.message.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func idMustBeTheFolderName() throws {
        let dir = try folder(Self.goodPartner.replacingOccurrences(of: "\"SLUG\"", with: "\"other\""))
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let error = #expect(throws: MappingError.self) { try Partner.load(folder: dir) }
        #expect(error?.code == MappingError.partnerInvalid)
    }

    /// A folder name is a partner id, a certificate SAN and a PKI folder: names the PKI uses, or that a SAN or a
    /// file system may read otherwise, are refused with the reason; ordinary city slugs pass.
    @Test(arguments: [
        ("root", "reserved"), ("g60-hub", "reserved"), ("x", "2 to 40"), ("Wuhu", "start with a lower-case"),
        ("ma anshan", "only lower-case"), ("9city", "start with a lower-case"), ("huai.nan", "only lower-case"),
    ])
    func folderNamesThatCannotBePartnerIDsAreRefused(slug: String, reason: String) throws {
        #expect(Partner.slugProblem(slug)?.contains(reason) == true, "\(slug): \(Partner.slugProblem(slug) ?? "accepted")")
        let dir = try folder(Self.goodPartner, slug: slug)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let error = #expect(throws: MappingError.self) { try Partner.load(folder: dir) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func citySlugsAreValidPartnerIDs() {
        for slug in ["songjiang", "hefei", "ma_anshan", "lishui-2", "tongling"] { #expect(Partner.slugProblem(slug) == nil, "\(slug)") }
    }

    @Test func anAgeThatIsNotANumberIsRejected() throws {
        let dir = try folder(Self.goodPartner)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let engine = try MappingEngine(
            partner: try Partner.load(folder: dir), kind: .dishonestDebtor, codes: try TestSupport.codeTables(),
            today: TestSupport.today)
        let csv = "n,id,c,f,p,age\n张三,3307021979****3173,(2024)浙0702执1号,2024-01-08,2024-03-05,四十\n"
        var outcomes: [RowOutcome] = []
        try engine.run(.bytes(Array(csv.utf8))) { outcomes.append($0) }
        #expect(outcomes.first?.problems.contains { $0.code == MappingProblemCode.numberUnparseable } == true)
        #expect(outcomes.first?.verdict == .rejected)
    }

    @Test func jsonRecordsLargerThanTheLimitStopTheFile() {
        var bytes = Array("[{\"a\":\"".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 2 << 20)
        bytes += Array("\"}]".utf8)
        let error = #expect(throws: MappingError.self) {
            try decode(JSONArrayDecoder(recordPath: nil, maxRowBytes: 1 << 20), bytes, chunk: 1 << 16)
        }
        #expect(error?.code == MappingError.rowTooLarge)
        #expect(error?.message.contains("$[0]") == true)
    }
}
