/// An error raised by GatewayStore: a stable `code` for machines, a message for people.
///
/// Equality compares codes only (the pattern of CoreError and swift-certificates' `CertificateError`). The
/// message says which file, partner, envelope, row or queue item and why; `underlying` keeps the SQLite text.
public struct StoreError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The stable machine-readable code, e.g. `store.corrupt`.
    public let code: String
    /// What went wrong, for a person.
    public let message: String
    /// The database engine's own words (e.g. "database or disk is full"), when there are some.
    public let underlying: String?
    /// Where the error was raised in the gateway's own code.
    public let location: String

    public init(_ code: String, _ message: String, underlying: String? = nil, file: String = #fileID, line: Int = #line)
    {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.location = "\(file):\(line)"
    }

    public static func == (lhs: StoreError, rhs: StoreError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        "\(code): \(message)" + (underlying.map { " (\($0))" } ?? "")
    }
}

extension StoreError {
    /// The file cannot be opened at all (missing directory, permissions).
    public static let cannotOpen = "store.cannotOpen"
    /// The file is an SQLite database of some other application.
    public static let foreign = "store.foreign"
    /// The file is not a database, or fails `PRAGMA quick_check`.
    public static let corrupt = "store.corrupt"
    /// The schema is newer than this build knows (a downgrade).
    public static let schemaTooNew = "store.schemaTooNew"
    /// The disk is full: the transaction was rolled back, nothing was acknowledged.
    public static let diskFull = "store.diskFull"
    /// Another process holds the database lock longer than the busy timeout.
    public static let locked = "store.locked"
    /// Any other SQLite failure (with the engine's message).
    public static let sqlite = "store.sqlite"
    /// The store refuses new work after a failure it cannot recover from in-process.
    public static let refusing = "store.refusing"
    /// An argument is not acceptable (e.g. an empty message id).
    public static let invalidArgument = "store.invalidArgument"
    /// A queue item, record or log entry that was asked for does not exist.
    public static let notFound = "store.notFound"
    /// A queue event that is not allowed in the item's state (e.g. completing an item not leased by the caller).
    public static let invalidTransition = "store.invalidTransition"
    /// A record carries a clear identity number (or one must be read) but no identity key is configured.
    public static let identityKeyMissing = "store.identityKeyMissing"
    /// An encrypted identity number does not open (altered, moved to another row, or another key).
    public static let identityUnreadable = "store.identityUnreadable"
    /// The configured identity key does not open the evidence or identity numbers already in the database (the node
    /// was started with another key); raised at open, before anything is written.
    public static let identityKeyWrong = "store.identityKeyWrong"
    /// Encrypted evidence (a logged envelope's or quarantined row's raw bytes) does not open: ciphertext edited,
    /// moved from another row, or sealed under another key.
    public static let evidenceUnreadable = "store.evidenceUnreadable"
}
