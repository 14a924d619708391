import Foundation

extension SQLiteStore: OperationsSource {
    public func lastInboundLogged() throws -> [String: Date] {
        // max(position) per sender reads only the (direction, sender, message_id) index; positions grow with time.
        let rows = try read { db in
            try db.all(
                """
                SELECT m.sender, m.logged_at FROM message_log m
                JOIN (SELECT sender, max(position) AS last FROM message_log WHERE direction = 'in' GROUP BY sender) x
                  ON m.position = x.last
                """
            ) { ($0.text(0), Millis.date($0.int(1))) }
        }
        return Dictionary(rows, uniquingKeysWith: max)
    }

    public func rowCounts(receivedFrom from: Date, before: Date) throws -> [String: PartnerRowCounts] {
        let bounds: [SQLValue] = [.int(Millis.from(from)), .int(Millis.from(before))]
        return try read { db in
            var counts: [String: PartnerRowCounts] = [:]
            try db.query(
                "SELECT partner, count(*) FROM record_versions WHERE received_at >= ? AND received_at < ? GROUP BY partner",
                bounds
            ) { row in
                counts[row.text(0), default: PartnerRowCounts(accepted: 0, quarantined: 0)].accepted = Int(row.int(1))
            }
            try db.query(
                "SELECT partner, count(*) FROM quarantine WHERE received_at >= ? AND received_at < ? GROUP BY partner",
                bounds
            ) { row in
                counts[row.text(0), default: PartnerRowCounts(accepted: 0, quarantined: 0)].quarantined = Int(
                    row.int(1))
            }
            return counts
        }
    }

    public func recentQuarantinedRows(limit: Int) throws -> [QuarantinedRowFacts] {
        try read { db in
            try db.all(
                """
                SELECT partner, message_id, row_number, received_at, problems FROM quarantine
                ORDER BY received_at DESC, partner, message_id, row_number LIMIT ?
                """, [.int(Int64(max(0, limit)))]
            ) { row in
                QuarantinedRowFacts(
                    partner: row.text(0), messageID: row.text(1), rowNumber: Int(row.int(2)),
                    receivedAt: Millis.date(row.int(3)), problemsJSON: row.text(4))
            }
        }
    }

    public func databaseSizeBytes() throws -> Int64 {
        var total: Int64 = 0
        for file in [path, path + "-wal"] {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                let size = attributes[.size] as? NSNumber
            {
                total += size.int64Value
            }
        }
        return total
    }
}
