import Foundation
import GatewayCore
import GatewayCrypto
import Testing

/// Signed receipts for accepted, duplicate and rejected envelopes, verifiable by the sender.
@Suite struct ReceiptTests {
    @Test func acceptedAndRejectedReceiptsVerifyAtTheSenderAndSayWhatHappened() throws {
        let pki = try TestPKI(rootAlgorithm: .ed25519)
        let clock = TestClock(testNow)
        let trust = try pki.trust()
        let hub = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: clock)
        let issuer = try ReceiptIssuer(
            node: "g60-hub", key: pki.hubKey, certificate: pki.hubCert, clock: clock, firstSequence: 100)
        let sent = try pki.signer("jiaxing", clock: clock).sign(
            to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
            payload: Array("x\n".utf8), recordCount: 1, sequence: 5)
        let atPartner = EnvelopeVerifier(node: "jiaxing", trust: trust, clock: clock)

        let outcome = hub.verify(sent)
        let receiptBytes = try issuer.receipt(for: sent, outcome: outcome)
        let checked = atPartner.verify(receiptBytes)
        let envelope = try #require(checked.envelope)
        #expect(checked.error == nil)
        #expect(envelope.header.kind == "receipt" && envelope.header.sequence == 100)
        #expect(envelope.header.inReplyTo == outcome.envelope?.header.messageID)
        let receipt = try Receipt.parse(envelope.payload)
        #expect(receipt.status == .accepted && receipt.errorCode == nil)
        #expect(receipt.receiptFor == outcome.envelope?.header.messageID)
        #expect(receipt.payloadDigest == outcome.envelope?.header.payloadDigest.description)
        #expect(receipt.envelopeDigest == "sha256:" + Digest.hash(sent, using: .sha256).hexString)
        #expect(receipt.receivedAt.secondsSince1970 == testNow.timeIntervalSince1970)

        // A tampered envelope: rejected receipt with the code and the computed (not the claimed) digest.
        var tampered = sent
        tampered[tampered.count - 2] ^= 0x20
        let rejected = hub.verify(tampered)
        let rejectedReceipt = try Receipt.parse(
            try #require(atPartner.verify(try issuer.receipt(for: tampered, outcome: rejected)).envelope).payload)
        #expect(rejectedReceipt.status == .rejected)
        #expect(rejectedReceipt.errorCode == CryptoError.payloadDigestMismatch)
        #expect(rejectedReceipt.payloadDigest != receipt.payloadDigest)
        #expect(ReceiptStatus.rejected.httpStatus(errorCode: rejectedReceipt.errorCode) == 400)

        // Garbage: no header to read, so the receipt goes to `unknown` and names no message.
        let garbage = Array("hello\n\n".utf8)
        let garbageOutcome = hub.verify(garbage)
        let garbageReceipt = try Envelope.parse(try issuer.receipt(for: garbage, outcome: garbageOutcome))
        #expect(garbageReceipt.header.to == "unknown" && garbageReceipt.header.inReplyTo == nil)
        #expect(try Receipt.parse(garbageReceipt.payload).errorCode == CryptoError.envelopeMalformed)
    }

    @Test func senderConfirmsReceipts() throws {
        let pki = try TestPKI(rootAlgorithm: .p256)
        let clock = TestClock(testNow)
        let trust = try pki.trust()
        let hub = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: clock)
        let issuer = try ReceiptIssuer(node: "g60-hub", key: pki.hubKey, certificate: pki.hubCert, clock: clock)
        let signer = try pki.signer("songjiang", clock: clock)
        func send(_ text: String) throws -> [UInt8] {
            try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
                payload: Array(text.utf8), recordCount: 1, sequence: 1)
        }
        let first = try send("a\n")
        let second = try send("b\n")
        let receipt = try issuer.receipt(for: first, outcome: hub.verify(first))
        let sender = EnvelopeVerifier(node: "songjiang", trust: trust, clock: clock)
        #expect(try sender.confirmReceipt(receipt, for: first).status == .accepted)
        #expect(throws: CryptoError(CryptoError.receiptMismatch, "")) {
            try sender.confirmReceipt(receipt, for: second)
        }
        // Not a receipt: a records envelope from the hub.
        let hubSigner = try EnvelopeSigner(from: "g60-hub", key: pki.hubKey, certificate: pki.hubCert, clock: clock)
        let notice = try hubSigner.sign(
            to: "songjiang", kind: "measures.notice", schema: "g60.receipt.v1",
            contentType: "text/plain; charset=utf-8",
            payload: [], recordCount: 0, sequence: 1)
        #expect(throws: CryptoError(CryptoError.receiptInvalid, "")) { try sender.confirmReceipt(notice, for: first) }
        // A receipt with a bad signature keeps its own code.
        var tampered = receipt
        tampered[tampered.count - 3] ^= 0x01
        #expect(throws: CryptoError(CryptoError.payloadDigestMismatch, "")) {
            try sender.confirmReceipt(tampered, for: first)
        }
    }

    @Test func httpStatusesFollowTheBinding() {
        #expect(ReceiptStatus.accepted.httpStatus(errorCode: nil) == 200)
        #expect(ReceiptStatus.duplicate.httpStatus(errorCode: nil) == 200)
        #expect(ReceiptStatus.httpStatus(forRejection: CryptoError.payloadTooLarge) == 413)
        #expect(ReceiptStatus.httpStatus(forRejection: CryptoError.signatureInvalid) == 403)
        #expect(ReceiptStatus.httpStatus(forRejection: CryptoError.envelopeTruncated) == 400)
        #expect(ReceiptStatus.httpStatus(forRejection: CryptoError.wrongRecipient) == 421)
    }
}
