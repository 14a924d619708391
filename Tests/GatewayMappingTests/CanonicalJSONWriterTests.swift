import Foundation
@testable import GatewayCore
import GatewayTesting
import Testing

@testable import GatewayMapping

/// The fast writer must write exactly what JSONEncoder writes (golden files and other modules rely on it).
@Suite struct CanonicalJSONWriterTests {
    static func reference<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static let date = CivilDate(year: 2024, month: 5, day: 12)!
    static let a = Authority(name: "某局 \"/\\\n\u{01}", uscc: "11330100MB0000000X")

    static var subjects: [Subject] {
        var person = PersonIdentity(documentType: "residentIdCard", clearNumber: "11010519491231002X")
        person.seal(with: .demo)
        return [
            Subject(
                category: "legalEntity", name: "全字段公司", uscc: "91330100716105852F",
                registrationNumber: "330100000000001",
                organizationCode: "71610585-2", taxNumber: "t", institutionCertificate: "i",
                socialOrganizationNumber: "s",
                legalRepresentative: "王五", legalRepresentativeIdentity: person,
                identity: PersonIdentity(documentType: "residentIdCard", clearNumber: "3307021979****3173")),
            Subject(category: "naturalPerson", name: "仅名"),
        ]
    }

    static var bodies: [CanonicalRecord.Body] {
        [
            .license(
                LicenseDecision(
                    documentTitle: "t", decisionNumber: "n", category: "other", categoryDetail: "d",
                    certificateName: "c",
                    licenseNumber: "l", content: "x", decisionDate: date, validFrom: date, validUntil: .longTerm,
                    authority: a, status: "valid", sourceUnit: Authority(name: "u"), remarks: "r")),
            .license(
                LicenseDecision(
                    documentTitle: "t", decisionNumber: "n", category: "general", content: "x", decisionDate: date,
                    validFrom: date, validUntil: .date(date), authority: a, sourceUnit: a)),
            .penalty(
                PenaltyDecision(
                    decisionNumber: "n", violationType: "v", facts: "f", legalBasis: "b",
                    categories: ["fine", "warning"],
                    content: "c", fineAmount: Money(fen: 200_000), confiscatedAmount: Money(fen: -5),
                    suspendedOrRevokedLicense: "s", decisionDate: date, validUntil: .longTerm, publicityEndDate: date,
                    authority: a, sourceUnit: a, severity: "serious", keyArea: "foodDrug", remarks: "r")),
            .penalty(
                PenaltyDecision(
                    decisionNumber: "n", violationType: "v", facts: "f", legalBasis: "b", categories: [], content: "c",
                    decisionDate: date, validUntil: .date(date), authority: a, sourceUnit: a)),
            .dishonestDebtor(
                DishonestDebtorListing(
                    caseNumber: "c", court: "ct", province: "浙江", enforcementBasisNumber: "e", basisIssuer: "b",
                    caseFilingDate: date, obligation: "o", performance: "partial", performedPart: "p",
                    unperformedPart: "u", situations: ["1", "4"], publishedDate: date, sex: "male", age: 45)),
            .dishonestDebtor(
                DishonestDebtorListing(
                    caseNumber: "c", court: "ct", enforcementBasisNumber: "e", basisIssuer: "b", caseFilingDate: date,
                    obligation: "o", performance: "none", situations: [], publishedDate: date)),
            .listEntry(
                ListEntry(
                    listKind: "red", listName: "A级纳税人", listCode: "taxpayerGradeA", authority: a, basis: "b",
                    documentNumber: "d", listedDate: date, validUntil: .longTerm)),
            .listEntry(ListEntry(listKind: "black", listName: "x", authority: a, basis: "b", listedDate: date)),
            .retraction(
                Retraction(
                    targetKind: .penalty, targetNumber: "n", targetRecordId: "rec_x", reason: "creditRepair",
                    effectiveDate: date, authority: a, documentNumber: "d", remarks: "r")),
            .retraction(
                Retraction(targetKind: .license, targetNumber: "n", reason: "expiry", effectiveDate: date, authority: a)
            ),
        ]
    }

    @Test func recordsMatchJSONEncoder() throws {
        for subject in Self.subjects {
            for body in Self.bodies {
                var r = CanonicalRecord(sourcePartner: "p/1", subject: subject, body: body)
                r.assignID(keyring: .demo)
                #expect(try MappingJSON().line(r) == Self.reference(r))
                r.id = nil
                #expect(try MappingJSON().line(r) == Self.reference(r))
            }
        }
    }

    /// One writer, reused from record to record (its scratch buffer kept, grown, and freed past 1 MiB), writes after
    /// what its buffer holds the bytes of a fresh writer and of `JSONEncoder`, for every kind, with escapes in every
    /// string, and for records around and beyond each size of the scratch buffer.
    @Test func reusedWriterMatchesFreshWriterAndJSONEncoder() throws {
        let control = String(decoding: (0..<0x20).map { UInt8($0) } + Array("\"\\é中/".utf8), as: UTF8.self)
        let c = CanonicalJSONWriter.cursorCapacity
        let sizes = [
            0, 10, 2_000, c / 6 - 40, c / 6, c - 900, c + 10, 4 * c + 10,
            CanonicalJSONWriter.scratchKeepLimit + 10, 100,
        ]
        var reused = CanonicalJSONWriter()
        for subject in Self.subjects {
            for body in Self.bodies {
                for size in sizes {
                    var r = CanonicalRecord(sourcePartner: "p/1", subject: subject, body: body)
                    r.assignID(keyring: .demo)
                    r.subject.name += String(repeating: "名", count: size / 3) + control
                    if case .penalty(var p) = r.body {
                        p.facts = String(repeating: size % 2 == 0 ? "a" : "\n", count: size)
                        r.body = .penalty(p)
                    }
                    reused.bytes = [0x41, 0x42]
                    reused.writeRecord(r)
                    var fresh = CanonicalJSONWriter()
                    fresh.writeRecord(r)
                    #expect(reused.bytes == [0x41, 0x42] + fresh.bytes, "\(body.kind) size \(size)")
                    #expect(String(decoding: fresh.bytes, as: UTF8.self) == (try Self.reference(r)))
                    #expect((reused.scratch?.capacity ?? 0) <= CanonicalJSONWriter.scratchKeepLimit)
                }
            }
        }
    }

    /// Records over 1 MiB (one long penalty text, clean or full of escapes; a long list; a long licence content):
    /// byte for byte what `JSONEncoder` writes, and what the writer wrote before the record walkers were merged
    /// into one (SHA-256 of its output, recorded from commit c01b968, where such records took the append path).
    @Test func recordsOverOneMebibyteMatchJSONEncoderAndTheFormerWriter() throws {
        let subject = Self.subjects[0]
        let large: [(String, CanonicalRecord.Body, String)] = [
            (
                "clean penalty facts",
                .penalty(
                    PenaltyDecision(
                        decisionNumber: "嘉市监罚〔2024〕1号", violationType: "v",
                        facts: String(repeating: "违法事实ab", count: 110_000), legalBasis: "b",
                        categories: ["fine"], content: "c", fineAmount: Money(fen: 200_000), decisionDate: Self.date,
                        validUntil: .longTerm, authority: Self.a, sourceUnit: Self.a)),
                "f3949ef3ff9ed4ea6578b621371035751975421fc23196b7cd209810ace3d7db"
            ),
            (
                "escaped penalty facts",
                .penalty(
                    PenaltyDecision(
                        decisionNumber: "n", violationType: "v",
                        facts: String(repeating: "a\n\"\\\u{01}\u{1F}中/", count: 120_000), legalBasis: "b",
                        categories: [], content: "c", decisionDate: Self.date, validUntil: .date(Self.date),
                        authority: Self.a, sourceUnit: Self.a, remarks: String(repeating: "\t", count: 5))),
                "fc8fc0c503ccbaa7fdf645b76d2c9301f94774f16541954b76ac88ef9adcb8b7"
            ),
            (
                "long situation list",
                .dishonestDebtor(
                    DishonestDebtorListing(
                        caseNumber: "c", court: "ct", enforcementBasisNumber: "e", basisIssuer: "b",
                        caseFilingDate: Self.date, obligation: "o", performance: "none",
                        situations: (0..<150_000).map { "情形\($0)" }, publishedDate: Self.date, age: 45)),
                "bc89d67b369cdbd469ac86bbd2da2209abccb8f27c23e00b140a1e2a495475e2"
            ),
            (
                "3 MiB licence content",
                .license(
                    LicenseDecision(
                        documentTitle: "t", decisionNumber: "n", category: "general",
                        content: String(repeating: "x", count: 3 << 20), decisionDate: Self.date,
                        validFrom: Self.date, validUntil: .longTerm, authority: Self.a, sourceUnit: Self.a)),
                "93dd89fd7d6e7bd5b76847897bb878388aeb27ee5782a0e84e5657b5df4d02ff"
            ),
        ]
        for (name, body, digest) in large {
            var r = CanonicalRecord(sourcePartner: "p/1", subject: subject, body: body)
            r.assignID(keyring: .demo)
            var w = CanonicalJSONWriter()
            w.bytes = [0x41]
            w.writeRecord(r)
            #expect(w.bytes.count > 1 << 20, "\(name)")
            #expect(w.bytes.first == 0x41)
            let json = Array(w.bytes.dropFirst())
            #expect(String(decoding: json, as: UTF8.self) == (try Self.reference(r)), "\(name)")
            #expect(SHA256.hash(json).hexString == digest, "\(name)")
            // The same writer then writes an ordinary record as a fresh one does.
            var small = CanonicalRecord(sourcePartner: "p/1", subject: subject, body: Self.bodies[2])
            small.assignID(keyring: .demo)
            w.bytes = []
            w.writeRecord(small)
            #expect(String(decoding: w.bytes, as: UTF8.self) == (try Self.reference(small)), "after \(name)")
        }
    }

    @Test func reportEntriesMatchJSONEncoder() throws {
        var accepted = CanonicalRecord(sourcePartner: "p", subject: Self.subjects[0], body: Self.bodies[0])
        accepted.assignID(keyring: .demo)
        let outcomes = [
            RowOutcome(
                row: 3, location: "line 4", verdict: .rejected, record: nil,
                problems: [.error("f", "c", "m \"q\""), .warning("g", "d", "n\t")],
                raw: [0x61, 0x0A, 0xE4, 0xB8, 0xAD],
                skipReason: nil),
            RowOutcome(
                row: 1, location: "x", verdict: .skipped, record: nil, problems: [], raw: [], skipReason: "revoked"),
            RowOutcome(
                row: 123_456, location: "data.records[7]", verdict: .accepted, record: accepted,
                problems: [.warning("subject.uscc", "subject.uscc.normalized", "'a' was read as 'A'")], raw: [0x7B],
                skipReason: nil),
        ]
        for o in outcomes {
            let entry = RowReportEntry(o)
            #expect(try MappingJSON().line(entry) == Self.reference(entry))
            #expect(CanonicalJSONWriter.text(.report(entry)) == (try Self.reference(entry)))
        }
    }

    /// The one-pass line of an accepted row equals the general report writer's, for any location, id and row
    /// number, also after records of every size were written through the same writer.
    @Test func acceptedReportLineMatchesGeneralPath() throws {
        var record = CanonicalRecord(sourcePartner: "p", subject: Self.subjects[1], body: Self.bodies[2])
        record.assignID(keyring: .demo)
        let locations = ["line 2", "data.records[7]", "Record 4 (line 57)", "a\"b\\c\n\u{01}é中", "",
                         String(repeating: "长", count: CanonicalJSONWriter.cursorCapacity)]
        var fast = CanonicalJSONWriter()
        for (i, location) in locations.enumerated() {
            for row in [0, 1, 9, 10, 123_456, 1_000_000_000_000, -5, Int.max] {
                let o = RowOutcome(
                    row: row, location: location, verdict: .accepted, record: record, problems: [], raw: [],
                    skipReason: nil)
                var general = CanonicalJSONWriter()
                general.writeReport(
                    row: o.row, location: o.location, verdict: o.verdict, recordID: o.recordID, problems: [],
                    skipReason: nil, raw: nil)
                fast.bytes = []
                if i % 2 == 0 { fast.writeRecord(record) }
                fast.bytes = [0x5B]
                fast.writeReport(o)
                #expect(fast.bytes == [0x5B] + general.bytes, "\(location.prefix(20)) \(row)")
                #expect(String(decoding: general.bytes, as: UTF8.self) == (try Self.reference(RowReportEntry(o))))
            }
        }
    }

    @Test func controlCharactersAreEscapedLikeFoundation() throws {
        let s = "a\u{01}\u{1F}\u{7F}\u{2028}\"\\/\n\r\t\u{08}\u{0C}é中"
        #expect(CanonicalJSONWriter.text(.string(s)) == (try Self.reference(s)))
    }
}
