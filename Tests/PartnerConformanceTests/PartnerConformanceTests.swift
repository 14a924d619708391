import Foundation
import GatewayCore
import GatewayMapping
import GatewayTesting
import Testing

/// Runs every partner folder under Partners/ (any folder holding partner.json: a new city is picked up without
/// code) through `PartnerCheck`: schema, dialect checks, and every fixture against its golden files.
@Suite struct PartnerConformanceTests {
    static var slugs: [String] { Partner.folders(in: TestSupport.partners).map(\.lastPathComponent) }

    @Test func theNinePartnersAreThere() {
        let expected: Set = [
            "songjiang", "jiaxing", "hangzhou", "jinhua", "suzhou", "huzhou", "xuancheng", "wuhu", "hefei",
        ]
        #expect(expected.isSubset(of: Set(Self.slugs)))
    }

    @Test func everyPartnerFolderHasPartnerJSON() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestSupport.partners.path)
        for name in names where !name.hasPrefix("_") && !name.hasPrefix(".") {
            var isDir: ObjCBool = false
            let path = TestSupport.partners.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
            #expect(
                FileManager.default.fileExists(atPath: path + "/partner.json"), "Partners/\(name) has no partner.json")
        }
    }

    @Test(arguments: slugs)
    func partnerConforms(slug: String) throws {
        let codes = try TestSupport.codeTables()
        let report = PartnerCheck.run(folder: TestSupport.partners.appendingPathComponent(slug), codes: codes)
        #expect(report.problems.isEmpty, "\(slug): \(report.problems.joined(separator: "\n"))")
        #expect(!report.fixtures.isEmpty, "\(slug) has no fixtures")
        for fixture in report.fixtures {
            if !fixture.passed {
                Issue.record(
                    "\(fixture.name) differs from its golden files:\n\(fixture.differences.joined(separator: "\n"))")
            }
            // Every fixture shows both sides: rows that pass and rows that are rejected (or a file-level error).
            if fixture.fixture?.expectedError == nil {
                #expect(fixture.summary.accepted > 0, "\(fixture.name) accepts no row")
                #expect(fixture.summary.rejected > 0, "\(fixture.name) rejects no row")
            }
        }
    }

    /// The dialects together cover what the issue asks for: formats, encodings, units, court lists, red/black lists.
    @Test func dialectsSpreadOverFormatsAndEncodings() throws {
        var formats: Set<String> = []
        var encodings: Set<String> = []
        var kinds: [RecordKind: Int] = [:]
        for folder in Partner.folders(in: TestSupport.partners) {
            let p = try Partner.load(folder: folder)
            for (kind, d) in p.dialects {
                formats.insert(d.format.type)
                encodings.insert(d.encoding ?? "utf-8")
                kinds[kind, default: 0] += 1
            }
        }
        #expect(formats.isSuperset(of: ["csv", "json", "jsonl", "xml"]))
        #expect(encodings.isSuperset(of: ["utf-8", "gbk", "gb18030"]))
        #expect(kinds[.dishonestDebtor, default: 0] >= 2)
        #expect(kinds[.listEntry, default: 0] >= 2)
    }
}
