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
        var block = key.count > 64 ? Digest.hash(key, using: .sha256) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        inner = UnsafeMutableRawPointer.allocate(byteCount: Self.stateBytes, alignment: 16)
        outer = UnsafeMutableRawPointer.allocate(byteCount: Self.stateBytes, alignment: 16)
        CG60_hmac_sha256_prepare(block, inner, outer)
        for i in block.indices { block[i] = 0 }
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
        CG60_hmac_sha256(inner, outer, message.baseAddress, message.count, bytes)
    }

    public func authenticate(_ message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        try message.withUnsafeBytes { m in try out.withUnsafeMutableBytes { try authenticate(m, into: $0) } }
        return out
    }
}

extension Digest {
    /// SHA-256 of `bytes` into `out` (at least 32 bytes) without an EVP context (OpenSSL's low-level one-shot), for
    /// short per-request inputs such as a bearer token.
    public static func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= 32, "a SHA-256 digest needs 32 bytes")
        guard let digest = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        CG60_sha256(bytes.baseAddress, bytes.count, digest)
    }
}
