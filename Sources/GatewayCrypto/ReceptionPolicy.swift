import Foundation

/// The limits a receiver applies (Contracts/envelope/v1/README.md, "Checks on receipt"), all configurable.
public struct ReceptionPolicy: Sendable, Hashable {
    /// 64 MiB.
    public static let defaultMaxPayloadBytes = 64 * 1024 * 1024

    /// The largest payload accepted, in bytes (default 64 MiB).
    public var maxPayloadBytes: Int
    /// How far in the future issued-at may be, for clock skew (default 5 minutes).
    public var maxFutureSkew: TimeInterval
    /// How old issued-at may be (default 30 days); older envelopes are refused as possible replays.
    public var replayWindow: TimeInterval
    /// How long a certificate's chain verdict is reused before it is checked again (default 5 minutes).
    public var chainCacheLifetime: TimeInterval

    public init(
        maxPayloadBytes: Int = ReceptionPolicy.defaultMaxPayloadBytes, maxFutureSkew: TimeInterval = 300,
        replayWindow: TimeInterval = 30 * 86400, chainCacheLifetime: TimeInterval = 300
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxFutureSkew = maxFutureSkew
        self.replayWindow = replayWindow
        self.chainCacheLifetime = chainCacheLifetime
    }
}

/// The source of "now" for every time check; injected so tests never wait.
public protocol EnvelopeClock: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemClock: EnvelopeClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// The message ids a receiver has already accepted, per sender, with the receipt it answered.
///
/// The store (GatewayStore) implements this durably; `InMemorySeenMessages` serves tests and demos.
public protocol SeenMessages: Sendable {
    /// The receipt originally sent for `messageID` from `sender`, or nil if the id is new.
    func originalReceipt(from sender: String, messageID: String) -> [UInt8]?
}
