import COpenSSL

extension Certificate {
    /// Reads one DER-encoded certificate (as a TLS peer presents it), e.g. to learn which partner a mutual-TLS
    /// client is from its SAN URI.
    public static func load(der: [UInt8], source: String = "certificate") throws -> Certificate {
        let pointer: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let pointer else {
            ERR_clear_error()
            throw CryptoError(CryptoError.certificateUnreadable, "\(source): not a DER certificate")
        }
        return try Certificate(takingOwnership: pointer)
    }
}
