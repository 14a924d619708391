import Foundation
import GatewayCrypto
import Testing

@Test(arguments: [SignatureAlgorithm.sm2, .p256, .ed25519])
func signedEnvelopeVerifies(root: SignatureAlgorithm) throws {
    let pki = try TestPKI(rootAlgorithm: root)
    let clock = TestClock(testNow)
    let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock)
    for partner in ["songjiang", "jiaxing", "hangzhou"] {
        let bytes = try pki.signer(partner, clock: clock).sign(
            to: "g60-hub", kind: "records.batch", schema: "test.v1", contentType: "application/json; charset=utf-8",
            payload: Array("{\"a\":1}".utf8), recordCount: 1, sequence: 1)
        let outcome = verifier.verify(bytes)
        #expect(outcome.error == nil, "\(partner): \(String(describing: outcome.error))")
    }
}
