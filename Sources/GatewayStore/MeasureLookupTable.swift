import Foundation
import GatewayCore

/// The eligibility lookup's table `measure_lookup` (migration 8): per subject with at least one active measure
/// decision, one row keyed by a 33-byte digest of its subject key, holding the active measures and the day each
/// ends. Written only here, inside the transactions that write `measure_decisions` (from the decisions as stored
/// after the write), so it says what the decisions say; read by `MeasureLookupReader`, compared with the decisions
/// by `store check --thorough`.
enum MeasureLookupTable {
    /// The prefix of a natural person's subject key, followed by the keyed hash as 64 lowercase hex digits.
    static let keyedHashPrefix = Array("id:hmac-sha256:".utf8)

    /// Writer slots (`SQLiteConnection.statement(slot:_:)`); 0–6 belong to the record write path.
    private enum Slot {
        static let upsert = 7
        static let delete = 8
        static let active = 9
    }

    /// The key's length: a form byte and 32 bytes.
    static let keyBytes = 33

    /// The key of `subjectKey` in `measure_lookup`: a form byte, then 32 bytes. A natural person's key
    /// (`id:hmac-sha256:` and 64 lowercase hex digits) is form 1 and its keyed hash's own bytes; any other key
    /// (`uscc:…`, `name:…`, an `id:` key of another form) is form 2 and the SHA-256 of its UTF-8. The form byte keeps
    /// the two spaces apart (an `id:` key spelling out the SHA-256 of a USCC key is another row); within a form,
    /// two keys share a row only if SHA-256 or the keyed hash collides.
    static func digest(_ subjectKey: String) -> [UInt8] {
        withUnsafeTemporaryAllocation(byteCount: keyBytes, alignment: 8) { buffer in
            digest(subjectKey, into: buffer)
            return Array(buffer)
        }
    }

    /// `digest(_:)` written into `out` (`keyBytes`), without allocating for a natural person's key.
    static func digest(_ subjectKey: String, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= keyBytes, "a lookup key needs \(keyBytes) bytes")
        var key = subjectKey
        key.withUTF8 { utf8 in
            let body = UnsafeMutableRawBufferPointer(rebasing: out[1..<keyBytes])
            if decodeKeyedHash(utf8, into: body) {
                out[0] = 1
                return
            }
            out[0] = 2
            let hash = SHA256.hash(UnsafeRawBufferPointer(utf8))
            hash.withUnsafeBytes { body.copyMemory(from: $0) }
        }
    }

    /// The value of each lowercase hex digit, 0xFF for any other byte.
    private static let nibbles: [UInt8] = (0...255).map { c in
        switch c {
        case 0x30...0x39: return UInt8(c - 0x30)
        case 0x61...0x66: return UInt8(c - 0x61 + 10)
        default: return 0xFF
        }
    }

    /// Writes the 32 bytes of `id:hmac-sha256:<64 lowercase hex>` into `out`; false (nothing decided) for any
    /// other text.
    private static func decodeKeyedHash(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableRawBufferPointer)
        -> Bool
    {
        let prefix = keyedHashPrefix.count
        guard utf8.count == prefix + 64, out.count >= 32, let text = utf8.baseAddress else { return false }
        guard UnsafeBufferPointer(rebasing: utf8[0..<prefix]).elementsEqual(keyedHashPrefix) else { return false }
        return nibbles.withUnsafeBufferPointer { table in
            var bad: UInt8 = 0
            for i in 0..<32 {
                let high = table[Int(text[prefix + 2 * i])]
                let low = table[Int(text[prefix + 2 * i + 1])]
                bad |= high | low
                out[i] = high << 4 | (low & 0x0F)
            }
            // (Any non-digit sets the high bits of `bad`: 0xFF; digits are 0–15.)
            return bad & 0xF0 == 0
        }
    }

    /// The `active` column for these active decisions: one line `measure TAB next_change LF` per distinct pair
    /// (`next_change` empty for none), sorted by bytes. Nil when none is in force (the subject has no row).
    ///
    /// The same rule as the SQL it replaces (`status = 'active' AND (next_change IS NULL OR next_change > today)`):
    /// a decision whose next change is the empty text has ended on every day, so it is left out; nil means no end.
    /// A measure code with a control character (TAB, LF…) cannot be written in this form, and is refused.
    static func activeText(_ active: [(measure: String, nextChange: String?)]) throws -> String? {
        var lines = Set<String>()
        for (measure, next) in active where next != "" {
            guard !measure.isEmpty, !measure.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
                !(next ?? "").utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
            else {
                throw StoreError(
                    StoreError.invalidArgument,
                    "a measure decision's code \(measure.debugDescription) or next change "
                        + "\((next ?? "").debugDescription) is empty or holds a control character: the lookup "
                        + "table cannot hold it")
            }
            lines.insert(measure + "\t" + (next ?? "") + "\n")
        }
        guard !lines.isEmpty else { return nil }
        return lines.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined()
    }

    /// Sets the subject's row to `active` (as `activeText` gives it), or removes it for nil. Inside the caller's
    /// transaction.
    static func write(_ db: SQLiteConnection, subjectKey: String, active: String?) throws {
        let key = digest(subjectKey)
        if let active {
            let upsert = try db.statement(
                slot: Slot.upsert, "INSERT OR REPLACE INTO measure_lookup (subject, active) VALUES (?1, ?2)")
            try upsert.bind(1, bytes: key)
            try upsert.bind(2, active)
            try upsert.run()
        } else {
            let delete = try db.statement(slot: Slot.delete, "DELETE FROM measure_lookup WHERE subject = ?1")
            try delete.bind(1, bytes: key)
            try delete.run()
        }
    }

    /// Rewrites the subject's row from its decisions as stored now (inside the caller's transaction, after it
    /// wrote them).
    static func refresh(_ db: SQLiteConnection, subjectKey: String) throws {
        let read = try db.statement(
            slot: Slot.active,
            "SELECT measure, next_change FROM measure_decisions WHERE subject_key = ?1 AND status = 'active'")
        defer { read.reset() }
        try read.bind(1, subjectKey)
        var active: [(measure: String, nextChange: String?)] = []
        while try read.step() {
            active.append((read.row.text(0), read.row.optionalText(1)))
        }
        try write(db, subjectKey: subjectKey, active: try activeText(active))
    }

    /// Calls `body` with every subject that has an active decision and its `active` text (`activeText`, nil when
    /// none of them is in force), walking the decisions in subject key order (each subject's come together).
    private static func forEachSubject(
        _ db: SQLiteConnection, _ body: (_ subjectKey: String, _ active: String?) throws -> Void
    ) throws {
        var subject: String? = nil
        var active: [(measure: String, nextChange: String?)] = []
        func flush() throws {
            if let subject { try body(subject, try activeText(active)) }
            active.removeAll(keepingCapacity: true)
        }
        try db.query(
            """
            SELECT subject_key, measure, next_change FROM measure_decisions WHERE status = 'active'
            ORDER BY subject_key
            """
        ) { row in
            let key = row.text(0)
            if key != subject {
                try flush()
                subject = key
            }
            active.append((row.text(1), row.optionalText(2)))
        }
        try flush()
    }

    /// Migration 8's data step: a row for every subject with an active decision in force.
    static func fill(_ db: SQLiteConnection) throws {
        try forEachSubject(db) { subject, active in try write(db, subjectKey: subject, active: active) }
    }

    /// Subjects whose `measure_lookup` row disagrees with their stored decisions (missing or different), and rows
    /// for no subject with an active decision, at most `limit` of them, described for an operator (`store check
    /// --thorough`). Memory stays flat: each subject's row is looked up by its key as the decisions are walked,
    /// and extra rows are found by counting.
    static func problems(_ db: SQLiteConnection, limit: Int = 10) throws -> [String] {
        var problems: [String] = []
        var matched = 0
        try forEachSubject(db) { subject, want in
            guard let want else { return }
            let stored = try db.first("SELECT active FROM measure_lookup WHERE subject = ?1", [.blob(digest(subject))]) {
                $0.text(0)
            }
            if stored != nil { matched += 1 }
            guard problems.count < limit, stored != want else { return }
            if let stored {
                problems.append(
                    "measure_lookup: the row of subject \(subject) says \(stored.debugDescription), its decisions say "
                        + want.debugDescription)
            } else {
                problems.append("measure_lookup: no row for subject \(subject), whose decisions say \(want.debugDescription)")
            }
        }
        let rows = try db.first("SELECT count(*) FROM measure_lookup") { Int($0.int(0)) } ?? 0
        if rows > matched && problems.count < limit {
            problems.append("measure_lookup: \(rows - matched) row(s) for no subject with an active decision")
        }
        return problems
    }
}
