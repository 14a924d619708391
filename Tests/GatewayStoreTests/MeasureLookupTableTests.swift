import Foundation
import GatewayCore
import Testing

@testable import GatewayStore

/// The eligibility lookup's table (migration 8): written with the decisions, filled by the migration, checked by
/// `store check --thorough`, and read by `MeasureLookupReader` with the same answers as the decisions give.
@Suite struct MeasureLookupTableTests {
    private static func temporaryStore(_ name: String) throws -> (SQLiteStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("g60-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (try SQLiteStore(path: dir.appendingPathComponent("s.sqlite").path), dir)
    }

    private static func decision(
        _ subject: String, _ measure: String, _ status: String, _ next: String?, record: String = "x"
    ) -> StoredMeasureDecision {
        StoredMeasureDecision(
            subjectKey: subject, key: "r|\(measure)|\(record)", measure: measure, rule: "r", recordID: record,
            status: status, nextChange: next, content: "{\"measure\":\"\(measure)\"}")
    }

    /// What the lookup must answer, from the decisions as the store's general query returns them.
    private static func expected(_ store: SQLiteStore, _ subject: String, prefix: String, today: String) throws
        -> [String]
    {
        let codes = try store.measureStatuses(subjectKey: subject, measurePrefix: prefix).filter {
            $0.status == "active" && ($0.nextChange.map { $0 > today } ?? true)
        }.map(\.measure)
        return Array(Set(codes)).sorted()
    }

    static let keyedHashSubject = "id:hmac-sha256:" + String(repeating: "0123456789abcdef", count: 4)

    /// A natural person's key is form 1 and its keyed hash's own bytes; any other text (another form of `id:`,
    /// upper-case hex, one bad digit at either end, a USCC, a name) is form 2 and the SHA-256 of its UTF-8.
    @Test func digestForms() {
        // "0123456789abcdef" four times: the bytes 0x01 0x23 0x45 0x67 0x89 0xab 0xcd 0xef, four times.
        let eight: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
        let hexBytes = eight + eight + eight + eight
        #expect(MeasureLookupTable.digest(Self.keyedHashSubject) == [1] + hexBytes)
        let prefix = "id:hmac-sha256:"
        let hex: String = String(Self.keyedHashSubject.dropFirst(prefix.count))
        let head: String = String(hex.dropLast())
        let tail: String = String(hex.dropFirst())
        var others: [String] = [Self.keyedHashSubject.uppercased(), String(Self.keyedHashSubject.dropLast())]
        others.append(Self.keyedHashSubject + "0")
        others.append(prefix + String(repeating: "g", count: 64))
        others.append(prefix + "g" + tail)
        others.append(prefix + head + "A")
        others.append(prefix + head + "/")
        others.append("id:hmac-sha257:" + hex)
        others += ["uscc:91310000132260250X", "name:张三", ""]
        for other in others {
            #expect(MeasureLookupTable.digest(other) == [2] + SHA256.hash(Array(other.utf8)), "\(other)")
        }
        // An `id:` key spelling out the digest of another key is another row.
        let uscc = "uscc:91310000132260250X"
        let spelled = "id:hmac-sha256:" + SHA256.hash(Array(uscc.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(MeasureLookupTable.digest(spelled) != MeasureLookupTable.digest(uscc))
        #expect(MeasureLookupTable.digest(spelled).dropFirst() == MeasureLookupTable.digest(uscc).dropFirst())
    }

    /// Two decisions of one key in one evaluation (the later one is stored), and a decision whose next change is the
    /// empty text (never in force, as the SQL it replaces said) leave the row as the stored decisions say.
    @Test func duplicateKeysAndEmptyEndDays() throws {
        let (store, dir) = try Self.temporaryStore("lookup-dup")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = MeasureLookupReader(path: store.path)
        try store.replaceMeasureDecisions([
            MeasureEvaluation(
                subjectKey: "id:a",
                decisions: [
                    Self.decision("id:a", "g60.travel.scenicDiscount", "active", nil),
                    Self.decision("id:a", "g60.travel.scenicDiscount", "lifted", nil),
                    Self.decision("id:a", "g60.travel.priorityLane", "active", ""),
                ], evaluatedOn: "2026-11-27", notices: [])
        ])
        #expect(try reader.activeMeasureCodes(subjectKey: "id:a", measurePrefix: "", today: "2026-11-27").isEmpty)
        #expect(try Self.expected(store, "id:a", prefix: "", today: "2026-11-27").isEmpty)
        #expect(try store.checkIntegrity(thorough: true).problems.isEmpty)
    }

    /// A decision whose measure code holds a control character cannot be put in the lookup's row form: the write is
    /// refused whole, with the code named.
    @Test func controlCharactersInCodesAreRefused() throws {
        let (store, dir) = try Self.temporaryStore("lookup-tab")
        defer { try? FileManager.default.removeItem(at: dir) }
        for bad in ["g60.travel\tx", "g60.travel\nx", ""] {
            let error = #expect(throws: StoreError.self) {
                try store.putMeasureDecisionsInBulk(
                    [Self.decision("id:a", "g60.travel.ok", "active", nil), Self.decision("id:a", bad, "active", nil)],
                    evaluatedOn: "2026-11-27")
            }
            #expect(error?.code == StoreError.invalidArgument)
            #expect(error?.message.contains(bad.debugDescription) == true, "\(String(describing: error))")
        }
        #expect(try store.measureDecisionCount() == 0)
    }

    /// Every way decisions are written (a subject's evaluation replaced, bulk additions, decisions lifted or
    /// removed) leaves the lookup's answer equal to the decisions' for every subject and day, and the thorough
    /// check finds nothing.
    @Test func tableFollowsDecisionWrites() throws {
        let (store, dir) = try Self.temporaryStore("lookup-writes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = MeasureLookupReader(path: store.path, maxConnections: 2, maxSnapshotAgeMilliseconds: 0)
        let subjects = [Self.keyedHashSubject, "id:hmac-sha256:" + String(repeating: "f", count: 64), "id:a",
            "uscc:91310000132260250X", "name:某公司"]
        let measures = [
            "g60.travel.scenicDiscount", "g60.travel.priorityLane", "g60.spc.flights", "g60.travelx", "g60.travel.a",
            "g60.travel.a.b", "g60.travel.a-b",
        ]
        let statuses = ["active", "active", "suspended", "lifted", "pending"]
        let days: [String?] = [nil, "2026-11-26", "2026-11-27", "2026-11-28", "2027-01-01", ""]
        var generator = CrashTests.SplitMix(state: 7)
        func randomDecisions(_ subject: String) -> [StoredMeasureDecision] {
            (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                Self.decision(
                    subject, measures.randomElement(using: &generator)!, statuses.randomElement(using: &generator)!,
                    days.randomElement(using: &generator)!, record: "rec\(Int.random(in: 0...2, using: &generator))")
            }
        }
        func check(_ step: Int) throws {
            for subject in subjects {
                for today in ["2026-11-26", "2026-11-27", "2026-12-31"] {
                    for prefix in ["g60.travel.", "g60.", ""] {
                        let got = try reader.activeMeasureCodes(subjectKey: subject, measurePrefix: prefix, today: today)
                        let want = try Self.expected(store, subject, prefix: prefix, today: today)
                        #expect(got == want, "step \(step), \(subject), \(prefix), \(today)")
                    }
                }
            }
            let report = try store.checkIntegrity(thorough: true)
            #expect(report.problems.isEmpty, "step \(step): \(report.problems)")
        }
        for step in 0..<60 {
            let subject = subjects.randomElement(using: &generator)!
            if step % 3 == 0 {
                try store.putMeasureDecisionsInBulk(randomDecisions(subject), evaluatedOn: "2026-11-27")
            } else {
                try store.replaceMeasureDecisions([
                    MeasureEvaluation(
                        subjectKey: subject, decisions: randomDecisions(subject), evaluatedOn: "2026-11-27",
                        notices: [])
                ])
            }
            try check(step)
        }
        // At least one subject ended with and one without a row (the run covers both).
        let rows = try store.read { db in try db.first("SELECT count(*) FROM measure_lookup") { Int($0.int(0)) } } ?? 0
        #expect(rows > 0 && rows < subjects.count)
    }

    /// A store written at schema 7 (decisions, no lookup table) gets the table filled by migration 8, and the
    /// decisions' lookup index goes.
    @Test func migrationFillsTheTable() throws {
        let (store, dir) = try Self.temporaryStore("lookup-migration")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = store.path
        try store.putMeasureDecisionsInBulk(
            [
                Self.decision("id:a", "g60.travel.scenicDiscount", "active", "2027-01-01"),
                Self.decision("id:a", "g60.travel.priorityLane", "active", nil),
                Self.decision("id:a", "g60.travel.priorityLane", "active", "2026-12-01", record: "y"),
                Self.decision("id:b", "g60.travel.scenicDiscount", "suspended", nil),
                Self.decision(Self.keyedHashSubject, "g60.spc.flights", "active", nil),
            ], evaluatedOn: "2026-11-27")
        // Back to schema 7 as it was: no table, the covering index.
        try store.withWriterForTesting { db in
            try db.exec(
                """
                DROP TABLE measure_lookup;
                CREATE INDEX measure_decisions_lookup ON measure_decisions (subject_key, measure, status, next_change);
                PRAGMA user_version = 7;
                """)
        }
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.read { db in try db.first("PRAGMA user_version") { Int($0.int(0)) } } == 8)
        let index = try reopened.read { db in
            try db.first("SELECT count(*) FROM sqlite_schema WHERE name = 'measure_decisions_lookup'") { $0.int(0) }
        }
        #expect(index == 0)
        let rows = try reopened.read { db in
            try db.all("SELECT subject, active FROM measure_lookup") { ($0.blob(0), $0.text(1)) }
        }
        #expect(rows.count == 2)
        let a = rows.first { $0.0 == MeasureLookupTable.digest("id:a") }?.1
        #expect(
            a == "g60.travel.priorityLane\t\ng60.travel.priorityLane\t2026-12-01\ng60.travel.scenicDiscount\t2027-01-01\n")
        #expect(rows.contains { $0.0 == MeasureLookupTable.digest(Self.keyedHashSubject) })
        #expect(try reopened.checkIntegrity(thorough: true).problems.isEmpty)
        let reader = MeasureLookupReader(path: path)
        #expect(
            try reader.activeMeasureCodes(subjectKey: "id:a", measurePrefix: "g60.travel.", today: "2026-12-01")
                == ["g60.travel.priorityLane", "g60.travel.scenicDiscount"])
    }

    /// The lookup connections' page-cache ceiling is the one asked for (the node's `database.lookupCacheMegabytes`).
    @Test func lookupConnectionsTakeTheirCacheCeiling() throws {
        let (store, dir) = try Self.temporaryStore("lookup-cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try MeasureLookupReader(path: store.path, cacheMegabytes: 3).cacheSizeForTesting() == -3 * 1024)
        #expect(try MeasureLookupReader(path: store.path).cacheSizeForTesting() == -256 * 1024)
    }

    /// `store check --thorough` names a subject whose row says something else, a subject with no row, and rows
    /// for no subject.
    @Test func thoroughCheckFindsDisagreements() throws {
        let (store, dir) = try Self.temporaryStore("lookup-check")
        defer { try? FileManager.default.removeItem(at: dir) }
        try store.putMeasureDecisionsInBulk(
            [
                Self.decision("id:a", "g60.travel.scenicDiscount", "active", nil),
                Self.decision("id:b", "g60.travel.scenicDiscount", "active", nil),
            ], evaluatedOn: "2026-11-27")
        #expect(try store.checkIntegrity(thorough: true).problems.isEmpty)
        #expect(try store.checkIntegrity(thorough: false).problems.isEmpty)
        try store.withWriterForTesting { db in
            try db.run(
                "UPDATE measure_lookup SET active = 'g60.travel.priorityLane\t\n' WHERE subject = ?",
                [.blob(MeasureLookupTable.digest("id:a"))])
            try db.run("DELETE FROM measure_lookup WHERE subject = ?", [.blob(MeasureLookupTable.digest("id:b"))])
            try db.run(
                "INSERT INTO measure_lookup (subject, active) VALUES (?, 'x\t\n')",
                [.blob(MeasureLookupTable.digest("id:nobody"))])
        }
        let problems = try store.checkIntegrity(thorough: true).problems
        #expect(problems.count == 3, "\(problems)")
        #expect(problems.contains { $0.contains("the row of subject id:a says") })
        #expect(problems.contains { $0.contains("no row for subject id:b") })
        #expect(problems.contains { $0.contains("1 row(s) for no subject") })
        // (The quick check reads pages only: it does not compare the tables.)
        #expect(try store.checkIntegrity(thorough: false).problems.isEmpty)
    }
}
