import Foundation
import GatewayCore

/// Where a record version came from.
public struct Provenance: Hashable, Sendable, Codable {
    /// The partner whose envelope carried it.
    public var partner: String
    /// The envelope's message id.
    public var messageID: String
    /// The row number in the partner's export (1-based, as the mapping report numbers rows).
    public var rowNumber: Int
    /// When the gateway received the envelope.
    public var receivedAt: Date

    public init(partner: String, messageID: String, rowNumber: Int, receivedAt: Date) {
        self.partner = partner
        self.messageID = messageID
        self.rowNumber = rowNumber
        self.receivedAt = receivedAt
    }
}

/// How storing a record changed the store.
public enum RecordChange: String, Hashable, Sendable, Codable {
    /// A record id not seen before: version 1.
    case created
    /// The same content as the current version: nothing written.
    case unchanged
    /// Changed content: a new version (a correction).
    case corrected
}

/// The result of storing one record.
public struct RecordPutResult: Hashable, Sendable {
    public var recordID: String
    /// The record's current version after the call.
    public var version: Int
    public var change: RecordChange
    /// For a retraction: the id of the record it withdrew (now or, when the target arrives later, then), if known.
    public var withdrewRecordID: String?
}

/// One version of a record, with its provenance.
public struct RecordVersion: Hashable, Sendable {
    public var recordID: String
    public var version: Int
    public var record: CanonicalRecord
    public var provenance: Provenance
}

/// Why and from when a record is withdrawn.
public struct Withdrawal: Hashable, Sendable {
    /// The retraction reason code (Contracts/codes/retraction-reasons.json).
    public var reason: String
    public var effectiveDate: CivilDate
    /// The id of the retraction record that withdrew it.
    public var retractionRecordID: String
}

/// A record's current state.
public struct StoredRecord: Hashable, Sendable {
    public var recordID: String
    public var version: Int
    public var record: CanonicalRecord
    public var provenance: Provenance
    /// Set when a retraction withdrew the record.
    public var withdrawal: Withdrawal?
}

/// A row a mapping rejected, kept with its raw bytes so that nothing accepted is lost.
public struct QuarantinedRow: Hashable, Sendable {
    public var partner: String
    public var messageID: String
    public var rowNumber: Int
    /// The row exactly as it was in the partner's export.
    public var raw: [UInt8]
    /// The problems as JSON (the mapping's row report), kept verbatim.
    public var problemsJSON: String
    public var receivedAt: Date

    public init(
        partner: String, messageID: String, rowNumber: Int, raw: [UInt8], problemsJSON: String, receivedAt: Date
    ) {
        self.partner = partner
        self.messageID = messageID
        self.rowNumber = rowNumber
        self.raw = raw
        self.problemsJSON = problemsJSON
        self.receivedAt = receivedAt
    }
}

/// Canonical records: current state, every version with provenance, quarantine and retractions.
public protocol RecordStore: Sendable {
    /// Stores records (each with its id already assigned) in one committed transaction. A record equal to its
    /// current version adds nothing; changed content adds a version; a retraction withdraws its target.
    func putRecords(_ records: [(record: CanonicalRecord, provenance: Provenance)]) throws -> [RecordPutResult]
    /// As `putRecords`, for records the caller prepared (encoded) already.
    func putPreparedRecords(_ records: [PreparedRecord]) throws -> [RecordPutResult]
    /// The current state of a record, or nil.
    func record(id: String) throws -> StoredRecord?
    /// Every version of a record, oldest first.
    func versions(of id: String) throws -> [RecordVersion]
    /// Keeps rejected rows (idempotent per partner, message id and row number).
    func quarantine(_ rows: [QuarantinedRow]) throws
    /// Quarantined rows of a partner, optionally of one message and one row.
    func quarantined(partner: String, messageID: String?, rowNumber: Int?) throws -> [QuarantinedRow]
    /// The clear identity number stored for an identity hash (`hmac-sha256:…`), or nil.
    func clearIdentityNumber(hash: String) throws -> String?
}

/// A record ready for the record store: its id checked and its canonical JSON (`CanonicalJSONWriter`, sorted keys; the form
/// versions are compared and stored in) computed, so that the encoding can run in the caller's threads.
public struct PreparedRecord: Sendable {
    public let record: CanonicalRecord
    public let provenance: Provenance
    public let recordID: String
    /// The canonical JSON as UTF-8 bytes, as the writer binds and compares it (no String is made: validating
    /// ~750 bytes of mostly CJK text as a String cost about 7k instructions per record); never holds a clear
    /// identity number.
    public let canonicalBytes: [UInt8]

    /// The canonical JSON as text.
    public var canonicalJSON: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// Checks the id and encodes one record.
    public init(_ record: CanonicalRecord, provenance: Provenance) throws {
        try self.init(record, provenance: provenance, canonicalJSON: nil)
    }

    private init(_ record: CanonicalRecord, provenance: Provenance, canonicalJSON: String?) throws {
        guard let id = record.id, !id.isEmpty else {
            throw StoreError(
                StoreError.invalidArgument,
                "record at row \(provenance.rowNumber) of message \(provenance.messageID) from \(provenance.partner) "
                    + "has no id; assign it (CanonicalRecord.assignID) before storing")
        }
        self.record = record
        self.provenance = provenance
        self.recordID = id
        if let canonicalJSON {
            self.canonicalBytes = Array(canonicalJSON.utf8)
        } else {
            var writer = CanonicalJSONWriter()
            writer.writeRecord(record)
            self.canonicalBytes = writer.bytes
        }
    }

    /// Prepares many records.
    public static func prepare(_ records: [(record: CanonicalRecord, provenance: Provenance)]) throws
        -> [PreparedRecord]
    {
        // One pass, each record copied once (a CanonicalRecord copy retains dozens of strings); the first record
        // without an id throws before anything is written, as before.
        var prepared: [PreparedRecord] = []
        prepared.reserveCapacity(records.count)
        for (record, provenance) in records {
            prepared.append(try PreparedRecord(record, provenance: provenance, canonicalJSON: nil))
        }
        return prepared
    }
}
