import Foundation

/// Accepted and quarantined row counts of one partner over a time window (the dashboard's rejected-row rate).
public struct PartnerRowCounts: Hashable, Sendable {
    public var accepted: Int
    public var quarantined: Int

    public init(accepted: Int, quarantined: Int) {
        self.accepted = accepted
        self.quarantined = quarantined
    }

    /// Quarantined ÷ (accepted + quarantined), or nil when no row arrived.
    public var rejectedRate: Double? {
        let total = accepted + quarantined
        return total == 0 ? nil : Double(quarantined) / Double(total)
    }
}

/// Read-only queries for the operators' dashboard and metrics (issue 9): small aggregates, never payloads.
public protocol OperationsSource: Sendable {
    /// Per sender, when its most recent inbound envelope was logged.
    func lastInboundLogged() throws -> [String: Date]
    /// Per partner, rows accepted (record versions) and quarantined with a received time in `[from, before)`.
    /// A scan of both tables: meant for a dashboard refreshed every few seconds, not for a hot path.
    func rowCounts(receivedFrom from: Date, before: Date) throws -> [String: PartnerRowCounts]
    /// The most recently received quarantined rows of every partner, newest first (problems, never raw bytes).
    func recentQuarantinedRows(limit: Int) throws -> [QuarantinedRowFacts]
    /// Bytes the store occupies on disk (database file plus its write-ahead log).
    func databaseSizeBytes() throws -> Int64
}
