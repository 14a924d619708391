import Foundation
import GatewayCore
import GatewayMapping

/// The partner cities of `Partners/`, loaded once at start-up: who they are, how they are reached, which record
/// kinds they subscribe to, and their dialects.
public struct PartnerDirectory: Sendable {
    public let partners: [String: Partner]

    public init(partners: [Partner]) {
        self.partners = Dictionary(partners.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Loads every folder of `directory` that holds a `partner.json`; any invalid folder stops the start-up with
    /// its path and reason.
    public static func load(directory: URL) throws -> PartnerDirectory {
        let folders = Partner.folders(in: directory)
        guard !folders.isEmpty else {
            throw GatewayError(GatewayError.partnersInvalid, "\(directory.path) holds no partner folder")
        }
        return PartnerDirectory(partners: try folders.map { try Partner.load(folder: $0) })
    }

    /// Partner ids, sorted.
    public var ids: [String] { partners.keys.sorted() }

    public func partner(_ id: String) -> Partner? { partners[id] }

    /// The partners that receive records of `kind`, except the record's source.
    public func subscribers(of kind: RecordKind, except source: String) -> [Partner] {
        ids.compactMap { partners[$0] }.filter { $0.id != source && $0.description.subscriptions.contains(kind) }
    }
}
