import Foundation
import GatewayCore

/// The catalogue of joint reward and punishment measures, `Contracts/rules/measures.json`.
///
/// Codes are gateway-internal (`g60.spc.flights`): no official numeric catalogue exists (DOMAIN.md §4), so none is
/// invented. Each measure names its legal basis, the departments that implement it and where it applies.
public struct MeasureCatalogue: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case punishment
        case incentive
    }

    public struct LegalBasis: Codable, Hashable, Sendable {
        public var document: String
        public var number: String
        public var article: String?
    }

    /// Where a measure applies: all nine cities, or a list of partner slugs.
    public enum Scope: Hashable, Sendable, Codable {
        case all
        case partners([String])

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let text = try? c.decode(String.self) {
                guard text == "all" else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "scope is \"all\" or a list of partners")
                }
                self = .all
            } else {
                self = .partners(try c.decode([String].self))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .all: try c.encode("all")
            case .partners(let p): try c.encode(p)
            }
        }

        public func includes(_ partner: String) -> Bool {
            switch self {
            case .all: return true
            case .partners(let p): return p.contains(partner)
            }
        }
    }

    public struct Measure: Codable, Hashable, Sendable {
        public var code: String
        public var title: String
        public var titleEn: String
        public var kind: Kind
        public var legalBasis: [LegalBasis]
        public var departments: [String]
        public var scope: Scope
        /// Subject categories the measure applies to (nil: all).
        public var appliesTo: [String]?
        public var note: String?
    }

    public var catalogue: String
    public var version: String
    public var measures: [Measure]

    public func measure(_ code: String) -> Measure? { measures.first { $0.code == code } }

    /// Whether `code` is a non-empty run of ASCII letters, digits, `.`, `_` and `-`.
    public static func isValidCode(_ code: String) -> Bool {
        !code.isEmpty
            && code.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E
                    || c == 0x5F || c == 0x2D
            }
    }

    public static func load(_ url: URL) throws -> MeasureCatalogue {
        let catalogue: MeasureCatalogue
        do {
            catalogue = try JSONDecoder().decode(MeasureCatalogue.self, from: Data(contentsOf: url))
        } catch {
            throw DispatchError(DispatchError.catalogueInvalid, "\(url.path): \(error)")
        }
        var seen = Set<String>()
        for m in catalogue.measures {
            // Codes travel in notices and the lookup's table (one `code TAB day` line each): letters, digits, `.`,
            // `_` and `-` only.
            guard Self.isValidCode(m.code) else {
                throw DispatchError(
                    DispatchError.catalogueInvalid,
                    "\(url.path): measure code \(m.code.debugDescription) must be letters, digits, '.', '_' or '-'")
            }
            guard seen.insert(m.code).inserted else {
                throw DispatchError(DispatchError.catalogueInvalid, "\(url.path): measure \(m.code) is listed twice")
            }
            guard !m.legalBasis.isEmpty else {
                throw DispatchError(DispatchError.catalogueInvalid, "\(url.path): measure \(m.code) has no legal basis")
            }
        }
        return catalogue
    }
}
