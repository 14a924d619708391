import Foundation
import GatewayCore
import GatewayCrypto
import GatewayMapping
import GatewayStore

/// Takes inbound work (logged envelopes awaiting mapping), maps each with the sender's dialect, stores accepted
/// records and quarantines rejected rows, queues every new record or version for the partners that subscribe to
/// its kind, and queues a `validation.report` with per-row verdicts for the sender.
///
/// Schemas of mapped envelopes: `dialect/<kind>` — the payload is the sender's own export for that record kind,
/// read with `Partners/<sender>/partner.json`'s dialect; `g60.record/v1` — canonical records as JSON Lines.
///
/// Crash safety: records and quarantine are committed first; the fan-out (one `records` item per subscribing
/// partner per chunk of the envelope, see `FanOut`) and the validation report commit together with the work item's
/// completion. A worker that dies leaves its lease to expire and the item is mapped again: records and quarantine
/// are idempotent and the fan-out is built again for every version this envelope created, so a crash never loses a
/// delivery (a worker whose lease was taken over queues nothing: the completion fails and rolls the fan-out back).
public final class MappingWorker: @unchecked Sendable {
    let store: SQLiteStore
    let partners: PartnerDirectory
    let codes: CodeTables
    let keyring: SubjectKeyring
    let today: @Sendable () -> CivilDate
    let owner: String
    let metrics: OperationsCounters?
    let logger: Logger
    let json = MappingJSON()
    /// How long a leased envelope stays with this worker before another may take it (a crashed worker's lease
    /// expires after this); `workers.leaseSeconds` in the service.
    public var leaseDuration: TimeInterval = 300
    /// Re-evaluates the joint measures of the subjects whose records were stored (nil: no dispatch).
    let dispatcher: MeasureDispatcher?
    /// The largest payload of one fan-out item (a partner's share of an envelope is cut into items of at most
    /// this size, so that a delivery envelope of one or more items stays under the receivers' body limit).
    public var fanOutBytes = 256 * 1024
    /// Where the per-stage time goes (the ingest benchmark reads it).
    let profile = ExchangeProfile.shared

    public init(
        store: SQLiteStore, partners: PartnerDirectory, codes: CodeTables, keyring: SubjectKeyring,
        today: @escaping @Sendable () -> CivilDate = { CivilDate.today() }, owner: String,
        metrics: OperationsCounters? = nil, logger: Logger, dispatcher: MeasureDispatcher? = nil
    ) {
        self.dispatcher = dispatcher
        self.store = store
        self.partners = partners
        self.codes = codes
        self.keyring = keyring
        self.today = today
        self.owner = owner
        self.metrics = metrics
        self.logger = logger
    }

    /// Maps what is due now; returns how many envelopes were handled.
    @discardableResult
    public func runOnce(limit: Int = 4) throws -> Int {
        let items = try store.lease(direction: .inbound, partner: nil, limit: limit, owner: owner, duration: leaseDuration)
        for item in items {
            do {
                let deliveries = try process(item)
                // The fan-out and the end of the work item commit together.
                try profile.measure(.fanOut) { _ = try store.enqueue(deliveries, completing: item.id, owner: owner) }
            } catch {
                logger.error(
                    "mapping failed", ["queue.item": String(item.id), "partner.id": item.partner, "error": "\(error)"])
                _ = try? store.fail(itemID: item.id, owner: owner, error: "\(error)")
            }
        }
        return items.count
    }

    struct Outcome {
        var accepted: [(record: CanonicalRecord, provenance: Provenance)] = []
        var quarantine: [QuarantinedRow] = []
        /// The report's row lines, each ending in a newline: the bytes the `map` CLI writes for the same rows.
        var report = CanonicalJSONWriter()
        /// Rows reported, by verdict (the validation report's first line), counted as they are reported.
        var rows = 0
        var acceptedRows = 0
        var rejectedRows = 0
        var skippedRows = 0
        /// The first error code of each rejected row, in row order (the quarantine metrics).
        var rejectedCodes: [String] = []

        /// Writes `row`'s report line and counts it.
        mutating func report(_ row: RowOutcome) {
            report.writeReport(row)
            report.bytes.append(0x0A)
            rows += 1
            switch row.verdict {
            case .accepted: acceptedRows += 1
            case .rejected:
                rejectedRows += 1
                rejectedCodes.append(row.problems.first { $0.severity == .error }?.code ?? "unknown")
            case .skipped: skippedRows += 1
            }
        }
    }

    /// Maps one inbound item: stores its records and quarantined rows and returns the outbound items to queue
    /// (fan-out batches and the sender's validation report), which the caller commits with the item's completion.
    func process(_ item: QueueItem) throws -> [QueueItemSubmission] {
        let mapStart = ExchangeProfile.now()
        guard let position = item.logPosition,
            let entry = try store.logEntries(after: position - 1, limit: 1).first, entry.position == position
        else {
            throw GatewayError(GatewayError.payloadUnreadable, "queue item \(item.id) names no logged envelope")
        }
        let envelope = try Envelope.parse(entry.raw, maxPayloadBytes: Int.max)
        let header = envelope.header
        let payload = Array(envelope.payload)
        var outcome = Outcome()
        func reject(_ row: Int, _ location: String, _ raw: [UInt8], _ problems: [Problem]) {
            outcome.report(
                RowOutcome.external(row: row, location: location, verdict: .rejected, problems: problems, raw: raw))
            outcome.quarantine.append(
                QuarantinedRow(
                    partner: header.from, messageID: header.messageID, rowNumber: row, raw: raw,
                    problemsJSON: (try? String(decoding: JSONEncoder().encode(problems), as: UTF8.self)) ?? "[]",
                    receivedAt: entry.loggedAt))
        }
        let receivedAt = entry.loggedAt
        if header.schema == CanonicalRecord.schemaName {
            // Both callbacks write `outcome`; it is not passed inout as well (an exclusivity violation: a rejected
            // canonical line used to abort the process).
            mapCanonical(
                payload, header: header, receivedAt: receivedAt,
                accept: { record, provenance, row in
                    outcome.accepted.append((record, provenance))
                    outcome.report(row)
                }, reject: reject)
        } else if header.schema.hasPrefix("dialect/"), let kind = RecordKind(rawValue: String(header.schema.dropFirst(8))),
            let partner = partners.partner(header.from), partner.dialects[kind] != nil
        {
            let engine = try MappingEngine(
                partner: partner, kind: kind, codes: codes, today: today(), keyring: keyring, detectDuplicates: true)
            do {
                try engine.run(.bytes(payload)) { row in
                    switch row.verdict {
                    case .accepted:
                        if let record = row.record {
                            outcome.accepted.append(
                                (record, Provenance(partner: header.from, messageID: header.messageID, rowNumber: row.row, receivedAt: receivedAt)))
                        }
                        outcome.report(row)
                    case .rejected:
                        reject(row.row, row.location, row.raw, row.problems)
                    case .skipped:
                        outcome.report(row)
                    }
                }
            } catch {
                // The file cannot be read as the dialect says: rows before the error stand; the rest is one
                // quarantined row with the reason, the payload kept whole in the message log.
                reject(0, "payload", [], [.error("payload", GatewayError.payloadUnreadable, "\(error)")])
            }
        } else {
            reject(
                0, "envelope", [],
                [
                    .error(
                        "schema", GatewayError.schemaUnknown,
                        "schema '\(header.schema)' is neither g60.record/v1 nor dialect/<kind> with a dialect of partner \(header.from)")
                ])
        }
        profile.add(.map, since: mapStart)
        // Each accepted record's canonical JSON is made once, here: the store compares and keeps these bytes, and
        // the delivery lines below reuse them (putRecords would encode every record a second time).
        let (prepared, results) = try profile.measure(.storeRecords) {
            try store.quarantine(outcome.quarantine)
            let prepared = try PreparedRecord.prepare(outcome.accepted)
            return (prepared, try store.putPreparedRecords(prepared))
        }
        try profile.measure(.dispatch) {
            _ = try dispatcher?.recordsStored(outcome.accepted.map(\.record), results: results)
        }
        profile.recordsMapped.add(outcome.accepted.count, ordering: .relaxed)
        let fanOutStart = ExchangeProfile.now()
        defer { profile.add(.fanOut, since: fanOutStart) }
        metrics?.rowsMapped(
            partner: header.from, accepted: outcome.accepted.count, quarantinedCodes: outcome.rejectedCodes)

        // Fan-out in batches: per subscribing partner, the lines of this envelope's records in their order, cut
        // into items of at most `fanOutBytes` (one queue row per partner per chunk, not one per record).
        var fanOut = FanOut(limit: fanOutBytes)
        for (i, result) in results.enumerated() {
            var record = outcome.accepted[i].record
            if result.change == .unchanged {
                // Re-queue only what this envelope itself created (a re-run after a crash), never a re-send.
                guard let stored = try store.record(id: result.recordID),
                    stored.provenance.messageID == header.messageID
                else { continue }
            }
            // The stored canonical JSON, except for a retraction whose target the store found by natural number:
            // its delivered line names the target's id, so it is encoded again with it.
            var canonical = prepared[i].canonicalBytes
            if case .retraction(var r) = record.body, let target = result.withdrewRecordID, r.targetRecordId != target {
                r.targetRecordId = target
                record.body = .retraction(r)
                canonical = Array(try json.line(record).utf8)
            }
            // The delivered line carries the stored version (Contracts/records/README.md, "Delivery"), so a receiver
            // can apply out-of-order or repeated deliveries by record id and version.
            var line: [UInt8]
            if canonical.first == UInt8(ascii: "{") {
                line = Array("{\"version\":\(result.version),".utf8)
                line.reserveCapacity(line.count + canonical.count)
                line.append(contentsOf: canonical.dropFirst())
            } else {
                line = canonical
            }
            let retracted = record.kind == .retraction ? result.withdrewRecordID : nil
            for subscriber in partners.subscribers(of: record.kind, except: record.sourcePartner) {
                fanOut.add(line, recordID: result.recordID, retracting: retracted, for: subscriber.id)
            }
        }
        var deliveries = fanOut.items()
        if partners.partner(header.from) != nil {
            let report = ValidationReport(
                inReplyTo: header.messageID, rows: outcome.rows, accepted: outcome.acceptedRows,
                rejected: outcome.rejectedRows, skipped: outcome.skippedRows)
            // The counts' line, then the row lines as written (each with its newline).
            var payload = Array(try JSONEncoder.sorted.encode(report))
            payload.reserveCapacity(payload.count + 1 + outcome.report.bytes.count)
            payload.append(0x0A)
            payload.append(contentsOf: outcome.report.bytes)
            deliveries.append(
                QueueItemSubmission(
                    direction: .outbound, partner: header.from, kind: "validation.report", payload: payload))
        }
        logger.info(
            "envelope mapped",
            [
                "envelope.id": header.messageID, "partner.id": header.from, "rows.accepted": String(outcome.accepted.count),
                "rows.quarantined": String(outcome.quarantine.count), "deliveries.queued": String(deliveries.count),
            ])
        return deliveries
    }

    func mapCanonical(
        _ payload: [UInt8], header: GatewayCrypto.EnvelopeHeader, receivedAt: Date,
        accept: (CanonicalRecord, Provenance, RowOutcome) -> Void, reject: (Int, String, [UInt8], [Problem]) -> Void
    ) {
        let validator = RecordValidator(codes: codes, today: today())
        var row = 0
        for line in payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            row += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            let raw = Array(line)
            guard var record = try? JSONDecoder().decode(CanonicalRecord.self, from: Data(raw)) else {
                reject(row, "line \(row)", Array(Redaction.redact(String(decoding: raw, as: UTF8.self)).utf8),
                    [.error("record", "record.malformed", "line \(row) is not a g60.record/v1 record")])
                continue
            }
            var problems = validator.validate(record)
            if record.sourcePartner != header.from {
                problems.append(
                    .error(
                        "sourcePartner", "record.sourceMismatch",
                        "record says it is from \(record.sourcePartner), the envelope is from \(header.from)"))
            }
            record.assignID(keyring: keyring)
            if problems.hasErrors {
                reject(row, "line \(row)", Array(Redaction.redact(String(decoding: raw, as: UTF8.self)).utf8), problems)
            } else {
                accept(
                    record, Provenance(partner: header.from, messageID: header.messageID, rowNumber: row, receivedAt: receivedAt),
                    RowOutcome.external(
                        row: row, location: "line \(row)", verdict: .accepted, record: record, problems: problems))
            }
        }
    }
}

/// One source envelope's fan-out: per partner, its records' lines in order, cut into `records` queue items of at
/// most `limit` bytes. An item that carries a retraction whose target is not in that same item gets the order key
/// `afterEarlierRecords`, so the queue holds it until every earlier record item of the partner is delivered.
struct FanOut {
    struct Chunk {
        var partner: String
        var payload: [UInt8] = []
        var recordIDs: Set<String> = []
        var afterEarlier = false
    }
    let limit: Int
    /// Finished chunks, in the order they were cut.
    private var done: [Chunk] = []
    /// The open chunk per partner, and partners in order of first appearance.
    private var open: [String: Chunk] = [:]
    private var partners: [String] = []

    init(limit: Int) { self.limit = max(1, limit) }

    mutating func add(_ line: [UInt8], recordID: String, retracting target: String?, for partner: String) {
        if open[partner] == nil {
            open[partner] = Chunk(partner: partner)
            partners.append(partner)
        } else if let chunk = open[partner], !chunk.payload.isEmpty, chunk.payload.count + line.count + 1 > limit {
            done.append(chunk)
            open[partner] = Chunk(partner: partner)
        }
        // In place: the chunk's buffer is not copied per line.
        open[partner]?.payload.append(contentsOf: line)
        open[partner]?.payload.append(0x0A)
        open[partner]?.recordIDs.insert(recordID)
        if let target, open[partner]?.recordIDs.contains(target) != true { open[partner]?.afterEarlier = true }
    }

    /// The queue items: every partner's chunks in order (cut chunks first, then the open ones).
    func items() -> [QueueItemSubmission] {
        (done + partners.compactMap { open[$0] }).map { chunk in
            QueueItemSubmission(
                direction: .outbound, partner: chunk.partner, kind: "records",
                orderKey: chunk.afterEarlier ? QueueItemSubmission.afterEarlierRecords : nil, payload: chunk.payload)
        }
    }
}

/// The first line of a `validation.report` payload (then one row verdict per line).
public struct ValidationReport: Codable, Sendable, Hashable {
    public var inReplyTo: String
    public var rows: Int
    public var accepted: Int
    public var rejected: Int
    public var skipped: Int
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
