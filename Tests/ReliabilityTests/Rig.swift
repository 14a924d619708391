import Foundation
import Gateway
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayMapping
import GatewayStore
import GatewayTesting
import Synchronization

@testable import GatewayCLI

struct RigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One exchange's state folder for a test: a fresh Ed25519 PKI (`pki init`), the demo's bearer tokens, a
/// configuration file, and the nine partners' fixture files as signed envelopes.
final class Rig: @unchecked Sendable {
    let dir: URL
    let pki: URL
    let credentials: DemoCredentials
    let partners: PartnerDirectory
    let trust: TrustStore
    var database: String { dir.appendingPathComponent("gateway.sqlite").path }

    static let quiet = CLIIO(readAll: { Data() }, writeOut: { _ in }, writeErr: { _ in })

    init(_ name: String) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "g60-reliab-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        pki = dir.appendingPathComponent("pki")
        let status = CLI.main(
            ["pki", "init", "--dir", pki.path, "--alg", "ed25519", "--partners", TestSupport.partners.path], io: Rig.quiet)
        guard status == 0 else { throw RigError("pki init failed with \(status)") }
        partners = try PartnerDirectory.load(directory: TestSupport.partners)
        credentials = try DemoCredentials.loadOrCreate(
            dir.appendingPathComponent("credentials.json"), partners: partners.ids)
        trust = try TrustStore.load(directory: pki, partnersDirectory: TestSupport.partners)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// The partners that receive deliveries: every partner (the transport mode says only how the gateway gets a
    /// partner's own data; see Contracts/http/README.md).
    var pushPartners: [String] {
        partners.ids
    }

    /// Writes the node's configuration (the demo's, listening on 127.0.0.1:`port`) with `patch` merged into its
    /// sections, e.g. `["retry": ["maxAttempts": 3]]`.
    @discardableResult
    func writeConfiguration(port: UInt16 = 0, patch: [String: [String: Any]] = [:]) throws -> URL {
        let data = try credentials.configuration(
            port: port, state: dir, partners: TestSupport.partners, contracts: TestSupport.contracts)
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RigError("the demo configuration is not an object")
        }
        for (section, values) in patch {
            var merged = object[section] as? [String: Any] ?? [:]
            for (key, value) in values { merged[key] = value }
            object[section] = merged
        }
        let url = dir.appendingPathComponent("gateway.json")
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        return url
    }

    func configuration(patch: [String: [String: Any]] = [:]) throws -> Configuration {
        try Configuration.load(file: writeConfiguration(patch: patch).path, environment: [:])
    }

    func identity(_ partner: String) throws -> (PrivateKey, Certificate) {
        try DemoCommand.loadIdentity(pki.appendingPathComponent(partner))
    }

    // MARK: - Fixture envelopes

    struct Submission: Sendable {
        var partner: String
        var messageID: String
        var bytes: [UInt8]
    }

    /// Every partner's fixture files as envelopes signed by that partner (in partner, folder order), `copies` times
    /// over (each copy a new message with the same rows: more intake and mapping work, the same records), and what
    /// the goldens say should come of them.
    func fixtureEnvelopes(to node: String = "g60-hub", copies: Int = 1) throws -> ([Submission], DemoExpectations) {
        var expected = DemoExpectations()
        var out: [Submission] = []
        var sequences: [String: UInt64] = [:]
        var signers: [String: EnvelopeSigner] = [:]
        for _ in 0..<copies {
            for id in partners.ids {
                guard let partner = partners.partner(id) else { continue }
                if signers[id] == nil {
                    let (key, cert) = try identity(id)
                    signers[id] = try EnvelopeSigner(from: id, key: key, certificate: cert)
                }
                guard let signer = signers[id] else { continue }
                for folder in PartnerFixtures.folders(of: partner) {
                    guard
                        let data = FileManager.default.contents(
                            atPath: folder.appendingPathComponent("fixture.json").path),
                        let fixture = try? JSONDecoder().decode(DemoFixture.self, from: data),
                        let kind = RecordKind(rawValue: fixture.kind),
                        let payload = FileManager.default.contents(
                            atPath: folder.appendingPathComponent(fixture.input).path)
                    else { continue }
                    let rows = expected.add(folder: folder, partner: id, partners: partners)
                    sequences[id, default: 0] += 1
                    let messageID = EnvelopeSigner.newMessageID()
                    let bytes = try signer.sign(
                        to: node, kind: kind == .retraction ? "records.retract" : "records.batch",
                        schema: "dialect/\(kind.rawValue)", contentType: DemoCommand.contentType(fixture.input),
                        payload: Array(payload), recordCount: UInt64(rows), sequence: sequences[id] ?? 1,
                        messageID: messageID)
                    out.append(Submission(partner: id, messageID: messageID, bytes: bytes))
                }
            }
        }
        return (out, expected)
    }

    /// Receiver → distinct records it should get from the fixtures (each record id once, to every push subscriber
    /// but its source).
    func expectedDeliveries() -> [String: Int] {
        var seen: Set<String> = []
        var out: [String: Int] = [:]
        for id in partners.ids {
            guard let partner = partners.partner(id) else { continue }
            for folder in PartnerFixtures.folders(of: partner) {
                guard
                    let data = FileManager.default.contents(
                        atPath: folder.appendingPathComponent("expected-records.jsonl").path)
                else { continue }
                for line in data.split(separator: UInt8(ascii: "\n")) {
                    guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                        let recordID = object["id"] as? String,
                        let kind = (object["kind"] as? String).flatMap(RecordKind.init(rawValue:)),
                        seen.insert(recordID).inserted
                    else { continue }
                    for subscriber in partners.subscribers(of: kind, except: id) {
                        out[subscriber.id, default: 0] += 1
                    }
                }
            }
        }
        return out
    }

    /// A signed envelope from `partner` with an arbitrary payload (for the security tests).
    func envelope(from partner: String, payload: [UInt8] = Array("{}\n".utf8), sequence: UInt64 = 1) throws
        -> Submission
    {
        let (key, cert) = try identity(partner)
        let signer = try EnvelopeSigner(from: partner, key: key, certificate: cert)
        let messageID = EnvelopeSigner.newMessageID()
        let bytes = try signer.sign(
            to: "g60-hub", kind: "records.batch", schema: "dialect/penalty", contentType: "application/json",
            payload: payload, recordCount: 0, sequence: sequence, messageID: messageID)
        return Submission(partner: partner, messageID: messageID, bytes: bytes)
    }
}

/// A small HTTP client for the tests: one libcurl handle per call site, short timeouts.
struct API {
    let base: String
    let client: HTTPClient

    init(base: String, timeoutSeconds: Int = 10) throws {
        self.base = base
        client = try HTTPClient(
            configuration: HTTPClientConfiguration(connectTimeout: .seconds(2), totalTimeout: .seconds(timeoutSeconds)))
    }

    func get(_ path: String, token: String? = nil) throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        if let token { headers.add("Authorization", "Bearer \(token)") }
        return try client.get(base + path, headers: headers)
    }

    func post(_ path: String, body: [UInt8], token: String? = nil) throws -> HTTPClientResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/vnd.g60.envelope")
        if let token { headers.add("Authorization", "Bearer \(token)") }
        return try client.post(base + path, body: body, headers: headers)
    }
}

/// Waits until `condition` holds or `seconds` pass (polling a condition, never assuming a time); true if it held.
func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A seeded generator (SplitMix64) so a failing run can be repeated from its printed seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
