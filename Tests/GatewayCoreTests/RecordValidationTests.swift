import Foundation
import GatewayCore
import GatewayTesting
import Testing

let validator = RecordValidator(codes: try! TestSupport.codeTables(), today: TestSupport.today)

func examples(_ name: String) throws -> [String] {
    let url = TestSupport.contracts.appendingPathComponent("records/examples/\(name)")
    return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
}

func decode(_ line: String) throws -> CanonicalRecord {
    var record = try JSONDecoder().decode(CanonicalRecord.self, from: Data(line.utf8))
    record.assignID(keyring: .demo)
    return record
}

@Test func everyValidExampleIsAcceptedAndCoversEveryKind() throws {
    var kinds = Set<RecordKind>()
    for line in try examples("valid.jsonl") {
        let record = try decode(line)
        let problems = validator.validate(record)
        #expect(!problems.hasErrors, "\(record.kind): \(problems)")
        kinds.insert(record.kind)
    }
    #expect(kinds == Set(RecordKind.allCases))
}

/// The invalid examples carry these problem codes (each line every problem, not only the first).
@Test func everyInvalidExampleReportsEveryProblem() throws {
    let expected: [[String]] = [
        ["subject.uscc.checksum", "penalty.fineAmount.missingForCategory", "date.order"],
        ["code.unknown", "field.required", "date.future"],
        ["subject.identity.checksum", "field.required", "code.unknown"],
        ["listEntry.listKind.mismatch"],
        ["code.unknown"],
    ]
    let lines = try examples("invalid.jsonl")
    for (i, codes) in expected.enumerated() {
        let problems = validator.validate(try decode(lines[i])).filter { $0.severity == .error }
        #expect(problems.map(\.code) == codes, "line \(i + 1): \(problems)")
    }
    // The last two lines are not records at all.
    #expect(throws: (any Error).self) { try decode(lines[5]) }
    #expect(throws: (any Error).self) { try decode(lines[6]) }
}

func penalty(categories: [String], fine: Money? = nil, confiscated: Money? = nil, license: String? = nil)
    -> CanonicalRecord
{
    let authority = Authority(name: "嘉兴市市场监督管理局", uscc: "11330400MB1784521T")
    return CanonicalRecord(
        sourcePartner: "jiaxing",
        subject: Subject(category: "legalEntity", name: "华为技术有限公司", uscc: "914403001922038216", legalRepresentative: "赵明路"),
        body: .penalty(
            PenaltyDecision(
                decisionNumber: "嘉市监处罚〔2025〕1号", violationType: "t", facts: "f", legalBasis: "b",
                categories: categories, content: "c", fineAmount: fine, confiscatedAmount: confiscated,
                suspendedOrRevokedLicense: license, decisionDate: CivilDate(iso: "2025-01-02")!,
                validUntil: .longTerm, authority: authority, sourceUnit: authority)))
}

@Test func categoryRequirementsComeFromTheCodeTable() throws {
    #expect(validator.validate(penalty(categories: ["warning"])).isEmpty)
    #expect(
        validator.validate(penalty(categories: ["fine"])).map(\.code) == ["penalty.fineAmount.missingForCategory"])
    #expect(validator.validate(penalty(categories: ["fine"], fine: Money(fen: 200_000))).isEmpty)
    #expect(
        validator.validate(penalty(categories: ["revokeLicense", "confiscateIllegalGains"])).map(\.code).sorted()
            == ["penalty.confiscatedAmount.missingForCategory", "penalty.suspendedOrRevokedLicense.missingForCategory"])
    #expect(validator.validate(penalty(categories: [])).map(\.code) == ["field.required"])
    #expect(validator.validate(penalty(categories: ["fine"], fine: Money(fen: -1))).map(\.code) == ["money.negative"])
}

@Test func naturalPersonsNeedAnIdentityAndMinorsAreNeverListed() throws {
    let lines = try examples("valid.jsonl")
    var debtor = try decode(lines[3])
    #expect(!validator.validate(debtor).hasErrors)
    // A debtor born in 2010 published in 2025 is a minor (法释〔2017〕7号 Art. 4).
    let body = "32081920100101002"
    debtor.subject.identity = PersonIdentity(
        documentType: "residentIdCard", clearNumber: body + String(ResidentID.checkCharacter(forBody: body)!))
    #expect(validator.validate(debtor).map(\.code) == ["dishonestDebtor.minor"])
    debtor.subject.identity = nil
    #expect(validator.validate(debtor).map(\.code) == ["field.required"])
}

@Test func maskedNumbersAreKeptButNeverMatch() throws {
    let record = try decode(try examples("valid.jsonl")[2])
    #expect(record.subject.identity?.exact == false)
    #expect(record.subject.identity?.hash == nil)
    #expect(record.subject.matchKey == nil)
    #expect(validator.validate(record).map(\.code) == ["subject.identity.masked"])
}

@Test func recordIDsAreDeterministicAndIgnoreFormatting() throws {
    let line = try examples("valid.jsonl")[1]
    let a = try decode(line)
    var changed = try decode(line.replacingOccurrences(of: "嘉市监处罚〔2025〕88号", with: " 嘉市监处罚〔２０２５〕88号 "))
    #expect(a.id == changed.id)
    changed.sourcePartner = "hangzhou"
    changed.assignID(keyring: .demo)
    #expect(a.id != changed.id)
    #expect(a.id?.count == 36)
}

@Test func clearIdentityNumbersAreNeverEncoded() throws {
    let record = try decode(try examples("valid.jsonl")[3])
    let json = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
    #expect(!json.contains("11010519491231002X"))
    #expect(json.contains("110105********002X"))
    #expect(record.subject.identity?.clearNumber == "11010519491231002X")
    #expect(record.subject.identity?.hash?.hasPrefix("hmac-sha256:") == true)
    // Same number, other key: another hash (a plain hash of a number could be reversed by trying birth dates).
    var other = record
    other.subject.identity?.hash = nil
    other.seal(with: SubjectKeyring(key: Array("another node key".utf8)))
    #expect(other.subject.identity?.hash != record.subject.identity?.hash)
    // A 15-digit legacy number seals to the same hash as its 18-digit form.
    var legacy = PersonIdentity(documentType: "residentIdCard", clearNumber: "110105491231002")
    legacy.seal(with: .demo)
    #expect(legacy.hash == record.subject.identity?.hash)
}

@Test func canonicalJSONRoundTripsAndWritesMoneyAsText() throws {
    for line in try examples("valid.jsonl") {
        let record = try decode(line)
        let data = try JSONEncoder().encode(record)
        var back = try JSONDecoder().decode(CanonicalRecord.self, from: data)
        #expect(back.id == record.id)
        back.subject.identity?.clearNumber = record.subject.identity?.clearNumber
        #expect(back == record)
    }
    let json = String(decoding: try JSONEncoder().encode(penalty(categories: ["fine"], fine: Money(fen: 200_000))), as: UTF8.self)
    #expect(json.contains("\"fineAmount\":\"2000.00\""))
    #expect(json.contains("\"validUntil\":\"2099-12-31\""))
}

let hasJSONSchema: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import jsonschema, referencing"]
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// What the Swift model writes matches Contracts/records/*.schema.json (checked by PyPI jsonschema).
@Test(.enabled(if: hasJSONSchema, "python3 with jsonschema is not installed"))
func encodedRecordsMatchTheContractSchemas() throws {
    var out = ""
    for line in try examples("valid.jsonl") {
        out += String(decoding: try JSONEncoder().encode(try decode(line)), as: UTF8.self) + "\n"
    }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("g60-encoded-\(getpid()).jsonl")
    try out.write(to: file, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: file) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", TestSupport.contracts.appendingPathComponent("records/validate.py").path, file.path]
    let pipe = Pipe()
    p.standardOutput = pipe
    try p.run()
    p.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(p.terminationStatus == 0, "\(output)")
}

@Test func codeTablesLoadAndRejectBrokenMappings() throws {
    let codes = try TestSupport.codeTables()
    #expect(codes["penalty-categories"].entry("fine")?.requires == ["fineAmount"])
    #expect(codes["penalty-categories-v1"].entry("罚款")?.mapsTo == ["fine"])
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-codes-\(getpid())")
    try? FileManager.default.removeItem(at: dir)
    try FileManager.default.copyItem(at: TestSupport.contracts.appendingPathComponent("codes"), to: dir)
    defer { try? FileManager.default.removeItem(at: dir) }
    let v1 = dir.appendingPathComponent("penalty-categories-v1.json")
    let text = try String(contentsOf: v1, encoding: .utf8).replacingOccurrences(of: "\"detention\"", with: "\"jail\"")
    try text.write(to: v1, atomically: true, encoding: .utf8)
    #expect(throws: CoreError(CoreError.codesUnreadable, "")) { try CodeTables.load(directory: dir) }
}
