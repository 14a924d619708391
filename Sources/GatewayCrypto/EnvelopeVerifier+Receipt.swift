import GatewayCore

extension CryptoError {
    /// A receipt that is not a `g60.receipt.v1` receipt envelope.
    public static let receiptInvalid = "receipt.invalid"
    /// A valid receipt, but for other bytes or another message than the one sent.
    public static let receiptMismatch = "receipt.mismatch"
}

extension EnvelopeVerifier {
    /// Checks the receipt a partner answered for `sent` (the sender's side of Contracts/envelope/v1/README.md §4):
    /// the receipt envelope passes every receiver check (this verifier's node must be the original sender), is a
    /// `receipt`, names the sent message, and carries the SHA-256 of exactly the bytes sent.
    /// - Returns: the receipt; its `status` says accepted, duplicate or rejected (with the code).
    /// - Throws: the receipt envelope's own rejection code, `receipt.invalid` or `receipt.mismatch`.
    public func confirmReceipt(_ receiptBytes: [UInt8], for sent: [UInt8]) throws -> Receipt {
        let outcome = verify(receiptBytes)
        if let error = outcome.error { throw error }
        guard let envelope = outcome.envelope, envelope.header.kind == "receipt",
            envelope.header.schema == "g60.receipt.v1"
        else {
            throw CryptoError(
                CryptoError.receiptInvalid,
                "envelope \(outcome.envelope?.header.messageID ?? "?") is not a g60.receipt.v1 receipt")
        }
        let receipt = try Receipt.parse(envelope.payload)
        let sentDigest = "sha256:" + Digest.hash(sent, using: .sha256).hexString
        guard receipt.envelopeDigest == sentDigest else {
            throw CryptoError(
                CryptoError.receiptMismatch,
                "receipt \(envelope.header.messageID) from \(envelope.header.from) is for envelope bytes \(receipt.envelopeDigest), not the bytes sent (\(sentDigest))"
            )
        }
        if let sentHeader = try? Envelope.parse(sent, maxPayloadBytes: Int.max).header {
            guard receipt.receiptFor == sentHeader.messageID, envelope.header.inReplyTo == sentHeader.messageID,
                envelope.header.from == sentHeader.to
            else {
                throw CryptoError(
                    CryptoError.receiptMismatch,
                    "receipt \(envelope.header.messageID) from \(envelope.header.from) answers \(receipt.receiptFor ?? "-"), not \(sentHeader.messageID) sent to \(sentHeader.to)"
                )
            }
        }
        return receipt
    }
}
