import Foundation

extension SQLiteStore: ReportSource {
    /// The columns of `InboundEnvelopeFacts`. A clear row's head is cut at the header's empty line (two LF bytes);
    /// a sealed row's comes from `head`, the header kept in clear (EvidenceSealing): reports never decrypt.
    static let envelopeFactsColumns = """
        position, message_id, sender, kind, sequence, record_count, logged_at,
          CASE WHEN sealed = 1 THEN coalesce(head, x'')
               WHEN instr(raw, x'0a0a') > 0 THEN substr(raw, 1, min(\(headPrefixLength), instr(raw, x'0a0a') + 1))
               ELSE substr(raw, 1, \(headPrefixLength)) END
        """

    static func envelopeFacts(_ row: SQLRow) -> InboundEnvelopeFacts {
        InboundEnvelopeFacts(
            position: row.int(0), messageID: row.text(1), sender: row.text(2), kind: row.text(3),
            sequence: row.optionalInt(4), recordCount: Int(row.int(5)), loggedAt: Millis.date(row.int(6)),
            head: row.blob(7))
    }

    public func inboundEnvelopes(loggedFrom from: Date, before: Date) throws -> [InboundEnvelopeFacts] {
        try read { db in
            try db.all(
                """
                SELECT \(Self.envelopeFactsColumns) FROM message_log
                WHERE direction = 'in' AND logged_at >= ? AND logged_at < ? ORDER BY position
                """, [.int(Millis.from(from)), .int(Millis.from(before))], Self.envelopeFacts)
        }
    }

    public func inboundEnvelope(sender: String, messageID: String) throws -> InboundEnvelopeFacts? {
        try read { db in
            try db.first(
                """
                SELECT \(Self.envelopeFactsColumns) FROM message_log
                WHERE direction = 'in' AND sender = ? AND message_id = ?
                """, [.text(sender), .text(messageID)], Self.envelopeFacts)
        }
    }

    public func lastInboundSequences(loggedBefore date: Date) throws -> [String: Int64] {
        let rows = try read { db in
            try db.all(
                """
                SELECT sender, max(sequence) FROM message_log
                WHERE direction = 'in' AND logged_at < ? AND sequence IS NOT NULL GROUP BY sender
                """, [.int(Millis.from(date))]
            ) { ($0.text(0), $0.int(1)) }
        }
        return Dictionary(rows, uniquingKeysWith: max)
    }

    public func acceptedRows(receivedFrom from: Date, before: Date) throws -> [AcceptedRowFacts] {
        // The reference date is read with SQLite's JSON functions so that a month of records is not decoded in
        // Swift; the paths are the canonical record's (Contracts/records/<kind>.schema.json).
        try read { db in
            try db.all(
                """
                SELECT v.record_key, v.version, r.kind, v.partner, v.message_id, v.row_number, v.received_at,
                  CASE r.kind
                    WHEN 'license' THEN json_extract(v.content, '$.license.decisionDate')
                    WHEN 'penalty' THEN json_extract(v.content, '$.penalty.decisionDate')
                    WHEN 'dishonestDebtor' THEN json_extract(v.content, '$.dishonestDebtor.publishedDate')
                    WHEN 'listEntry' THEN json_extract(v.content, '$.listEntry.listedDate')
                    WHEN 'retraction' THEN json_extract(v.content, '$.retraction.effectiveDate')
                  END
                FROM record_versions v JOIN records r ON r.record_key = v.record_key
                WHERE v.received_at >= ? AND v.received_at < ?
                ORDER BY v.received_at, v.partner, v.message_id, v.row_number
                """, [.int(Millis.from(from)), .int(Millis.from(before))]
            ) { row in
                AcceptedRowFacts(
                    recordID: RecordKey.id(row.blob(0)), version: Int(row.int(1)), kind: row.text(2), partner: row.text(3),
                    messageID: row.text(4), rowNumber: Int(row.int(5)), receivedAt: Millis.date(row.int(6)),
                    referenceDate: row.optionalText(7))
            }
        }
    }

    public func quarantinedRows(receivedFrom from: Date, before: Date) throws -> [QuarantinedRowFacts] {
        try read { db in
            try db.all(
                """
                SELECT partner, message_id, row_number, received_at, problems FROM quarantine
                WHERE received_at >= ? AND received_at < ? ORDER BY received_at, partner, message_id, row_number
                """, [.int(Millis.from(from)), .int(Millis.from(before))]
            ) { row in
                QuarantinedRowFacts(
                    partner: row.text(0), messageID: row.text(1), rowNumber: Int(row.int(2)),
                    receivedAt: Millis.date(row.int(3)), problemsJSON: row.text(4))
            }
        }
    }
}
