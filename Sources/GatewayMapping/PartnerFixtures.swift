import Foundation
import GatewayCore

/// One fixture of a partner folder: `fixtures/<name>/fixture.json` naming the record kind and the input file,
/// beside the golden files `expected-records.jsonl` (canonical records) and `expected-report.jsonl` (one verdict
/// per row). A fixture may instead expect the whole file to fail (`expectedError`, a `MappingError` code).
public struct PartnerFixture: Codable, Sendable {
    public var kind: RecordKind
    public var input: String
    public var description: String?
    /// "Today" for the validator (default 2026-11-27, the project's fixed test date).
    public var today: String?
    public var expectedError: String?

    public static let defaultToday = CivilDate(dayNumber: 20_784)  // 2026-11-27, the project's fixed test date
}

/// The result of running one fixture against its golden files.
public struct FixtureResult: Sendable {
    public var name: String
    public var fixture: PartnerFixture?
    public var records: [String] = []
    public var report: [String] = []
    public var summary = MappingSummary()
    public var error: MappingError?
    /// Every difference from the golden files (empty: the fixture passes).
    public var differences: [String] = []

    public var passed: Bool { differences.isEmpty }
}

public enum PartnerFixtures {
    static let recordsFile = "expected-records.jsonl"
    static let reportFile = "expected-report.jsonl"

    /// The fixture folders of a partner, sorted.
    public static func folders(of partner: Partner) -> [URL] {
        let root = partner.folder.appendingPathComponent("fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("fixture.json").path) }
    }

    /// Maps a fixture's input and compares the output with its golden files; with `writeGoldens`, writes them
    /// instead (for a new or deliberately changed dialect — review the diff before committing).
    public static func run(
        _ folder: URL, partner: Partner, codes: CodeTables, keyring: SubjectKeyring = .demo, writeGoldens: Bool = false
    ) -> FixtureResult {
        var result = FixtureResult(name: partner.id + "/" + folder.lastPathComponent)
        let fixture: PartnerFixture
        do {
            fixture = try JSONDecoder().decode(
                PartnerFixture.self, from: Data(contentsOf: folder.appendingPathComponent("fixture.json")))
        } catch {
            result.differences.append("fixture.json: \(DecodingErrorText.describe(error))")
            return result
        }
        result.fixture = fixture
        let today = fixture.today.flatMap(CivilDate.init(iso:)) ?? PartnerFixture.defaultToday
        let json = MappingJSON()
        do {
            let engine = try MappingEngine(
                partner: partner, kind: fixture.kind, codes: codes, today: today, keyring: keyring)
            try engine.run(.file(folder.appendingPathComponent(fixture.input).path)) { outcome in
                result.summary.rows += 1
                switch outcome.verdict {
                case .accepted: result.summary.accepted += 1
                case .rejected: result.summary.rejected += 1
                case .skipped: result.summary.skipped += 1
                }
                if outcome.verdict == .accepted, let r = outcome.record { result.records.append(try json.line(r)) }
                result.report.append(try json.line(RowReportEntry(outcome)))
            }
        } catch let e as MappingError {
            result.error = e
        } catch {
            result.error = MappingError(MappingError.inputUnreadable, "\(error)")
        }
        if let expected = fixture.expectedError {
            if result.error?.code != expected {
                result.differences.append(
                    "expected the file to fail with \(expected), got \(result.error.map(\.description) ?? "no error")")
            }
        } else if let e = result.error {
            result.differences.append("mapping failed: \(e)")
        }
        let recordsURL = folder.appendingPathComponent(recordsFile)
        let reportURL = folder.appendingPathComponent(reportFile)
        if writeGoldens {
            try? (result.records.map { $0 + "\n" }.joined()).write(to: recordsURL, atomically: true, encoding: .utf8)
            try? (result.report.map { $0 + "\n" }.joined()).write(to: reportURL, atomically: true, encoding: .utf8)
            return result
        }
        compare(result.records, goldenAt: recordsURL, into: &result.differences)
        compare(result.report, goldenAt: reportURL, into: &result.differences)
        return result
    }

    static func compare(_ lines: [String], goldenAt url: URL, into differences: inout [String]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            differences.append("\(url.lastPathComponent) is missing")
            return
        }
        let golden = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if golden.count != lines.count {
            differences.append("\(url.lastPathComponent): \(lines.count) lines, the golden file has \(golden.count)")
        }
        for (i, (got, want)) in zip(lines, golden).enumerated() where got != want {
            differences.append("\(url.lastPathComponent) line \(i + 1):\n  got:  \(got)\n  want: \(want)")
        }
    }
}

/// `partner check`: everything that can be wrong with a partner folder, in one list.
public enum PartnerCheck {
    public struct Report: Sendable {
        public var partnerID: String
        public var problems: [String] = []
        public var fixtures: [FixtureResult] = []
        public var ok: Bool { problems.isEmpty && fixtures.allSatisfy(\.passed) }
    }

    public static func run(folder: URL, codes: CodeTables, writeGoldens: Bool = false) -> Report {
        var report = Report(partnerID: folder.lastPathComponent)
        let partner: Partner
        do {
            partner = try Partner.load(folder: folder)
        } catch {
            report.problems.append("\(error)")
            return report
        }
        for (kind, dialect) in partner.dialects.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for issue in DialectMapper.check(dialect, codes: codes) {
                report.problems.append("\(kind.rawValue) dialect: \(issue)")
            }
        }
        for cert in partner.description.certificates ?? []
        where !FileManager.default.fileExists(atPath: folder.appendingPathComponent(cert).path) {
            report.problems.append("certificate \(cert) is listed in partner.json but missing")
        }
        let fixtures = PartnerFixtures.folders(of: partner)
        let kindsWithFixtures = Set(
            fixtures.compactMap { f -> RecordKind? in
                (try? JSONDecoder().decode(
                    PartnerFixture.self, from: Data(contentsOf: f.appendingPathComponent("fixture.json"))))?.kind
            })
        for kind in partner.dialects.keys.sorted(by: { $0.rawValue < $1.rawValue })
        where !kindsWithFixtures.contains(kind) {
            report.problems.append("the \(kind.rawValue) dialect has no fixture")
        }
        guard report.problems.isEmpty else { return report }
        for f in fixtures {
            report.fixtures.append(PartnerFixtures.run(f, partner: partner, codes: codes, writeGoldens: writeGoldens))
        }
        return report
    }
}
