import COpenSSL
import COpenSSLShims
import Foundation
import Gateway
import GatewayCore
import Testing

/// What one pinned client handshake got from the server.
enum TLSProbeOutcome: Equatable, CustomStringConvertible {
    /// The handshake completed: the negotiated protocol (`TLSv1.2`) and suite (OpenSSL name).
    case connected(version: String, cipher: String)
    /// The server (or the handshake) refused; the OpenSSL reason, for the message.
    case refused(String)
    /// This OpenSSL build cannot even offer what was asked (so the probe proves nothing).
    case clientCannotOffer(String)

    var description: String {
        switch self {
        case .connected(let version, let cipher): return "connected \(version) \(cipher)"
        case .refused(let why): return "refused (\(why))"
        case .clientCannotOffer(let why): return "client cannot offer it (\(why))"
        }
    }
}

/// An in-process OpenSSL client pinned to exactly one protocol version and the given suites, at security level 0 so
/// that it can offer what the system's openssl.cnf would forbid (TLS 1.0, SHA-1 MAC suites, null encryption).
struct TLSProbe {
    let port: UInt16
    let caPath: String

    /// Connects to 127.0.0.1:`port`, handshakes with `version` only (`TLS1_VERSION` …) offering `cipherList`
    /// (TLS ≤ 1.2) or `suites` (TLS 1.3), verifying the server against `caPath`; then, if `request` is given, sends
    /// it and returns what came back before the connection closed (at most 64 KiB, 5 s).
    func handshake(
        version: Int32, cipherList: String = "ALL:@SECLEVEL=0", suites: String? = nil, request: String? = nil
    ) -> (TLSProbeOutcome, String) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { return (.clientCannotOffer("SSL_CTX_new"), "") }
        defer { SSL_CTX_free(context) }
        SSL_CTX_set_security_level(context, 0)
        guard CG60_SSL_CTX_set_min_proto_version(context, version) == 1,
            CG60_SSL_CTX_set_max_proto_version(context, version) == 1
        else { return (.clientCannotOffer("version 0x\(String(version, radix: 16)): \(errors())"), "") }
        guard SSL_CTX_set_cipher_list(context, cipherList) == 1 else {
            return (.clientCannotOffer("cipher list \(cipherList): \(errors())"), "")
        }
        if let suites, SSL_CTX_set_ciphersuites(context, suites) != 1 {
            return (.clientCannotOffer("suites \(suites): \(errors())"), "")
        }
        guard SSL_CTX_load_verify_locations(context, caPath, nil) == 1 else {
            return (.clientCannotOffer("CA \(caPath): \(errors())"), "")
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (.refused("socket: errno \(errno)"), "") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return (.refused("connect: errno \(errno)"), "") }

        guard let ssl = SSL_new(context) else { return (.clientCannotOffer("SSL_new"), "") }
        defer { SSL_free(ssl) }
        _ = SSL_set_fd(ssl, fd)
        guard SSL_connect(ssl) == 1 else { return (.refused(errors()), "") }
        let negotiated = String(cString: SSL_get_version(ssl))
        let cipher = CG60_SSL_get_cipher_name(ssl).map { String(cString: $0) } ?? "?"
        var answer: [UInt8] = []
        if let request {
            _ = request.withCString { SSL_write(ssl, $0, Int32(strlen($0))) }
            var buffer = [UInt8](repeating: 0, count: 16384)
            while answer.count < 65536 {
                let n = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
                if n <= 0 { break }
                answer += buffer[0..<Int(n)]
            }
        }
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        return (.connected(version: negotiated, cipher: cipher), String(decoding: answer, as: UTF8.self))
    }

    private func errors() -> String {
        var parts: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.isEmpty ? "no OpenSSL detail" : parts.joined(separator: "; ")
    }
}

/// The gateway's HTTPS listener (`listen.https`, a P-256 certificate) refuses SSLv3, TLS 1.0 and 1.1 and every TLS
/// 1.2 suite without forward secrecy and an AEAD cipher, and accepts TLS 1.2 and 1.3 with each configured suite.
@Suite(.serialized) struct TLSRefusalTests {
    @Test func weakVersionsAndSuitesAreRefusedConfiguredOnesAccepted() throws {
        let rig = try Rig("tls")
        let pki = try TLSTestPKI(in: rig.dir)
        let gateway = try RunningGateway(
            rig,
            patch: [
                "listen": ["https": "127.0.0.1:0"],
                "tls": ["certificate": pki.path("server.pem"), "key": pki.path("server.key")],
            ])
        defer { gateway.stop() }
        let ports = gateway.service.ports
        #expect(ports.count == 2, "expected an HTTP and an HTTPS listener: \(ports)")
        let probe = TLSProbe(port: try #require(ports.last), caPath: pki.path("ca.pem"))
        var lines: [String] = []

        // Old protocol versions, whatever suite the client offers.
        for (name, version) in [("SSLv3", SSL3_VERSION), ("TLSv1", TLS1_VERSION), ("TLSv1.1", TLS1_1_VERSION)] {
            let (outcome, _) = probe.handshake(version: version)
            lines.append("\(name): \(outcome)")
            if case .connected = outcome { Issue.record("\(name) was accepted: \(outcome)") }
            if name != "SSLv3", case .clientCannotOffer = outcome {
                Issue.record("this OpenSSL cannot offer \(name), so the probe proves nothing: \(outcome)")
            }
        }

        // TLS 1.2 suites the server must refuse: CBC with SHA-1 or SHA-384 MACs, null encryption, anonymous.
        for suite in ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-NULL-SHA", "AECDH-AES128-SHA"]
        {
            let (outcome, _) = probe.handshake(version: TLS1_2_VERSION, cipherList: suite + ":@SECLEVEL=0")
            lines.append("TLSv1.2 \(suite): \(outcome)")
            switch outcome {
            case .connected: Issue.record("weak suite \(suite) was accepted: \(outcome)")
            case .clientCannotOffer: Issue.record("this OpenSSL cannot offer \(suite): \(outcome)")
            case .refused: break
            }
        }

        // Every configured suite an ECDSA certificate can use, each alone, is accepted and negotiated.
        let tls12 = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]
        for suite in tls12 {
            let (outcome, _) = probe.handshake(version: TLS1_2_VERSION, cipherList: suite)
            lines.append("TLSv1.2 \(suite): \(outcome)")
            #expect(outcome == .connected(version: "TLSv1.2", cipher: suite), "\(outcome)")
        }
        for suite in ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"] {
            let (outcome, _) = probe.handshake(version: TLS1_3_VERSION, suites: suite)
            lines.append("TLSv1.3 \(suite): \(outcome)")
            #expect(outcome == .connected(version: "TLSv1.3", cipher: suite), "\(outcome)")
        }
        // A client offering weak suites first still gets a strong one (server preference).
        let (mixed, _) = probe.handshake(
            version: TLS1_2_VERSION, cipherList: "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384:@SECLEVEL=0")
        #expect(mixed == .connected(version: "TLSv1.2", cipher: "ECDHE-ECDSA-AES256-GCM-SHA384"), "\(mixed)")

        // And the listener serves the API over what it accepts.
        let (outcome, answer) = probe.handshake(
            version: TLS1_3_VERSION, request: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(outcome != .refused(""), "\(outcome)")
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
        print("[reliability] tls: " + lines.joined(separator: "; "))
    }

    /// `tls.ciphers` / `tls.ciphersuites` narrow what the listener accepts: only the configured suites negotiate.
    @Test func onlyTheConfiguredSuitesAreAccepted() throws {
        let rig = try Rig("tls-config")
        let pki = try TLSTestPKI(in: rig.dir)
        let gateway = try RunningGateway(
            rig,
            patch: [
                "listen": ["https": "127.0.0.1:0"],
                "tls": [
                    "certificate": pki.path("server.pem"), "key": pki.path("server.key"),
                    "ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384", "ciphersuites": "TLS_CHACHA20_POLY1305_SHA256",
                ],
            ])
        defer { gateway.stop() }
        let probe = TLSProbe(port: try #require(gateway.service.ports.last), caPath: pki.path("ca.pem"))
        let accepted = [
            (TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", nil),
            (TLS1_3_VERSION, "ALL", "TLS_CHACHA20_POLY1305_SHA256"),
        ]
        for (version, list, suites) in accepted {
            let (outcome, _) = probe.handshake(version: version, cipherList: list, suites: suites)
            guard case .connected(_, let cipher) = outcome else {
                Issue.record("configured suite \(suites ?? list) refused: \(outcome)")
                continue
            }
            #expect(cipher == suites ?? list)
        }
        let refused = [
            (TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", nil),
            (TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", nil),
            (TLS1_3_VERSION, "ALL", "TLS_AES_128_GCM_SHA256"),
            (TLS1_3_VERSION, "ALL", "TLS_AES_256_GCM_SHA384"),
        ]
        for (version, list, suites) in refused {
            let (outcome, _) = probe.handshake(version: version, cipherList: list, suites: suites)
            if case .refused = outcome { continue }
            Issue.record("suite \(suites ?? list) is not configured but got: \(outcome)")
        }
    }
}
