import Foundation

/// An inbound envelope as the monitoring reports see it: its header facts, never its payload.
public struct InboundEnvelopeFacts: Hashable, Sendable {
    /// The message log position.
    public var position: Int64
    public var messageID: String
    public var sender: String
    /// The envelope kind (`records.batch`, `records.retract`, `receipt` …).
    public var kind: String
    /// The sender's own counter, when the envelope had one.
    public var sequence: Int64?
    /// The record count the envelope declared.
    public var recordCount: Int
    public var loggedAt: Date
    /// The start of the raw envelope up to and including its first empty line (two LF bytes), at most
    /// `ReportSource.headPrefixLength` bytes: the header of a G60 envelope (Contracts/envelope/v1), for callers that
    /// want more of it than the store keeps in columns (e.g. the payload schema). Never the payload of such an
    /// envelope. Empty when an encrypted envelope has no such header (its bytes are then all payload, which the
    /// store keeps only encrypted); an envelope stored in clear (no identity key) returns its first bytes.
    public var head: [UInt8]

    public init(
        position: Int64, messageID: String, sender: String, kind: String, sequence: Int64?, recordCount: Int,
        loggedAt: Date, head: [UInt8]
    ) {
        self.position = position
        self.messageID = messageID
        self.sender = sender
        self.kind = kind
        self.sequence = sequence
        self.recordCount = recordCount
        self.loggedAt = loggedAt
        self.head = head
    }
}

/// One accepted row (one stored record version) as the monitoring reports see it: ids and dates, no content.
public struct AcceptedRowFacts: Hashable, Sendable {
    public var recordID: String
    public var version: Int
    /// The record kind (`RecordKind` raw value).
    public var kind: String
    public var partner: String
    public var messageID: String
    public var rowNumber: Int
    public var receivedAt: Date
    /// The date the publication clock runs from, `YYYY-MM-DD` as stored: the decision date of licences and
    /// penalties, the publication date of debtor listings, the listing date of list entries, the effective date of
    /// retractions. Nil when the stored record has none.
    public var referenceDate: String?

    public init(
        recordID: String, version: Int, kind: String, partner: String, messageID: String, rowNumber: Int,
        receivedAt: Date, referenceDate: String?
    ) {
        self.recordID = recordID
        self.version = version
        self.kind = kind
        self.partner = partner
        self.messageID = messageID
        self.rowNumber = rowNumber
        self.receivedAt = receivedAt
        self.referenceDate = referenceDate
    }
}

/// One quarantined row as the monitoring reports see it: where it came from and its problems, not its raw bytes.
public struct QuarantinedRowFacts: Hashable, Sendable {
    public var partner: String
    public var messageID: String
    public var rowNumber: Int
    public var receivedAt: Date
    /// The problems JSON exactly as the mapping stored it.
    public var problemsJSON: String

    public init(partner: String, messageID: String, rowNumber: Int, receivedAt: Date, problemsJSON: String) {
        self.partner = partner
        self.messageID = messageID
        self.rowNumber = rowNumber
        self.receivedAt = receivedAt
        self.problemsJSON = problemsJSON
    }
}

/// Read-only aggregate queries for the monitoring reports (weekly monitoring, monthly circular).
///
/// Intervals are half-open, `[from, before)`. Each query is one pass over its table, in one read snapshot.
public protocol ReportSource: Sendable {
    /// Inbound envelopes logged in `[from, before)`, by log position.
    func inboundEnvelopes(loggedFrom from: Date, before: Date) throws -> [InboundEnvelopeFacts]
    /// One inbound envelope by sender and message id, or nil.
    func inboundEnvelope(sender: String, messageID: String) throws -> InboundEnvelopeFacts?
    /// Per sender, the highest sequence number of the inbound envelopes logged before `date`.
    func lastInboundSequences(loggedBefore date: Date) throws -> [String: Int64]
    /// Accepted rows (record versions) received in `[from, before)`, by received time.
    func acceptedRows(receivedFrom from: Date, before: Date) throws -> [AcceptedRowFacts]
    /// Quarantined rows received in `[from, before)`, by received time.
    func quarantinedRows(receivedFrom from: Date, before: Date) throws -> [QuarantinedRowFacts]
}

extension ReportSource {
    /// How much of each raw envelope `inboundEnvelopes` returns: the envelope header limit (Contracts/envelope/v1).
    public static var headPrefixLength: Int { 8192 }
}
