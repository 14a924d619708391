import COpenSSL

/// Facts about the OpenSSL library the gateway is linked against.
public enum OpenSSLLibrary {
    /// The version string of the running libcrypto, e.g. "OpenSSL 3.0.19 27 Jan 2026".
    public static var versionText: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }

    /// The major version of the running libcrypto; the gateway needs 3 (SM2 `distid`, providers).
    public static var majorVersion: Int {
        Int(OPENSSL_version_major())
    }
}
