import Foundation
import Gateway
import GatewayTesting
import Testing

/// Every configuration file these tests write goes under one folder per test process, removed when the process exits
/// (a test run used to leave one folder per file in the temporary directory).
private let configRoot: URL = {
    atexit {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("g60-config-\(getpid())")
        try? FileManager.default.removeItem(at: root)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent("g60-config-\(getpid())")
}()

func writeConfig(_ json: String) throws -> String {
    let dir = configRoot.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let file = dir.appendingPathComponent("gateway.json")
    try json.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

let root = TestSupport.packageRoot.path
let minimal = """
    {"listen": {"http": "127.0.0.1:0"}, "subjectKey": {"demo": true}, "identityKey": {"demo": true},
     "paths": {"partners": "\(root)/Partners", "contracts": "\(root)/Contracts"}}
    """

/// A node keeps every envelope as it came: without an identity key, identity numbers would be stored in clear.
@Test func aConfigurationWithoutIdentityKeyIsRefused() throws {
    let json = """
        {"listen": {"http": "127.0.0.1:0"}, "subjectKey": {"demo": true},
         "paths": {"partners": "\(root)/Partners", "contracts": "\(root)/Contracts"}}
        """
    do {
        _ = try Configuration.load(file: try writeConfig(json), environment: [:])
        Issue.record("a configuration without identityKey must be refused")
    } catch {
        #expect("\(error)".contains("identityKey: required"), "\(error)")
    }
    // The environment can supply it.
    let config = try Configuration.load(
        file: try writeConfig(json), environment: ["G60_IDENTITY_KEY_HEX": String(repeating: "ab", count: 32)])
    #expect(config.identityKey == [UInt8](repeating: 0xab, count: 32))
}

@Test func minimalConfigurationGetsDefaults() throws {
    let config = try Configuration.load(file: try writeConfig(minimal), environment: [:])
    #expect(config.nodeID == "g60-hub")
    #expect(config.retry.maxAttempts == 12 && config.limits.maxEnvelopeBytes == 64 << 20)
    #expect(config.replayWindowDays == 30 && config.retentionDays == 180)
    #expect(config.subjectKeyIsDemo)
    #expect(config.databasePath.hasSuffix("/g60-gateway.sqlite"))
    #expect(config.fullCheckMaxMegabytes == 1024)
    #expect(config.lookupCacheMegabytes == 256)
}

@Test func environmentOverridesEverySetting() throws {
    let config = try Configuration.load(
        file: try writeConfig(minimal),
        environment: [
            "G60_RETRY_MAX_ATTEMPTS": "3", "G60_LISTEN_HTTP": "127.0.0.1:9999", "G60_LOG_LEVEL": "debug",
            "G60_DATABASE_FULL_CHECK_MAX_MEGABYTES": "64", "G60_DATABASE_LOOKUP_CACHE_MEGABYTES": "32",
            "G60_CLIENTS": #"[{"id":"ops","scopes":["operate"],"tokenSha256":"\#(String(repeating: "a", count: 64))"}]"#,
        ])
    #expect(config.retry.maxAttempts == 3)
    #expect(config.listen.http == "127.0.0.1:9999")
    #expect(config.logLevel == .debug)
    #expect(config.clients.map(\.id) == ["ops"])
    #expect(config.fullCheckMaxMegabytes == 64)
    #expect(config.lookupCacheMegabytes == 32)
}

@Test func everyProblemIsReportedWithItsKeyAndSource() throws {
    let bad = """
        {"listen": {"https": "nowhere"}, "retry": {"maxAttempts": 0}, "limits": {"maxEnvelopBytes": 5},
         "subjectKey": {"hex": "abc"}, "clients": [{"id": "x", "scopes": ["root"]}], "log": {"level": "loud"},
         "paths": {"partners": "/nonexistent/partners"}}
        """
    do {
        _ = try Configuration.load(file: try writeConfig(bad), environment: ["G60_WORKERS_MAPPING": "many"])
        Issue.record("an invalid configuration was accepted")
    } catch let error as ConfigurationError {
        let text = error.description
        for expected in [
            "listen.https: 'nowhere' is not HOST:PORT", "tls.certificate: is required when listen.https is set",
            "retry.maxAttempts: must be a whole number from 1 to 1000, got 0",
            "limits.maxEnvelopBytes: unknown key", "subjectKey.hex: must be at least 64 hexadecimal digits",
            "clients[0].scopes: 'root' is not one of", "clients[0]: client x needs tokenSha256",
            "log.level: 'loud' is not one of", "paths.partners: /nonexistent/partners does not exist",
            "workers.mapping: must be a whole number from 1 to 64, got many (from G60_WORKERS_MAPPING)",
        ] {
            #expect(text.contains(expected), "missing: \(expected)\n\(text)")
        }
    }
}

@Test func theExampleConfigurationParses() throws {
    // The example points at demo state that may not exist; only its shape is checked here.
    let example = TestSupport.contracts.appendingPathComponent("config/example.json")
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: example)) as? [String: Any]
    #expect(object?["clients"] != nil)
    do {
        _ = try Configuration.load(file: example.path, environment: [:])
    } catch let error as ConfigurationError {
        // Only missing demo files may be reported, never an unknown key or a bad value.
        #expect(error.problems.allSatisfy { $0.contains("does not exist") }, "\(error.problems)")
    }
}

@Test func environmentNamesFollowTheDottedPath() {
    #expect(Configuration.parseHostPort("127.0.0.1:8443")?.port == 8443)
    #expect(Configuration.parseHostPort(":80") == nil)
}

// MARK: - identityKey.* (issue 10: identity numbers encrypted at rest with a key from configuration)

/// A valid configuration with `identityKey` set to the given JSON (nil: absent). The partners folder is the
/// configuration's own temporary folder, so these tests do not depend on Partners/ existing.
func identityConfig(_ identityKey: String?, subjectKey: String = #"{"demo": true}"#) -> String {
    """
    {"listen": {"http": "127.0.0.1:0"}, "subjectKey": \(subjectKey),
     \(identityKey.map { #""identityKey": \#($0),"# } ?? "")
     "paths": {"partners": ".", "contracts": "\(root)/Contracts"}}
    """
}

@Test func identityKeyFromHexFileDemoAndEnvironment() throws {
    let hex = String(repeating: "3c", count: 32)
    let fromHex = try Configuration.load(file: try writeConfig(identityConfig(#"{"hex": "\#(hex)"}"#)), environment: [:])
    #expect(fromHex.identityKey == [UInt8](repeating: 0x3c, count: 32))
    #expect(!fromHex.identityKeyIsDemo)

    let file = try writeConfig(identityConfig(#"{"file": "identity.key"}"#))
    let keyPath = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("identity.key")
    try Data((0..<32).map { UInt8($0) }).write(to: keyPath)
    #expect(try Configuration.load(file: file, environment: [:]).identityKey == (0..<32).map { UInt8($0) })

    let demo = try Configuration.load(file: try writeConfig(identityConfig(#"{"demo": true}"#)), environment: [:])
    #expect(demo.identityKeyIsDemo && demo.identityKey == Configuration.demoIdentityKey)

    let env = try Configuration.load(
        file: try writeConfig(identityConfig(nil)), environment: ["G60_IDENTITY_KEY_HEX": String(repeating: "a1", count: 32)])
    #expect(env.identityKey == [UInt8](repeating: 0xa1, count: 32))

    // The cipher it builds round-trips and is AES-256-GCM's v1 format.
    let cipher = try #require(try fromHex.identityCipher())
    let sealed = try cipher.seal(Array("11010519491231002X".utf8), context: Array("row".utf8))
    #expect(Array(sealed.prefix(3)) == Array("v1:".utf8))
    #expect(try cipher.open(sealed, context: Array("row".utf8)) == Array("11010519491231002X".utf8))
}

@Test(arguments: [
    (#"{"hex": "abcd"}"#, "identityKey.hex: must be exactly 64 hexadecimal digits"),
    (#"{"hex": "\#(String(repeating: "ab", count: 33))"}"#, "identityKey.hex: must be exactly 64 hexadecimal digits"),
    (#"{"file": "/nonexistent/identity.key"}"#, "identityKey.file: /nonexistent/identity.key cannot be read"),
    (#"{"demo": true, "hex": "\#(String(repeating: "ab", count: 32))"}"#, "identityKey: set at most one of"),
])
func badIdentityKeysAreReported(identityKey: String, expected: String) throws {
    do {
        _ = try Configuration.load(file: try writeConfig(identityConfig(identityKey)), environment: [:])
        Issue.record("accepted identityKey \(identityKey)")
    } catch let error as ConfigurationError {
        #expect(error.description.contains(expected), "\(error.description)")
    }
}

@Test func identityKeyMustNotBeTheSubjectKey() throws {
    let hex = String(repeating: "5e", count: 32)
    let json = identityConfig(#"{"hex": "\#(hex)"}"#, subjectKey: #"{"hex": "\#(hex)"}"#)
    do {
        _ = try Configuration.load(file: try writeConfig(json), environment: [:])
        Issue.record("accepted the subject key as identity key")
    } catch let error as ConfigurationError {
        #expect(error.description.contains("identityKey: must not be the subject key"))
    }
}
