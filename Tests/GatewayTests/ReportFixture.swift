import Foundation
import GatewayCore
import GatewayStore

@testable import Gateway
import GatewayCrypto

/// A store in a temporary directory filled with envelopes, records and quarantined rows around National Day 2024
/// and the 2025 Spring Festival, whose make-up Saturdays move the 7-working-day deadlines. Every figure the report
/// tests expect is computed by hand from the comments below.
final class ReportFixture {
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 0)
        var now: Date {
            lock.lock()
            defer { lock.unlock() }
            return current
        }
        func set(_ date: Date) {
            lock.lock()
            current = date
            lock.unlock()
        }
    }

    let directory: URL
    let store: SQLiteStore
    let calendar: WorkingDayCalendar
    let clock = Clock()
    /// Record ids by a short fixture name (P1 … L3, A, B …).
    private(set) var ids: [String: String] = [:]

    /// A natural person's clear identity number and name that must never appear in a report.
    static let personIdentity = "11010519491231002X"
    static let personName = "张三丰"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("g60-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock = self.clock
        store = try SQLiteStore(
            path: directory.appendingPathComponent("store.db").path,
            options: SQLiteStoreOptions(
                clock: { clock.now }, quickCheckOnOpen: false,
                identityCipher: IdentityFieldCipher(cipher: try FieldCipher(key: Configuration.demoIdentityKey))))
        calendar = try WorkingDayCalendar.load(directory: Self.contracts.appendingPathComponent("calendar"))
        try fill()
    }

    func cleanup() { try? FileManager.default.removeItem(at: directory) }

    static var contracts: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Contracts")
    }

    static func date(_ iso: String) -> CivilDate {
        guard let d = CivilDate(iso: iso) else { preconditionFailure("bad fixture date \(iso)") }
        return d
    }

    /// `iso` at `hour`:00 Beijing time.
    static func at(_ iso: String, _ hour: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(date(iso).dayNumber * 86_400 + (hour - 8) * 3_600))
    }

    // MARK: - Building blocks

    func envelope(
        _ id: String, from sender: String, kind: String = "records.batch", schema: String, sequence: Int64?,
        count: Int, loggedAt: Date
    ) throws {
        clock.set(loggedAt)
        let raw = Array(
            """
            g60-envelope: 1
            message-id: \(id)
            from: \(sender)
            to: g60-hub
            kind: \(kind)
            schema: \(schema)
            content-type: application/json; charset=utf-8
            issued-at: 2024-01-01T00:00:00+08:00
            sequence: \(sequence.map(String.init) ?? "0")
            record-count: \(count)
            signature: AAAA

            {"rows":[]}
            """.utf8)
        let header = EnvelopeHeader(
            messageID: id, sender: sender, recipient: "g60-hub", kind: kind, sequence: sequence, recordCount: count,
            payloadDigest: "sha256:" + SHA256.hash(raw).hexString, issuedAt: loggedAt)
        _ = try store.append(EnvelopeSubmission(direction: .inbound, header: header, raw: raw))
    }

    func penalty(
        _ name: String, partner: String, decided: String, message: String, row: Int, received: Date,
        person: Bool = false
    ) throws {
        let authority = Authority(name: "市场监督管理局")
        let body = PenaltyDecision(
            decisionNumber: "罚〔\(name)〕号", violationType: "虚假宣传", facts: "事实", legalBasis: "依据",
            categories: ["fine"], content: "罚款", fineAmount: Money(fen: 100_000), decisionDate: Self.date(decided),
            validUntil: .date(Self.date("2027-01-01")), authority: authority, sourceUnit: authority)
        let subject =
            person
            ? Subject(
                category: "naturalPerson", name: Self.personName,
                identity: PersonIdentity(documentType: "residentIdCard", clearNumber: Self.personIdentity))
            : Subject(category: "legalEntity", name: "某某贸易有限公司 \(name)", uscc: "91330100716105852F")
        try put(
            name, CanonicalRecord(sourcePartner: partner, subject: subject, body: .penalty(body)), message, row,
            received)
    }

    func license(_ name: String, partner: String, decided: String, message: String, row: Int, received: Date) throws {
        let authority = Authority(name: "行政审批局")
        let body = LicenseDecision(
            documentTitle: "准予许可决定书", decisionNumber: "许〔\(name)〕号", category: "普通", content: "许可",
            decisionDate: Self.date(decided), validFrom: Self.date(decided), validUntil: .date(Self.date("2030-01-01")),
            authority: authority, sourceUnit: authority)
        let subject = Subject(category: "legalEntity", name: "某某科技有限公司 \(name)", uscc: "91330100716105852F")
        try put(
            name, CanonicalRecord(sourcePartner: partner, subject: subject, body: .license(body)), message, row,
            received)
    }

    func retraction(_ name: String, of target: String, partner: String, message: String, row: Int, received: Date)
        throws
    {
        let r = Retraction(
            targetKind: .license, targetNumber: "许〔\(target)〕号", targetRecordId: ids[target], reason: "creditRepair",
            effectiveDate: Self.date("2024-10-09"), authority: Authority(name: "信用办"))
        let subject = Subject(category: "legalEntity", name: "某某科技有限公司 \(target)", uscc: "91330100716105852F")
        try put(
            name, CanonicalRecord(sourcePartner: partner, subject: subject, body: .retraction(r)), message, row,
            received)
    }

    private func put(_ name: String, _ record: CanonicalRecord, _ message: String, _ row: Int, _ received: Date) throws
    {
        var record = record
        record.assignID(keyring: .demo)
        ids[name] = record.id
        let partner = record.sourcePartner
        _ = try store.putRecords([
            (record, Provenance(partner: partner, messageID: message, rowNumber: row, receivedAt: received))
        ])
    }

    func quarantine(partner: String, message: String, row: Int, received: Date, problems: String) throws {
        try store.quarantine([
            QuarantinedRow(
                partner: partner, messageID: message, rowNumber: row, raw: Array("raw row \(row)".utf8),
                problemsJSON: problems, receivedAt: received)
        ])
    }

    func id(_ name: String) -> String { ids[name] ?? "?" }

    // MARK: - The fixture

    private func fill() throws {
        // Jiaxing, penalties. Report 1 runs 2024-09-23 … 2024-10-13 (weeks W39, W40, W41; months 09, 10).
        // J1, seq 1, Fri 2024-09-27: declares 3; P1, P2 decided Fri 09-20 → deadline Mon 09-30 (09-29 is a
        // make-up Sunday): on time; row 3 quarantined (mapping.date.unparseable).
        let j1 = Self.at("2024-09-27", 10)
        try envelope("J1", from: "jiaxing", schema: "jiaxing.xzcf.v1", sequence: 1, count: 3, loggedAt: j1)
        try penalty("P1", partner: "jiaxing", decided: "2024-09-20", message: "J1", row: 1, received: j1)
        try penalty("P2", partner: "jiaxing", decided: "2024-09-20", message: "J1", row: 2, received: j1)
        try quarantine(
            partner: "jiaxing", message: "J1", row: 3, received: j1,
            problems:
                #"{"row":3,"verdict":"rejected","problems":[{"field":"penalty.decisionDate","code":"mapping.date.unparseable","message":"x","severity":"error"}]}"#
        )
        // J4, seq 4 (before J2 arrives), Wed 2024-10-09: declares 2, both rows quarantined; its kind comes from the
        // schema name (xzcf). Row 1: field.required + mapping.date.unparseable; row 2: field.required and a
        // warning that does not count.
        let j4 = Self.at("2024-10-09", 10)
        try envelope("J4", from: "jiaxing", schema: "jiaxing.xzcf.v1", sequence: 4, count: 2, loggedAt: j4)
        try quarantine(
            partner: "jiaxing", message: "J4", row: 1, received: j4,
            problems:
                #"{"problems":[{"code":"field.required","severity":"error"},{"code":"mapping.date.unparseable","severity":"error"},{"code":"field.required","severity":"error"}]}"#
        )
        try quarantine(
            partner: "jiaxing", message: "J4", row: 2, received: j4,
            problems:
                #"[{"code":"field.required","severity":"error"},{"code":"mapping.code.unmapped","severity":"warning"}]"#
        )
        // A receipt from Jiaxing, seq 5: an envelope and a sequence number, but no declared rows.
        try envelope(
            "J5", from: "jiaxing", kind: "receipt", schema: "g60.receipt.v1", sequence: 5, count: 0,
            loggedAt: Self.at("2024-10-10", 9))
        // J2, seq 2, Sat 2024-10-12 (a make-up workday): declares 2. P3 decided Fri 09-27 → deadline Sat 10-12:
        // on time on the last day. P4 (a natural person) decided Thu 09-26 → deadline Fri 10-11: late by 1
        // working day. Sequence 3 never arrives: one missing batch between J2 and J4.
        let j2 = Self.at("2024-10-12", 16)
        try envelope("J2", from: "jiaxing", schema: "jiaxing.xzcf.v1", sequence: 2, count: 2, loggedAt: j2)
        try penalty("P3", partner: "jiaxing", decided: "2024-09-27", message: "J2", row: 1, received: j2)
        try penalty("P4", partner: "jiaxing", decided: "2024-09-26", message: "J2", row: 2, received: j2, person: true)

        // Hefei, licences. H0, seq 8, 2024-09-01: before the period (its row is not counted), sets the baseline.
        let h0 = Self.at("2024-09-01", 10)
        try envelope("H0", from: "hefei", schema: "hefei.xzxk.v2", sequence: 8, count: 1, loggedAt: h0)
        try license("L0", partner: "hefei", decided: "2024-08-30", message: "H0", row: 1, received: h0)
        // H1, seq 10 (9 missing), Tue 2024-10-08: declares 4, 3 rows arrive. L1 decided 09-27 → 10-12: on time.
        // L2 decided Wed 09-18 → deadline Fri 09-27: late by 3 working days (Sun 09-29, Mon 09-30, Tue 10-08).
        // L3 decided 2014-06-03, outside the loaded calendar (2015–2026): undetermined.
        let h1 = Self.at("2024-10-08", 9)
        try envelope("H1", from: "hefei", schema: "hefei.xzxk.v2", sequence: 10, count: 4, loggedAt: h1)
        try license("L1", partner: "hefei", decided: "2024-09-27", message: "H1", row: 1, received: h1)
        try license("L2", partner: "hefei", decided: "2024-09-18", message: "H1", row: 2, received: h1)
        try license("L3", partner: "hefei", decided: "2014-06-03", message: "H1", row: 3, received: h1)
        // H2, seq 11, 2024-10-09: a retraction of L1 (credit repair), its own kind, no timeliness rule.
        let h2 = Self.at("2024-10-09", 11)
        try envelope(
            "H2", from: "hefei", kind: "records.retract", schema: "hefei.xyxf.v1", sequence: 11, count: 1, loggedAt: h2)
        try retraction("R1", of: "L1", partner: "hefei", message: "H2", row: 1, received: h2)

        // Songjiang, penalties. S1, seq 1, Thu 2024-10-10: 2 rows decided Tue 10-08 → deadline Wed 10-16: on time.
        let s1 = Self.at("2024-10-10", 14)
        try envelope("S1", from: "songjiang", schema: "songjiang.xzcf.v2", sequence: 1, count: 2, loggedAt: s1)
        try penalty("S-A", partner: "songjiang", decided: "2024-10-08", message: "S1", row: 1, received: s1)
        try penalty("S-B", partner: "songjiang", decided: "2024-10-08", message: "S1", row: 2, received: s1)

        // Xuancheng: X1 logged 2024-09-22 23:59, the day before the period; its one row was mapped and
        // quarantined after midnight. The row counts (received 1, quarantined 1) under the envelope's kind
        // (schema xuancheng.cf.xml → penalty); the declared count does not (the envelope is not in the period).
        try envelope(
            "X1", from: "xuancheng", schema: "xuancheng.cf.xml", sequence: 1, count: 1,
            loggedAt: Self.at("2024-09-22", 23).addingTimeInterval(59 * 60))
        try quarantine(
            partner: "xuancheng", message: "X1", row: 1, received: Self.at("2024-09-23", 0).addingTimeInterval(60),
            problems: #"{"problems":[{"code":"mapping.encoding.invalidBytes","severity":"error"}]}"#)

        // Wuhu: a quarantined row of a message not in the log: kind unclassified.
        try quarantine(
            partner: "wuhu", message: "W-unknown", row: 1, received: Self.at("2024-10-10", 10),
            problems: #"{"problems":[{"code":"mapping.csv.columnCount","severity":"error"}]}"#)

        // Report 2 runs 2025-01-20 … 2025-02-16 (W04 … W07; months 01, 02). Huzhou licences, Z1 seq 1,
        // Mon 2025-02-10: declares 3. A decided Fri 01-24 → Sun 01-26 (make-up) is day 1, 01-27 day 2, holiday
        // 01-28 … 02-04, 02-05/06/07 days 3–5, Sat 02-08 (make-up) day 6 → deadline Mon 02-10: on time.
        // B decided Thu 01-23 → deadline Sat 02-08 (make-up): late by 1 working day (Mon 02-10).
        // Row 3 quarantined: mapping.code.unknown.
        let z1 = Self.at("2025-02-10", 10)
        try envelope("Z1", from: "huzhou", schema: "huzhou.xk.gbk", sequence: 1, count: 3, loggedAt: z1)
        try license("A", partner: "huzhou", decided: "2025-01-24", message: "Z1", row: 1, received: z1)
        try license("B", partner: "huzhou", decided: "2025-01-23", message: "Z1", row: 2, received: z1)
        try quarantine(
            partner: "huzhou", message: "Z1", row: 3, received: z1,
            problems: #"{"problems":[{"code":"mapping.code.unknown","severity":"error"}]}"#)
    }
}
