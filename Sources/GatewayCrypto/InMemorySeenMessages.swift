import Synchronization

/// A `SeenMessages` kept in memory, for tests and demos (the store keeps the real one).
public final class InMemorySeenMessages: SeenMessages {
    private let receipts = Mutex<[String: [UInt8]]>([:])

    public init() {}

    public func originalReceipt(from sender: String, messageID: String) -> [UInt8]? {
        receipts.withLock { $0[sender + " " + messageID] }
    }

    /// Remembers the receipt sent for `messageID` from `sender`.
    public func remember(from sender: String, messageID: String, receipt: [UInt8]) {
        receipts.withLock { $0[sender + " " + messageID] = receipt }
    }
}
