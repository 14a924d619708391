import Foundation

extension SQLiteStore: MessageLog {
    static let logColumns = """
        position, direction, message_id, sender, recipient, kind, sequence, record_count, payload_digest, issued_at, \
        logged_at, raw, receipt, previous_hash, entry_hash, raw_digest, sealed
        """

    /// A log row as stored: `raw` is the sealed form when `sealed` (see `EvidenceSealing`).
    static func storedLogEntry(_ row: SQLRow) throws -> (entry: LogEntry, rawDigest: [UInt8], sealed: Bool) {
        guard let direction = EnvelopeDirection(rawValue: row.text(1)) else {
            throw StoreError(StoreError.corrupt, "log entry \(row.int(0)) has an unknown direction '\(row.text(1))'")
        }
        let header = EnvelopeHeader(
            messageID: row.text(2), sender: row.text(3), recipient: row.text(4), kind: row.text(5),
            sequence: row.optionalInt(6), recordCount: Int(row.int(7)), payloadDigest: row.text(8),
            issuedAt: Millis.date(row.int(9)))
        let entry = LogEntry(
            position: row.int(0), direction: direction, header: header, raw: row.blob(11),
            receipt: row.optionalBlob(12),
            loggedAt: Millis.date(row.int(10)), previousHash: row.blob(13), entryHash: row.blob(14))
        return (entry, row.blob(15), row.int(16) != 0)
    }

    /// Opens a stored entry's raw bytes with the configured key.
    func openedLogEntry(_ stored: (entry: LogEntry, rawDigest: [UInt8], sealed: Bool)) throws -> LogEntry {
        var entry = stored.entry
        entry.raw = try EvidenceSealing.open(
            options.identityCipher, stored: entry.raw, sealed: stored.sealed,
            context: EvidenceSealing.logContext(
                direction: entry.direction.rawValue, sender: entry.header.sender, messageID: entry.header.messageID,
                rawDigest: stored.rawDigest),
            what:
                "log entry \(entry.position) (\(entry.direction.rawValue) \(entry.header.sender)/"
                + "\(entry.header.messageID))")
        return entry
    }

    /// A log row with its raw bytes opened.
    func logEntry(_ row: SQLRow) throws -> LogEntry { try openedLogEntry(try Self.storedLogEntry(row)) }

    public func append(_ submission: EnvelopeSubmission) throws -> AppendOutcome {
        let header = submission.header
        guard !header.messageID.isEmpty, !header.sender.isEmpty else {
            throw StoreError(
                StoreError.invalidArgument,
                "an envelope needs a message id and a sender (sender '\(header.sender)', id '\(header.messageID)')")
        }
        // Digests are computed outside the writer, in the caller's thread.
        let rawDigest = options.hash(submission.raw)
        let receiptDigest = submission.receipt.map { options.hash($0) }
        // Sealed here too, outside the writer: the context binds the ciphertext to the entry's unique key and to
        // the clear digest the chain commits to, so the position is not needed. Without a key: stored clear.
        let storedRaw: [UInt8]
        var head: SQLValue = .null
        if let cipher = options.identityCipher {
            head = EvidenceSealing.envelopeHead(submission.raw, limit: Self.headPrefixLength).map { .blob($0) }
                ?? .null
            storedRaw = try EvidenceSealing.seal(
                cipher, submission.raw,
                context: EvidenceSealing.logContext(
                    direction: submission.direction.rawValue, sender: header.sender, messageID: header.messageID,
                    rawDigest: rawDigest),
                what: "envelope \(header.sender)/\(header.messageID)")
        } else {
            storedRaw = submission.raw
        }
        let loggedAt = Millis.from(now)
        let chain = self.chain
        let sealedFlag: Int64 = options.identityCipher == nil ? 0 : 1
        let written: WrittenEntry = try committer.write { ctx in
            if let existing = try ctx.db.first(
                "SELECT \(Self.logColumns) FROM message_log WHERE direction = ? AND sender = ? AND message_id = ?",
                [.text(submission.direction.rawValue), .text(header.sender), .text(header.messageID)],
                { try Self.storedLogEntry($0) })
            {
                return .duplicate(existing.entry, rawDigest: existing.rawDigest, sealed: existing.sealed)
            }
            var stored = header
            stored.issuedAt = Millis.date(Millis.from(header.issuedAt))
            let position = ctx.headPosition + 1
            let entryHash = chain.entryHash(
                previous: ctx.headHash, position: position, direction: submission.direction, header: stored,
                loggedAtMillis: loggedAt, rawDigest: rawDigest, receiptDigest: receiptDigest)
            try ctx.db.run(
                """
                INSERT INTO message_log (position, direction, message_id, sender, recipient, kind, sequence, \
                record_count, payload_digest, issued_at, logged_at, raw, raw_digest, receipt, previous_hash, \
                entry_hash, sealed, head)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .int(position), .text(submission.direction.rawValue), .text(header.messageID), .text(header.sender),
                    .text(header.recipient), .text(header.kind), header.sequence.map { .int($0) } ?? .null,
                    .int(Int64(header.recordCount)), .text(header.payloadDigest), .int(Millis.from(header.issuedAt)),
                    .int(loggedAt), .blob(storedRaw), .blob(rawDigest),
                    submission.receipt.map { .blob($0) } ?? .null,
                    .blob(ctx.headHash), .blob(entryHash), .int(sealedFlag), head,
                ])
            try ctx.db.run(
                "INSERT INTO log_head (singleton, position, entry_hash) VALUES (1, ?, ?) "
                    + "ON CONFLICT (singleton) DO UPDATE SET position = excluded.position, entry_hash = excluded.entry_hash",
                [.int(position), .blob(entryHash)])
            let entry = LogEntry(
                position: position, direction: submission.direction, header: stored, raw: submission.raw,
                receipt: submission.receipt, loggedAt: Millis.date(loggedAt), previousHash: ctx.headHash,
                entryHash: entryHash)
            ctx.headPosition = position
            ctx.headHash = entryHash
            if submission.enqueueForMapping {
                try Self.insertQueueItem(
                    ctx.db,
                    QueueItemSubmission(
                        direction: .inbound, partner: header.sender, kind: "envelope", logPosition: position),
                    nowMillis: loggedAt)
            }
            return .appended(entry)
        }
        switch written {
        case .appended(let entry):
            return .appended(entry)
        case .duplicate(let stored, let storedDigest, let sealed):
            // Opened outside the writer (the caller answers with the stored receipt and may show the bytes); the
            // same digest of the clear bytes means the same bytes.
            let entry = try openedLogEntry((stored, storedDigest, sealed))
            return .duplicate(entry, sameBytes: storedDigest == rawDigest && entry.raw == submission.raw)
        }
    }

    /// What the writer did for one append: a new entry, or the stored one (raw bytes still as stored).
    private enum WrittenEntry: Sendable {
        case appended(LogEntry)
        case duplicate(LogEntry, rawDigest: [UInt8], sealed: Bool)
    }

    public func logEntry(direction: EnvelopeDirection, sender: String, messageID: String) throws -> LogEntry? {
        try read { db in
            try db.first(
                "SELECT \(Self.logColumns) FROM message_log WHERE direction = ? AND sender = ? AND message_id = ?",
                [.text(direction.rawValue), .text(sender), .text(messageID)], logEntry)
        }
    }

    public func logEntries(after position: Int64, limit: Int) throws -> [LogEntry] {
        try read { db in
            try db.all(
                "SELECT \(Self.logColumns) FROM message_log WHERE position > ? ORDER BY position LIMIT ?",
                [.int(position), .int(Int64(limit))], logEntry)
        }
    }

    /// How many entries the log holds (after pruning).
    public func logCount() throws -> Int {
        try read { db in try db.first("SELECT count(*) FROM message_log") { Int($0.int(0)) } ?? 0 }
    }

    public func verifyChain() throws -> ChainVerification {
        try read { db in
            // One read transaction: the walk sees one snapshot even while the service appends.
            try db.exec("BEGIN")
            defer { try? db.exec("COMMIT") }
            let checkpoint = try db.first(
                "SELECT through_position, entry_hash FROM log_checkpoint ORDER BY through_position DESC LIMIT 1"
            ) { ($0.int(0), $0.blob(1)) }
            var expectedPosition = (checkpoint?.0 ?? 0) + 1
            var previous = checkpoint?.1 ?? HashChain.genesis
            var checked = 0
            var opened = 0
            var notOpened = 0
            var broken: ChainVerification.BrokenLink?
            let cipher = options.identityCipher
            try db.query("SELECT \(Self.logColumns) FROM message_log ORDER BY position") { row in
                guard broken == nil else { return }
                let position = row.int(0)
                func fail(_ reason: String) { broken = .init(position: position, reason: reason) }
                let stored: (entry: LogEntry, rawDigest: [UInt8], sealed: Bool)
                do {
                    stored = try Self.storedLogEntry(row)
                } catch {
                    fail("unreadable: \(error)")
                    return
                }
                let entry = stored.entry
                checked += 1
                if position != expectedPosition {
                    fail(
                        position > expectedPosition
                            ? "entries \(expectedPosition)…\(position - 1) are missing" : "position out of sequence")
                    return
                }
                if entry.previousHash != previous {
                    fail(
                        "its previous-hash does not match the hash of the entry before it (removed, inserted or swapped)"
                    )
                    return
                }
                // The chain commits to the digest of the clear bytes (EvidenceSealing). Clear rows and, with the key,
                // sealed rows are hashed; without the key a sealed row's stored digest is taken as it is.
                var rawDigest = stored.rawDigest
                if !stored.sealed {
                    rawDigest = chain.hash(entry.raw)
                } else if let cipher {
                    let clear: [UInt8]
                    do {
                        clear = try cipher.open(
                            entry.raw,
                            context: EvidenceSealing.logContext(
                                direction: entry.direction.rawValue, sender: entry.header.sender,
                                messageID: entry.header.messageID, rawDigest: stored.rawDigest))
                    } catch {
                        fail(
                            "its encrypted raw bytes do not open with the configured key (ciphertext or digest "
                                + "edited, moved from another entry, or sealed under another key)")
                        return
                    }
                    rawDigest = chain.hash(clear)
                    opened += 1
                } else {
                    notOpened += 1
                }
                if rawDigest != stored.rawDigest {
                    fail("its raw bytes do not match their stored digest (the envelope was edited)")
                    return
                }
                let recomputed = chain.entryHash(
                    previous: previous, position: position, direction: entry.direction, header: entry.header,
                    loggedAtMillis: row.int(10), rawDigest: rawDigest,
                    receiptDigest: entry.receipt.map { chain.hash($0) })
                if recomputed != entry.entryHash {
                    fail("its contents do not match its hash (header, receipt or time edited)")
                    return
                }
                previous = entry.entryHash
                expectedPosition += 1
            }
            if broken == nil {
                let head = try db.first("SELECT position, entry_hash FROM log_head WHERE singleton = 1") {
                    ($0.int(0), $0.blob(1))
                }
                let headPosition = head?.0 ?? 0
                if headPosition != expectedPosition - 1 || (headPosition > 0 && head?.1 != previous) {
                    broken = .init(
                        position: expectedPosition,
                        reason:
                            "the log head says \(headPosition) entries but the chain ends at \(expectedPosition - 1) "
                            + "(newest entries removed, or head edited)")
                }
            }
            return ChainVerification(
                entriesChecked: checked, checkpointPosition: checkpoint?.0 ?? 0, firstBroken: broken,
                encryptedEntriesOpened: opened, encryptedEntriesNotOpened: notOpened)
        }
    }

    public func pruneLog(loggedBefore cutoff: Date) throws -> PruneResult {
        let cutoffMillis = Millis.from(cutoff)
        let nowMillis = Millis.from(now)
        return try committer.write { ctx in
            let db = ctx.db
            let lastCheckpoint =
                try db.first("SELECT max(through_position) FROM log_checkpoint") { $0.optionalInt(0) } ?? nil
            // The longest prefix of entries logged before the cutoff, stopping before any entry an unfinished
            // inbound work item still points at.
            let firstKept =
                try db.first("SELECT min(position) FROM message_log WHERE logged_at >= ?", [.int(cutoffMillis)]) {
                    $0.optionalInt(0)
                } ?? nil
            let firstOpen =
                try db.first(
                    "SELECT min(log_position) FROM queue_items WHERE log_position IS NOT NULL AND state NOT IN ('delivered')"
                ) { $0.optionalInt(0) } ?? nil
            var through = ctx.headPosition
            if let firstKept { through = min(through, firstKept - 1) }
            if let firstOpen { through = min(through, firstOpen - 1) }
            let previous = lastCheckpoint ?? 0
            guard through > previous else { return PruneResult(removed: 0, checkpointPosition: previous) }
            guard
                let hash = try db.first(
                    "SELECT entry_hash FROM message_log WHERE position = ?", [.int(through)], { $0.blob(0) })
            else {
                throw StoreError(StoreError.corrupt, "log entry \(through) is missing; run 'g60-gateway log verify'")
            }
            let removed = try db.run("DELETE FROM message_log WHERE position <= ?", [.int(through)])
            try db.run(
                "INSERT INTO log_checkpoint (through_position, entry_hash, removed, created_at) VALUES (?, ?, ?, ?)",
                [.int(through), .blob(hash), .int(Int64(removed)), .int(nowMillis)])
            return PruneResult(removed: removed, checkpointPosition: through)
        }
    }

    /// Prunes what is older than the configured retention (default 180 days).
    public func pruneExpiredLog() throws -> PruneResult {
        try pruneLog(loggedBefore: now.addingTimeInterval(-options.logRetention))
    }
}

extension SQLiteStore {
    /// The message id under which a partner's receipt for our outbound `messageID` is logged.
    public static func receiptMessageID(for messageID: String) -> String { "receipt:" + messageID }

    /// Logs the signed receipt a partner returned for an outbound envelope, as its own inbound entry (kind
    /// `receipt`, message id `receipt:<outbound id>`): the chain stays append-only, because an outbound entry is
    /// logged before it is sent and cannot change afterwards. Idempotent like every append.
    ///
    /// - Throws: `store.notFound` when no outbound envelope `messageID` to `partner` was logged.
    public func appendOutboundReceipt(messageID: String, partner: String, receipt: [UInt8]) throws -> AppendOutcome {
        guard
            let sent = try read({ db in
                try db.first(
                    "SELECT sender FROM message_log WHERE direction = 'out' AND recipient = ? AND message_id = ?",
                    [.text(partner), .text(messageID)], { $0.text(0) })
            })
        else {
            throw StoreError(
                StoreError.notFound, "no outbound envelope \(messageID) to \(partner) is logged; receipt not recorded")
        }
        let header = EnvelopeHeader(
            messageID: Self.receiptMessageID(for: messageID), sender: partner, recipient: sent, kind: "receipt",
            recordCount: 0, payloadDigest: "", issuedAt: now)
        return try append(EnvelopeSubmission(direction: .inbound, header: header, raw: receipt))
    }

    /// The receipt a partner returned for our outbound `messageID`, or nil while none arrived.
    public func outboundReceipt(messageID: String, partner: String) throws -> [UInt8]? {
        try logEntry(direction: .inbound, sender: partner, messageID: Self.receiptMessageID(for: messageID))?.raw
    }
}
