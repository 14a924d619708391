import Testing

@testable import GatewayCrypto

/// AES-256-GCM field encryption for identity numbers at rest (issue 10).
@Suite struct FieldCipherTests {
    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(text.utf8)[...]
        while chars.count >= 2 {
            out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) ?? 0)
            chars = chars.dropFirst(2)
        }
        return out
    }

    let key = (0..<32).map { UInt8($0) }

    /// The GCM specification's test case 16 (AES-256, 96-bit IV, with AAD), checked with Python's
    /// `cryptography` on this machine: OpenSSL is wired the standard way.
    @Test func knownAnswerFromTheGCMSpecification() throws {
        let cipher = try FieldCipher(key: Self.hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let nonce = Self.hex("cafebabefacedbaddecaf888")
        let plain = Self.hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        )
        let aad = Self.hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let sealed = try cipher.seal(plain, context: aad, nonce: nonce)
        let expected = Self.hex(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                + "76fc6ece0f4e1768cddf8853bb2d551b")
        #expect(sealed == Array("v1:".utf8) + nonce + expected)
        #expect(try cipher.open(sealed, context: aad) == plain)
    }

    @Test func roundTripWithAFreshNonceEachTime() throws {
        let cipher = try FieldCipher(key: key)
        let plain = Array("11010519491231002X".utf8)
        let a = try cipher.seal(plain, context: Array("row-1".utf8))
        let b = try cipher.seal(plain, context: Array("row-1".utf8))
        #expect(a != b)
        #expect(a.count == plain.count + FieldCipher.overhead)
        #expect(try cipher.open(a, context: Array("row-1".utf8)) == plain)
        #expect(try cipher.open(b, context: Array("row-1".utf8)) == plain)
        #expect(try cipher.open(try cipher.seal([], context: []), context: []) == [])
    }

    @Test func everyAlteredByteIsRejected() throws {
        let cipher = try FieldCipher(key: key)
        let context = Array("hmac-sha256:ab".utf8)
        let sealed = try cipher.seal(Array("330402198001011234".utf8), context: context)
        for i in 3..<sealed.count {
            var bad = sealed
            bad[i] ^= 0x80
            #expect(throws: CryptoError(CryptoError.fieldAuthenticationFailed, "")) {
                try cipher.open(bad, context: context)
            }
        }
    }

    @Test func anotherContextOrKeyIsRejected() throws {
        let cipher = try FieldCipher(key: key)
        let sealed = try cipher.seal(Array("330402198001011234".utf8), context: Array("row-a".utf8))
        let error = #expect(throws: CryptoError.self) { try cipher.open(sealed, context: Array("row-b".utf8)) }
        #expect(error?.code == CryptoError.fieldAuthenticationFailed)
        #expect(error?.message.contains("moved from another row") == true)
        let other = try FieldCipher(key: [UInt8](repeating: 1, count: 32))
        #expect(throws: CryptoError(CryptoError.fieldAuthenticationFailed, "")) {
            try other.open(sealed, context: Array("row-a".utf8))
        }
    }

    @Test func malformedValuesAndKeysAreRejectedWithTheirCode() throws {
        let cipher = try FieldCipher(key: key)
        #expect(throws: CryptoError(CryptoError.fieldVersionUnsupported, "")) {
            try cipher.open(Array("v2:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8), context: [])
        }
        #expect(throws: CryptoError(CryptoError.fieldVersionUnsupported, "")) { try cipher.open([], context: []) }
        #expect(throws: CryptoError(CryptoError.fieldMalformed, "")) {
            try cipher.open(Array("v1:short".utf8), context: [])
        }
        #expect(throws: CryptoError(CryptoError.invalidArgument, "")) { try FieldCipher(key: [1, 2, 3]) }
        #expect(throws: CryptoError(CryptoError.invalidArgument, "")) {
            try FieldCipher(key: [UInt8](repeating: 0, count: 16))
        }
    }
}
