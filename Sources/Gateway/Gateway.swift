import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayStore

/// The assembly of the gateway service. Not built yet beyond the facts below (see README.md "Not built yet").
public enum GatewayAssembly {
    /// The linked C libraries, as one line each, for `g60-gateway version`.
    public static var libraryVersions: [String] {
        [
            "openssl: \(OpenSSLLibrary.versionText)",
            "sqlite: \(SQLiteLibrary.versionText)",
            "curl: \(CurlLibrary.versionText)",
        ]
    }
}
