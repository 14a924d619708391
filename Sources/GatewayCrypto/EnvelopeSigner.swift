import Foundation

/// Signs envelopes for one sender with one key and its certificate. Use one per thread (it reuses a context).
public final class EnvelopeSigner {
    /// The sender's partner id (`from`).
    public let from: String
    /// The signing certificate's fingerprint (`key-id`).
    public let keyID: String
    /// The key's algorithm (`signature-algorithm`).
    public let algorithm: SignatureAlgorithm
    private let signer: MessageSigner
    private let clock: any EnvelopeClock

    /// - Throws: `crypto.invalidArgument` when the key does not belong to the certificate or the certificate does
    ///   not bind `from`.
    public init(from: String, key: PrivateKey, certificate: Certificate, clock: any EnvelopeClock = SystemClock())
        throws
    {
        guard certificate.matches(key) else {
            throw CryptoError(
                CryptoError.invalidArgument,
                "the key for '\(from)' is not the key of certificate \(certificate.fingerprint)")
        }
        guard certificate.partnerIDs.contains(from) else {
            throw CryptoError(
                CryptoError.invalidArgument,
                "certificate \(certificate.fingerprint) binds \(certificate.partnerIDs), not '\(from)'")
        }
        self.from = from
        keyID = certificate.fingerprint
        algorithm = key.algorithm
        signer = try MessageSigner(key: key)
        self.clock = clock
    }

    /// A new lower-case UUID for `message-id`.
    public static func newMessageID() -> String { RandomUUID.make() }

    /// Builds and signs an envelope around `payload`.
    /// - Parameters:
    ///   - digest: the payload digest algorithm (default: SM3 with SM2, SHA-256 otherwise).
    ///   - issuedAt: default now, at +08:00.
    /// - Returns: the envelope's wire bytes.
    public func sign(
        to: String, kind: String, schema: String, contentType: String, payload: [UInt8], recordCount: UInt64,
        sequence: UInt64, messageID: String = EnvelopeSigner.newMessageID(), issuedAt: RFC3339Timestamp? = nil,
        inReplyTo: String? = nil, digest: DigestAlgorithm? = nil
    ) throws -> [UInt8] {
        let header = EnvelopeHeader(
            messageID: messageID, from: from, to: to, kind: kind, schema: schema, contentType: contentType,
            issuedAt: issuedAt ?? RFC3339Timestamp(date: clock.now()), sequence: sequence, recordCount: recordCount,
            payloadDigest: PayloadDigest(of: payload, using: digest ?? algorithm.defaultPayloadDigest),
            payloadLength: payload.count, signatureAlgorithm: algorithm, keyID: keyID, inReplyTo: inReplyTo)
        return try sign(header: header, payload: payload)
    }

    /// Signs a complete header (its from, key-id and algorithm must be this signer's) and appends `payload`.
    public func sign(header: EnvelopeHeader, payload: [UInt8]) throws -> [UInt8] {
        try header.validate()
        guard header.from == from, header.keyID == keyID, header.signatureAlgorithm == algorithm else {
            throw CryptoError(
                CryptoError.invalidArgument,
                "envelope \(header.messageID): from/key-id/signature-algorithm do not match the signer '\(from)'")
        }
        let signed = header.signedBytes
        let signature = try signer.sign(signed)
        return EnvelopeCodec.serialize(signedBytes: signed, signature: signature, payload: payload[...])
    }
}
