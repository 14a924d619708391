import COpenSSL
import COpenSSLShims

/// Helpers shared by the OpenSSL wrappers: draining the error queue, memory BIOs, byte conversions.
enum OpenSSL {
    /// Drains OpenSSL's thread-local error queue into readable lines (oldest first).
    static func drainErrors() -> [String] {
        var lines: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            lines.append(
                String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            if lines.count > 16 {
                ERR_clear_error()
                break
            }
        }
        return lines
    }

    /// A `CryptoError` with the drained queue attached.
    static func error(
        _ code: String, _ message: String, file: String = #fileID, line: Int = #line
    ) -> CryptoError {
        CryptoError(code, message, openSSLErrors: drainErrors(), file: file, line: line)
    }

    /// An `openssl.failure` error with the drained queue attached.
    static func error(_ message: String, file: String = #fileID, line: Int = #line) -> CryptoError {
        CryptoError(CryptoError.openSSLFailure, message, openSSLErrors: drainErrors(), file: file, line: line)
    }

    /// Runs `body` with a read-only memory BIO over `bytes`; the BIO is freed afterwards.
    static func withReadBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw error("cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with a writable memory BIO and returns what it wrote.
    static func writtenBytes(_ body: (OpaquePointer) throws -> Bool, what: String) throws -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw error("cannot allocate a memory BIO") }
        defer { BIO_free(bio) }
        guard try body(bio) else { throw error("cannot write \(what)") }
        var data: UnsafeMutablePointer<CChar>?
        let count = CG60_BIO_get_mem_data(bio, &data)
        guard let data, count > 0 else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }

    /// The DER bytes produced by an `i2d_*` function.
    static func der(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>) -> Int32, what: String) throws
        -> [UInt8]
    {
        var out: UnsafeMutablePointer<UInt8>?
        let length = encode(&out)
        guard length > 0, let out else { throw error("cannot encode \(what) as DER") }
        defer { CG60_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}

/// Process-lifetime C strings for OpenSSL names (OSSL_PARAM keys must outlive the call; these never die).
enum CNames {
    nonisolated(unsafe) static let sm3: UnsafePointer<CChar> = cString("SM3")
    nonisolated(unsafe) static let sha256: UnsafePointer<CChar> = cString("SHA256")
    nonisolated(unsafe) static let sm2: UnsafePointer<CChar> = cString("SM2")
    nonisolated(unsafe) static let ec: UnsafePointer<CChar> = cString("EC")
    nonisolated(unsafe) static let ed25519: UnsafePointer<CChar> = cString("ED25519")
    nonisolated(unsafe) static let p256: UnsafePointer<CChar> = cString("P-256")

    private static func cString(_ text: String) -> UnsafePointer<CChar> {
        let bytes = Array(text.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(pointer)
    }
}
