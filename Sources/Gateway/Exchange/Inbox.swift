import Foundation
import GatewayCore
import GatewayCrypto
import GatewayStore
import Synchronization

/// `POST /v1/envelopes`: verifies an envelope (the trust layer), commits it to the message log together with its
/// mapping work item, and answers with the signed receipt — only after the commit (Contracts/envelope/v1/README.md).
/// A message id already logged from that sender is answered with the original receipt and changes nothing.
public final class Inbox: Sendable {
    /// What to answer.
    public struct Answer: Sendable {
        /// How the envelope was judged.
        public enum Outcome: String, Sendable {
            case accepted, duplicate, rejected
            /// Not stored (the store failed): no receipt, the sender retries the same bytes.
            case unavailable
        }

        public var status: Int
        /// The signed receipt envelope (nil when the store could not take the envelope: 503, retry later).
        public var receipt: [UInt8]?
        public var outcome: Outcome
        public var errorCode: String?
        public var messageID: String?
        public var sender: String?
    }

    let node: String
    let trust: TrustStore
    let policy: ReceptionPolicy
    let store: SQLiteStore
    let issuer: ReceiptIssuer
    let clock: any EnvelopeClock
    let metrics: OperationsCounters?
    /// Verifiers keep per-key contexts and are not thread-safe: a small pool, one borrowed per request.
    private let pool = Mutex<[EnvelopeVerifierBox]>([])

    public init(
        node: String, trust: TrustStore, policy: ReceptionPolicy, store: SQLiteStore, issuer: ReceiptIssuer,
        clock: any EnvelopeClock = SystemClock(), metrics: OperationsCounters? = nil
    ) {
        self.node = node
        self.trust = trust
        self.policy = policy
        self.store = store
        self.issuer = issuer
        self.clock = clock
        self.metrics = metrics
    }

    /// Kinds whose payload goes to the mapping workers.
    public static let mappedKinds: Set<String> = ["records.batch", "records.retract"]

    /// Judges `bytes` from a caller authenticated as partner `caller` (nil: a client not bound to a partner, which
    /// may submit for any partner, e.g. an operator's replay tool).
    public func receive(_ bytes: [UInt8], caller: String?) -> Answer {
        let box = pool.withLock { $0.popLast() } ?? EnvelopeVerifierBox(
            EnvelopeVerifier(node: node, trust: trust, policy: policy, clock: clock))
        defer { pool.withLock { $0.append(box) } }
        var outcome = box.verifier.verify(bytes)
        if case .accepted(let envelope) = outcome, let caller, caller != envelope.header.from {
            outcome = .rejected(
                CryptoError(
                    GatewayError.senderNotAuthenticated,
                    "envelope \(envelope.header.messageID) says it is from \(envelope.header.from), but the caller is authenticated as \(caller)"),
                envelope)
        }
        switch outcome {
        case .rejected(let error, let envelope):
            metrics?.envelopeRejected(code: error.code, partner: envelope?.header.from)
            let status = error.code == GatewayError.senderNotAuthenticated ? 403 : outcome.httpStatus
            let receipt = try? issuer.issue(for: bytes, envelope: envelope, status: .rejected, error: error)
            return Answer(
                status: receipt == nil ? 500 : status, receipt: receipt, outcome: .rejected, errorCode: error.code,
                messageID: envelope?.header.messageID, sender: envelope?.header.from)
        case .duplicate(let envelope, let original):
            return Answer(
                status: 200, receipt: original, outcome: .duplicate, errorCode: nil,
                messageID: envelope.header.messageID, sender: envelope.header.from)
        case .accepted(let envelope):
            let h = envelope.header
            do {
                let receipt = try issuer.issue(for: bytes, envelope: envelope, status: .accepted, error: nil)
                let submission = EnvelopeSubmission(
                    direction: .inbound, header: Inbox.storeHeader(h), raw: bytes, receipt: receipt,
                    enqueueForMapping: Inbox.mappedKinds.contains(h.kind))
                switch try store.append(submission) {
                case .appended:
                    metrics?.envelopeReceived(partner: h.from, kind: h.kind)
                    return Answer(
                        status: 200, receipt: receipt, outcome: .accepted, errorCode: nil, messageID: h.messageID,
                        sender: h.from)
                case .duplicate(let entry, _):
                    return Answer(
                        status: 200, receipt: entry.receipt ?? receipt, outcome: .duplicate, errorCode: nil,
                        messageID: h.messageID, sender: h.from)
                }
            } catch {
                // Not stored: no receipt, the sender retries the same bytes later (idempotent by message id).
                return Answer(
                    status: 503, receipt: nil, outcome: .unavailable, errorCode: GatewayError.storeUnavailable,
                    messageID: h.messageID, sender: h.from)
            }
        }
    }

    /// The store's plain header from the envelope's.
    static func storeHeader(_ h: GatewayCrypto.EnvelopeHeader) -> GatewayStore.EnvelopeHeader {
        GatewayStore.EnvelopeHeader(
            messageID: h.messageID, sender: h.from, recipient: h.to, kind: h.kind, sequence: Int64(clamping: h.sequence),
            recordCount: Int(clamping: h.recordCount), payloadDigest: h.payloadDigest.description,
            issuedAt: h.issuedAt.date)
    }
}

/// Lets a non-Sendable verifier sit in a lock-protected pool; each is used by one thread at a time.
final class EnvelopeVerifierBox: @unchecked Sendable {
    let verifier: EnvelopeVerifier
    init(_ verifier: EnvelopeVerifier) { self.verifier = verifier }
}

/// The counters the exchange increments (implemented over the metrics registry by the operations layer).
public protocol OperationsCounters: Sendable {
    func envelopeReceived(partner: String, kind: String)
    func envelopeRejected(code: String, partner: String?)
    func rowsMapped(partner: String, accepted: Int, quarantinedCodes: [String])
    func deliveryAttempted(partner: String, succeeded: Bool)
}

extension OperationsMetrics: OperationsCounters {
    public func envelopeReceived(partner: String, kind: String) { envelopeReceived(partner: partner, receiptLatency: nil) }
    public func envelopeRejected(code: String, partner: String?) {
        envelopeRejected(code: code)
        if code.hasPrefix("signature.") || code.hasPrefix("certificate.") || code.hasPrefix("sender.")
            || code.hasPrefix("envelope.tooOld") || code.hasPrefix("envelope.issuedInFuture")
        {
            verificationFailed(reason: code)
        }
    }
    public func deliveryAttempted(partner: String, succeeded: Bool) {
        deliveryAttempted(partner: partner, succeeded: succeeded, endToEndLatency: nil, deadLettered: false)
    }
}
