import Foundation
import GatewayCrypto
import Gateway
import GatewayCore
import GatewayDispatch
import GatewayStore
import GatewayTesting
import Testing

/// A store with a trustworthy person (red list, trust-travel benefits) made through the dispatcher.
private func storeWithMeasures() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-cli-dispatch-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("gateway.sqlite")
    let store = try SQLiteStore(path: path.path, options: SQLiteStoreOptions(identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
    let json = """
        {"schema":"g60.record/v1","kind":"listEntry","sourcePartner":"jiaxing","subject":{"category":"naturalPerson",\
        "name":"王五","identity":{"documentType":"residentIdCard","number":"11010219840406970X"}},"listEntry":{\
        "listKind":"red","listName":"守信激励个人","listCode":"trustworthyPerson","authority":{"name":"认定部门"},\
        "basis":"认定依据","listedDate":"2025-01-01","validUntil":"2099-12-31"}}
        """
    var record = try JSONDecoder().decode(CanonicalRecord.self, from: Data(json.utf8))
    record.assignID(keyring: .demo)
    let results = try store.putRecords([
        (record, Provenance(partner: "jiaxing", messageID: "m1", rowNumber: 1, receivedAt: Date()))
    ])
    let dispatcher = MeasureDispatcher(
        store: store, engine: try RuleEngine.load(contracts: TestSupport.contracts),
        partners: try PartnerDirectory.load(directory: TestSupport.partners),
        logger: Logger(label: "test", handler: MemoryLogHandler()))
    try dispatcher.recordsStored([record], results: results)
    return path
}

@Test func lookupAndExplainVerbs() throws {
    let db = try storeWithMeasures()
    defer { try? FileManager.default.removeItem(at: db.deletingLastPathComponent()) }
    let common = ["--db", db.path, "--contracts", TestSupport.contracts.path]
    var r = run(["lookup", "11010219840406970X", "--demo-key"] + common)
    #expect(r.status == 0)
    #expect(r.out.hasPrefix("eligible: yes"))
    #expect(r.out.contains("g60.travel.scenicDiscount"))
    #expect(!r.out.contains("11010219840406970X") && !r.out.contains("王五"))
    // A USCC with nothing stored: not eligible (exit 1).
    r = run(["lookup", "91310000132260250X"] + common)
    #expect(r.status == 1)
    #expect(r.out.hasPrefix("eligible: no"))
    // A masked number is refused; an identity number without the node's key is a usage error.
    r = run(["lookup", "110102********970X"] + common)
    #expect(r.status == 4)
    #expect(r.err.contains("subject.masked"))
    #expect(run(["lookup", "11010219840406970X"] + common).status == 2)

    r = run(["explain", "11010219840406970X", "--demo-key"] + common)
    #expect(r.status == 0)
    #expect(r.out.components(separatedBy: "ACTIVE  g60.travel.").count == 4)
    #expect(r.out.contains("rule travel.trustworthyPerson"))
    #expect(r.out.contains("catalogue "))
    r = run(["explain", "11010219840406970X", "--demo-key", "--json"] + common)
    let body = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    #expect((body["decisions"] as? [Any])?.count == 3)
}

/// `rules backfill` runs a pass on demand over a node's store whose records were never evaluated.
@Test func rulesBackfillVerb() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-cli-backfill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let db = dir.appendingPathComponent("gateway.sqlite")
    let store = try SQLiteStore(
        path: db.path,
        options: SQLiteStoreOptions(
            identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
    let json = """
        {"schema":"g60.record/v1","kind":"listEntry","sourcePartner":"jiaxing","subject":{"category":"naturalPerson",\
        "name":"王五","identity":{"documentType":"residentIdCard","number":"11010219840406970X"}},"listEntry":{\
        "listKind":"red","listName":"守信激励个人","listCode":"trustworthyPerson","authority":{"name":"认定部门"},\
        "basis":"认定依据","listedDate":"2025-01-01","validUntil":"2099-12-31"}}
        """
    var record = try JSONDecoder().decode(CanonicalRecord.self, from: Data(json.utf8))
    record.assignID(keyring: .demo)
    _ = try store.putRecords([(record, Provenance(partner: "jiaxing", messageID: "m1", rowNumber: 1, receivedAt: Date()))])
    let config = dir.appendingPathComponent("gateway.json")
    let object: [String: Any] = [
        "node": ["id": "g60-hub"], "listen": ["http": "127.0.0.1:0"], "database": ["path": db.path],
        "paths": ["partners": TestSupport.partners.path, "contracts": TestSupport.contracts.path],
        "trust": ["directory": dir.path], "subjectKey": ["demo": true], "identityKey": ["demo": true],
    ]
    try JSONSerialization.data(withJSONObject: object).write(to: config)
    var r = run(["rules", "backfill", "--config", config.path, "--status"])
    #expect(r.status == 1, "\(r.err)")
    #expect(r.out.contains("store evaluated with: nothing yet"))
    r = run(["rules", "backfill", "--config", config.path])
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out.contains("done: 1 subjects re-evaluated, 4 changes"), "\(r.out)")
    #expect(!r.out.contains("11010219840406970X") && !r.out.contains("王五"))
    r = run(["rules", "backfill", "--config", config.path])
    #expect(r.status == 0)
    #expect(r.out.contains("nothing to do"))
    #expect(run(["rules", "backfill", "--config", config.path, "--status"]).status == 0)
    #expect(run(["rules", "backfill", "--config", config.path, "--force"]).out.contains("done: 1 subjects re-evaluated, 0 changes"))
    #expect(run(["rules", "backfill"]).status == 2)
    r = run(["lookup", "11010219840406970X", "--demo-key", "--db", db.path, "--contracts", TestSupport.contracts.path])
    #expect(r.status == 0)
    #expect(r.out.contains("g60.travel.localResidentTreatment"))
}
