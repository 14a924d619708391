import COpenSSL
import COpenSSLShims

/// HMAC-SHA-256 under one key through OpenSSL (RFC 2104), for the eligibility lookup's hot path: the key's inner
/// and outer pads are absorbed once into two template SHA-256 states, and each MAC copies them on the stack
/// (`CG60_hmac_sha256`, OpenSSL's low-level SHA-256: no EVP context allocated per call, the CPU's SHA extensions
/// where present) instead of hashing the pads again. Same output as GatewayCore's plain-Swift `SHA256.hmac`
/// (tested against it and RFC 4231). Thread-safe: the templates are only read.
public final class KeyedHashSHA256: @unchecked Sendable {
    private let inner: UnsafeMutableRawPointer
    private let outer: UnsafeMutableRawPointer
    private static let stateBytes = Int(CG60_SHA256_STATE_BYTES)

    /// - Parameter key: any length (a key longer than SHA-256's 64-byte block is hashed first, as RFC 2104 says).
    public init(key: [UInt8]) throws {
        var block = [UInt8](repeating: 0, count: 64)
        var hashed = key.count > 64 ? Digest.hash(key, using: .sha256) : []
        let material = key.count > 64 ? hashed : key
        material.withUnsafeBytes { m in block.withUnsafeMutableBytes { $0.copyMemory(from: m) } }
        inner = UnsafeMutableRawPointer.allocate(byteCount: Self.stateBytes, alignment: 16)
        outer = UnsafeMutableRawPointer.allocate(byteCount: Self.stateBytes, alignment: 16)
        let prepared = CG60_hmac_sha256_prepare(block, inner, outer)
        block.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        hashed.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        guard prepared == 1 else {
            for state in [inner, outer] { state.deallocate() }
            throw OpenSSL.error("cannot prepare the HMAC pads")
        }
    }

    deinit {
        for state in [inner, outer] {
            OPENSSL_cleanse(state, Self.stateBytes)
            state.deallocate()
        }
    }

    /// The 32-byte MAC of `message` written into `out` (at least 32 bytes).
    public func authenticate(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) throws {
        precondition(out.count >= 32, "an HMAC-SHA-256 needs 32 bytes")
        guard let bytes = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        guard CG60_hmac_sha256(inner, outer, message.baseAddress, message.count, bytes) == 1 else {
            throw OpenSSL.error("HMAC-SHA-256 failed")
        }
    }

    public func authenticate(_ message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        try message.withUnsafeBytes { m in try out.withUnsafeMutableBytes { try authenticate(m, into: $0) } }
        return out
    }
}

extension Digest {
    /// SHA-256 of `bytes` into `out` (at least 32 bytes) through OpenSSL's low-level SHA-256 on a stack state (no EVP
    /// context, no algorithm fetch), for short per-request inputs such as a bearer token. False (and `out` zeroed)
    /// when OpenSSL fails: the caller must then refuse, not compare.
    public static func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Bool {
        precondition(out.count >= 32, "a SHA-256 digest needs 32 bytes")
        guard let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        return CG60_sha256(bytes.baseAddress, bytes.count, digest) == 1
    }
}
