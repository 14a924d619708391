import Foundation
import GatewayCore

/// What a receiver concluded about one envelope.
public enum VerificationOutcome: Sendable {
    /// Every check passed; the message id is new.
    case accepted(Envelope)
    /// Every check passed, but the message id was seen before: answer with the original receipt.
    case duplicate(Envelope, originalReceipt: [UInt8])
    /// A check failed; the envelope is present when its header could be parsed.
    case rejected(CryptoError, Envelope?)

    /// The parsed envelope, if any.
    public var envelope: Envelope? {
        switch self {
        case .accepted(let e), .duplicate(let e, _): e
        case .rejected(_, let e): e
        }
    }

    /// The receipt status this outcome gets.
    public var status: ReceiptStatus {
        switch self {
        case .accepted: .accepted
        case .duplicate: .duplicate
        case .rejected: .rejected
        }
    }

    /// The HTTP status of the answer (Contracts/envelope/v1/README.md, "HTTP binding").
    public var httpStatus: Int { status.httpStatus(errorCode: error?.code) }

    /// The rejection, if any.
    public var error: CryptoError? {
        if case .rejected(let error, _) = self { return error }
        return nil
    }
}

/// Verifies received envelopes against a trust store (Contracts/envelope/v1/README.md, "Checks on receipt").
///
/// Keeps per-key verification contexts and chain verdicts, so it is not thread-safe: use one per worker thread
/// over a shared `TrustStore`.
public final class EnvelopeVerifier {
    /// The receiving node's id (`to` must equal it), or nil to accept any recipient (the CLI's `envelope verify`).
    public let node: String?
    public let trust: TrustStore
    public let policy: ReceptionPolicy
    private let clock: any EnvelopeClock
    private let seen: (any SeenMessages)?
    private var verifiers: [String: MessageVerifier] = [:]
    private var chainVerdicts: [String: (until: Date, error: CryptoError?)] = [:]

    public init(
        node: String?, trust: TrustStore, policy: ReceptionPolicy = ReceptionPolicy(),
        clock: any EnvelopeClock = SystemClock(), seen: (any SeenMessages)? = nil
    ) {
        self.node = node
        self.trust = trust
        self.policy = policy
        self.clock = clock
        self.seen = seen
    }

    /// Runs every check on `bytes` and answers accepted, duplicate or rejected (never throws).
    public func verify(_ bytes: [UInt8]) -> VerificationOutcome {
        let envelope: Envelope
        do {
            envelope = try Envelope.parse(bytes, maxPayloadBytes: policy.maxPayloadBytes)
        } catch let error as CryptoError {
            return .rejected(error, nil)
        } catch {
            return .rejected(CryptoError(CryptoError.envelopeMalformed, "\(error)"), nil)
        }
        do {
            try check(envelope)
        } catch let error as CryptoError {
            return .rejected(error, envelope)
        } catch {
            return .rejected(CryptoError(CryptoError.envelopeMalformed, "\(error)"), envelope)
        }
        if let seen,
            let receipt = seen.originalReceipt(from: envelope.header.from, messageID: envelope.header.messageID)
        {
            return .duplicate(envelope, originalReceipt: receipt)
        }
        return .accepted(envelope)
    }

    /// What the verifier keeps per key id: the certificate, its folder, a ready verification context, and the
    /// last chain verdict with its expiry. One dictionary lookup per envelope.
    private final class KeyEntry {
        let folder: String
        let certificate: Certificate
        var verifier: MessageVerifier?
        var verdictUntil = Date.distantPast
        var verdict: CryptoError?

        init(folder: String, certificate: Certificate) {
            self.folder = folder
            self.certificate = certificate
        }
    }

    private var keys: [String: KeyEntry] = [:]
    private var digestContexts: [DigestAlgorithm: DigestContext] = [:]

    /// The checks after parsing, in the README's order; throws the first failure.
    public func check(_ envelope: Envelope) throws {
        let h = envelope.header
        func who() -> String { "envelope \(h.messageID) from \(h.from)" }
        if let node, h.to != node {
            throw CryptoError(CryptoError.wrongRecipient, "\(who()) is addressed to '\(h.to)', this node is '\(node)'")
        }
        let entry: KeyEntry
        if let cached = keys[h.keyID] {
            entry = cached
        } else {
            guard trust.knows(partner: h.from) else {
                throw CryptoError(CryptoError.senderUnknown, "\(who()): '\(h.from)' is not a partner of this exchange")
            }
            guard let (folder, certificate) = trust.certificate(keyID: h.keyID) else {
                throw CryptoError(CryptoError.certificateUnknown, "\(who()): no certificate has key id \(h.keyID)")
            }
            entry = KeyEntry(folder: folder, certificate: certificate)
            keys[h.keyID] = entry
        }
        // A known key id with another sender: unknown sender first, then the mismatch.
        guard entry.folder == h.from, entry.certificate.partnerIDs.contains(h.from) else {
            guard trust.knows(partner: h.from) else {
                throw CryptoError(CryptoError.senderUnknown, "\(who()): '\(h.from)' is not a partner of this exchange")
            }
            throw CryptoError(
                CryptoError.senderCertificateMismatch,
                "\(who()): key id \(h.keyID) belongs to '\(entry.folder)' (certificate binds \(entry.certificate.partnerIDs))"
            )
        }
        let now = clock.now()
        try checkChain(entry, at: now, who: who)
        let algorithm = h.payloadDigest.algorithm
        let digestContext =
            try digestContexts[algorithm]
            ?? {
                let made = try DigestContext(algorithm)
                digestContexts[algorithm] = made
                return made
            }()
        let digest = try digestContext.hash(envelope.payload)
        guard digest == h.payloadDigest.bytes else {
            throw CryptoError(
                CryptoError.payloadDigestMismatch,
                "\(who()): payload \(algorithm.rawValue) digest is \(digest.hexString), header says \(h.payloadDigest)")
        }
        let issued = h.issuedAt.secondsSince1970
        let nowSeconds = now.timeIntervalSince1970
        if issued > nowSeconds + policy.maxFutureSkew {
            throw CryptoError(
                CryptoError.issuedInFuture,
                "\(who()): issued-at \(h.issuedAt) is \(Int(issued - nowSeconds)) s ahead of this node's clock (limit \(Int(policy.maxFutureSkew)) s)"
            )
        }
        if issued < nowSeconds - policy.replayWindow {
            throw CryptoError(
                CryptoError.tooOld,
                "\(who()): issued-at \(h.issuedAt) is older than the replay window of \(Int(policy.replayWindow / 86400)) days"
            )
        }
        let verifier =
            try entry.verifier
            ?? {
                let made = try MessageVerifier(key: try entry.certificate.publicKey())
                entry.verifier = made
                return made
            }()
        guard verifier.algorithm == h.signatureAlgorithm else {
            throw CryptoError(
                CryptoError.signatureInvalid,
                "\(who()): signature-algorithm is \(h.signatureAlgorithm.rawValue) but key \(h.keyID) is \(verifier.algorithm.rawValue)"
            )
        }
        guard verifier.isValid(signature: envelope.signature, for: envelope.signedBytes) else {
            throw CryptoError(
                CryptoError.signatureInvalid, "\(who()): the signature does not verify with key \(h.keyID)")
        }
    }

    /// Chain verification is expensive (≈ 1k/s), so a verdict is reused for `policy.chainCacheLifetime`, never past
    /// the certificate's own validity window.
    private func checkChain(_ entry: KeyEntry, at now: Date, who: () -> String) throws {
        let certificate = entry.certificate
        if now < entry.verdictUntil, now >= certificate.notBefore {
            if let error = entry.verdict { throw error }
            return
        }
        var verdict: CryptoError?
        do {
            try trust.verifyChain(certificate, at: now, context: "\(who()): ")
        } catch let error as CryptoError {
            verdict = error
        }
        entry.verdictUntil = min(now.addingTimeInterval(policy.chainCacheLifetime), certificate.notAfter)
        entry.verdict = verdict
        if let verdict { throw verdict }
    }
}
