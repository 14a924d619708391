import Foundation
import GatewayCrypto
import Testing

/// Flipping any single bit of a small envelope — header, signature line, empty line or payload — is rejected.
@Suite struct BitFlipTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func everySingleBitFlipIsRejected(algorithm: SignatureAlgorithm) throws {
        let pki = try TestPKI(rootAlgorithm: .p256)
        let clock = TestClock(testNow)
        let partner = ["sm2-sm3": "songjiang", "ecdsa-p256-sha256": "jiaxing", "ed25519": "hangzhou"][
            algorithm.rawValue]!
        let bytes = try pki.signer(partner, clock: clock).sign(
            to: "g60-hub", kind: "records.batch", schema: "t.v1", contentType: "text/plain; charset=utf-8",
            payload: Array("A1,B2\n".utf8), recordCount: 1, sequence: 9,
            inReplyTo: "0f8fad5b-d9cb-469f-a165-70867728950e")
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock)
        #expect(verifier.verify(bytes).error == nil)
        var accepted: [Int] = []
        var codes: [String: Int] = [:]
        for bit in 0..<(bytes.count * 8) {
            var flipped = bytes
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            if let error = verifier.verify(flipped).error {
                codes[error.code, default: 0] += 1
            } else {
                accepted.append(bit)
            }
        }
        #expect(
            accepted.isEmpty,
            "\(accepted.count) flipped bits were accepted, first at byte \(accepted.first.map { $0 / 8 } ?? -1)")
        #expect(codes[CryptoError.signatureInvalid, default: 0] > 0)
        #expect(codes[CryptoError.payloadDigestMismatch, default: 0] > 0)
    }
}
