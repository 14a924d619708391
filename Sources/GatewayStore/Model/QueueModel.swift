import Foundation

/// Which queue an item is on.
public enum QueueDirection: String, Hashable, Sendable, Codable, CaseIterable {
    /// Received envelopes awaiting mapping.
    case inbound
    /// Deliveries to a partner.
    case outbound
}

/// A new queue item.
public struct QueueItemSubmission: Hashable, Sendable {
    public var direction: QueueDirection
    /// The partner the item is from (inbound) or for (outbound).
    public var partner: String
    /// What the item is: `envelope`, `record`, `retraction`, … (free text for the worker).
    public var kind: String
    /// The record delivered, and its version, so a receiver can apply out-of-order deliveries safely.
    public var recordID: String?
    public var recordVersion: Int?
    /// The message log position the item comes from (inbound envelopes).
    public var logPosition: Int64?
    /// Items with the same non-nil key for the same partner and direction are leased strictly in order: an item
    /// waits while an earlier one is not delivered; when that one is dead, the waiting item is dead-lettered with it
    /// at the next lease (replaying the partner brings both back in order). Use the record id for a record and the
    /// *target* record id for its retraction, so a retraction never overtakes the record it retracts.
    public var orderKey: String?
    /// Work data for the worker (e.g. the record JSON to send).
    public var payload: [UInt8]

    public init(
        direction: QueueDirection, partner: String, kind: String, recordID: String? = nil, recordVersion: Int? = nil,
        logPosition: Int64? = nil, orderKey: String? = nil, payload: [UInt8] = []
    ) {
        self.direction = direction
        self.partner = partner
        self.kind = kind
        self.recordID = recordID
        self.recordVersion = recordVersion
        self.logPosition = logPosition
        self.orderKey = orderKey
        self.payload = payload
    }
}

/// A queue item as stored.
public struct QueueItem: Hashable, Sendable {
    public var id: Int64
    public var direction: QueueDirection
    public var partner: String
    public var kind: String
    public var recordID: String?
    public var recordVersion: Int?
    public var logPosition: Int64?
    public var orderKey: String?
    public var payload: [UInt8]
    public var state: QueueItemState
    public var attempts: Int
    public var createdAt: Date
    public var lastError: String?
}

/// One line of `g60-gateway queues`: a partner's queue in one direction.
public struct QueueSummary: Hashable, Sendable, Codable {
    public var direction: QueueDirection
    public var partner: String
    /// Items not yet delivered and not dead.
    public var depth: Int
    /// Age in seconds of the oldest item counted in `depth`.
    public var oldestAgeSeconds: Double?
    public var inRetry: Int
    public var dead: Int
    public var lastSuccess: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
}

/// One entry of the queue audit trail.
public struct QueueAuditEntry: Hashable, Sendable {
    public var itemID: Int64
    public var at: Date
    /// `deadLettered`, `replayed`.
    public var action: String
    /// Who: an operator name for replays, `queue` for automatic transitions.
    public var actor: String
    public var detail: String
}

/// Which dead items to replay.
public enum ReplaySelection: Hashable, Sendable {
    case items([Int64])
    case partner(String)
    case all
}

/// Inbound work and outbound deliveries, with leases, retries and dead letters (see `QueueItemStateMachine`).
public protocol QueueStore: Sendable {
    /// Adds items (committed before returning); returns their ids in order.
    func enqueue(_ items: [QueueItemSubmission]) throws -> [Int64]
    /// Leases up to `limit` due items of `direction` (optionally one partner) to `owner`; expired leases are
    /// returned first. Per-partner order keys are respected.
    func lease(direction: QueueDirection, partner: String?, limit: Int, owner: String, duration: TimeInterval) throws
        -> [QueueItem]
    /// The lease holder delivered the item.
    func complete(itemID: Int64, owner: String) throws
    /// The lease holder failed; returns the new state (retry scheduled or dead).
    func fail(itemID: Int64, owner: String, error: String) throws -> QueueItemState
    /// One item, or nil.
    func queueItem(id: Int64) throws -> QueueItem?
    /// Per partner and direction: depth, oldest age, in retry, dead, last success, last error.
    func queueSummary() throws -> [QueueSummary]
    /// Dead items, optionally of one partner.
    func deadItems(partner: String?) throws -> [QueueItem]
    /// Dead items back to pending, each recorded in the audit trail; returns the replayed ids.
    func replay(_ selection: ReplaySelection, actor: String) throws -> [Int64]
    /// The audit trail of one item, oldest first.
    func auditTrail(itemID: Int64) throws -> [QueueAuditEntry]
}

/// Everything the gateway needs from its durable store; `SQLiteStore` is the embedded implementation, and a
/// PostgreSQL one for several nodes sharing a database would conform to the same three protocols.
public typealias DurableStore = MessageLog & RecordStore & QueueStore
