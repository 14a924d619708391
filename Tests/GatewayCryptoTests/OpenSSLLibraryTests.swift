import GatewayCrypto
import Testing

@Test func linksOpenSSL3() {
    #expect(OpenSSLLibrary.majorVersion == 3)
    #expect(OpenSSLLibrary.versionText.hasPrefix("OpenSSL 3"))
}
