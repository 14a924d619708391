import Foundation
import GatewayTesting

/// Runs shell scripts of Contracts/envelope/v1/examples for the interop tests.
enum Shell {
    static var examples: URL { TestSupport.contracts.appendingPathComponent("envelope/v1/examples") }

    /// Whether the `openssl` command is on PATH; when it is not, the interop tests print a notice and skip.
    static let hasOpenSSL: Bool = (try? run("/usr/bin/env", ["openssl", "version"]).status) == 0

    static func skipNotice(_ test: String) {
        print("NOTICE: \(test) skipped: the `openssl` command line is not installed (apt-get install openssl)")
    }

    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments`; waits for it (bounded by the script's own work, no network).
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: Array(outData), stderr: String(decoding: errData, as: UTF8.self))
    }

    static func bash(_ script: String, _ arguments: [String]) throws -> Result {
        try run("/bin/bash", [examples.appendingPathComponent(script).path] + arguments)
    }

    static func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("g60-crypto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
