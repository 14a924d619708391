import Foundation
import GatewayCore
import GatewayCrypto
import GatewayStore

/// The gateway node's configuration: one JSON file, every setting overridable by an environment variable
/// (`G60_` + the dotted path in upper snake case: `retry.maxAttempts` ← `G60_RETRY_MAX_ATTEMPTS`).
///
/// `Configuration.load` checks everything at start-up and reports every problem with its key and source, so the
/// node never starts half-configured. `Contracts/config/example.json` shows every key with its default.
public struct Configuration: Sendable {
    /// An API client and what it may do.
    public struct Client: Sendable, Hashable {
        public enum Scope: String, Sendable, CaseIterable {
            case submit
            case readRecords = "read-records"
            case lookup
            case operate
        }

        public var id: String
        public var scopes: Set<Scope>
        /// `sha256:<hex>` of the bearer token (the token itself is never stored in configuration).
        public var tokenHash: String?
        /// The partner whose mutual-TLS certificate authenticates this client.
        public var partner: String?
    }

    public struct Listen: Sendable, Hashable {
        public var http: String?
        public var https: String?
    }

    public struct TLS: Sendable, Hashable {
        public var certificate: String?
        public var key: String?
        public var clientCAs: [String]
        public var requireClientCertificate: Bool
        /// OpenSSL cipher list for TLS 1.2 (`tls.ciphers`); nil: `HTTPTLSConfiguration.defaultCipherList`.
        public var ciphers: String? = nil
        /// TLS 1.3 suites (`tls.ciphersuites`); nil: `HTTPTLSConfiguration.defaultTLS13CipherSuites`.
        public var ciphersuites: String? = nil
    }

    public struct Retry: Sendable, Hashable {
        public var initialDelaySeconds: Double
        public var maxDelaySeconds: Double
        public var jitter: Double
        public var maxAttempts: Int
        public var maxAgeHours: Int
    }

    public struct Limits: Sendable, Hashable {
        public var maxEnvelopeBytes: Int
        public var maxConnections: Int
        public var maxHeaderBytes: Int
        public var idleTimeoutSeconds: Int
        public var headerTimeoutSeconds: Int
        public var bodyTimeoutSeconds: Int
        public var requestsPerMinutePerClient: Int
    }

    public var nodeID: String
    public var listen: Listen
    public var tls: TLS
    public var databasePath: String
    public var partnersDirectory: String
    public var contractsDirectory: String
    public var trustDirectory: String?
    public var crls: [String]
    public var replayWindowDays: Int
    public var maxClockSkewSeconds: Int
    public var limits: Limits
    public var retry: Retry
    public var mappingWorkers: Int
    public var deliveryWorkers: Int
    public var retentionDays: Int
    /// The secret key for hashing identity numbers (never in the database).
    public var subjectKey: [UInt8]
    /// Whether `subjectKey` is the published demo key (the node says so loudly at start-up).
    public var subjectKeyIsDemo: Bool
    /// The AES-256 key that encrypts identity numbers at rest (32 bytes; never in the database). Nil when
    /// `identityKey.*` is not set: the store then refuses records that carry clear identity numbers.
    public var identityKey: [UInt8]? = nil
    /// Whether `identityKey` is the published demo key.
    public var identityKeyIsDemo: Bool = false
    public var clients: [Client]
    public var logLevel: LogLevel
    /// How long one delivery POST to a partner may take (connect + send + receipt), `delivery.timeoutSeconds`.
    public var deliveryTimeoutSeconds: Double = 30
    /// How long a worker's lease on queue items lasts (`workers.leaseSeconds`; nil: 300 s mapping, 120 s delivery).
    /// After a crash, items leased by the dead process wait this long before they are taken again.
    public var leaseSeconds: Double?
    /// The largest database file whose every page is checked at start (`database.fullCheckMaxMegabytes`, default
    /// 1024); a larger one gets the log head and checkpoints checked, and `g60-gateway store check` does the rest.
    public var fullCheckMaxMegabytes: Int = 1024
    /// The most SQLite page cache each of the eligibility lookup's read connections may hold
    /// (`database.lookupCacheMegabytes`, default 256): filled only as pages are read, so it holds about the lookup
    /// table's hot pages (≈ 115 MB for 1M subjects); a node keeps about one such connection per event loop.
    public var lookupCacheMegabytes: Int = 256

    /// Every key the file may hold.
    static let keys: Set<String> = [
        "node.id", "listen.http", "listen.https", "tls.certificate", "tls.key", "tls.clientCAs",
        "tls.requireClientCertificate", "tls.ciphers", "tls.ciphersuites", "database.path", "paths.partners", "paths.contracts", "trust.directory",
        "trust.crls", "envelope.replayWindowDays", "envelope.maxClockSkewSeconds", "limits.maxEnvelopeBytes",
        "limits.maxConnections", "limits.maxHeaderBytes", "limits.idleTimeoutSeconds", "limits.headerTimeoutSeconds",
        "limits.bodyTimeoutSeconds", "limits.requestsPerMinutePerClient", "retry.initialDelaySeconds",
        "retry.maxDelaySeconds", "retry.jitter", "retry.maxAttempts", "retry.maxAgeHours",
        "workers.mapping", "workers.delivery", "retention.days", "subjectKey.file", "subjectKey.hex",
        "subjectKey.demo", "clients", "log.level", "identityKey.file", "identityKey.hex", "identityKey.demo",
        "delivery.timeoutSeconds", "workers.leaseSeconds", "database.fullCheckMaxMegabytes",
        "database.lookupCacheMegabytes",
    ]

    /// Loads and checks `file` (nil: defaults and environment only), relative paths resolved against the file's
    /// folder.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> Configuration
    {
        var root: [String: Any] = [:]
        var base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let source = file ?? "(no file)"
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigurationError(["\(file): cannot be read"])
            }
            do {
                guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw ConfigurationError(["\(file): the top level must be a JSON object"])
                }
                root = object
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError(["\(file): not valid JSON: \(error.localizedDescription)"])
            }
            base = URL(fileURLWithPath: file).deletingLastPathComponent()
        }
        var r = ConfigurationReader(root: root, environment: environment, source: source)
        func path(_ p: String?) -> String? {
            guard let p else { return nil }
            return p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path
        }
        func mustExist(_ key: String, _ p: String?) {
            if let p, !FileManager.default.fileExists(atPath: p) { r.fail(key, "\(p) does not exist") }
        }

        let nodeID = r.string("node.id", default: "g60-hub") ?? "g60-hub"
        if nodeID.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-") }) {
            r.fail("node.id", "'\(nodeID)' may hold only letters, digits and '-'")
        }
        let listen = Listen(http: r.string("listen.http"), https: r.string("listen.https"))
        if listen.http == nil && listen.https == nil {
            r.fail("listen", "set listen.https (or listen.http, for plain HTTP on a trusted network)")
        }
        for (key, value) in [("listen.http", listen.http), ("listen.https", listen.https)] {
            if let value, parseHostPort(value) == nil { r.fail(key, "'\(value)' is not HOST:PORT") }
        }
        let tls = TLS(
            certificate: path(r.string("tls.certificate")), key: path(r.string("tls.key")),
            clientCAs: r.strings("tls.clientCAs").compactMap { path($0) },
            requireClientCertificate: r.bool("tls.requireClientCertificate", default: false),
            ciphers: r.string("tls.ciphers"), ciphersuites: r.string("tls.ciphersuites"))
        if listen.https != nil {
            if tls.certificate == nil { r.fail("tls.certificate", "is required when listen.https is set") }
            if tls.key == nil { r.fail("tls.key", "is required when listen.https is set") }
        }
        mustExist("tls.certificate", tls.certificate)
        mustExist("tls.key", tls.key)
        for ca in tls.clientCAs { mustExist("tls.clientCAs", ca) }
        if tls.requireClientCertificate && tls.clientCAs.isEmpty {
            r.fail("tls.clientCAs", "is required when tls.requireClientCertificate is true")
        }
        let databasePath = path(r.string("database.path", default: "g60-gateway.sqlite"))!
        let partners = path(r.string("paths.partners", default: "Partners"))!
        let contracts = path(r.string("paths.contracts", default: "Contracts"))!
        mustExist("paths.partners", partners)
        mustExist("paths.contracts", contracts)
        let trust = path(r.string("trust.directory"))
        mustExist("trust.directory", trust)
        let crls = r.strings("trust.crls").compactMap { path($0) }
        for crl in crls { mustExist("trust.crls", crl) }

        let limits = Limits(
            maxEnvelopeBytes: r.int("limits.maxEnvelopeBytes", default: 64 << 20, range: 1024...(1 << 30)),
            maxConnections: r.int("limits.maxConnections", default: 1000, range: 1...100_000),
            maxHeaderBytes: r.int("limits.maxHeaderBytes", default: 16 << 10, range: 1024...(1 << 20)),
            idleTimeoutSeconds: r.int("limits.idleTimeoutSeconds", default: 60, range: 1...3600),
            headerTimeoutSeconds: r.int("limits.headerTimeoutSeconds", default: 10, range: 1...600),
            bodyTimeoutSeconds: r.int("limits.bodyTimeoutSeconds", default: 60, range: 1...3600),
            requestsPerMinutePerClient: r.int("limits.requestsPerMinutePerClient", default: 6000, range: 1...10_000_000))
        let retry = Retry(
            initialDelaySeconds: r.double("retry.initialDelaySeconds", default: 5, range: 0.001...86_400),
            maxDelaySeconds: r.double("retry.maxDelaySeconds", default: 3600, range: 0.001...604_800),
            jitter: r.double("retry.jitter", default: 0.2, range: 0...1),
            maxAttempts: r.int("retry.maxAttempts", default: 12, range: 1...1000),
            maxAgeHours: r.int("retry.maxAgeHours", default: 72, range: 1...8760))
        if retry.maxDelaySeconds < retry.initialDelaySeconds {
            r.fail("retry.maxDelaySeconds", "must not be below retry.initialDelaySeconds")
        }

        var subjectKey: [UInt8] = []
        var demo = false
        let keyFile = path(r.string("subjectKey.file"))
        let keyHex = r.string("subjectKey.hex")
        let useDemo = r.bool("subjectKey.demo", default: false)
        switch (keyFile, keyHex, useDemo) {
        case (let f?, nil, false):
            if let data = FileManager.default.contents(atPath: f) {
                subjectKey = [UInt8](data)
                if subjectKey.count < 32 { r.fail("subjectKey.file", "\(f) holds \(subjectKey.count) bytes; at least 32") }
            } else {
                r.fail("subjectKey.file", "\(f) cannot be read")
            }
        case (nil, let h?, false):
            if let bytes = hexBytes(h), bytes.count >= 32 {
                subjectKey = bytes
            } else {
                r.fail("subjectKey.hex", "must be at least 64 hexadecimal digits")
            }
        case (nil, nil, true):
            demo = true
        case (nil, nil, false):
            r.fail("subjectKey", "set subjectKey.file or subjectKey.hex (G60_SUBJECT_KEY_HEX), or subjectKey.demo for a demo node")
        default:
            r.fail("subjectKey", "set exactly one of subjectKey.file, subjectKey.hex, subjectKey.demo")
        }

        let identity = readIdentityKey(&r, path: path, subjectKey: subjectKey)

        var clients: [Client] = []
        for (i, object) in r.objects("clients").enumerated() {
            let at = "clients[\(i)]"
            guard let id = object["id"] as? String, !id.isEmpty else {
                r.fail(at, "needs an id")
                continue
            }
            var scopes = Set<Client.Scope>()
            for s in object["scopes"] as? [String] ?? [] {
                if let scope = Client.Scope(rawValue: s) {
                    scopes.insert(scope)
                } else {
                    r.fail("\(at).scopes", "'\(s)' is not one of \(Client.Scope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            if scopes.isEmpty { r.fail("\(at).scopes", "client \(id) has no scope") }
            let tokenHash = object["tokenSha256"] as? String
            let partner = object["partner"] as? String
            if tokenHash == nil && partner == nil {
                r.fail(at, "client \(id) needs tokenSha256 (bearer token) or partner (mutual TLS)")
            }
            if let t = tokenHash, hexBytes(t)?.count != 32 {
                r.fail("\(at).tokenSha256", "must be the 64-hex-digit SHA-256 of the token")
            }
            let unknown = Set(object.keys).subtracting(["id", "scopes", "tokenSha256", "partner"])
            if !unknown.isEmpty { r.fail(at, "unknown keys \(unknown.sorted().joined(separator: ", "))") }
            clients.append(Client(id: id, scopes: scopes, tokenHash: tokenHash.map { "sha256:" + $0.lowercased() }, partner: partner))
        }
        let ids = clients.map(\.id)
        if let dup = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            r.fail("clients", "client id \(dup) is used twice")
        }
        let levelName = r.string("log.level", default: "info") ?? "info"
        let level = LogLevel(name: levelName)
        if level == nil {
            r.fail("log.level", "'\(levelName)' is not one of \(LogLevel.allCases.map(\.name).joined(separator: ", "))")
        }
        var config = Configuration(
            nodeID: nodeID, listen: listen, tls: tls, databasePath: databasePath, partnersDirectory: partners,
            contractsDirectory: contracts, trustDirectory: trust, crls: crls,
            replayWindowDays: r.int("envelope.replayWindowDays", default: 30, range: 1...3650),
            maxClockSkewSeconds: r.int("envelope.maxClockSkewSeconds", default: 300, range: 0...86_400),
            limits: limits, retry: retry,
            mappingWorkers: r.int("workers.mapping", default: 2, range: 1...64),
            deliveryWorkers: r.int("workers.delivery", default: 4, range: 1...256),
            retentionDays: r.int("retention.days", default: 180, range: 180...36_500),
            subjectKey: subjectKey, subjectKeyIsDemo: demo, clients: clients, logLevel: level ?? .info)
        config.identityKey = identity.key
        config.identityKeyIsDemo = identity.demo
        config.deliveryTimeoutSeconds = r.double("delivery.timeoutSeconds", default: 30, range: 0.1...3600)
        let lease = r.double("workers.leaseSeconds", default: 0, range: 0...86_400)
        if lease > 0 { config.leaseSeconds = lease }
        config.fullCheckMaxMegabytes = r.int("database.fullCheckMaxMegabytes", default: 1024, range: 0...16_777_216)
        config.lookupCacheMegabytes = r.int("database.lookupCacheMegabytes", default: 256, range: 1...65_536)
        if let lease = config.leaseSeconds, lease <= config.deliveryTimeoutSeconds {
            r.fail("workers.leaseSeconds", "must be above delivery.timeoutSeconds (a lease must outlast a delivery)")
        }
        var problems = r.problems
        for key in r.unknownKeys(known: keys) {
            problems.append("\(key): unknown key in \(source) (known keys: see Contracts/config/README.md)")
        }
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        return config
    }

    /// The published demo identity key: SHA-256 of a fixed label, so demo nodes can read each other's stores and
    /// nobody mistakes it for a secret.
    public static let demoIdentityKey: [UInt8] = SHA256.hash(
        Array("G60 demo identity key (published, not secret)".utf8))

    /// `identityKey.file` (exactly 32 raw bytes), `identityKey.hex` (64 hex digits, or G60_IDENTITY_KEY_HEX) or
    /// `identityKey.demo`; at most one. It must differ from the subject key (one key, one purpose).
    static func readIdentityKey(
        _ r: inout ConfigurationReader, path: (String?) -> String?, subjectKey: [UInt8]
    ) -> (key: [UInt8]?, demo: Bool) {
        let file = path(r.string("identityKey.file"))
        let hex = r.string("identityKey.hex")
        let demo = r.bool("identityKey.demo", default: false)
        var key: [UInt8]?
        switch (file, hex, demo) {
        case (nil, nil, false):
            // A node logs every envelope (and quarantines rows) as it came: without a key, citizens' identity
            // numbers would sit in clear in its database. So the key is required, not optional.
            r.fail(
                "identityKey",
                "required: the node encrypts identity numbers and the logged evidence at rest (AES-256-GCM); set "
                    + "identityKey.file (32 raw bytes), identityKey.hex (64 hex digits, or G60_IDENTITY_KEY_HEX) or, "
                    + "for a demo only, identityKey.demo")
            return (nil, false)
        case (let f?, nil, false):
            if let data = FileManager.default.contents(atPath: f) {
                if data.count == FieldCipher.keyLength {
                    key = [UInt8](data)
                } else {
                    r.fail("identityKey.file", "\(f) holds \(data.count) bytes; an AES-256 key is exactly 32")
                }
            } else {
                r.fail("identityKey.file", "\(f) cannot be read")
            }
        case (nil, let h?, false):
            if let bytes = hexBytes(h), bytes.count == FieldCipher.keyLength {
                key = bytes
            } else {
                r.fail("identityKey.hex", "must be exactly 64 hexadecimal digits (an AES-256 key)")
            }
        case (nil, nil, true):
            return (demoIdentityKey, true)
        default:
            r.fail("identityKey", "set at most one of identityKey.file, identityKey.hex, identityKey.demo")
        }
        if let k = key, !subjectKey.isEmpty, k == Array(subjectKey.prefix(k.count)) {
            r.fail("identityKey", "must not be the subject key (or its first 32 bytes): use a separate key")
            key = nil
        }
        return (key, false)
    }

    /// The cipher the store encrypts identity numbers with (AES-256-GCM), or nil without `identityKey.*`.
    public func identityCipher() throws -> (any IdentityNumberCipher)? {
        guard let identityKey else { return nil }
        return IdentityFieldCipher(cipher: try FieldCipher(key: identityKey))
    }

    /// The keyring for identity hashes.
    public var keyring: SubjectKeyring { subjectKeyIsDemo ? .demo : SubjectKeyring(key: subjectKey) }

    /// `HOST:PORT` → (host, port).
    public static func parseHostPort(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, port)
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let hi = hexValue(chars[i]), let lo = hexValue(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// GatewayCrypto's `FieldCipher` as GatewayStore's `IdentityNumberCipher` (the two modules do not know each other).
public struct IdentityFieldCipher: IdentityNumberCipher {
    public let cipher: FieldCipher

    public init(cipher: FieldCipher) { self.cipher = cipher }

    public func seal(_ plaintext: [UInt8], context: [UInt8]) throws -> [UInt8] {
        try cipher.seal(plaintext, context: context)
    }

    public func open(_ sealed: [UInt8], context: [UInt8]) throws -> [UInt8] {
        try cipher.open(sealed, context: context)
    }
}
