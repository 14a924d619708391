import Foundation
import GatewayCore
import GatewayStore

/// Choices of how the report is built; the defaults are the G60 exchange's.
public struct DualPublicityReportOptions: Sendable {
    /// The cities listed and ranked, in order.
    public var partners: [ReportPartner]
    /// Envelope payload schemas (the envelope's `schema` header) mapped to record kinds, for envelopes whose rows
    /// were all rejected; otherwise the kind is read from the envelope's accepted rows or guessed from the schema
    /// name (`…xzxk…`/`license` → licence, `…xzcf…`/`penalty` → penalty …).
    public var schemaKinds: [String: String]
    /// How many rejection reasons are listed per partner and kind.
    public var topReasons: Int

    public init(
        partners: [ReportPartner] = ReportPartner.g60Cities, schemaKinds: [String: String] = [:], topReasons: Int = 5
    ) {
        self.partners = partners
        self.schemaKinds = schemaKinds
        self.topReasons = topReasons
    }
}

extension DualPublicityReport {
    /// The kind label used for rows whose record kind cannot be told.
    public static let unclassified = "unclassified"

    /// Kinds in report order, with their Chinese and English labels.
    static let kindLabels: [(kind: String, zh: String, en: String)] = [
        (RecordKind.license.rawValue, "行政许可", "licences"),
        (RecordKind.penalty.rawValue, "行政处罚", "penalties"),
        (RecordKind.dishonestDebtor.rawValue, "失信被执行人", "dishonest judgment debtors"),
        (RecordKind.listEntry.rawValue, "红黑名单", "red/black list entries"),
        (RecordKind.retraction.rawValue, "撤销与信用修复", "retractions"),
        (unclassified, "未归类", "unclassified"),
    ]

    /// The kinds the 7-working-day publication rule applies to, and that the circular ranks.
    static let dualPublicityKinds: Set<String> = [RecordKind.license.rawValue, RecordKind.penalty.rawValue]

    /// Builds the report of the days `from` … `to` (inclusive, China Standard Time) from the store's message log,
    /// records and quarantine.
    ///
    /// - Parameters:
    ///   - store: the store's read-only report queries.
    ///   - calendar: the official working-day calendar (holidays and make-up workdays).
    ///   - from: the first day.
    ///   - to: the last day.
    ///   - options: partners, schema kinds, number of reasons.
    /// - Throws: `ReportError` `report.invalidPeriod` when `to` is before `from`; the store's errors.
    public static func build(
        store: some ReportSource, calendar: WorkingDayCalendar, from: CivilDate, to: CivilDate,
        options: DualPublicityReportOptions = DualPublicityReportOptions()
    ) throws -> DualPublicityReport {
        guard from <= to else {
            throw ReportError(ReportError.invalidPeriod, "the period ends (\(to)) before it starts (\(from))")
        }
        let start = instant(from)
        let end = instant(to.adding(days: 1))
        let envelopes = try store.inboundEnvelopes(loggedFrom: start, before: end)
        let baselines = try store.lastInboundSequences(loggedBefore: start)
        let accepted = try store.acceptedRows(receivedFrom: start, before: end)
        let quarantined = try store.quarantinedRows(receivedFrom: start, before: end)

        var builder = Builder(from: from, to: to, calendar: calendar, options: options)
        builder.classify(envelopes: envelopes, accepted: accepted)
        // Rows quarantined in the period from an envelope logged before it (mapped after midnight): that
        // envelope's schema tells their kind.
        var earlier = Set<Builder.MessageKey>()
        for row in quarantined {
            let key = Builder.MessageKey(sender: row.partner, messageID: row.messageID)
            if builder.messageKinds[key] == nil { earlier.insert(key) }
        }
        for key in earlier {
            if let envelope = try store.inboundEnvelope(sender: key.sender, messageID: key.messageID) {
                builder.classify(envelope: envelope)
            }
        }
        for envelope in envelopes where envelope.kind.hasPrefix("records") {
            builder.add(envelope: envelope)
        }
        for row in accepted { builder.add(accepted: row) }
        for row in quarantined { builder.add(quarantined: row) }
        return builder.finish(envelopes: envelopes, baselines: baselines)
    }

    /// The instant a day starts in China Standard Time.
    static func instant(_ day: CivilDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(day.dayNumber * 86_400 - 8 * 3_600))
    }

    /// The China Standard Time day of an instant.
    static func day(_ instant: Date) -> CivilDate { CivilDate.today(now: instant) }

    /// The problem codes of a quarantined row (errors only, each once), from the mapping's row report
    /// (`{"problems": [{"code", "severity", …}]}`) or a bare problem array.
    static func problemCodes(_ json: String) -> [String] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        else { return ["problems.unreadable"] }
        let list: [Any]
        if let object = value as? [String: Any] {
            list = object["problems"] as? [Any] ?? []
        } else {
            list = value as? [Any] ?? []
        }
        var codes: [String] = []
        for case let problem as [String: Any] in list {
            guard let code = problem["code"] as? String, !code.isEmpty else { continue }
            if (problem["severity"] as? String) == "warning" { continue }
            if !codes.contains(code) { codes.append(code) }
        }
        return codes.isEmpty ? ["problems.unspecified"] : codes
    }

    /// The `schema` header of an envelope, from the start of its raw bytes (Contracts/envelope/v1: header lines
    /// `name: value` up to an empty line).
    static func schema(ofEnvelopeHead head: [UInt8]) -> String? {
        var lineStart = 0
        let prefix = Array("schema: ".utf8)
        for i in head.indices where head[i] == 0x0A {
            if i == lineStart { return nil }  // the empty line ends the header
            let line = head[lineStart..<i]
            if line.starts(with: prefix) {
                return String(decoding: line.dropFirst(prefix.count), as: UTF8.self)
            }
            lineStart = i + 1
        }
        return nil
    }

    /// A record kind guessed from a schema or dialect name's tokens, or nil.
    static func kind(guessedFromSchema schema: String) -> String? {
        let tokens = schema.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        let table: [String: RecordKind] = [
            "license": .license, "licence": .license, "licenses": .license, "xzxk": .license, "xk": .license,
            "penalty": .penalty, "penalties": .penalty, "xzcf": .penalty, "cf": .penalty,
            "dishonestdebtor": .dishonestDebtor, "debtor": .dishonestDebtor, "sxbzxr": .dishonestDebtor,
            "listentry": .listEntry, "list": .listEntry, "hhmd": .listEntry,
            "retraction": .retraction, "retract": .retraction, "xyxf": .retraction,
        ]
        for token in tokens {
            if let kind = table[token] { return kind.rawValue }
        }
        return nil
    }
}

/// The report's accumulators.
struct Builder {
    struct MessageKey: Hashable {
        var sender: String
        var messageID: String
    }

    struct Cell {
        var total = ReportFigures()
        var weeks: [CivilDate: ReportFigures] = [:]  // keyed by the week's Monday
        var months: [Int: ReportFigures] = [:]  // keyed by year * 12 + month - 1
        var reasons: [String: Int] = [:]
        var late: [LateRow] = []
        var undetermined: [String] = []

        mutating func update(day: CivilDate, _ change: (inout ReportFigures) -> Void) {
            change(&total)
            change(&weeks[Builder.monday(of: day), default: ReportFigures()])
            change(&months[Builder.monthKey(day), default: ReportFigures()])
        }
    }

    let from: CivilDate
    let to: CivilDate
    let calendar: WorkingDayCalendar
    let options: DualPublicityReportOptions
    var messageKinds: [MessageKey: String] = [:]
    var cells: [String: [String: Cell]] = [:]  // partner → kind → cell

    init(from: CivilDate, to: CivilDate, calendar: WorkingDayCalendar, options: DualPublicityReportOptions) {
        self.from = from
        self.to = to
        self.calendar = calendar
        self.options = options
    }

    static func monday(of day: CivilDate) -> CivilDate { day.adding(days: 1 - day.isoWeekday) }
    static func monthKey(_ day: CivilDate) -> Int { day.year * 12 + day.month - 1 }

    /// Decides each message's record kind: the schema table, else its accepted rows' most common kind, else a
    /// guess from the schema name or the envelope kind.
    mutating func classify(envelopes: [InboundEnvelopeFacts], accepted: [AcceptedRowFacts]) {
        var counts: [MessageKey: [String: Int]] = [:]
        for row in accepted {
            counts[MessageKey(sender: row.partner, messageID: row.messageID), default: [:]][row.kind, default: 0] += 1
        }
        for (key, byKind) in counts {
            messageKinds[key] = byKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }[0].key
        }
        for envelope in envelopes where envelope.kind.hasPrefix("records") { classify(envelope: envelope) }
    }

    /// Decides one envelope's kind from its schema (table, then name), unless its accepted rows decided it.
    mutating func classify(envelope: InboundEnvelopeFacts) {
        let key = MessageKey(sender: envelope.sender, messageID: envelope.messageID)
        let schema = DualPublicityReport.schema(ofEnvelopeHead: envelope.head)
        if let schema, let kind = options.schemaKinds[schema] {
            messageKinds[key] = kind
        } else if messageKinds[key] == nil {
            messageKinds[key] =
                schema.flatMap(DualPublicityReport.kind(guessedFromSchema:))
                ?? DualPublicityReport.kind(guessedFromSchema: envelope.kind)
                ?? DualPublicityReport.unclassified
        }
    }

    mutating func add(envelope: InboundEnvelopeFacts) {
        let kind =
            messageKinds[MessageKey(sender: envelope.sender, messageID: envelope.messageID)]
            ?? DualPublicityReport.unclassified
        cells[envelope.sender, default: [:]][kind, default: Cell()].update(
            day: DualPublicityReport.day(envelope.loggedAt)
        ) {
            $0.declared += envelope.recordCount
        }
    }

    /// Deadlines by decision date (nil: outside the loaded calendar); a month of rows has few distinct dates.
    var deadlines: [CivilDate: CivilDate?] = [:]

    mutating func deadline(_ decision: CivilDate) -> CivilDate? {
        if let known = deadlines[decision] { return known }
        let computed = try? calendar.publicationDeadline(decisionDate: decision)
        deadlines[decision] = computed
        return computed
    }

    /// Runs `body` on a cell in place (no copy of its arrays).
    mutating func modify(_ partner: String, _ kind: String, _ body: (inout Cell) -> Void) {
        body(&cells[partner, default: [:]][kind, default: Cell()])
    }

    mutating func add(accepted row: AcceptedRowFacts) {
        let received = DualPublicityReport.day(row.receivedAt)
        enum Verdict {
            case notApplicable, onTime
            case late(LateRow)
            case undetermined
        }
        var verdict = Verdict.notApplicable
        if DualPublicityReport.dualPublicityKinds.contains(row.kind) {
            if let decision = row.referenceDate.flatMap(CivilDate.init(iso:)), let deadline = deadline(decision) {
                if received <= deadline {
                    verdict = .onTime
                } else {
                    verdict = .late(
                        LateRow(
                            recordID: row.recordID, version: row.version, messageID: row.messageID,
                            rowNumber: row.rowNumber, decisionDate: decision, deadline: deadline,
                            receivedDate: received,
                            workdaysLate: try? calendar.workdays(from: deadline, to: received)))
                }
            } else {
                verdict = .undetermined
            }
        }
        modify(row.partner, row.kind) { cell in
            cell.update(day: received) {
                $0.received += 1
                $0.accepted += 1
                switch verdict {
                case .notApplicable: break
                case .onTime: $0.onTime += 1
                case .late: $0.late += 1
                case .undetermined: $0.undetermined += 1
                }
            }
            switch verdict {
            case .late(let late): cell.late.append(late)
            case .undetermined: cell.undetermined.append(row.recordID)
            case .notApplicable, .onTime: break
            }
        }
    }

    mutating func add(quarantined row: QuarantinedRowFacts) {
        let kind =
            messageKinds[MessageKey(sender: row.partner, messageID: row.messageID)]
            ?? DualPublicityReport.unclassified
        let codes = DualPublicityReport.problemCodes(row.problemsJSON)
        modify(row.partner, kind) { cell in
            cell.update(day: DualPublicityReport.day(row.receivedAt)) {
                $0.received += 1
                $0.quarantined += 1
            }
            for code in codes { cell.reasons[code, default: 0] += 1 }
        }
    }

    /// The weeks (ISO, Monday first) and months of the period, clipped to it.
    func weeks() -> [(key: CivilDate, label: String, start: CivilDate, end: CivilDate)] {
        var out: [(key: CivilDate, label: String, start: CivilDate, end: CivilDate)] = []
        var monday = Builder.monday(of: from)
        while monday <= to {
            let thursday = monday.adding(days: 3)
            let week = (thursday.dayNumber - firstOfYear(thursday.year)) / 7 + 1
            let label = "\(thursday.year)-W" + (week < 10 ? "0\(week)" : "\(week)")
            out.append((key: monday, label: label, start: max(monday, from), end: min(monday.adding(days: 6), to)))
            monday = monday.adding(days: 7)
        }
        return out
    }

    private func firstOfYear(_ year: Int) -> Int {
        (CivilDate(year: year, month: 1, day: 1) ?? from).dayNumber
    }

    func months() -> [(key: Int, label: String, start: CivilDate, end: CivilDate)] {
        var out: [(key: Int, label: String, start: CivilDate, end: CivilDate)] = []
        var key = Builder.monthKey(from)
        while key <= Builder.monthKey(to) {
            let year = key / 12
            let month = key % 12 + 1
            guard let first = CivilDate(year: year, month: month, day: 1) else { break }
            let last = first.adding(months: 1).adding(days: -1)
            let label = "\(year)-" + (month < 10 ? "0\(month)" : "\(month)")
            out.append((key: key, label: label, start: max(first, from), end: min(last, to)))
            key += 1
        }
        return out
    }

    func finish(envelopes: [InboundEnvelopeFacts], baselines: [String: Int64]) -> DualPublicityReport {
        let weeks = weeks()
        let months = months()
        let known = Set(options.partners.map(\.slug))
        let others = Set(cells.keys).union(envelopes.map(\.sender)).subtracting(known).sorted()
        let partners = options.partners + others.map { ReportPartner(slug: $0, nameZh: $0, nameEn: $0) }
        let gaps = Builder.sequenceGaps(envelopes: envelopes, baselines: baselines)

        var sections: [PartnerSection] = []
        for partner in partners {
            let byKind = cells[partner.slug] ?? [:]
            var kinds: [KindSection] = []
            for label in DualPublicityReport.kindLabels {
                let always = DualPublicityReport.dualPublicityKinds.contains(label.kind)
                guard always || byKind[label.kind] != nil else { continue }
                let cell = byKind[label.kind] ?? Builder.Cell()
                kinds.append(
                    KindSection(
                        kind: label.kind, labelZh: label.zh, labelEn: label.en, timelinessApplies: always,
                        total: cell.total,
                        weeks: weeks.map {
                            PeriodFigures(
                                label: $0.label, start: $0.start, end: $0.end,
                                figures: cell.weeks[$0.key] ?? ReportFigures())
                        },
                        months: months.map {
                            PeriodFigures(
                                label: $0.label, start: $0.start, end: $0.end,
                                figures: cell.months[$0.key] ?? ReportFigures())
                        },
                        topRejections: cell.reasons.sorted {
                            $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
                        }
                        .prefix(options.topReasons).map { ReasonCount(code: $0.key, rows: $0.value) },
                        lateRows: cell.late.sorted {
                            ($0.receivedDate, $0.recordID, $0.version) < ($1.receivedDate, $1.recordID, $1.version)
                        },
                        undeterminedRecordIDs: cell.undetermined.sorted()))
            }
            let partnerGaps = gaps[partner.slug] ?? []
            sections.append(
                PartnerSection(
                    partner: partner, envelopes: envelopes.filter { $0.sender == partner.slug }.count,
                    sequenceGaps: partnerGaps, missingBatches: partnerGaps.reduce(0) { $0 + $1.count }, kinds: kinds))
        }

        var rankings: [Ranking] = []
        for month in months {
            rankings.append(
                rank(label: month.label, start: month.start, end: month.end) { cell in
                    cell.months[month.key] ?? ReportFigures()
                })
        }
        rankings.append(rank(label: "period", start: from, end: to) { $0.total })

        return DualPublicityReport(
            from: from, to: to, partners: sections, rankings: rankings, notes: DualPublicityReport.notes)
    }

    /// Ranks the configured cities on licences and penalties together.
    func rank(label: String, start: CivilDate, end: CivilDate, figures: (Cell) -> ReportFigures) -> Ranking {
        var entries: [Ranking.Entry] = options.partners.map { partner in
            let byKind = cells[partner.slug] ?? [:]
            let sum = DualPublicityReport.dualPublicityKinds.sorted().reduce(ReportFigures()) {
                $0 + (byKind[$1].map(figures) ?? ReportFigures())
            }
            var score: Double?
            if !sum.isEmpty {
                let reporting = min(sum.reportingRate ?? 0, 1)
                score = (reporting + (sum.complianceRate ?? 0) + (sum.timelinessRate ?? 0)) / 3
            }
            return Ranking.Entry(rank: nil, partner: partner, figures: sum, score: score)
        }
        func key(_ e: Ranking.Entry) -> [Double] {
            [
                e.score ?? -1, e.figures.timelinessRate ?? -1, e.figures.complianceRate ?? -1,
                e.figures.reportingRate ?? -1,
            ]
        }
        entries.sort { a, b in
            let ka = key(a)
            let kb = key(b)
            if ka != kb { return ka.lexicographicallyPrecedes(kb, by: >) }
            return a.partner.slug < b.partner.slug
        }
        var previous: Double?
        var previousRank = 0
        for i in entries.indices {
            guard let score = entries[i].score else { continue }
            if let previous, abs(previous - score) < 1e-12 {
                entries[i].rank = previousRank
            } else {
                entries[i].rank = i + 1
                previousRank = i + 1
            }
            previous = score
        }
        return Ranking(label: label, start: start, end: end, entries: entries)
    }

    /// Missing batches per sender: sequence numbers skipped between the last one received before the period (or
    /// the first received in it) and the highest received in it, that no envelope of the period carries.
    static func sequenceGaps(envelopes: [InboundEnvelopeFacts], baselines: [String: Int64]) -> [String: [SequenceGap]] {
        var bySender: [String: [Int64: String]] = [:]
        for envelope in envelopes {
            guard let sequence = envelope.sequence else { continue }
            if bySender[envelope.sender]?[sequence] == nil {
                bySender[envelope.sender, default: [:]][sequence] = envelope.messageID
            }
        }
        var out: [String: [SequenceGap]] = [:]
        for (sender, messages) in bySender {
            var previous: Int64? = baselines[sender]
            var previousMessage: String?
            for sequence in messages.keys.sorted() {
                guard let message = messages[sequence] else { continue }
                if let p = previous, sequence <= p { continue }
                if let p = previous, sequence > p + 1 {
                    out[sender, default: []].append(
                        SequenceGap(
                            firstMissing: p + 1, lastMissing: sequence - 1, count: sequence - 1 - p,
                            previousMessageID: previousMessage, nextMessageID: message))
                }
                previous = sequence
                previousMessage = message
            }
        }
        return out
    }
}

extension DualPublicityReport {
    /// How the figures are counted (shown in every rendering).
    static let notes: [String] = [
        "上报率 reporting rate = rows received (accepted + quarantined) ÷ rows declared in the envelopes' record counts; "
            + "missing batches are gaps in each sender's envelope sequence numbers.",
        "合规率 compliance rate = rows accepted ÷ rows received; rejection reasons are the problem codes of quarantined rows.",
        "及时率 timeliness rate = accepted licence and penalty rows received by the 7th working day after their "
            + "decision date (official calendar with make-up workdays) ÷ those rows; a row whose deadline cannot be "
            + "computed is counted apart as undetermined.",
        "Days are China Standard Time (UTC+08:00); envelopes are counted on the day they were logged, rows on the day "
            + "they were received.",
        "A row resent unchanged is not stored again and therefore not counted as received; a correction counts as a row.",
        "Ranking: the mean of the three rates on licences and penalties together (reporting rate capped at 100%, a rate "
            + "without a denominator counts as 0); ties share a rank; cities without data come last, unranked.",
    ]
}
