import GatewayCore

/// The dual-publicity (双公示) monitoring report: per partner city and record kind, the reporting, compliance and
/// timeliness rates over a period, with weekly and monthly columns and the nine cities ranked per month, as the
/// weekly monitoring and the monthly circular (周监测、月通报) show them.
///
/// Built by `DualPublicityReport.build(store:calendar:from:to:)`; rendered by `jsonText()`, `csvText()` and
/// `htmlText()`. It holds record ids, message ids and codes only: never an identity number or a person's name.
public struct DualPublicityReport: Encodable, Sendable {
    /// The first day of the period (China Standard Time).
    public var from: CivilDate
    /// The last day of the period, inclusive.
    public var to: CivilDate
    /// The time zone days are counted in.
    public var timeZone: String = "UTC+08:00"
    /// One section per partner: the configured cities in their order, then any other sender seen in the period.
    public var partners: [PartnerSection]
    /// One ranking per calendar month touched by the period, then one for the whole period.
    public var rankings: [Ranking]
    /// How the figures are counted, for the reader.
    public var notes: [String]
}

/// A partner city as the report names it.
public struct ReportPartner: Codable, Hashable, Sendable {
    /// The folder slug in `Partners/`.
    public var slug: String
    public var nameZh: String
    public var nameEn: String

    public init(slug: String, nameZh: String, nameEn: String) {
        self.slug = slug
        self.nameZh = nameZh
        self.nameEn = nameEn
    }

    /// The nine G60 cities (ARCHITECTURE.md), in the order the circular lists them.
    public static let g60Cities: [ReportPartner] = [
        ReportPartner(slug: "songjiang", nameZh: "上海市松江区", nameEn: "Songjiang"),
        ReportPartner(slug: "jiaxing", nameZh: "嘉兴市", nameEn: "Jiaxing"),
        ReportPartner(slug: "hangzhou", nameZh: "杭州市", nameEn: "Hangzhou"),
        ReportPartner(slug: "jinhua", nameZh: "金华市", nameEn: "Jinhua"),
        ReportPartner(slug: "suzhou", nameZh: "苏州市", nameEn: "Suzhou"),
        ReportPartner(slug: "huzhou", nameZh: "湖州市", nameEn: "Huzhou"),
        ReportPartner(slug: "xuancheng", nameZh: "宣城市", nameEn: "Xuancheng"),
        ReportPartner(slug: "wuhu", nameZh: "芜湖市", nameEn: "Wuhu"),
        ReportPartner(slug: "hefei", nameZh: "合肥市", nameEn: "Hefei"),
    ]
}

/// Row counts and the three rates computed from them.
public struct ReportFigures: Encodable, Hashable, Sendable {
    /// Rows the partner declared in its envelopes' record counts.
    public var declared = 0
    /// Rows received: accepted plus quarantined.
    public var received = 0
    public var accepted = 0
    public var quarantined = 0
    /// Accepted rows received by the 7th working day after their decision date.
    public var onTime = 0
    /// Accepted rows received after it.
    public var late = 0
    /// Accepted rows whose deadline cannot be computed (no decision date, or outside the loaded calendar).
    public var undetermined = 0

    public init() {}

    /// 上报率: received ÷ declared; nil when nothing was declared. May exceed 1 (more rows than declared).
    public var reportingRate: Double? { declared > 0 ? Double(received) / Double(declared) : nil }
    /// 合规率: accepted ÷ received; nil when nothing was received.
    public var complianceRate: Double? { received > 0 ? Double(accepted) / Double(received) : nil }
    /// 及时率: on time ÷ (on time + late); nil when no accepted row could be judged.
    public var timelinessRate: Double? { onTime + late > 0 ? Double(onTime) / Double(onTime + late) : nil }
    /// Whether anything at all was declared or received.
    public var isEmpty: Bool { declared == 0 && received == 0 }

    public static func + (a: ReportFigures, b: ReportFigures) -> ReportFigures {
        var s = ReportFigures()
        s.declared = a.declared + b.declared
        s.received = a.received + b.received
        s.accepted = a.accepted + b.accepted
        s.quarantined = a.quarantined + b.quarantined
        s.onTime = a.onTime + b.onTime
        s.late = a.late + b.late
        s.undetermined = a.undetermined + b.undetermined
        return s
    }

    enum CodingKeys: String, CodingKey {
        case declared, received, accepted, quarantined, onTime, late, undetermined
        case reportingRate, complianceRate, timelinessRate
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(declared, forKey: .declared)
        try c.encode(received, forKey: .received)
        try c.encode(accepted, forKey: .accepted)
        try c.encode(quarantined, forKey: .quarantined)
        try c.encode(onTime, forKey: .onTime)
        try c.encode(late, forKey: .late)
        try c.encode(undetermined, forKey: .undetermined)
        // Nil rates are written as null so every object has the same keys.
        try c.encode(reportingRate, forKey: .reportingRate)
        try c.encode(complianceRate, forKey: .complianceRate)
        try c.encode(timelinessRate, forKey: .timelinessRate)
    }
}

/// Figures of one week or month of the period.
public struct PeriodFigures: Encodable, Hashable, Sendable {
    /// `2024-W40` (ISO week) or `2024-10`.
    public var label: String
    /// The first day counted (clipped to the report period).
    public var start: CivilDate
    /// The last day counted (clipped to the report period).
    public var end: CivilDate
    public var figures: ReportFigures
}

/// A rejection reason: a problem code and how many quarantined rows carry it.
public struct ReasonCount: Encodable, Hashable, Sendable {
    public var code: String
    public var rows: Int
}

/// An accepted row received after its publication deadline.
public struct LateRow: Encodable, Hashable, Sendable {
    public var recordID: String
    public var version: Int
    public var messageID: String
    public var rowNumber: Int
    public var decisionDate: CivilDate
    /// The 7th working day after the decision (official calendar with make-up workdays).
    public var deadline: CivilDate
    public var receivedDate: CivilDate
    /// Working days after the deadline (nil when the received date is outside the loaded calendar).
    public var workdaysLate: Int?
}

/// A run of sender sequence numbers never received: missing batches.
public struct SequenceGap: Encodable, Hashable, Sendable {
    public var firstMissing: Int64
    public var lastMissing: Int64
    /// How many batches are missing in the run.
    public var count: Int64
    /// The message id of the envelope before the gap, when it was received in the period.
    public var previousMessageID: String?
    /// The message id of the envelope after the gap.
    public var nextMessageID: String
}

/// One record kind of one partner.
public struct KindSection: Encodable, Hashable, Sendable {
    /// A `RecordKind` raw value, or `unclassified` for rows whose kind cannot be told.
    public var kind: String
    public var labelZh: String
    public var labelEn: String
    /// Whether the 7-working-day publication rule applies (licences and penalties).
    public var timelinessApplies: Bool
    public var total: ReportFigures
    public var weeks: [PeriodFigures]
    public var months: [PeriodFigures]
    /// The most frequent problem codes of quarantined rows, most frequent first.
    public var topRejections: [ReasonCount]
    /// Late rows, by received date then record id.
    public var lateRows: [LateRow]
    /// Record ids of accepted rows whose deadline cannot be computed.
    public var undeterminedRecordIDs: [String]
}

/// One partner city.
public struct PartnerSection: Encodable, Hashable, Sendable {
    public var partner: ReportPartner
    /// Inbound envelopes logged in the period (every kind).
    public var envelopes: Int
    /// Missing batches: gaps in the sender's sequence numbers.
    public var sequenceGaps: [SequenceGap]
    /// The number of missing batches (sum of the gaps' counts).
    public var missingBatches: Int64
    public var kinds: [KindSection]
}

/// The cities ranked over one month (or the whole period) on licences and penalties together.
public struct Ranking: Encodable, Hashable, Sendable {
    public struct Entry: Encodable, Hashable, Sendable {
        /// 1 for the best; equal scores share a rank; nil for a city with no data (listed last).
        public var rank: Int?
        public var partner: ReportPartner
        public var figures: ReportFigures
        /// The mean of the three rates (reporting capped at 1; a rate without denominator counts as 0).
        public var score: Double?
    }

    /// `2024-10`, or `period` for the whole period.
    public var label: String
    public var start: CivilDate
    public var end: CivilDate
    public var entries: [Entry]
}
