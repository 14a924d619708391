import GatewayHTTP
import Testing

@Test func linksLibcurlWithOpenSSL() {
    #expect(CurlLibrary.versionText.hasPrefix("libcurl/"))
    #expect(CurlLibrary.versionText.contains("OpenSSL"))
}
