import COpenSSL
import COpenSSLShims

/// HTTPS settings for the server: files are read at start and again by `HTTPServer.reloadCertificates()`.
public struct HTTPTLSConfiguration: Sendable, Hashable {
    /// PEM with the server certificate first, then intermediates.
    public var certificateChainPath: String
    /// PEM private key of the certificate.
    public var privateKeyPath: String
    /// PEM bundle of CAs that client certificates must chain to; nil asks for no client certificate.
    public var clientCAPath: String?
    /// Refuse the handshake when the client presents no certificate (mutual TLS for partners).
    public var requireClientCertificate: Bool
    /// OpenSSL cipher list for TLS 1.2 (`SSL_CTX_set_cipher_list`); TLS 1.0, 1.1 and SSLv3 are always refused.
    public var cipherList: String
    /// TLS 1.3 suites (`SSL_CTX_set_ciphersuites`).
    public var tls13CipherSuites: String

    /// TLS 1.2 suites with forward secrecy and an AEAD cipher only: no RSA key exchange, no CBC, no SHA-1 MAC,
    /// no anonymous or null suites (the Mozilla "intermediate" profile without its DHE suites).
    public static let defaultCipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
        + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    /// All three TLS 1.3 suites that OpenSSL enables by default.
    public static let defaultTLS13CipherSuites =
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    public init(
        certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil,
        requireClientCertificate: Bool = false, cipherList: String = HTTPTLSConfiguration.defaultCipherList,
        tls13CipherSuites: String = HTTPTLSConfiguration.defaultTLS13CipherSuites
    ) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.requireClientCertificate = requireClientCertificate
        self.cipherList = cipherList
        self.tls13CipherSuites = tls13CipherSuites
    }
}

/// The OpenSSL error queue drained into one line, for messages.
func drainOpenSSLErrors() -> String {
    var parts: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return parts.isEmpty ? "no OpenSSL detail" : parts.joined(separator: "; ")
}

/// An `SSL_CTX` configured from `HTTPTLSConfiguration`. Immutable after init; OpenSSL locks its own
/// reference counts, so connections on any loop may create sessions from it.
final class TLSServerContext: @unchecked Sendable {
    let context: OpaquePointer

    init(_ configuration: HTTPTLSConfiguration) throws(HTTPError) {
        guard let method = TLS_server_method(), let context = SSL_CTX_new(method) else {
            throw HTTPError(HTTPError.tls, "SSL_CTX_new failed: \(drainOpenSSLErrors())")
        }
        self.context = context
        // TLS 1.0, 1.1 and SSLv3 are refused whatever the system's openssl.cnf allows.
        guard CG60_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw HTTPError(HTTPError.tls, "cannot set the minimum TLS version 1.2: \(drainOpenSSLErrors())")
        }
        guard SSL_CTX_set_cipher_list(context, configuration.cipherList) == 1 else {
            throw HTTPError(
                HTTPError.tls, "no usable TLS 1.2 cipher in '\(configuration.cipherList)': \(drainOpenSSLErrors())")
        }
        guard SSL_CTX_set_ciphersuites(context, configuration.tls13CipherSuites) == 1 else {
            throw HTTPError(
                HTTPError.tls,
                "no usable TLS 1.3 suite in '\(configuration.tls13CipherSuites)': \(drainOpenSSLErrors())")
        }
        // The server's order wins (clients offering a weak suite first get a strong one); no renegotiation.
        // (SSL_OP_CIPHER_SERVER_PREFERENCE = bit 22, SSL_OP_NO_RENEGOTIATION = bit 30: `SSL_OP_BIT(n)` is a
        // function-like macro, so Swift does not import them.)
        _ = SSL_CTX_set_options(context, UInt64(1) << 22 | UInt64(1) << 30)
        _ = CG60_SSL_CTX_set_mode(
            context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE) | Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        guard SSL_CTX_use_certificate_chain_file(context, configuration.certificateChainPath) == 1 else {
            throw HTTPError(
                HTTPError.tls,
                "cannot load the certificate chain \(configuration.certificateChainPath): \(drainOpenSSLErrors())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, configuration.privateKeyPath, SSL_FILETYPE_PEM) == 1,
            SSL_CTX_check_private_key(context) == 1
        else {
            throw HTTPError(
                HTTPError.tls,
                "cannot load the private key \(configuration.privateKeyPath) or it does not match the certificate: "
                    + drainOpenSSLErrors())
        }
        let sessionContext: [UInt8] = Array("g60-gateway".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        if let caPath = configuration.clientCAPath {
            guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
                throw HTTPError(HTTPError.tls, "cannot load client CAs from \(caPath): \(drainOpenSSLErrors())")
            }
            if let names = SSL_load_client_CA_file(caPath) { SSL_CTX_set_client_CA_list(context, names) }
            var mode = SSL_VERIFY_PEER
            if configuration.requireClientCertificate { mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT }
            SSL_CTX_set_verify(context, mode, nil)
        } else if configuration.requireClientCertificate {
            throw HTTPError(HTTPError.tls, "client certificates are required but no client CA file is configured")
        }
    }

    deinit { SSL_CTX_free(context) }
}

/// One server-side TLS session over a non-blocking socket (`SSL_set_fd`); used by one loop thread only.
final class TLSConnection {
    enum Handshake {
        case done
        case wantRead
        case wantWrite
        case failed
    }

    let ssl: OpaquePointer
    /// Keeps the context alive for the session even if the server reloads certificates meanwhile.
    let context: TLSServerContext

    init?(context: TLSServerContext, fd: Int32) {
        guard let ssl = SSL_new(context.context) else { return nil }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, fd) == 1 else {
            ERR_clear_error()
            return nil
        }
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    func handshake() -> Handshake {
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .done }
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            ERR_clear_error()
            return .failed
        }
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> IOStatus {
        let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if n > 0 { return .bytes(Int(n)) }
        return status(n)
    }

    func write(_ buffer: UnsafeRawBufferPointer) -> IOStatus {
        if buffer.isEmpty { return .bytes(0) }
        let n = SSL_write(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if n > 0 { return .bytes(Int(n)) }
        return status(n)
    }

    private func status(_ rc: Int32) -> IOStatus {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wouldBlock(wantWrite: false)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(wantWrite: true)
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        default:
            ERR_clear_error()
            return .failed
        }
    }

    /// The verified client certificate, if the peer sent one and it chained to a configured CA.
    func peerCertificate() -> HTTPPeerCertificate? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        guard SSL_get_verify_result(ssl) == X509_V_OK else { return nil }
        var subject = ""
        if let name = X509_get_subject_name(certificate), let line = X509_NAME_oneline(name, nil, 0) {
            subject = String(cString: line)
            CG60_OPENSSL_free(line)
        }
        let length = i2d_X509(certificate, nil)
        var der = [UInt8](repeating: 0, count: Int(max(0, length)))
        der.withUnsafeMutableBufferPointer { buffer in
            var pointer = buffer.baseAddress
            _ = i2d_X509(certificate, &pointer)
        }
        return HTTPPeerCertificate(subject: subject, der: der)
    }

    func shutdownQuietly() {
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }
}
