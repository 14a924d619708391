import Foundation
import GatewayCrypto
import Testing

/// Each check of Contracts/envelope/v1/README.md fails with its own code, naming the partner and message id.
@Suite struct RejectionTests {
    static let payload = Array("{\"n\":1}".utf8)

    /// A test exchange with the extra certificates the cases need.
    static func exchange() throws -> (TestPKI, TestClock) {
        var pki = try TestPKI(rootAlgorithm: .sm2)
        try pki.add(partner: "huzhou", algorithm: .ed25519, notAfter: testNow - TestPKI.day)
        try pki.add(partner: "wuhu", algorithm: .p256, notBefore: testNow + TestPKI.day)
        try pki.add(partner: "jinhua", algorithm: .sm2)
        try pki.add(partner: "suzhou", algorithm: .p256, bindTo: "hefei")
        pki.crls = [
            try pki.root.makeCRL(
                revoking: [pki.certs["jinhua"]![0]], thisUpdate: testNow - TestPKI.day,
                nextUpdate: testNow + 7 * TestPKI.day)
        ]
        return (pki, TestClock(testNow))
    }

    /// Signs `header` with `key` directly (bypassing EnvelopeSigner's own checks), for forged cases.
    static func rawSign(_ header: EnvelopeHeader, payload: [UInt8], key: PrivateKey) throws -> [UInt8] {
        let signed = header.signedBytes
        let signature = try MessageSigner(key: key).sign(signed)
        return signed + Array("signature: \(Data(signature).base64EncodedString())\n\n".utf8) + payload
    }

    static func header(from: String, pki: TestPKI, certIndex: Int = 0, issuedAt: String = "2026-11-27T09:59:00+08:00")
        -> EnvelopeHeader
    {
        let cert = pki.certs[from]![certIndex]
        let algorithm = cert.partnerIDs.isEmpty ? SignatureAlgorithm.sm2 : (try? cert.publicKey().algorithm) ?? .sm2
        return EnvelopeHeader(
            messageID: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", from: from, to: "g60-hub", kind: "records.batch",
            schema: "test.v1", contentType: "application/json; charset=utf-8", issuedAt: RFC3339Timestamp(issuedAt)!,
            sequence: 1, recordCount: 1,
            payloadDigest: PayloadDigest(of: payload, using: algorithm.defaultPayloadDigest),
            payloadLength: payload.count, signatureAlgorithm: algorithm, keyID: cert.fingerprint)
    }

    static func replace(_ bytes: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }

    /// (expected code, envelope bytes, policy) for one case.
    static func build(_ code: String) throws -> (
        bytes: [UInt8], policy: ReceptionPolicy, trust: TrustStore, clock: TestClock
    ) {
        let (pki, clock) = try exchange()
        var trust = try pki.trust()
        var policy = ReceptionPolicy()
        func good(_ from: String = "songjiang", issuedAt: String = "2026-11-27T09:59:00+08:00") throws -> [UInt8] {
            try rawSign(header(from: from, pki: pki, issuedAt: issuedAt), payload: payload, key: pki.keys[from]!)
        }
        let bytes: [UInt8]
        switch code {
        case CryptoError.envelopeMalformed:
            bytes = replace(try good(), "from: songjiang\nto: g60-hub\n", "to: g60-hub\nfrom: songjiang\n")
        case CryptoError.envelopeTruncated:
            bytes = Array(try good().prefix(200))
        case CryptoError.versionUnsupported:
            bytes = replace(try good(), "g60-envelope: 1\n", "g60-envelope: 2\n")
        case CryptoError.algorithmUnsupported:
            bytes = replace(try good("hangzhou"), "signature-algorithm: ed25519", "signature-algorithm: rsa-pss-sha256")
        case CryptoError.wrongRecipient:
            var h = header(from: "songjiang", pki: pki)
            h.to = "jiaxing"
            bytes = try rawSign(h, payload: payload, key: pki.keys["songjiang"]!)
        case CryptoError.payloadTooLarge:
            policy.maxPayloadBytes = 4
            bytes = try good()
        case CryptoError.senderUnknown:
            var h = header(from: "songjiang", pki: pki)
            h.from = "xuancheng"
            bytes = try rawSign(h, payload: payload, key: pki.keys["songjiang"]!)
        case CryptoError.certificateUnknown:
            var h = header(from: "songjiang", pki: pki)
            h.keyID = "sha256:" + String(repeating: "ab", count: 32)
            bytes = try rawSign(h, payload: payload, key: pki.keys["songjiang"]!)
        case CryptoError.senderCertificateMismatch:
            // jiaxing's key id, claimed by songjiang.
            var h = header(from: "jiaxing", pki: pki)
            h.from = "songjiang"
            bytes = try rawSign(h, payload: payload, key: pki.keys["jiaxing"]!)
        case CryptoError.certificateUntrusted:
            let other = try CertificateAuthority.makeRoot(
                commonName: "Other root", algorithm: .p256, notBefore: testNow - 10 * TestPKI.day,
                notAfter: testNow + 100 * TestPKI.day)
            let key = try PrivateKey.generate(.p256)
            let cert = try other.issue(
                partnerID: "xuancheng", publicKey: key.publicKey, notBefore: testNow - TestPKI.day,
                notAfter: testNow + 100 * TestPKI.day)
            var certs = pki.certs
            certs["xuancheng"] = [cert]
            trust = try TrustStore(
                roots: [pki.root.certificate], revocationLists: pki.crls, certificatesByPartner: certs)
            var h = header(from: "jiaxing", pki: pki)
            h.from = "xuancheng"
            h.keyID = cert.fingerprint
            bytes = try rawSign(h, payload: payload, key: key)
        case CryptoError.certificateExpired: bytes = try good("huzhou")
        case CryptoError.certificateNotYetValid: bytes = try good("wuhu")
        case CryptoError.certificateRevoked: bytes = try good("jinhua")
        case CryptoError.payloadLengthMismatch: bytes = try good() + [0x0A]
        case CryptoError.payloadDigestMismatch: bytes = replace(try good(), "{\"n\":1}", "{\"n\":2}")
        case CryptoError.signatureInvalid: bytes = replace(try good(), "sequence: 1\n", "sequence: 2\n")
        case CryptoError.issuedInFuture: bytes = try good(issuedAt: "2026-11-27T10:05:01+08:00")
        case CryptoError.tooOld: bytes = try good(issuedAt: "2026-10-28T09:59:59+08:00")
        default: throw CryptoError("test.unknownCase", code)
        }
        return (bytes, policy, trust, clock)
    }

    @Test(arguments: CryptoError.rejectionCodes)
    func eachCheckHasItsOwnCode(code: String) throws {
        let (bytes, policy, trust, clock) = try Self.build(code)
        let outcome = EnvelopeVerifier(node: "g60-hub", trust: trust, policy: policy, clock: clock).verify(bytes)
        let error = try #require(outcome.error, "\(code): accepted")
        #expect(error.code == code, "expected \(code), got \(error)")
        // Once the header is readable, the message names the envelope and the sender.
        if outcome.envelope != nil {
            #expect(error.message.contains("1b4e28ba-2fa1-41d2-883f-0016d3cca427"), "\(error.message)")
        }
    }

    @Test func suspectSuzhouCertificateBindingAnotherPartnerIsAMismatch() throws {
        let (pki, clock) = try Self.exchange()
        let bytes = try Self.rawSign(
            Self.header(from: "suzhou", pki: pki), payload: Self.payload, key: pki.keys["suzhou"]!)
        let outcome = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock).verify(bytes)
        #expect(outcome.error?.code == CryptoError.senderCertificateMismatch)
    }

    @Test func edgesOfTheTimeWindowsAreAccepted() throws {
        let (pki, clock) = try Self.exchange()
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock)
        for issued in ["2026-11-27T10:05:00+08:00", "2026-10-28T10:00:00+08:00", "2026-11-27T02:00:00Z"] {
            let bytes = try Self.rawSign(
                Self.header(from: "songjiang", pki: pki, issuedAt: issued), payload: Self.payload,
                key: pki.keys["songjiang"]!)
            #expect(verifier.verify(bytes).error == nil, "\(issued)")
        }
    }

    @Test func keyRolloverAcceptsEveryValidCertificateByKeyID() throws {
        var (pki, clock) = try Self.exchange()
        try pki.add(partner: "songjiang", algorithm: .ed25519, keyName: "songjiang-2027")
        let trust = try pki.trust()
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: trust, clock: clock)
        let old = try pki.signer("songjiang", clock: clock)
        let new = try pki.signer("songjiang", keyName: "songjiang-2027", certIndex: 1, clock: clock)
        #expect(old.keyID != new.keyID)
        for signer in [old, new] {
            let bytes = try signer.sign(
                to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
                payload: Self.payload, recordCount: 1, sequence: 3)
            #expect(verifier.verify(bytes).error == nil)
        }
    }

    @Test func duplicateAnswersWithOriginalReceipt() throws {
        let (pki, clock) = try Self.exchange()
        let seen = InMemorySeenMessages()
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock, seen: seen)
        let bytes = try pki.signer("jiaxing", clock: clock).sign(
            to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
            payload: Self.payload, recordCount: 1, sequence: 3)
        let issuer = try ReceiptIssuer(node: "g60-hub", key: pki.hubKey, certificate: pki.hubCert, clock: clock)
        let first = verifier.verify(bytes)
        guard case .accepted(let envelope) = first else {
            Issue.record("not accepted: \(first)")
            return
        }
        let receipt = try issuer.receipt(for: bytes, outcome: first)
        seen.remember(from: envelope.header.from, messageID: envelope.header.messageID, receipt: receipt)
        let second = verifier.verify(bytes)
        guard case .duplicate(_, let original) = second else {
            Issue.record("not a duplicate: \(second)")
            return
        }
        #expect(original == receipt)
        #expect(try issuer.receipt(for: bytes, outcome: second) == receipt)
    }

    @Test func chainVerdictIsRecheckedAfterItsLifetime() throws {
        var (pki, clock) = try Self.exchange()
        try pki.add(partner: "hefei", algorithm: .p256, notAfter: testNow + 3600)
        let verifier = EnvelopeVerifier(node: "g60-hub", trust: try pki.trust(), clock: clock)
        let signer = try pki.signer("hefei", clock: clock)
        func send() throws -> CryptoError? {
            verifier.verify(
                try signer.sign(
                    to: "g60-hub", kind: "records.batch", schema: "s", contentType: "text/csv; charset=utf-8",
                    payload: Self.payload, recordCount: 1, sequence: 1)
            ).error
        }
        #expect(try send() == nil)
        clock.set(testNow + 7200)
        #expect(try send()?.code == CryptoError.certificateExpired)
    }
}
