import Foundation
import GatewayCrypto
import GatewayTesting
import Testing

/// The known-answer files of Contracts/envelope/v1/vectors/, run by one shared helper (vectors.json lists them).
@Suite struct VectorTests {
    static var folder: URL { TestSupport.contracts.appendingPathComponent("envelope/v1/vectors") }

    struct Vector: Decodable, CustomTestStringConvertible, Sendable {
        var file: String
        var expect: String
        var description: String
        var node: String?
        var sender: String?
        var testDescription: String { file }
    }

    struct Manifest: Decodable {
        var now: String
        var node: String
        var trust: String
        var vectors: [Vector]
    }

    static func manifest() throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("vectors.json")))
    }

    static let allVectors: [Vector] = (try? manifest().vectors) ?? []

    @Test func manifestCoversEveryRejectionCodeAndAlgorithm() throws {
        let vectors = try Self.manifest().vectors
        #expect(Set(vectors.map(\.expect)) == Set(CryptoError.rejectionCodes + ["accepted"]))
        #expect(vectors.count >= CryptoError.rejectionCodes.count + 3)
    }

    @Test(arguments: allVectors)
    func vectorGivesExpectedVerdict(vector: Vector) throws {
        let manifest = try Self.manifest()
        let trust = try TrustStore.load(directory: Self.folder.appendingPathComponent(manifest.trust))
        let clock = TestClock(try #require(RFC3339Timestamp(manifest.now)).date)
        let bytes = try Array(Data(contentsOf: Self.folder.appendingPathComponent(vector.file)))
        let outcome = EnvelopeVerifier(node: vector.node ?? manifest.node, trust: trust, clock: clock).verify(bytes)
        #expect(
            (outcome.error?.code ?? "accepted") == vector.expect, "\(vector.file): \(String(describing: outcome.error))"
        )
    }

    /// Certificates from a `Partners/<slug>/cert*.pem` folder join those of the trust folder: xuancheng, unknown
    /// in vectors/trust, is accepted once its certificate is filed there.
    @Test func partnersFolderAddsCertificates() throws {
        let manifest = try Self.manifest()
        let partners = try Shell.tempDirectory()
        defer { try? FileManager.default.removeItem(at: partners) }
        try FileManager.default.createDirectory(
            at: partners.appendingPathComponent("xuancheng"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Self.folder.appendingPathComponent("keys/xuancheng-cert-not-in-trust.pem"),
            to: partners.appendingPathComponent("xuancheng/cert.pem"))
        let bytes = try Array(Data(contentsOf: Self.folder.appendingPathComponent("invalid/sender.unknown.envelope")))
        let clock = TestClock(try #require(RFC3339Timestamp(manifest.now)).date)
        let without = try TrustStore.load(directory: Self.folder.appendingPathComponent(manifest.trust))
        let outcome = EnvelopeVerifier(node: "g60-hub", trust: without, clock: clock).verify(bytes)
        #expect(outcome.error?.code == CryptoError.senderUnknown)
        #expect(outcome.httpStatus == 403 && outcome.status == .rejected)
        let with = try TrustStore.load(
            directory: Self.folder.appendingPathComponent(manifest.trust), partnersDirectory: partners)
        let accepted = EnvelopeVerifier(node: "g60-hub", trust: with, clock: clock).verify(bytes)
        #expect(accepted.error == nil && accepted.httpStatus == 200)
    }

    /// The valid vectors also verify with the openssl CLI script (signature, digest, length, chain to the root).
    @Test func validVectorsVerifyWithTheCLIScript() throws {
        guard Shell.hasOpenSSL else { return Shell.skipNotice("validVectorsVerifyWithTheCLIScript") }
        let manifest = try Self.manifest()
        let trust = Self.folder.appendingPathComponent(manifest.trust)
        for vector in manifest.vectors where vector.expect == "accepted" {
            let sender = try #require(vector.sender, "\(vector.file) names no sender")
            let result = try Shell.bash(
                "verify.sh",
                [
                    "--root", trust.appendingPathComponent("root/cert.pem").path,
                    Self.folder.appendingPathComponent(vector.file).path,
                    trust.appendingPathComponent("\(sender)/cert.pem").path,
                ])
            #expect(result.status == 0, "\(vector.file): \(result.text) \(result.stderr)")
        }
    }
}
