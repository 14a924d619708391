import Foundation
import GatewayCore

/// The joint reward / punishment rules, `Contracts/rules/rules.json` (plus optional per-city additions).
public struct RuleSet: Codable, Sendable {
    /// How long a rule's measures last once triggered.
    public enum PeriodBasis: String, Codable, Sendable {
        /// The record's own validity (licence/penalty `validUntil`, list entry `validUntil`, else until retracted).
        case recordValidity
        /// The penalty's publicity period under the regime in force on its decision date (periods.json).
        case publicity
        /// The SPC listing period by situation (periods.json `debtorListing`).
        case debtorListing
        /// A fixed length from the record's date (`length`).
        case fixed
        /// Until a retraction.
        case untilRetracted
    }

    public struct Period: Codable, Hashable, Sendable {
        public var basis: PeriodBasis
        public var length: Duration?
    }

    public struct Trigger: Codable, Hashable, Sendable {
        public var kind: RecordKind
        public var when: Predicate?
    }

    public struct Rule: Codable, Hashable, Sendable {
        public var id: String
        public var title: String
        public var titleEn: String
        public var kind: MeasureCatalogue.Kind
        public var priority: Int
        public var trigger: Trigger
        public var measures: [String]
        public var period: Period
        /// The partner whose addition this rule is (nil: the shared rules).
        public var partner: String?
    }

    public var ruleset: String
    public var version: String
    /// An active punishment of a subject suspends that subject's incentives.
    public var punishmentSuspendsIncentives: Bool
    public var rules: [Rule]

    /// Loads the rules and checks them against the catalogue: every measure exists and matches the rule's kind.
    public static func load(_ url: URL, catalogue: MeasureCatalogue) throws -> RuleSet {
        let set: RuleSet
        do {
            set = try JSONDecoder().decode(RuleSet.self, from: Data(contentsOf: url))
        } catch {
            throw DispatchError(DispatchError.rulesInvalid, "\(url.path): \(error)")
        }
        try set.check(against: catalogue, file: url.path)
        return set
    }

    func check(against catalogue: MeasureCatalogue, file: String) throws {
        var ids = Set<String>()
        for rule in rules {
            guard ids.insert(rule.id).inserted else {
                throw DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id) is listed twice")
            }
            guard !rule.measures.isEmpty else {
                throw DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id) imposes no measure")
            }
            for code in rule.measures {
                guard let measure = catalogue.measure(code) else {
                    throw DispatchError(
                        DispatchError.rulesInvalid, "\(file): rule \(rule.id) names measure \(code), not in the catalogue")
                }
                guard measure.kind == rule.kind else {
                    throw DispatchError(
                        DispatchError.rulesInvalid,
                        "\(file): rule \(rule.id) is a \(rule.kind.rawValue) rule but measure \(code) is a \(measure.kind.rawValue)")
                }
            }
            if rule.period.basis == .fixed && rule.period.length == nil {
                throw DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id) has a fixed period without length")
            }
            if rule.period.basis == .publicity && rule.trigger.kind != .penalty {
                throw DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id): publicity periods are for penalties")
            }
            if rule.period.basis == .debtorListing && rule.trigger.kind != .dishonestDebtor {
                throw DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id): debtorListing is for debtors")
            }
        }
    }

    /// This set with a partner's additional rules (`Partners/<slug>/rules.json`), ids prefixed by the partner.
    public func adding(partnerRules: RuleSet, partner: String, catalogue: MeasureCatalogue) throws -> RuleSet {
        var merged = self
        merged.rules += partnerRules.rules.map { rule in
            var r = rule
            r.id = "\(partner).\(rule.id)"
            r.partner = partner
            return r
        }
        merged.version = "\(version)+\(partner)@\(partnerRules.version)"
        try merged.check(against: catalogue, file: "rules of \(partner)")
        return merged
    }
}

/// A length of time: days, working days (official calendar), months or years.
public struct Duration: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Codable, Sendable {
        case days, workingDays, months, years
    }

    public var value: Int
    public var unit: Unit

    public init(value: Int, unit: Unit) {
        self.value = value
        self.unit = unit
    }

    /// The date `value` units after `date`; working days need the calendar (and fail outside its years).
    public func after(_ date: CivilDate, calendar: WorkingDayCalendar) throws -> CivilDate {
        switch unit {
        case .days: return date.adding(days: value)
        case .workingDays: return try calendar.addingWorkdays(value, to: date)
        case .months: return date.adding(months: value)
        case .years: return date.adding(years: value)
        }
    }

    public var description: String { "\(value) \(unit.rawValue)" }
}
