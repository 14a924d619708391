import Foundation
import GatewayCLI
import GatewayTesting
import Testing

/// Runs a verb in-process with captured streams.
func run(_ arguments: [String], stdin: String = "") -> (status: Int32, out: String, err: String) {
    final class Box: @unchecked Sendable {
        var out = ""
        var err = ""
    }
    let box = Box()
    let io = CLIIO(
        readAll: { Data(stdin.utf8) }, writeOut: { box.out += $0 }, writeErr: { box.err += $0 })
    let contracts = ["--contracts", TestSupport.contracts.path]
    let needsContracts = ["id", "calendar", "record"].contains(arguments.first ?? "") && !arguments.contains("--help")
    let status = CLI.main(arguments + (needsContracts ? contracts : []), io: io)
    return (status, box.out, box.err)
}

@Test func idCheckPrintsOneTabSeparatedLinePerCode() {
    let r = run(["id", "check", "91330100716105852F", "11010519491231002X", "91330100716105852G"])
    #expect(r.status == 1)
    let lines = r.out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    #expect(lines.count == 3)
    #expect(lines[0] == ["91330100716105852F", "valid", "uscc", "-"])
    #expect(lines[1] == ["11010519491231002X", "valid", "ric", "-"])
    #expect(lines[2][1] == "invalid" && lines[2][2] == "uscc" && lines[2][3].hasPrefix("uscc.checksum"))
}

@Test func idCheckReadsStandardInputAndHonoursKind() {
    let r = run(["id", "check", "--kind", "ric"], stdin: "11010519491231002X\n\n 110105491231002 \n")
    #expect(r.status == 0)
    let lines = r.out.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[1].contains("ric.legacy15"))
    let asUSCC = run(["id", "check", "--kind", "uscc", "11010519491231002X"])
    #expect(asUSCC.status == 1)
    #expect(run(["id", "check", "--kind", "bogus", "x"]).status == 2)
    #expect(run(["id", "check"], stdin: "").status == 2)
}

@Test func calendarVerbs() {
    #expect(run(["calendar", "deadline", "2024-09-27"]).out == "2024-10-12\n")
    let saturday = run(["calendar", "is-workday", "2024-10-12"])
    #expect(saturday.status == 0 && saturday.out.hasPrefix("workday"))
    let holiday = run(["calendar", "is-workday", "2024-10-01"])
    #expect(holiday.status == 1 && holiday.out.hasPrefix("rest\t国庆节"))
    #expect(run(["calendar", "add-workdays", "2024-09-27", "7"]).out == "2024-10-12\n")
    let outside = run(["calendar", "deadline", "2027-03-01"])
    #expect(outside.status == 3)
    #expect(outside.err.contains("2027.json"))
    #expect(run(["calendar", "deadline", "2024-13-01"]).status == 2)
}

@Test func recordValidateGivesAVerdictPerLine() throws {
    let valid = TestSupport.contracts.appendingPathComponent("records/examples/valid.jsonl").path
    let ok = run(["record", "validate", "--today", "2026-11-27", valid])
    #expect(ok.status == 0)
    #expect(ok.out.split(separator: "\n").allSatisfy { $0.split(separator: "\t")[1] == "accepted" })
    let invalid = TestSupport.contracts.appendingPathComponent("records/examples/invalid.jsonl").path
    let bad = run(["record", "validate", "--today", "2026-11-27", invalid])
    #expect(bad.status == 1)
    let verdicts = bad.out.split(separator: "\n").map { $0.split(separator: "\t")[1] }
    #expect(verdicts.count == 7 && verdicts.allSatisfy { $0 == "rejected" })
    #expect(bad.out.contains("record.malformed: missing field penalty"))
    #expect(!bad.out.contains("110105194912310021"), "a clear identity number leaked into the report")
    #expect(run(["record", "validate", "/nonexistent.jsonl"]).status == 4)
}

@Test func everyVerbHasHelpAndUnknownVerbsAreUsageErrors() {
    for command in CLI.commands {
        let r = run([command.name, "--help"])
        #expect(r.status == 0 && r.out.hasPrefix("Usage:") && r.out.contains("g60-gateway \(command.name)"), "\(command.name)")
    }
    #expect(run(["--help"]).status == 0)
    #expect(run(["frobnicate"]).status == 2)
    #expect(run([]).status == 2)
}
