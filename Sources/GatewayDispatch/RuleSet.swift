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
        /// Where the rule's measures apply (and whose nodes are notified), within each measure's catalogue scope.
        /// nil: the measure's catalogue scope for shared rules; the partner's own city for a partner's addition.
        public var scope: MeasureCatalogue.Scope?
    }

    public var ruleset: String
    public var version: String
    /// An active punishment of a subject suspends that subject's incentives.
    public var punishmentSuspendsIncentives: Bool
    public var rules: [Rule]

    /// Loads the rules and checks them against the catalogue: every measure exists and matches the rule's kind.
    public static func load(_ url: URL, catalogue: MeasureCatalogue) throws -> RuleSet {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DispatchError(DispatchError.rulesInvalid, "\(url.path): cannot be read: \(error.localizedDescription)")
        }
        let set: RuleSet
        do {
            set = try JSONDecoder().decode(RuleSet.self, from: data)
        } catch {
            throw DispatchError(DispatchError.rulesInvalid, "\(url.path): \(describe(error, in: data))")
        }
        try set.check(against: catalogue, file: url.path)
        return set
    }

    /// A city's additions (`Partners/<slug>/rules.json`): `ruleset`, `version`, optional `partner` (must be the
    /// folder's slug) and `rules` of the shared form; each rule may narrow its `scope` to some partners.
    struct PartnerFile: Codable {
        var ruleset: String
        var version: String
        var partner: String?
        var rules: [Rule]
    }

    /// Loads a city's additions and merges them into this set (see `adding`), with errors that name the file, the
    /// rule and the field.
    public func adding(partnerRulesAt url: URL, partner: String, catalogue: MeasureCatalogue) throws -> RuleSet {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DispatchError(DispatchError.rulesInvalid, "\(url.path): cannot be read: \(error.localizedDescription)")
        }
        let file: PartnerFile
        do {
            file = try JSONDecoder().decode(PartnerFile.self, from: data)
        } catch {
            throw DispatchError(DispatchError.rulesInvalid, "\(url.path): \(Self.describe(error, in: data))")
        }
        if let named = file.partner, named != partner {
            throw DispatchError(
                DispatchError.rulesInvalid, "\(url.path): field partner is \(named) but the file is in \(partner)'s folder")
        }
        for rule in file.rules where rule.partner != nil && rule.partner != partner {
            throw DispatchError(
                DispatchError.rulesInvalid,
                "\(url.path): rule \(rule.id), field partner: \(rule.partner ?? "") is not \(partner)")
        }
        let additions = RuleSet(
            ruleset: file.ruleset, version: file.version, punishmentSuspendsIncentives: punishmentSuspendsIncentives,
            rules: file.rules)
        return try adding(partnerRules: additions, partner: partner, catalogue: catalogue, file: url.path)
    }

    /// A decoding error as "rule <id> (rules[i]), field <path>: what is wrong".
    static func describe(_ error: Error, in data: Data) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let path: [CodingKey]
        let what: String
        switch error {
        case .keyNotFound(let key, let context):
            path = context.codingPath + [key]
            what = "missing"
        case .typeMismatch(let type, let context):
            path = context.codingPath
            what = "expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            path = context.codingPath
            what = "expected \(type), found null"
        case .dataCorrupted(let context):
            path = context.codingPath
            what = context.debugDescription
        @unknown default:
            return "\(error)"
        }
        guard !path.isEmpty else { return "not a rule set: \(what)" }
        let field = path.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().drop { $0 == "." }
        // Name the rule by its id when the path is inside one.
        if path.count >= 2, path[0].stringValue == "rules", let index = path[1].intValue {
            let rest = path.dropFirst(2).map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
                .drop { $0 == "." }
            let rules = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let id = ((rules?["rules"] as? [Any])?[safe: index] as? [String: Any])?["id"] as? String
            return "rule \(id ?? "#\(index + 1)") (rules[\(index)]), field \(rest.isEmpty ? "(the rule)" : String(rest)): \(what)"
        }
        return "field \(field): \(what)"
    }

    func check(against catalogue: MeasureCatalogue, file: String) throws {
        var ids = Set<String>()
        func fail(_ rule: Rule, _ field: String, _ why: String) -> DispatchError {
            DispatchError(DispatchError.rulesInvalid, "\(file): rule \(rule.id), field \(field): \(why)")
        }
        for rule in rules {
            guard ids.insert(rule.id).inserted else {
                throw fail(rule, "id", "listed twice")
            }
            guard !rule.measures.isEmpty else {
                throw fail(rule, "measures", "imposes no measure")
            }
            for code in rule.measures {
                guard let measure = catalogue.measure(code) else {
                    throw fail(rule, "measures", "names measure \(code), not in the catalogue")
                }
                guard measure.kind == rule.kind else {
                    throw fail(
                        rule, "measures",
                        "a \(rule.kind.rawValue) rule but measure \(code) is a \(measure.kind.rawValue)")
                }
                if case .partners(let wanted) = rule.scope {
                    guard !wanted.isEmpty else { throw fail(rule, "scope", "an empty list of partners") }
                    for partner in wanted where !measure.scope.includes(partner) {
                        throw fail(rule, "scope", "\(partner) is outside measure \(code)'s catalogue scope")
                    }
                } else if rule.scope == .all, rule.partner != nil, measure.scope != .all {
                    throw fail(rule, "scope", "\"all\" but measure \(code) applies only in some cities")
                }
            }
            if rule.period.basis == .fixed && rule.period.length == nil {
                throw fail(rule, "period.length", "a fixed period needs a length")
            }
            if let length = rule.period.length, length.value < 0 {
                throw fail(rule, "period.length", "negative length \(length)")
            }
            if rule.period.basis == .publicity && rule.trigger.kind != .penalty {
                throw fail(rule, "period.basis", "publicity periods are for penalties")
            }
            if rule.period.basis == .debtorListing && rule.trigger.kind != .dishonestDebtor {
                throw fail(rule, "period.basis", "debtorListing is for debtors")
            }
        }
    }

    /// This set with a partner's additional rules (`Partners/<slug>/rules.json`), ids prefixed by the partner,
    /// scoped to that partner unless a rule names its scope; the version names the partner's (`2026.11.1+jiaxing@…`).
    public func adding(
        partnerRules: RuleSet, partner: String, catalogue: MeasureCatalogue, file: String? = nil
    ) throws -> RuleSet {
        let additions = partnerRules.rules.map { rule in
            var r = rule
            r.partner = partner
            if r.scope == nil { r.scope = .partners([partner]) }
            return r
        }
        // The additions alone first, so errors name the partner's file and its rule ids as written there.
        try RuleSet(
            ruleset: partnerRules.ruleset, version: partnerRules.version,
            punishmentSuspendsIncentives: punishmentSuspendsIncentives, rules: additions
        ).check(against: catalogue, file: file ?? "rules of \(partner)")
        var merged = self
        merged.rules += additions.map { rule in
            var r = rule
            r.id = "\(partner).\(rule.id)"
            return r
        }
        merged.version = "\(version)+\(partner)@\(partnerRules.version)"
        try merged.check(against: catalogue, file: file ?? "rules of \(partner)")
        return merged
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
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
