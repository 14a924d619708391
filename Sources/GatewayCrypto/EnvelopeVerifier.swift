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
        if let seen, let receipt = seen.originalReceipt(from: envelope.header.from, messageID: envelope.header.messageID) {
            return .duplicate(envelope, originalReceipt: receipt)
        }
        return .accepted(envelope)
    }

    /// The checks after parsing, in the README's order; throws the first failure.
    public func check(_ envelope: Envelope) throws {
        let h = envelope.header
        let who = "envelope \(h.messageID) from \(h.from)"
        if let node, h.to != node {
            throw CryptoError(CryptoError.wrongRecipient, "\(who) is addressed to '\(h.to)', this node is '\(node)'")
        }
        guard trust.knows(partner: h.from) else {
            throw CryptoError(CryptoError.senderUnknown, "\(who): '\(h.from)' is not a partner of this exchange")
        }
        guard let (folder, certificate) = trust.certificate(keyID: h.keyID) else {
            throw CryptoError(CryptoError.certificateUnknown, "\(who): no certificate has key id \(h.keyID)")
        }
        guard folder == h.from, certificate.partnerIDs.contains(h.from) else {
            throw CryptoError(
                CryptoError.senderCertificateMismatch,
                "\(who): key id \(h.keyID) belongs to '\(folder)' (certificate binds \(certificate.partnerIDs))")
        }
        let now = clock.now()
        try checkChain(certificate, at: now, who: who)
        let digest = Digest.hash(envelope.payload, using: h.payloadDigest.algorithm)
        guard digest == h.payloadDigest.bytes else {
            throw CryptoError(
                CryptoError.payloadDigestMismatch,
                "\(who): payload \(h.payloadDigest.algorithm.rawValue) digest is \(digest.hexString), header says \(h.payloadDigest)")
        }
        let issued = h.issuedAt.secondsSince1970
        let nowSeconds = now.timeIntervalSince1970
        if issued > nowSeconds + policy.maxFutureSkew {
            throw CryptoError(
                CryptoError.issuedInFuture,
                "\(who): issued-at \(h.issuedAt) is \(Int(issued - nowSeconds)) s ahead of this node's clock (limit \(Int(policy.maxFutureSkew)) s)")
        }
        if issued < nowSeconds - policy.replayWindow {
            throw CryptoError(
                CryptoError.tooOld,
                "\(who): issued-at \(h.issuedAt) is older than the replay window of \(Int(policy.replayWindow / 86400)) days")
        }
        let verifier = try messageVerifier(for: certificate)
        guard verifier.algorithm == h.signatureAlgorithm else {
            throw CryptoError(
                CryptoError.signatureInvalid,
                "\(who): signature-algorithm is \(h.signatureAlgorithm.rawValue) but key \(h.keyID) is \(verifier.algorithm.rawValue)")
        }
        guard verifier.isValid(signature: envelope.signature, for: envelope.signedBytes) else {
            throw CryptoError(CryptoError.signatureInvalid, "\(who): the signature does not verify with key \(h.keyID)")
        }
    }

    private func messageVerifier(for certificate: Certificate) throws -> MessageVerifier {
        if let cached = verifiers[certificate.fingerprint] { return cached }
        let verifier = try MessageVerifier(key: try certificate.publicKey())
        verifiers[certificate.fingerprint] = verifier
        return verifier
    }

    /// Chain verification is expensive (≈ 1k/s), so a verdict is reused for `policy.chainCacheLifetime`, never past
    /// the certificate's own validity window.
    private func checkChain(_ certificate: Certificate, at now: Date, who: String) throws {
        if let cached = chainVerdicts[certificate.fingerprint], now < cached.until, now >= certificate.notBefore {
            if let error = cached.error { throw error }
            return
        }
        var verdict: CryptoError?
        do {
            try trust.verifyChain(certificate, at: now, context: "\(who): ")
        } catch let error as CryptoError {
            verdict = error
        }
        let until = min(now.addingTimeInterval(policy.chainCacheLifetime), certificate.notAfter)
        chainVerdicts[certificate.fingerprint] = (until, verdict)
        if let verdict { throw verdict }
    }
}
