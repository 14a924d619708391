import Foundation
import GatewayCore
import GatewayStore
import Testing

@testable import Gateway

/// The dual-publicity report on `ReportFixture`: every figure against the hand computation in the fixture's
/// comments.
@Suite(.serialized) struct DualPublicityReportTests {
    static func withFixture(_ body: (ReportFixture) throws -> Void) throws {
        let fixture = try ReportFixture()
        defer { fixture.cleanup() }
        try body(fixture)
    }

    static func nationalDay(_ f: ReportFixture) throws -> DualPublicityReport {
        try DualPublicityReport.build(
            store: f.store, calendar: f.calendar, from: ReportFixture.date("2024-09-23"),
            to: ReportFixture.date("2024-10-13"))
    }

    static func section(_ r: DualPublicityReport, _ slug: String) throws -> PartnerSection {
        try #require(r.partners.first { $0.partner.slug == slug })
    }

    static func kind(_ s: PartnerSection, _ kind: String) throws -> KindSection {
        try #require(s.kinds.first { $0.kind == kind })
    }

    static func figures(
        declared: Int, received: Int, accepted: Int, quarantined: Int, onTime: Int = 0, late: Int = 0,
        undetermined: Int = 0
    ) -> ReportFigures {
        var f = ReportFigures()
        f.declared = declared
        f.received = received
        f.accepted = accepted
        f.quarantined = quarantined
        f.onTime = onTime
        f.late = late
        f.undetermined = undetermined
        return f
    }

    @Test func jiaxingPenaltiesAcrossNationalDay() throws {
        try Self.withFixture { f in
            let report = try Self.nationalDay(f)
            #expect(report.partners.map(\.partner.slug) == ReportPartner.g60Cities.map(\.slug))
            let jiaxing = try Self.section(report, "jiaxing")
            #expect(jiaxing.envelopes == 4)
            #expect(jiaxing.kinds.map(\.kind) == ["license", "penalty"])
            let penalty = try Self.kind(jiaxing, "penalty")
            #expect(
                penalty.total == Self.figures(declared: 7, received: 7, accepted: 4, quarantined: 3, onTime: 3, late: 1)
            )
            #expect(penalty.total.reportingRate == 1.0)
            #expect(penalty.total.complianceRate == 4.0 / 7.0)
            #expect(penalty.total.timelinessRate == 0.75)
            // Weeks W39 (09-23 … 09-29), W40 (09-30 … 10-06, the holiday), W41 (10-07 … 10-13).
            #expect(penalty.weeks.map(\.label) == ["2024-W39", "2024-W40", "2024-W41"])
            #expect(penalty.weeks.map(\.start) == ["2024-09-23", "2024-09-30", "2024-10-07"].map(ReportFixture.date))
            #expect(penalty.weeks.map(\.end) == ["2024-09-29", "2024-10-06", "2024-10-13"].map(ReportFixture.date))
            let w39 = Self.figures(declared: 3, received: 3, accepted: 2, quarantined: 1, onTime: 2)
            let w41 = Self.figures(declared: 4, received: 4, accepted: 2, quarantined: 2, onTime: 1, late: 1)
            #expect(penalty.weeks.map(\.figures) == [w39, ReportFigures(), w41])
            #expect(penalty.weeks[0].figures.complianceRate == 2.0 / 3.0)
            #expect(penalty.weeks[1].figures.reportingRate == nil)
            // Months, clipped to the period.
            #expect(penalty.months.map(\.label) == ["2024-09", "2024-10"])
            #expect(penalty.months.map(\.start) == ["2024-09-23", "2024-10-01"].map(ReportFixture.date))
            #expect(penalty.months.map(\.end) == ["2024-09-30", "2024-10-13"].map(ReportFixture.date))
            #expect(penalty.months.map(\.figures) == [w39, w41])
            // Rejection reasons: each code once per row; the warning does not count; ties by code.
            #expect(
                penalty.topRejections == [
                    ReasonCount(code: "field.required", rows: 2),
                    ReasonCount(code: "mapping.date.unparseable", rows: 2),
                ])
            // P3 (decided 09-27, received on the make-up Saturday 10-12) is on time; P4 is one working day late.
            #expect(
                penalty.lateRows == [
                    LateRow(
                        recordID: f.id("P4"), version: 1, messageID: "J2", rowNumber: 2,
                        decisionDate: ReportFixture.date("2024-09-26"), deadline: ReportFixture.date("2024-10-11"),
                        receivedDate: ReportFixture.date("2024-10-12"), workdaysLate: 1)
                ])
            #expect(penalty.undeterminedRecordIDs.isEmpty)
            // Sequence 3 never arrived (J4 = 4 came before J2 = 2; the receipt J5 = 5 counts as a batch).
            #expect(
                jiaxing.sequenceGaps == [
                    SequenceGap(firstMissing: 3, lastMissing: 3, count: 1, previousMessageID: "J2", nextMessageID: "J4")
                ])
            #expect(jiaxing.missingBatches == 1)
            let license = try Self.kind(jiaxing, "license")
            #expect(license.total == ReportFigures())
            #expect(license.total.reportingRate == nil && license.total.complianceRate == nil)
        }
    }

    @Test func hefeiLicencesRetractionsAndGapAfterBaseline() throws {
        try Self.withFixture { f in
            let report = try Self.nationalDay(f)
            let hefei = try Self.section(report, "hefei")
            #expect(hefei.envelopes == 2)
            #expect(hefei.kinds.map(\.kind) == ["license", "penalty", "retraction"])
            let license = try Self.kind(hefei, "license")
            #expect(
                license.total
                    == Self.figures(
                        declared: 4, received: 3, accepted: 3, quarantined: 0, onTime: 1, late: 1, undetermined: 1))
            #expect(license.total.reportingRate == 0.75)
            #expect(license.total.complianceRate == 1.0)
            #expect(license.total.timelinessRate == 0.5)
            #expect(license.weeks.map { $0.figures.accepted } == [0, 0, 3])
            #expect(
                license.lateRows == [
                    LateRow(
                        recordID: f.id("L2"), version: 1, messageID: "H1", rowNumber: 2,
                        decisionDate: ReportFixture.date("2024-09-18"), deadline: ReportFixture.date("2024-09-27"),
                        receivedDate: ReportFixture.date("2024-10-08"), workdaysLate: 3)
                ])
            #expect(license.undeterminedRecordIDs == [f.id("L3")])
            let retraction = try Self.kind(hefei, "retraction")
            #expect(!retraction.timelinessApplies)
            #expect(retraction.total == Self.figures(declared: 1, received: 1, accepted: 1, quarantined: 0))
            #expect(retraction.total.timelinessRate == nil)
            // The baseline is H0's sequence 8 (before the period): 9 is missing before H1 (10).
            #expect(
                hefei.sequenceGaps == [
                    SequenceGap(firstMissing: 9, lastMissing: 9, count: 1, previousMessageID: nil, nextMessageID: "H1")
                ])
            // Songjiang: both rows on time; Wuhu: one row of an unknown message, unclassified.
            let songjiang = try Self.kind(try Self.section(report, "songjiang"), "penalty")
            #expect(songjiang.total == Self.figures(declared: 2, received: 2, accepted: 2, quarantined: 0, onTime: 2))
            let wuhu = try Self.section(report, "wuhu")
            #expect(wuhu.kinds.map(\.kind) == ["license", "penalty", "unclassified"])
            let unclassified = try Self.kind(wuhu, "unclassified")
            #expect(unclassified.total == Self.figures(declared: 0, received: 1, accepted: 0, quarantined: 1))
            #expect(unclassified.topRejections == [ReasonCount(code: "mapping.csv.columnCount", rows: 1)])
            #expect(try Self.section(report, "huzhou").envelopes == 0)
            // Xuancheng: a row quarantined in the period from an envelope logged the evening before.
            let xuancheng = try Self.section(report, "xuancheng")
            #expect(xuancheng.envelopes == 0 && xuancheng.sequenceGaps.isEmpty)
            #expect(xuancheng.kinds.map(\.kind) == ["license", "penalty"])
            let xuanchengPenalty = try Self.kind(xuancheng, "penalty")
            #expect(xuanchengPenalty.total == Self.figures(declared: 0, received: 1, accepted: 0, quarantined: 1))
            #expect(xuanchengPenalty.weeks[0].figures.quarantined == 1)
            #expect(xuanchengPenalty.topRejections == [ReasonCount(code: "mapping.encoding.invalidBytes", rows: 1)])
        }
    }

    @Test func citiesRankedPerMonthAndForThePeriod() throws {
        try Self.withFixture { f in
            let report = try Self.nationalDay(f)
            #expect(report.rankings.map(\.label) == ["2024-09", "2024-10", "period"])
            for ranking in report.rankings { #expect(ranking.entries.count == 9) }
            let noData = ["hangzhou", "huzhou", "jinhua", "suzhou", "wuhu", "xuancheng"]
            // September (09-23 … 09-30): Jiaxing (rates 1, 2/3, 1); Xuancheng received one row, rejected, of an
            // envelope declared before the period: reporting 0 (no denominator), compliance 0, timeliness 0 → 0.
            let september = report.rankings[0]
            #expect(
                september.entries.map(\.partner.slug) == ["jiaxing", "xuancheng"] + [
                    "hangzhou", "hefei", "huzhou", "jinhua", "songjiang", "suzhou", "wuhu",
                ])
            #expect(september.entries.map(\.rank) == [1, 2] + Array(repeating: nil, count: 7))
            #expect(abs((september.entries[0].score ?? 0) - 8.0 / 9.0) < 1e-12)
            #expect(september.entries[1].score == 0)
            // October: Songjiang 1 (1, 1, 1), Hefei 0.75 (0.75, 1, 0.5), Jiaxing 2/3 (1, 0.5, 0.5).
            let october = report.rankings[1]
            #expect(october.entries.map(\.partner.slug) == ["songjiang", "hefei", "jiaxing"] + noData)
            #expect(october.entries.map(\.rank) == [1, 2, 3] + Array(repeating: nil, count: 6))
            #expect(abs((october.entries[1].score ?? 0) - 0.75) < 1e-12)
            #expect(abs((october.entries[2].score ?? 0) - 2.0 / 3.0) < 1e-12)
            // The retraction of Hefei is not in the dual-publicity figures.
            #expect(
                october.entries[1].figures
                    == Self.figures(
                        declared: 4, received: 3, accepted: 3, quarantined: 0, onTime: 1, late: 1, undetermined: 1))
            // Whole period: Jiaxing (1 + 4/7 + 3/4) / 3 ≈ 0.774 before Hefei 0.75.
            let period = report.rankings[2]
            #expect(
                period.entries.map(\.partner.slug)
                    == ["songjiang", "jiaxing", "hefei", "xuancheng"] + noData.filter { $0 != "xuancheng" })
            #expect(period.entries.map(\.rank) == [1, 2, 3, 4] + Array(repeating: nil, count: 5))
            #expect(abs((period.entries[1].score ?? 0) - (1 + 4.0 / 7.0 + 0.75) / 3) < 1e-12)
            #expect(period.start == ReportFixture.date("2024-09-23") && period.end == ReportFixture.date("2024-10-13"))
        }
    }

    @Test func springFestivalMakeUpSaturdayDecidesLateness() throws {
        try Self.withFixture { f in
            let report = try DualPublicityReport.build(
                store: f.store, calendar: f.calendar, from: ReportFixture.date("2025-01-20"),
                to: ReportFixture.date("2025-02-16"))
            let huzhou = try Self.kind(try Self.section(report, "huzhou"), "license")
            #expect(
                huzhou.total == Self.figures(declared: 3, received: 3, accepted: 2, quarantined: 1, onTime: 1, late: 1))
            #expect(huzhou.weeks.map(\.label) == ["2025-W04", "2025-W05", "2025-W06", "2025-W07"])
            #expect(huzhou.weeks.map { $0.figures.received } == [0, 0, 0, 3])
            #expect(huzhou.months.map(\.label) == ["2025-01", "2025-02"])
            #expect(huzhou.months.map { $0.figures.declared } == [0, 3])
            #expect(
                huzhou.lateRows == [
                    LateRow(
                        recordID: f.id("B"), version: 1, messageID: "Z1", rowNumber: 2,
                        decisionDate: ReportFixture.date("2025-01-23"), deadline: ReportFixture.date("2025-02-08"),
                        receivedDate: ReportFixture.date("2025-02-10"), workdaysLate: 1)
                ])
            #expect(huzhou.topRejections == [ReasonCount(code: "mapping.code.unknown", rows: 1)])
            let period = try #require(report.rankings.last)
            #expect(period.entries[0].partner.slug == "huzhou" && period.entries[0].rank == 1)
            #expect(abs((period.entries[0].score ?? 0) - (1 + 2.0 / 3.0 + 0.5) / 3) < 1e-12)
            // Nothing of 2024 leaks in.
            #expect(try Self.section(report, "jiaxing").envelopes == 0)
        }
    }

    @Test func jsonRendering() throws {
        try Self.withFixture { f in
            let text = try Self.nationalDay(f).jsonText()
            let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(root["from"] as? String == "2024-09-23" && root["to"] as? String == "2024-10-13")
            let partners = try #require(root["partners"] as? [[String: Any]])
            #expect(partners.count == 9)
            let jiaxing = try #require(
                partners.first { ($0["partner"] as? [String: Any])?["slug"] as? String == "jiaxing" })
            let kinds = try #require(jiaxing["kinds"] as? [[String: Any]])
            let penalty = try #require(kinds.first { $0["kind"] as? String == "penalty" })
            let total = try #require(penalty["total"] as? [String: Any])
            #expect(total["declared"] as? Int == 7 && total["accepted"] as? Int == 4 && total["late"] as? Int == 1)
            #expect(total["timelinessRate"] as? Double == 0.75)
            let license = try #require(kinds.first { $0["kind"] as? String == "license" })
            let licenseTotal = try #require(license["total"] as? [String: Any])
            #expect(licenseTotal["reportingRate"] is NSNull)
            let late = try #require(penalty["lateRows"] as? [[String: Any]])
            #expect(late.count == 1 && late[0]["recordID"] as? String == f.id("P4"))
            #expect(late[0]["deadline"] as? String == "2024-10-11")
            let rankings = try #require(root["rankings"] as? [[String: Any]])
            #expect(rankings.map { $0["label"] as? String } == ["2024-09", "2024-10", "period"])
            Self.expectNoPersonalData(text)
        }
    }

    @Test func csvRendering() throws {
        try Self.withFixture { f in
            let text = try Self.nationalDay(f).csvText()
            #expect(text.hasPrefix("\u{FEFF}"))
            let lines = text.dropFirst().components(separatedBy: "\r\n").dropLast()
            #expect(lines.last?.isEmpty == false)
            #expect(lines.first == DualPublicityReport.csvColumns.joined(separator: ","))
            // 20 partner-kind sections × (total + 3 weeks + 2 months) + 3 rankings × 9 cities + header.
            #expect(lines.count == 1 + 20 * 6 + 27)
            #expect(
                lines.contains(
                    "total,period,2024-09-23,2024-10-13,jiaxing,嘉兴市,penalty,7,7,4,3,3,1,0,1.0000,0.5714,0.7500,,"))
            #expect(lines.contains("week,2024-W40,2024-09-30,2024-10-06,jiaxing,嘉兴市,penalty,0,0,0,0,0,0,0,,,,,"))
            #expect(
                lines.contains(
                    "month,2024-10,2024-10-01,2024-10-13,hefei,合肥市,license,4,3,3,0,1,1,1,0.7500,1.0000,0.5000,,"))
            #expect(
                lines.contains(
                    "ranking,2024-10,2024-10-01,2024-10-13,hefei,合肥市,license+penalty,4,3,3,0,1,1,1,0.7500,1.0000,0.5000,2,0.7500"
                ))
            #expect(
                lines.contains("ranking,period,2024-09-23,2024-10-13,suzhou,苏州市,license+penalty,0,0,0,0,0,0,0,,,,,"))
            for line in lines { #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == 19) }
            Self.expectNoPersonalData(text)
        }
    }

    @Test func htmlRendering() throws {
        try Self.withFixture { f in
            let text = try Self.nationalDay(f).htmlText()
            #expect(text.hasPrefix("<!DOCTYPE html>") && text.hasSuffix("</html>\n"))
            for external in ["http://", "https://", "<script", "<link", "src=", "url(", "@import"] {
                #expect(!text.contains(external), "external asset marker \(external)")
            }
            // Each ranking table has the nine cities' rows.
            let tables = text.components(separatedBy: "<table class=\"ranking\"").dropFirst()
            #expect(tables.count == 3)
            for table in tables {
                let body = table.components(separatedBy: "</table>")[0]
                for city in ReportPartner.g60Cities {
                    #expect(body.components(separatedBy: "data-partner=\"\(city.slug)\"").count == 2, "\(city.slug)")
                    #expect(body.contains(city.nameZh) && body.contains(city.nameEn))
                }
            }
            for label in ["上报率", "reporting", "合规率", "compliance", "及时率", "timeliness", "缺失批次", "missing batches"] {
                #expect(text.contains(label), "label \(label)")
            }
            #expect(text.contains(f.id("P4")) && text.contains(f.id("L2")))
            #expect(text.contains("<td>57.1%</td>") == false)  // 4/7 is below 90 %: marked low
            #expect(text.contains("<td class=\"low\">57.1%</td>"))
            #expect(text.contains("field.required"))
            Self.expectNoPersonalData(text)
        }
    }

    static func expectNoPersonalData(_ text: String) {
        #expect(!text.contains(ReportFixture.personIdentity))
        #expect(!text.contains(ReportFixture.personName))
        #expect(!text.contains("有限公司"))
        #expect(!text.contains("hmac-sha256"))
    }

    @Test func periodMustNotEndBeforeItStarts() throws {
        try Self.withFixture { f in
            #expect(throws: ReportError(ReportError.invalidPeriod, "")) {
                try DualPublicityReport.build(
                    store: f.store, calendar: f.calendar, from: ReportFixture.date("2024-10-02"),
                    to: ReportFixture.date("2024-10-01"))
            }
        }
    }

    @Test func helpersReadSchemasProblemsAndSequences() {
        let head = Array("g60-envelope: 1\nkind: records.batch\nschema: hefei.xzxk.v2\nsignature: x\n\nschema: no".utf8)
        #expect(DualPublicityReport.schema(ofEnvelopeHead: head) == "hefei.xzxk.v2")
        #expect(DualPublicityReport.schema(ofEnvelopeHead: Array("a: b\n\nschema: payload\n".utf8)) == nil)
        #expect(DualPublicityReport.kind(guessedFromSchema: "huzhou.xk.gbk") == "license")
        #expect(DualPublicityReport.kind(guessedFromSchema: "jiaxing.xzcf.v1") == "penalty")
        #expect(DualPublicityReport.kind(guessedFromSchema: "records.retract") == "retraction")
        #expect(DualPublicityReport.kind(guessedFromSchema: "g60.receipt.v1") == nil)
        #expect(DualPublicityReport.problemCodes("not json") == ["problems.unreadable"])
        #expect(DualPublicityReport.problemCodes(#"{"problems":[]}"#) == ["problems.unspecified"])
        #expect(
            DualPublicityReport.problemCodes(#"[{"code":"b"},{"code":"a","severity":"error"},{"code":"b"}]"#) == [
                "b", "a",
            ])
    }
}
