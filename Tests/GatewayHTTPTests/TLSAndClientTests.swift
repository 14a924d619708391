import Dispatch
import Foundation
import GatewayHTTP
import Testing

/// A throwaway PKI made with the `openssl` CLI in a temporary directory: a partner CA, a server certificate for
/// 127.0.0.1, a client certificate it issued, and a client certificate from a CA the server does not trust.
struct TestPKI {
    let directory: String

    func path(_ name: String) -> String { directory + "/" + name }

    static func make() throws -> TestPKI {
        let directory = NSTemporaryDirectory() + "g60-http-pki-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let pki = TestPKI(directory: directory)
        try pki.makeCA("ca")
        try pki.makeCA("rogue-ca")
        try pki.issue("server", by: "ca", subject: "/CN=g60-test-server", serverSAN: true)
        try pki.issue("server2", by: "ca", subject: "/CN=g60-reloaded-server", serverSAN: true)
        try pki.issue("client", by: "ca", subject: "/O=G60/CN=jiaxing", serverSAN: false)
        try pki.issue("rogue", by: "rogue-ca", subject: "/O=G60/CN=mallory", serverSAN: false)
        return pki
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try runTool("/usr/bin/openssl", arguments, directory: directory)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? ""): \(result.error)") }
    }

    private func makeCA(_ name: String) throws {
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(name).key"])
        try openssl([
            "req", "-new", "-x509", "-key", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj",
            "/O=G60 Test/CN=\(name)", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private func issue(_ name: String, by ca: String, subject: String, serverSAN: Bool) throws {
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(name).key"])
        try openssl(["req", "-new", "-key", "\(name).key", "-out", "\(name).csr", "-subj", subject])
        let extensions =
            serverSAN
            ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            : "extendedKeyUsage=clientAuth\n"
        try extensions.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
            "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
        ])
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

func tlsRouter(gate: DispatchSemaphore? = nil) -> HTTPRouter {
    var router = HTTPRouter()
    router.use(ProblemMiddleware())
    router.get("/ping") { _, _ in .text("pong") }
    router.get("/whoami") { _, context in .text(context.peerCertificate?.subject ?? "anonymous") }
    router.get("/big") { _, _ in .bytes([UInt8](repeating: 65, count: 100_000), contentType: "text/plain") }
    router.post("/echo") { request, _ in .bytes(request.body, contentType: "application/octet-stream") }
    router.get("/slow", blocking: true) { _, _ in
        _ = gate?.wait(timeout: .now() + 10)
        return .text("late")
    }
    return router
}

@Suite struct TLSAndClientTests {
    @Test func httpsAndMutualTLSWithCurlAndOpenSSLClients() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        let tls = HTTPTLSConfiguration(
            certificateChainPath: pki.path("server.pem"), privateKeyPath: pki.path("server.key"),
            clientCAPath: pki.path("ca.pem"), requireClientCertificate: true)
        let server = try startServer(tlsRouter()) {
            $0.tls = tls
            $0.allowPlaintext = false
        }
        defer { server.shutdown() }
        let url = "https://127.0.0.1:\(server.port)/whoami"

        let withCert = try runTool(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "10", "--cacert", pki.path("ca.pem"), "--cert", pki.path("client.pem"), "--key",
                pki.path("client.key"), url,
            ])
        #expect(withCert.status == 0, "\(withCert.error)")
        #expect(withCert.output.contains("CN=jiaxing"))

        let noCert = try runTool("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", pki.path("ca.pem"), url])
        #expect(noCert.status != 0)
        let rogue = try runTool(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "10", "--cacert", pki.path("ca.pem"), "--cert", pki.path("rogue.pem"), "--key",
                pki.path("rogue.key"), url,
            ])
        #expect(rogue.status != 0)
        // The server counts a refused handshake when its loop handles the failure, which may come just after the
        // client has given up: wait for it (bounded).
        let deadline = Date().addingTimeInterval(5)
        while server.stats.tlsHandshakeFailures.load(ordering: .relaxed) < 2, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(server.stats.tlsHandshakeFailures.load(ordering: .relaxed) >= 2)

        let request = Array("GET /whoami HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8)
        let sClient = try runTool(
            "/usr/bin/openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", pki.path("ca.pem"), "-cert",
                pki.path("client.pem"), "-key", pki.path("client.key"), "-quiet", "-verify_return_error",
            ],
            input: request)
        #expect(sClient.output.contains("HTTP/1.1 200 OK"), "\(sClient.error)")
        #expect(sClient.output.contains("CN=jiaxing"))
    }

    @Test func certificatesReloadWithoutRestart() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        let live = pki.path("live")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pki.path("server.pem"), toPath: live + "/cert.pem")
        try FileManager.default.copyItem(atPath: pki.path("server.key"), toPath: live + "/key.pem")
        let tls = HTTPTLSConfiguration(certificateChainPath: live + "/cert.pem", privateKeyPath: live + "/key.pem")
        let server = try startServer(tlsRouter()) { $0.tls = tls }
        defer { server.shutdown() }
        func servedSubject() throws -> String {
            let result = try runTool(
                "/usr/bin/openssl",
                ["s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", pki.path("ca.pem"), "-brief"],
                input: Array("GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8))
            return result.error + result.output
        }
        #expect(try servedSubject().contains("g60-test-server"))
        // A broken file is refused and the old certificate stays in use.
        try "not a certificate".write(toFile: live + "/cert.pem", atomically: true, encoding: .utf8)
        #expect(throws: HTTPError(HTTPError.tls, "")) { try server.reloadCertificates() }
        #expect(try servedSubject().contains("g60-test-server"))
        try FileManager.default.removeItem(atPath: live + "/cert.pem")
        try FileManager.default.removeItem(atPath: live + "/key.pem")
        try FileManager.default.copyItem(atPath: pki.path("server2.pem"), toPath: live + "/cert.pem")
        try FileManager.default.copyItem(atPath: pki.path("server2.key"), toPath: live + "/key.pem")
        try server.reloadCertificates()
        #expect(try servedSubject().contains("g60-reloaded-server"))
    }

    @Test func libcurlClientWithMutualTLSReusesItsConnection() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        let tls = HTTPTLSConfiguration(
            certificateChainPath: pki.path("server.pem"), privateKeyPath: pki.path("server.key"),
            clientCAPath: pki.path("ca.pem"), requireClientCertificate: true)
        let server = try startServer(tlsRouter()) { $0.tls = tls }
        defer { server.shutdown() }
        let client = try HTTPClient(
            configuration: HTTPClientConfiguration(
                clientCertificatePath: pki.path("client.pem"), clientKeyPath: pki.path("client.key"),
                caBundlePath: pki.path("ca.pem")))
        let base = "https://127.0.0.1:\(server.port)"
        let who = try client.get(base + "/whoami")
        #expect(who.status == 200)
        #expect(String(decoding: who.body, as: UTF8.self).contains("CN=jiaxing"))
        #expect(who.headers["content-type"] == "text/plain; charset=utf-8")
        let payload = [UInt8](repeating: 7, count: 2048)
        let echoed = try client.post(
            base + "/echo", body: payload, headers: ["Content-Type": "application/octet-stream"])
        #expect(echoed.body == payload)
        let missing = try client.get(base + "/nowhere")
        #expect(missing.status == 404)
        #expect(!missing.isRetryableStatus)
        #expect(server.stats.accepted.load(ordering: .relaxed) == 1)

        // Trusting another CA (pinning the partner's CA) refuses this server: permanent, not retryable.
        let pinnedElsewhere = try HTTPClient(
            configuration: HTTPClientConfiguration(
                clientCertificatePath: pki.path("client.pem"), clientKeyPath: pki.path("client.key"),
                caBundlePath: pki.path("rogue-ca.pem")))
        do {
            _ = try pinnedElsewhere.get(base + "/ping")
            Issue.record("a server outside the pinned CA was accepted")
        } catch {
            #expect(error.code == HTTPError.clientTLS)
            #expect(!error.retryable)
        }
    }

    @Test func publicKeyPinningAcceptsTheRightKeyOnly() throws {
        let pki = try TestPKI.make()
        defer { pki.remove() }
        let tls = HTTPTLSConfiguration(
            certificateChainPath: pki.path("server.pem"), privateKeyPath: pki.path("server.key"))
        let server = try startServer(tlsRouter()) { $0.tls = tls }
        defer { server.shutdown() }
        let digest = try runTool(
            "/bin/bash",
            [
                "-c",
                "openssl x509 -in server.pem -pubkey -noout | openssl pkey -pubin -outform der"
                    + " | openssl dgst -sha256 -binary | base64",
            ],
            directory: pki.directory)
        let pin = "sha256//" + digest.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let url = "https://127.0.0.1:\(server.port)/ping"
        let pinned = try HTTPClient(
            configuration: HTTPClientConfiguration(caBundlePath: pki.path("ca.pem"), pinnedPublicKey: pin))
        #expect(try pinned.get(url).status == 200)
        let wrongPin = try HTTPClient(
            configuration: HTTPClientConfiguration(
                caBundlePath: pki.path("ca.pem"),
                pinnedPublicKey: "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
        do {
            _ = try wrongPin.get(url)
            Issue.record("a server with another key was accepted")
        } catch {
            #expect(error.code == HTTPError.clientTLS)
            #expect(!error.retryable)
        }
    }

    @Test func clientErrorsAreClassified() throws {
        let gate = DispatchSemaphore(value: 0)
        let server = try startServer(tlsRouter(gate: gate))
        let base = "http://127.0.0.1:\(server.port)"
        let small = try HTTPClient(configuration: HTTPClientConfiguration(maxResponseBytes: 1000))
        #expect(try small.get(base + "/ping").body == Array("pong".utf8))
        do {
            _ = try small.get(base + "/big")
            Issue.record("an oversize response was accepted")
        } catch {
            #expect(error.code == HTTPError.clientResponseTooLarge)
            #expect(!error.retryable)
        }
        let impatient = try HTTPClient(configuration: HTTPClientConfiguration(totalTimeout: .milliseconds(200)))
        do {
            _ = try impatient.get(base + "/slow")
            Issue.record("a stalled response did not time out")
        } catch {
            #expect(error.code == HTTPError.clientTimeout)
            #expect(error.retryable)
        }
        gate.signal()
        server.shutdown()
        do {
            _ = try small.get(base + "/ping")
            Issue.record("a closed port answered")
        } catch {
            #expect(error.code == HTTPError.clientConnect)
            #expect(error.retryable)
        }
    }
}
