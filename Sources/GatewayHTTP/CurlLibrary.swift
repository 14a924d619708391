import CCurl

/// Facts about the libcurl the outbound HTTP client uses.
public enum CurlLibrary {
    /// The version string of the running libcurl, e.g. "libcurl/7.88.1 OpenSSL/3.0.19 ...".
    public static var versionText: String {
        guard let text = curl_version() else { return "unknown" }
        return String(cString: text)
    }
}
