import Foundation
import GatewayCore
import Synchronization

/// What happened to a received envelope.
public enum ReceiptStatus: String, Sendable, CaseIterable {
    case accepted, duplicate, rejected

    /// The HTTP status the receipt travels with (Contracts/envelope/v1/README.md, "HTTP binding").
    public func httpStatus(errorCode: String?) -> Int {
        switch self {
        case .accepted: 200
        case .duplicate: 200
        case .rejected: ReceiptStatus.httpStatus(forRejection: errorCode ?? CryptoError.envelopeMalformed)
        }
    }

    /// The HTTP status of a rejection code.
    public static func httpStatus(forRejection code: String) -> Int {
        switch code {
        case CryptoError.payloadTooLarge: 413
        case CryptoError.senderUnknown, CryptoError.certificateUnknown, CryptoError.senderCertificateMismatch,
            CryptoError.certificateUntrusted, CryptoError.certificateExpired, CryptoError.certificateNotYetValid,
            CryptoError.certificateRevoked, CryptoError.signatureInvalid:
            403
        case CryptoError.wrongRecipient: 421
        default: 400
        }
    }
}

/// The payload of a receipt envelope (kind `receipt`, schema `g60.receipt.v1`): `name: value` lines.
public struct Receipt: Sendable, Hashable {
    /// The message id of the envelope this receipt answers, or nil when it could not be read.
    public var receiptFor: String?
    /// `sha256:<hex>` of the whole envelope as received.
    public var envelopeDigest: String
    /// The payload digest as the receiver computed it (same algorithm as the header's), when the header was read.
    public var payloadDigest: String?
    public var status: ReceiptStatus
    public var errorCode: String?
    public var errorMessage: String?
    public var receivedAt: RFC3339Timestamp

    public init(
        receiptFor: String?, envelopeDigest: String, payloadDigest: String?, status: ReceiptStatus, errorCode: String?,
        errorMessage: String?, receivedAt: RFC3339Timestamp
    ) {
        self.receiptFor = receiptFor
        self.envelopeDigest = envelopeDigest
        self.payloadDigest = payloadDigest
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.receivedAt = receivedAt
    }

    /// The receipt payload bytes (UTF-8, LF, fixed order; `-` for an absent value).
    public var payload: [UInt8] {
        let message = (errorMessage ?? "-").map { $0 == "\n" || $0 == "\r" ? " " : $0 }
        let lines = [
            "receipt-for: \(receiptFor ?? "-")", "envelope-digest: \(envelopeDigest)",
            "payload-digest: \(payloadDigest ?? "-")", "status: \(status.rawValue)", "error-code: \(errorCode ?? "-")",
            "error-message: \(String(message))", "received-at: \(receivedAt.text)",
        ]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }

    /// Reads a receipt payload.
    public static func parse(_ payload: ArraySlice<UInt8>) throws -> Receipt {
        var values: [String: String] = [:]
        for line in String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            guard let range = line.range(of: ": ") else {
                throw CryptoError(CryptoError.envelopeMalformed, "receipt line '\(line)' is not 'name: value'")
            }
            values[String(line[..<range.lowerBound])] = String(line[range.upperBound...])
        }
        func optional(_ name: String) -> String? { values[name].flatMap { $0 == "-" ? nil : $0 } }
        guard let envelopeDigest = values["envelope-digest"], let statusText = values["status"],
            let status = ReceiptStatus(rawValue: statusText), let receivedText = values["received-at"],
            let receivedAt = RFC3339Timestamp(receivedText)
        else {
            throw CryptoError(
                CryptoError.envelopeMalformed, "receipt payload lacks envelope-digest, status or received-at")
        }
        return Receipt(
            receiptFor: optional("receipt-for"), envelopeDigest: envelopeDigest,
            payloadDigest: optional("payload-digest"),
            status: status, errorCode: optional("error-code"), errorMessage: optional("error-message"),
            receivedAt: receivedAt)
    }
}

/// Issues signed receipt envelopes for a node (Contracts/envelope/v1/README.md, "Receipts").
///
/// Thread-safe: signing is serialised by a lock (receipts are one per received envelope).
public final class ReceiptIssuer: @unchecked Sendable {
    public let node: String
    private let signer: Mutex<EnvelopeSigner>
    private let clock: any EnvelopeClock
    private let sequence: Atomic<UInt64>

    /// - Parameter firstSequence: the first receipt's sequence number (default: milliseconds since 1970, so the
    ///   series keeps growing across restarts without the store).
    public init(
        node: String, key: PrivateKey, certificate: Certificate, clock: any EnvelopeClock = SystemClock(),
        firstSequence: UInt64? = nil
    ) throws {
        self.node = node
        self.signer = Mutex(try EnvelopeSigner(from: node, key: key, certificate: certificate, clock: clock))
        self.clock = clock
        self.sequence = Atomic(firstSequence ?? UInt64(max(0, clock.now().timeIntervalSince1970 * 1000)))
    }

    /// The receipt to answer for `received` after `outcome`: the original receipt for a duplicate, a new signed
    /// receipt otherwise. The store must have kept the envelope before an `accepted` receipt is sent.
    public func receipt(for received: [UInt8], outcome: VerificationOutcome) throws -> [UInt8] {
        switch outcome {
        case .duplicate(_, let original): return original
        case .accepted(let envelope): return try issue(for: received, envelope: envelope, status: .accepted, error: nil)
        case .rejected(let error, let envelope):
            return try issue(for: received, envelope: envelope, status: .rejected, error: error)
        }
    }

    /// A new signed receipt with the given status.
    public func issue(for received: [UInt8], envelope: Envelope?, status: ReceiptStatus, error: CryptoError?) throws
        -> [UInt8]
    {
        let header = envelope?.header
        let computedPayloadDigest = envelope.map { e in
            PayloadDigest(
                algorithm: e.header.payloadDigest.algorithm,
                bytes: Digest.hash(e.payload, using: e.header.payloadDigest.algorithm)
            ).description
        }
        let receipt = Receipt(
            receiptFor: header?.messageID,
            envelopeDigest: "sha256:" + Digest.hash(received, using: .sha256).hexString,
            payloadDigest: computedPayloadDigest, status: status, errorCode: error?.code, errorMessage: error?.message,
            receivedAt: RFC3339Timestamp(date: clock.now()))
        let to = header.map(\.from) ?? "unknown"
        let seq = sequence.add(1, ordering: .relaxed).oldValue
        return try signer.withLock { signer in
            try signer.sign(
                to: to, kind: "receipt", schema: "g60.receipt.v1", contentType: "text/plain; charset=utf-8",
                payload: receipt.payload, recordCount: 0, sequence: seq, inReplyTo: header?.messageID)
        }
    }
}
