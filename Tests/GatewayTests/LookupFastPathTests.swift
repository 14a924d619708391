import Foundation
import GatewayCore
import GatewayCrypto
import GatewayDispatch
import GatewayHTTP
@testable import GatewayStore
import GatewayTesting
import Testing

@testable import Gateway

/// The eligibility lookup's fast paths give exactly what the general ones give.
@Suite struct LookupFastPathTests {
    static let checker = IdentifierChecker(
        authorities: try! CodeTables.load(directory: TestSupport.contracts.appendingPathComponent("codes")).usccAuthorities)

    /// OpenSSL's HMAC with prepared pads = GatewayCore's plain-Swift HMAC (short, block-sized and long keys; the
    /// RFC 4231 case 2 vector).
    @Test func opensslHMACMatchesThePlainSwiftOne() throws {
        let rfc = try KeyedHashSHA256(key: Array("Jefe".utf8)).authenticate(Array("what do ya want for nothing?".utf8))
        #expect(rfc.hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        var generator = SystemRandomNumberGenerator()
        for keyLength in [0, 1, 20, 39, 63, 64, 65, 100, 200] {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let mac = try KeyedHashSHA256(key: key)
            for length in [0, 1, 33, 55, 56, 64, 65, 200] {
                let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(try mac.authenticate(message) == SHA256.hmac(key: key, message: message), "key \(keyLength), message \(length)")
            }
        }
    }

    /// OpenSSL's low-level SHA-256 into a buffer (the bearer table's) = GatewayCore's plain-Swift SHA-256, at
    /// lengths around the block and padding boundaries.
    @Test func opensslSHA256MatchesThePlainSwiftOne() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000] {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var out = [UInt8](repeating: 0xAA, count: 32)
            let ok = message.withUnsafeBytes { m in out.withUnsafeMutableBytes { Digest.sha256(m, into: $0) } }
            #expect(ok)
            #expect(out == SHA256.hash(message), "length \(length)")
        }
    }

    /// Measure codes are letters, digits, `.`, `_` and `-` (they are written into the lookup's rows and notices);
    /// every code of the shipped catalogue is one.
    @Test func measureCodesAreChecked() throws {
        for good in ["g60.spc.flights", "g60.travel.a-b", "A_1"] { #expect(MeasureCatalogue.isValidCode(good), "\(good)") }
        for bad in ["", "g60 travel", "g60.travel\tx", "g60.travel\n", "景区", "a/b"] {
            #expect(!MeasureCatalogue.isValidCode(bad), "\(bad.debugDescription)")
        }
        let catalogue = try MeasureCatalogue.load(TestSupport.contracts.appendingPathComponent("rules/measures.json"))
        #expect(!catalogue.measures.isEmpty)
        #expect(catalogue.measures.allSatisfy { MeasureCatalogue.isValidCode($0.code) })
    }

    /// Byte-level subject keys = `TrustTravel.subjectKeys` for valid numbers, near misses and both readings.
    @Test func byteLevelKeysMatchTheGeneralPath() throws {
        let keyring = SubjectKeyring(key: Array("a node's identity-hash key".utf8))
        let fast = try LookupSubjectKeys(checker: Self.checker, keyring: keyring)
        var inputs: [String] = [
            "11010219840406970X", "110102198404069701", "010102198404069708", "110102187912319999",
            "110102198402309999", "11010220000229001X", "11010219000229001X", "91310000132260250X",
            "91310000MA1K3XW200", "11010219840406970x", "330402198404060032", "510105198404060039", " 11010219840406970X", "110102********970X",
            "1101021984040697", "110102198404069700X", "ABCDEFGHIJKLMNOPQR",
        ]
        // Every body with each possible last character: valid and invalid identity numbers, and the ~1 in 31 that
        // also reads as a USCC.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let year = Int.random(in: 1870...2030, using: &generator)
            let month = Int.random(in: 0...13, using: &generator)
            let day = Int.random(in: 0...32, using: &generator)
            let area = Int.random(in: 0...999_999, using: &generator)
            let body = String(format: "%06d%04d%02d%02d%03d", area, year, month, day, Int.random(in: 0...999, using: &generator))
            for last in "0123456789X" { inputs.append(body + String(last)) }
        }
        var both = 0
        var valid = 0
        for input in inputs {
            let general = TrustTravel.subjectKeys(for: input, checker: Self.checker, keyring: keyring).keys
            if let keys = fast.keys(input) {
                #expect(keys == general, "\(input)")
                valid += 1
                if keys.count == 2 { both += 1 }
            } else {
                // nil: the general path decides; for 17 digits and a digit or X it must find nothing valid.
                let plain = input.utf8.count == 18 && input.utf8.prefix(17).allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                    && (input.last?.isNumber == true || input.last == "X")
                if plain { #expect(general.isEmpty, "\(input)") }
            }
        }
        #expect(valid > 200)
        #expect(both > 0)
    }

    /// The lookup reader's read of the lookup table = the store's general query filtered as before (distinct codes,
    /// in code order).
    @Test func activeCodesMatchTheStatusQuery() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-fast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("s.sqlite").path)
        func row(_ subject: String, _ measure: String, _ status: String, _ next: String?) -> StoredMeasureDecision {
            StoredMeasureDecision(
                subjectKey: subject, key: "r|\(measure)|x", measure: measure, rule: "r", recordID: "x", status: status,
                nextChange: next, content: "{}")
        }
        try store.putMeasureDecisionsInBulk(
            [
                row("id:a", "g60.travel.scenicDiscount", "active", "2027-01-01"),
                row("id:a", "g60.travel.priorityLane", "active", nil),
                row("id:a", "g60.travel.depositFreeHotel", "active", "2026-11-27"),
                row("id:a", "g60.travel.localResidentTreatment", "suspended", nil),
                row("id:a", "g60.spc.flights", "active", nil),
                row("id:b", "g60.travel.scenicDiscount", "lifted", nil),
                row("id:ab", "g60.travel.scenicDiscount", "active", nil),
            ], evaluatedOn: "2026-11-27")
        let reader = MeasureLookupReader(path: store.path)
        for key in ["id:a", "id:b", "id:ab", "id:", "uscc:none"] {
            let expected = try store.measureStatuses(subjectKey: key, measurePrefix: "g60.travel.").filter {
                $0.status == "active" && ($0.nextChange.map { $0 > "2026-11-27" } ?? true)
            }.map(\.measure).sorted()
            let got = try reader.activeMeasureCodes(subjectKey: key, measurePrefix: "g60.travel.", today: "2026-11-27")
            #expect(got == expected, "\(key)")
        }
        #expect(
            try reader.activeMeasureCodes(subjectKey: "id:a", measurePrefix: "g60.travel.", today: "2026-11-27")
                == ["g60.travel.priorityLane", "g60.travel.scenicDiscount"])
    }

    /// The reader keeps a read snapshot across lookups, and takes a new one as soon as this process commits
    /// decisions (exact), or when the snapshot is older than its bound (writes of other processes).
    @Test func snapshotsFollowDecisionWrites() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("s.sqlite").path)
        func decisions(_ status: String) -> [MeasureEvaluation] {
            [
                MeasureEvaluation(
                    subjectKey: "id:a",
                    decisions: [
                        StoredMeasureDecision(
                            subjectKey: "id:a", key: "r|g60.travel.scenicDiscount|x", measure: "g60.travel.scenicDiscount",
                            rule: "r", recordID: "x", status: status, nextChange: nil, content: "{}")
                    ], evaluatedOn: "2026-11-27", notices: [])
            ]
        }
        let held = MeasureLookupReader(path: store.path, maxConnections: 1, maxSnapshotAgeMilliseconds: 600_000)
        let fresh = MeasureLookupReader(path: store.path, maxConnections: 1, maxSnapshotAgeMilliseconds: 0)
        func codes(_ reader: MeasureLookupReader) throws -> [String] {
            try reader.activeMeasureCodes(subjectKey: "id:a", measurePrefix: "g60.travel.", today: "2026-11-27")
        }
        #expect(try codes(held).isEmpty)
        // This process's decision write: the next lookup sees it at once.
        try store.replaceMeasureDecisions(decisions("active"))
        #expect(try codes(held) == ["g60.travel.scenicDiscount"])
        try store.replaceMeasureDecisions(decisions("suspended"))
        #expect(try codes(held).isEmpty)
        try store.replaceMeasureDecisions(decisions("active"))
        #expect(try codes(held) == ["g60.travel.scenicDiscount"])
        #expect(try codes(fresh) == ["g60.travel.scenicDiscount"])
        // A write that does not pass through this process's counter (as another process's would): the held
        // snapshot still answers from before; a reader whose bound has passed sees the write.
        try store.withWriterForTesting { db in
            try db.run("UPDATE measure_decisions SET status = 'lifted' WHERE subject_key = 'id:a'")
            try MeasureLookupTable.refresh(db, subjectKey: "id:a")
        }
        #expect(try codes(held) == ["g60.travel.scenicDiscount"])
        #expect(try codes(fresh).isEmpty)
        // The idle timer's work: a snapshot younger than the bound is kept, an aged one ends and the next lookup
        // reads afresh.
        try store.replaceMeasureDecisions(decisions("active"))
        #expect(try codes(held) == ["g60.travel.scenicDiscount"])
        try store.withWriterForTesting { db in
            try db.run("UPDATE measure_decisions SET status = 'lifted' WHERE subject_key = 'id:a'")
            try MeasureLookupTable.refresh(db, subjectKey: "id:a")
        }
        held.endIdleSnapshots()
        #expect(try codes(held) == ["g60.travel.scenicDiscount"])
        held.endIdleSnapshots(olderThan: 0)
        #expect(try codes(held).isEmpty)
    }

    /// Bearer tokens are matched by their SHA-256 against every configured digest: the first client configured
    /// with a digest wins; an unknown, empty or merely similar token matches nobody; a malformed hash is skipped.
    @Test func bearerTableMatchesTokenDigests() throws {
        func hash(_ token: String) -> String { "sha256:" + Digest.hash(Array(token.utf8), using: .sha256).hexString }
        let table = BearerTable([
            (hash("secret-a"), HTTPPrincipal(id: "first")),
            (hash("secret-a"), HTTPPrincipal(id: "second")),
            (hash("secret-b"), HTTPPrincipal(id: "b")),
            ("sha256:zz", HTTPPrincipal(id: "malformed")),
            ("md5:" + String(repeating: "0", count: 64), HTTPPrincipal(id: "other algorithm")),
        ])
        #expect(table.digests.count == 3)
        let header = "Bearer secret-a"
        #expect(table.principal(token: header.dropFirst(7).utf8)?.id == "first")
        #expect(table.principal(token: "secret-b"[...].utf8)?.id == "b")
        #expect(table.principal(token: "secret-c"[...].utf8) == nil)
        #expect(table.principal(token: "secret-a "[...].utf8) == nil)
        #expect(table.principal(token: ""[...].utf8) == nil)
    }
}
