/// An error raised by GatewayCrypto: a stable dotted `code` for machines and receipts, a message for people.
///
/// Rejections of an envelope carry the codes of Contracts/envelope/v1/README.md ("Error codes"); equality compares
/// codes only, as in GatewayCore's `CoreError`. `openSSLErrors` holds what OpenSSL's error queue said, if anything.
public struct CryptoError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The stable machine-readable code, e.g. `signature.invalid`.
    public let code: String
    /// Which partner, message, file or field, and why.
    public let message: String
    /// The drained OpenSSL error queue (library:reason lines), empty when OpenSSL was not involved.
    public let openSSLErrors: [String]
    /// Where the error was raised in the gateway's own code.
    public let location: String

    public init(
        _ code: String, _ message: String, openSSLErrors: [String] = [], file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
        self.location = "\(file):\(line)"
    }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        openSSLErrors.isEmpty ? "\(code): \(message)" : "\(code): \(message) [\(openSSLErrors.joined(separator: "; "))]"
    }
}

extension CryptoError {
    // Envelope rejections (Contracts/envelope/v1/README.md, "Error codes").
    public static let envelopeMalformed = "envelope.malformed"
    public static let envelopeTruncated = "envelope.truncated"
    public static let versionUnsupported = "envelope.versionUnsupported"
    public static let algorithmUnsupported = "envelope.algorithmUnsupported"
    public static let wrongRecipient = "envelope.wrongRecipient"
    public static let issuedInFuture = "envelope.issuedInFuture"
    public static let tooOld = "envelope.tooOld"
    public static let senderUnknown = "sender.unknown"
    public static let senderCertificateMismatch = "sender.certificateMismatch"
    public static let certificateUnknown = "certificate.unknown"
    public static let certificateUntrusted = "certificate.untrusted"
    public static let certificateExpired = "certificate.expired"
    public static let certificateNotYetValid = "certificate.notYetValid"
    public static let certificateRevoked = "certificate.revoked"
    public static let signatureInvalid = "signature.invalid"
    public static let payloadDigestMismatch = "payload.digestMismatch"
    public static let payloadLengthMismatch = "payload.lengthMismatch"
    public static let payloadTooLarge = "payload.tooLarge"

    // Local failures (never sent to a partner).
    public static let keyUnreadable = "key.unreadable"
    public static let certificateUnreadable = "certificate.unreadable"
    public static let trustUnreadable = "trust.unreadable"
    public static let openSSLFailure = "openssl.failure"
    public static let invalidArgument = "crypto.invalidArgument"

    /// Every code a receiver may put in a rejection receipt, in the README's order.
    public static let rejectionCodes: [String] = [
        envelopeMalformed, envelopeTruncated, versionUnsupported, algorithmUnsupported, wrongRecipient,
        payloadTooLarge, senderUnknown, certificateUnknown, senderCertificateMismatch, certificateUntrusted,
        certificateExpired, certificateNotYetValid, certificateRevoked, payloadLengthMismatch, payloadDigestMismatch,
        signatureInvalid, issuedInFuture, tooOld,
    ]
}
