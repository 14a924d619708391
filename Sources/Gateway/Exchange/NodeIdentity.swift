import Foundation
import GatewayCrypto

/// The gateway node's own key and certificate, which sign receipts and outbound envelopes.
public struct NodeIdentity: Sendable {
    public let id: String
    public let key: PrivateKey
    public let certificate: Certificate

    /// Loads `<trust>/<node id>/key.pem` and `cert.pem` (the layout `g60-gateway pki init` writes), or the paths
    /// given.
    public static func load(id: String, trustDirectory: URL, keyPath: String? = nil, certificatePath: String? = nil)
        throws -> NodeIdentity
    {
        let folder = trustDirectory.appendingPathComponent(id)
        let keyFile = keyPath ?? folder.appendingPathComponent("key.pem").path
        let certFile = certificatePath ?? folder.appendingPathComponent("cert.pem").path
        guard let keyPEM = FileManager.default.contents(atPath: keyFile) else {
            throw GatewayError(GatewayError.nodeIdentity, "the node key \(keyFile) cannot be read")
        }
        let key = try PrivateKey(pem: Array(keyPEM), source: keyFile)
        guard let certificate = try Certificate.load(file: URL(fileURLWithPath: certFile)).first else {
            throw GatewayError(GatewayError.nodeIdentity, "\(certFile) holds no certificate")
        }
        guard certificate.matches(key) else {
            throw GatewayError(GatewayError.nodeIdentity, "\(keyFile) is not the key of \(certFile)")
        }
        guard certificate.partnerIDs.contains(id) else {
            throw GatewayError(
                GatewayError.nodeIdentity, "\(certFile) binds \(certificate.partnerIDs), not the node id \(id)")
        }
        return NodeIdentity(id: id, key: key, certificate: certificate)
    }
}
