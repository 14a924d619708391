import Gateway
import Testing

@Test func reportsAllThreeLibraries() {
    let lines = GatewayAssembly.libraryVersions
    #expect(lines.count == 3)
    #expect(lines.contains { $0.hasPrefix("openssl: OpenSSL 3") })
    #expect(lines.contains { $0.hasPrefix("sqlite: 3.") })
}
