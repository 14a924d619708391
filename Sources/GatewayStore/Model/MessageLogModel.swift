import Foundation
import GatewayCore

/// A hash function for the log chain and content digests: bytes in, digest out.
///
/// The store does not import OpenSSL; the default is GatewayCore's plain-Swift SHA-256, and the assembly may inject
/// a faster implementation with the same output (OpenSSL's SHA-256). Changing the algorithm of an existing log
/// breaks its chain: the function must stay the same for the life of a database.
public typealias StoreHashFunction = @Sendable ([UInt8]) -> [UInt8]

/// Which way an envelope travelled.
public enum EnvelopeDirection: String, Sendable, Codable, CaseIterable {
    /// Received from a partner.
    case inbound = "in"
    /// Sent to a partner.
    case outbound = "out"
}

/// The parsed header the store keeps beside an envelope's raw bytes.
///
/// A plain value on purpose: the envelope format is GatewayCrypto's (Contracts/envelope/), and the assembly fills
/// this from whatever that parser returns, so the store does not depend on the envelope module.
public struct EnvelopeHeader: Hashable, Sendable, Codable {
    /// The sender's message id; unique per sender (idempotency key with the sender).
    public var messageID: String
    /// The sending partner's slug (or this node's id for outbound envelopes).
    public var sender: String
    /// The receiving partner's slug.
    public var recipient: String
    /// The envelope kind, e.g. `records`, `retractions`, `receipt`.
    public var kind: String
    /// The sender's sequence number, when the format has one.
    public var sequence: Int64?
    /// How many records the payload claims to hold.
    public var recordCount: Int
    /// The payload digest as the envelope states it (e.g. `sha256:<hex>`).
    public var payloadDigest: String
    /// When the sender says it issued the envelope.
    public var issuedAt: Date

    public init(
        messageID: String, sender: String, recipient: String, kind: String, sequence: Int64? = nil,
        recordCount: Int, payloadDigest: String, issuedAt: Date
    ) {
        self.messageID = messageID
        self.sender = sender
        self.recipient = recipient
        self.kind = kind
        self.sequence = sequence
        self.recordCount = recordCount
        self.payloadDigest = payloadDigest
        self.issuedAt = issuedAt
    }
}

/// One envelope to write to the message log.
public struct EnvelopeSubmission: Sendable {
    public var direction: EnvelopeDirection
    public var header: EnvelopeHeader
    /// The envelope exactly as it travelled.
    public var raw: [UInt8]
    /// The receipt sent back (inbound) or received (outbound), when there is one.
    public var receipt: [UInt8]?
    /// Whether to put an inbound work item (the envelope awaiting mapping) on the inbound queue in the same
    /// transaction, so an acknowledged envelope is never without its work item.
    public var enqueueForMapping: Bool

    public init(
        direction: EnvelopeDirection, header: EnvelopeHeader, raw: [UInt8], receipt: [UInt8]? = nil,
        enqueueForMapping: Bool = false
    ) {
        self.direction = direction
        self.header = header
        self.raw = raw
        self.receipt = receipt
        self.enqueueForMapping = enqueueForMapping
    }
}

/// One entry of the message log, as stored.
public struct LogEntry: Hashable, Sendable {
    /// The position in the chain (1, 2, 3 …; earlier entries may have been pruned behind a checkpoint).
    public var position: Int64
    public var direction: EnvelopeDirection
    public var header: EnvelopeHeader
    public var raw: [UInt8]
    public var receipt: [UInt8]?
    /// When the gateway logged it.
    public var loggedAt: Date
    /// The hash of the previous entry (32 zero bytes for the first).
    public var previousHash: [UInt8]
    /// This entry's chain hash.
    public var entryHash: [UInt8]
}

/// The result of appending an envelope to the log.
public enum AppendOutcome: Hashable, Sendable {
    /// Newly logged (and committed: the caller may acknowledge).
    case appended(LogEntry)
    /// The sender's message id was already logged in this direction: nothing changed; answer with the stored
    /// entry's receipt. `sameBytes` is false when the resent envelope differs from the stored one.
    case duplicate(LogEntry, sameBytes: Bool)

    /// The stored entry either way.
    public var entry: LogEntry {
        switch self {
        case .appended(let e), .duplicate(let e, _): return e
        }
    }
}

/// What `verifyChain` found.
public struct ChainVerification: Hashable, Sendable {
    /// A place where the chain does not hold.
    public struct BrokenLink: Hashable, Sendable, CustomStringConvertible {
        /// The position of the first entry that does not verify.
        public var position: Int64
        /// Why, for a person.
        public var reason: String
        public var description: String { "entry \(position): \(reason)" }
    }

    /// How many entries were checked.
    public var entriesChecked: Int
    /// The position the walk started after (the last pruning checkpoint, or 0).
    public var checkpointPosition: Int64
    /// The first broken link, or nil when the chain verifies.
    public var firstBroken: BrokenLink?
    /// Entries whose encrypted raw bytes were opened with the configured key and hash to their committed digest.
    public var encryptedEntriesOpened: Int = 0
    /// Entries whose raw bytes are encrypted and were not opened (no key): their links, headers and stored digests
    /// were checked, but not that the ciphertext holds the bytes the chain commits to.
    public var encryptedEntriesNotOpened: Int = 0

    public var isIntact: Bool { firstBroken == nil }
}

/// What `prune` removed.
public struct PruneResult: Hashable, Sendable {
    /// Entries deleted.
    public var removed: Int
    /// The checkpoint now in force: the last pruned position (0 when nothing was ever pruned).
    public var checkpointPosition: Int64
}

/// The append-only, hash-chained log of every envelope received or sent.
public protocol MessageLog: Sendable {
    /// Logs an envelope durably (committed before returning) unless the sender's message id is already logged in
    /// that direction, in which case nothing changes and the stored entry comes back.
    func append(_ submission: EnvelopeSubmission) throws -> AppendOutcome
    /// The stored entry for a sender's message id, or nil.
    func logEntry(direction: EnvelopeDirection, sender: String, messageID: String) throws -> LogEntry?
    /// Entries after `position`, in order, at most `limit`.
    func logEntries(after position: Int64, limit: Int) throws -> [LogEntry]
    /// Walks the chain from the last checkpoint and reports the first broken link.
    func verifyChain() throws -> ChainVerification
    /// Removes entries logged before `cutoff` (never one still awaited by an unfinished inbound work item) and
    /// records a checkpoint so that the remaining chain still verifies.
    func pruneLog(loggedBefore cutoff: Date) throws -> PruneResult
}
