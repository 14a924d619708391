import Foundation
import GatewayCLI
import GatewayTesting
import Testing

/// `map` and `partner` verbs, run in-process over the checkout's Partners/ folder.
@Suite struct MapCommandTests {
    func runVerb(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        final class Box: @unchecked Sendable {
            var out = ""
            var err = ""
        }
        let box = Box()
        let io = CLIIO(readAll: { Data() }, writeOut: { box.out += $0 }, writeErr: { box.err += $0 })
        let common = ["--contracts", TestSupport.contracts.path, "--partners", TestSupport.partners.path]
        let status = CLI.main(arguments + common, io: io)
        return (status, box.out, box.err)
    }

    var songjiangInput: String {
        TestSupport.partners.appendingPathComponent("songjiang/fixtures/penalty-2024-05/input.json").path
    }

    @Test func mapWritesRecordsAndAReportAndExitsOneOnRejections() throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent(
            "map-report-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: report) }
        let r = runVerb([
            "map", "--partner", "songjiang", "--kind", "penalty", songjiangInput, "--report", report.path, "--today",
            "2026-11-27",
        ])
        #expect(r.status == 1)
        let golden = try String(
            contentsOf: TestSupport.partners.appendingPathComponent(
                "songjiang/fixtures/penalty-2024-05/expected-records.jsonl"),
            encoding: .utf8)
        #expect(r.out == golden)
        let reportText = try String(contentsOf: report, encoding: .utf8)
        #expect(reportText.split(separator: "\n").count == 13)
        #expect(r.err.contains("13 rows: 5 accepted, 8 rejected"))
    }

    /// The byte path of standard output (`CLIIO.outBytes` with a byte writer, as the real process has) writes the
    /// same bytes as the String path, and nothing through `writeOut`.
    @Test func mapWritesTheSameBytesThroughTheByteWriter() throws {
        final class Box: @unchecked Sendable {
            var bytes: [UInt8] = []
            var strings = ""
        }
        let box = Box()
        let io = CLIIO(
            readAll: { Data() }, writeOut: { box.strings += $0 }, writeErr: { _ in },
            writeOutBytes: { box.bytes.append(contentsOf: $0) })
        let common = ["--contracts", TestSupport.contracts.path, "--partners", TestSupport.partners.path]
        let status = CLI.main(
            ["map", "--partner", "songjiang", "--kind", "penalty", songjiangInput, "--today", "2026-11-27"] + common,
            io: io)
        #expect(status == 1)
        let golden = try String(
            contentsOf: TestSupport.partners.appendingPathComponent(
                "songjiang/fixtures/penalty-2024-05/expected-records.jsonl"),
            encoding: .utf8)
        #expect(box.bytes == Array(golden.utf8))
        #expect(box.strings.isEmpty)
    }

    @Test func mapExitsZeroWhenEveryRowIsAccepted() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("map-ok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The first two lines of Hangzhou's list fixture are both accepted.
        let all = try String(
            contentsOf: TestSupport.partners.appendingPathComponent("hangzhou/fixtures/lists-2024-04/input.jsonl"),
            encoding: .utf8)
        let file = dir.appendingPathComponent("two.jsonl")
        try (all.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n").write(
            to: file, atomically: true, encoding: .utf8)
        let r = runVerb(["map", "--partner", "hangzhou", "--kind", "listEntry", file.path, "--today", "2026-11-27"])
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count == 2)
    }

    @Test func mapExitsFourOnAFileTheDialectCannotRead() {
        let truncated = TestSupport.partners.appendingPathComponent("suzhou/fixtures/truncated-download/download.part")
            .path
        let r = runVerb(["map", "--partner", "suzhou", "--kind", "dishonestDebtor", truncated, "--today", "2026-11-27"])
        #expect(r.status == 4)
        #expect(r.err.contains("mapping.json.truncated"))
        #expect(r.err.contains("byte"))
    }

    @Test(arguments: [
        ["map", "--kind", "penalty"],
        ["map", "--partner", "songjiang"],
        ["map", "--partner", "songjiang", "--kind", "gossip"],
        ["map", "--partner", "atlantis", "--kind", "penalty"],
        ["map", "--partner", "songjiang", "--kind", "license"],
        ["map", "--partner", "songjiang", "--kind", "penalty", "a", "b"],
        ["partner"],
        ["partner", "check"],
    ])
    func usageErrorsExitTwo(arguments: [String]) {
        #expect(runVerb(arguments).status == 2)
    }

    @Test func partnerCheckRunsTheFixtures() {
        let r = runVerb(["partner", "check", "jinhua"])
        #expect(r.status == 0)
        #expect(r.out.contains("fixture jinhua/debtors-2024-03 (dishonestDebtor): ok: 10 rows"))
        #expect(r.out.contains("partner jinhua: ok"))
    }

    @Test func partnerCheckReportsAnInvalidFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bad-partner-\(UUID().uuidString)/ningbo")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try
            #"{"id":"wrong","names":{"zh":"宁波","en":"Ningbo"},"province":"浙江","regionCode":"330200","transport":{"mode":"push","endpoint":"x"},"subscriptions":[],"dialects":{}}"#
            .write(to: dir.appendingPathComponent("partner.json"), atomically: true, encoding: .utf8)
        let r = runVerb(["partner", "check", dir.path])
        #expect(r.status == 1)
        #expect(r.out.contains("is not the folder name 'ningbo'"))
    }

    @Test func partnerListShowsTheNine() {
        let r = runVerb(["partner", "list"])
        #expect(r.status == 0)
        #expect(r.out.split(separator: "\n").count >= 9)
        #expect(r.out.contains("xuancheng\t宣城市 Xuancheng\t341800\tpenalty"))
    }
}
