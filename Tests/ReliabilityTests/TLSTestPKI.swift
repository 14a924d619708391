import Foundation

/// A throwaway TLS PKI made with the `openssl` CLI (P-256): a partner CA, a rogue CA nobody trusts, and server
/// certificates for 127.0.0.1 that are good, issued for another host, issued by the rogue CA, or expired.
struct TLSTestPKI {
    let directory: URL

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    init(in parent: URL) throws {
        directory = parent.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeCA("ca")
        try makeCA("rogue-ca")
        try issue("server", by: "ca", san: "IP:127.0.0.1,DNS:localhost")
    }

    /// A server certificate `name`.pem / `name`.key: `san` (e.g. `IP:127.0.0.1`), issued by `ca`, valid for
    /// `days` (-1: already expired, notAfter a day before notBefore = now).
    func issue(_ name: String, by ca: String, san: String, days: Int = 2) throws {
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(name).key"])
        try openssl(["req", "-new", "-key", "\(name).key", "-out", "\(name).csr", "-subj", "/O=G60 Test/CN=\(name)"])
        try "subjectAltName=\(san)\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
            "-out", "\(name).pem", "-days", "\(days)", "-extfile", "\(name).ext",
        ])
    }

    private func makeCA(_ name: String) throws {
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(name).key"])
        try openssl([
            "req", "-new", "-x509", "-key", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj",
            "/O=G60 Test/CN=\(name)", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let command = arguments.prefix(2).joined(separator: " ")
            throw RigError("openssl \(command): \(String(decoding: message, as: UTF8.self))")
        }
    }
}
