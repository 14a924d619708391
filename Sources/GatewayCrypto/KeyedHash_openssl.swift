import COpenSSL

/// HMAC-SHA-256 under one key through OpenSSL (RFC 2104), for the eligibility lookup's hot path: the key's inner
/// and outer pads are absorbed once into two template digest states, and each MAC copies them
/// (`EVP_MD_CTX_copy_ex`) instead of hashing the pads again. Same output as GatewayCore's plain-Swift
/// `SHA256.hmac` (tested against it), several times faster. Thread-safe: the templates are only read.
public final class KeyedHashSHA256: @unchecked Sendable {
    private let inner: OpaquePointer
    private let outer: OpaquePointer

    /// - Parameter key: any length (a key longer than SHA-256's 64-byte block is hashed first, as RFC 2104 says).
    public init(key: [UInt8]) throws {
        var block = key.count > 64 ? Digest.hash(key, using: .sha256) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        guard let inner = EVP_MD_CTX_new() else { throw OpenSSL.error("cannot allocate EVP_MD_CTX") }
        guard let outer = EVP_MD_CTX_new() else {
            EVP_MD_CTX_free(inner)
            throw OpenSSL.error("cannot allocate EVP_MD_CTX")
        }
        self.inner = inner
        self.outer = outer
        let md = FetchedDigest.sha256.pointer
        let ipad = block.map { $0 ^ 0x36 }
        let opad = block.map { $0 ^ 0x5c }
        guard
            EVP_DigestInit_ex(inner, md, nil) == 1 && EVP_DigestUpdate(inner, ipad, 64) == 1
                && EVP_DigestInit_ex(outer, md, nil) == 1 && EVP_DigestUpdate(outer, opad, 64) == 1
        else { throw OpenSSL.error("cannot prepare the HMAC pads") }
    }

    deinit {
        EVP_MD_CTX_free(inner)
        EVP_MD_CTX_free(outer)
    }

    /// The 32-byte MAC of `message`, written to `out` (at least 32 bytes).
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws {
        precondition(out.count >= 32, "an HMAC-SHA-256 needs 32 bytes")
        guard let work = EVP_MD_CTX_new() else { throw OpenSSL.error("cannot allocate EVP_MD_CTX") }
        defer { EVP_MD_CTX_free(work) }
        let bytes = out.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var size: UInt32 = 0
        guard
            EVP_MD_CTX_copy_ex(work, inner) == 1 && EVP_DigestUpdate(work, message.baseAddress, message.count) == 1
                && EVP_DigestFinal_ex(work, bytes, &size) == 1 && EVP_MD_CTX_copy_ex(work, outer) == 1
                && EVP_DigestUpdate(work, bytes, 32) == 1 && EVP_DigestFinal_ex(work, bytes, &size) == 1
        else { throw OpenSSL.error("HMAC-SHA-256 failed") }
    }

    /// The 32-byte MAC of `message`.
    public func authenticate(_ message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        try message.withUnsafeBytes { m in try out.withUnsafeMutableBytes { try authenticate(m, into: $0) } }
        return out
    }
}
