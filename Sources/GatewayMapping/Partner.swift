import Foundation
import GatewayCore

/// A partner city as `Partners/<slug>/partner.json` describes it (format: Partners/README.md).
public struct PartnerDescription: Codable, Sendable, Hashable {
    public struct Names: Codable, Sendable, Hashable {
        public var zh: String
        public var en: String
    }

    public struct Transport: Codable, Sendable, Hashable {
        public struct Pull: Codable, Sendable, Hashable {
            /// Query parameter carrying the cursor (e.g. `since`).
            public var cursorParameter: String
            /// Where the cursor comes from in a response: a JSON key path, or `lastRecordDate`.
            public var cursorSource: String
            public var intervalSeconds: Int
            public var pageSize: Int?
        }

        /// `push` (the partner posts envelopes to the gateway) or `pull` (the gateway fetches).
        public var mode: String
        /// The partner's endpoint (placeholder on 127.0.0.1 in this checkout).
        public var endpoint: String
        public var pull: Pull?
        /// PEM bundle (relative to the partner folder) of the only CAs that may issue the TLS certificate of the
        /// partner's `https` endpoint; absent: the system's CA store. The host name and validity are always checked.
        public var tlsCA: String?
    }

    /// The folder slug (must equal the folder name).
    public var id: String
    public var names: Names
    public var province: String
    /// GB/T 2260 administrative division code (ARCHITECTURE.md table).
    public var regionCode: String
    public var transport: Transport
    /// Record kinds this partner receives from the others.
    public var subscriptions: [RecordKind]
    /// Record kind → dialect file, relative to the partner folder.
    public var dialects: [String: String]
    /// Certificate files the partner folder must hold (relative paths), checked by `partner check`.
    public var certificates: [String]?
}

/// A loaded partner folder: its description and its dialects.
public struct Partner: Sendable {
    public let folder: URL
    public let description: PartnerDescription
    public let dialects: [RecordKind: Dialect]

    public var id: String { description.id }

    /// Names a partner id cannot take: the exchange PKI's own folders (`pki init` layout) and the default node id.
    public static let reservedSlugs: Set<String> = ["root", "g60-hub"]

    /// Why `slug` cannot be a partner id (folder name, certificate SAN `g60:partner:<slug>`, PKI folder), or nil:
    /// 2–40 characters, lower-case ASCII letters, digits, '-' and '_', starting with a letter, not reserved.
    public static func slugProblem(_ slug: String) -> String? {
        let bytes = Array(slug.utf8)
        guard (2...40).contains(bytes.count) else { return "'\(slug)' must have 2 to 40 characters" }
        guard let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return "'\(slug)' must start with a lower-case letter a–z"
        }
        let allowed = bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
        guard allowed else { return "'\(slug)' may hold only lower-case letters a–z, digits, '-' and '_'" }
        guard !reservedSlugs.contains(slug) else { return "'\(slug)' is reserved (the exchange PKI uses it)" }
        return nil
    }

    /// Loads `folder/partner.json` and every dialect it names.
    public static func load(folder: URL) throws -> Partner {
        let file = folder.appendingPathComponent("partner.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw MappingError(MappingError.partnerInvalid, "\(folder.path) has no readable partner.json")
        }
        let description: PartnerDescription
        do {
            description = try JSONDecoder().decode(PartnerDescription.self, from: data)
        } catch {
            throw MappingError(MappingError.partnerInvalid, "\(file.path): \(DecodingErrorText.describe(error))")
        }
        let slug = folder.standardizedFileURL.lastPathComponent
        if let problem = slugProblem(slug) {
            throw MappingError(MappingError.partnerInvalid, "\(folder.path): the folder name \(problem)")
        }
        guard description.id == slug else {
            throw MappingError(
                MappingError.partnerInvalid, "\(file.path): id '\(description.id)' is not the folder name '\(slug)'")
        }
        guard description.regionCode.count == 6, description.regionCode.allSatisfy(\.isASCII),
            description.regionCode.allSatisfy(\.isNumber)
        else {
            throw MappingError(
                MappingError.partnerInvalid, "\(file.path): regionCode '\(description.regionCode)' is not 6 digits")
        }
        guard ["push", "pull"].contains(description.transport.mode) else {
            throw MappingError(
                MappingError.partnerInvalid,
                "\(file.path): transport.mode '\(description.transport.mode)' is not push or pull")
        }
        if description.transport.mode == "pull", description.transport.pull == nil {
            throw MappingError(
                MappingError.partnerInvalid, "\(file.path): pull transport needs transport.pull settings")
        }
        var dialects: [RecordKind: Dialect] = [:]
        for (kindName, path) in description.dialects.sorted(by: { $0.key < $1.key }) {
            guard let kind = RecordKind(rawValue: kindName) else {
                throw MappingError(
                    MappingError.partnerInvalid, "\(file.path): dialects names unknown record kind '\(kindName)'")
            }
            let dialect = try Dialect.load(contentsOf: folder.appendingPathComponent(path))
            guard dialect.kind == kind else {
                throw MappingError(
                    MappingError.dialectInvalid,
                    "\(path) declares kind \(dialect.kind.rawValue), partner.json files it under \(kindName)")
            }
            dialects[kind] = dialect
        }
        return Partner(folder: folder, description: description, dialects: dialects)
    }

    /// A partner folder from a slug (under `partnersRoot`) or a path to a folder.
    public static func locate(_ slugOrDir: String, partnersRoot: URL?) throws -> URL {
        var isDir: ObjCBool = false
        if slugOrDir.contains("/")
            || (FileManager.default.fileExists(atPath: slugOrDir, isDirectory: &isDir) && isDir.boolValue)
        {
            return URL(fileURLWithPath: slugOrDir)
        }
        guard let root = partnersRoot else {
            throw MappingError(MappingError.partnerInvalid, "no Partners/ folder found to look up '\(slugOrDir)'")
        }
        let folder = root.appendingPathComponent(slugOrDir)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("partner.json").path) else {
            throw MappingError(MappingError.partnerInvalid, "no partner '\(slugOrDir)' in \(root.path)")
        }
        return folder
    }

    /// Every partner folder (a directory holding partner.json) under `root`, sorted by slug.
    public static func folders(in root: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().map { root.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("partner.json").path) }
    }
}
