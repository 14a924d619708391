import Foundation
import GatewayCore

/// Publicity and listing periods as data (`Contracts/rules/periods.json`), keyed by regulation and effective date
/// (DOMAIN.md §3): the regime in force on a decision's date decides its minimum (repair possible after) and
/// maximum (publicity ends by itself) by severity tier.
public struct PeriodPolicy: Codable, Sendable {
    public struct Tier: Codable, Hashable, Sendable {
        public var min: Duration
        public var max: Duration
    }

    public struct Regime: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
        public var effectiveFrom: CivilDate
        public var defaultTier: String
        public var tiers: [String: Tier]
    }

    public struct NonRepairable: Codable, Hashable, Sendable {
        public var title: String
        public var categories: [String]
        public var keyAreas: [String]
    }

    public struct DebtorListing: Codable, Hashable, Sendable {
        public var title: String
        /// Situation code → listing length; null = until performance (retraction).
        public var situations: [String: Duration?]
    }

    public var version: String
    public var publicity: [Regime]
    public var nonRepairable: [NonRepairable]
    public var debtorListing: DebtorListing

    public static func load(_ url: URL) throws -> PeriodPolicy {
        let policy: PeriodPolicy
        do {
            policy = try JSONDecoder().decode(PeriodPolicy.self, from: Data(contentsOf: url))
        } catch {
            throw DispatchError(DispatchError.periodsInvalid, "\(url.path): \(error)")
        }
        for regime in policy.publicity where regime.tiers[regime.defaultTier] == nil {
            throw DispatchError(
                DispatchError.periodsInvalid, "\(url.path): regime \(regime.id) has no default tier \(regime.defaultTier)")
        }
        return policy
    }

    /// The regime in force on `date`: the latest whose effective date is not after it.
    public func regime(on date: CivilDate) -> Regime? {
        publicity.filter { $0.effectiveFrom <= date }.max { $0.effectiveFrom < $1.effectiveFrom }
    }

    /// Whether credit repair is excluded for this penalty (527号: suspension/revocation in key areas).
    public func isNonRepairable(_ penalty: PenaltyDecision) -> NonRepairable? {
        nonRepairable.first { rule in
            penalty.categories.contains { rule.categories.contains($0) }
                && penalty.keyArea.map { rule.keyAreas.contains($0) } == true
        }
    }
}
