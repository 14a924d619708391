import Foundation
import GatewayCore

/// Turns a subject's records into measure decisions: which rules fire, for how long, and whether a punishment
/// suspends an incentive. Pure: the same records and date give the same decisions (the store and the service
/// call it when a record, version or retraction arrives, and daily for periods that end).
public struct RuleEngine: Sendable {
    public let catalogue: MeasureCatalogue
    public let rules: RuleSet
    public let periods: PeriodPolicy
    public let calendar: WorkingDayCalendar

    public init(catalogue: MeasureCatalogue, rules: RuleSet, periods: PeriodPolicy, calendar: WorkingDayCalendar) {
        self.catalogue = catalogue
        self.rules = rules
        self.periods = periods
        self.calendar = calendar
    }

    /// Loads `Contracts/rules/{measures,rules,periods}.json` and `Contracts/calendar/`, and, when `partners` is
    /// given, every city's additions `<partners>/<slug>/rules.json` (folders with a `partner.json`, in slug order).
    public static func load(contracts: URL, partners: URL? = nil) throws -> RuleEngine {
        let dir = contracts.appendingPathComponent("rules")
        let catalogue = try MeasureCatalogue.load(dir.appendingPathComponent("measures.json"))
        var rules = try RuleSet.load(dir.appendingPathComponent("rules.json"), catalogue: catalogue)
        for (slug, file) in try partnerRuleFiles(partners: partners) {
            rules = try rules.adding(partnerRulesAt: file, partner: slug, catalogue: catalogue)
        }
        return RuleEngine(
            catalogue: catalogue, rules: rules,
            periods: try PeriodPolicy.load(dir.appendingPathComponent("periods.json")),
            calendar: try WorkingDayCalendar.load(directory: contracts.appendingPathComponent("calendar")))
    }

    /// The cities' rule additions, `(slug, <partners>/<slug>/rules.json)` in slug order.
    public static func partnerRuleFiles(partners: URL?) throws -> [(slug: String, file: URL)] {
        guard let partners else { return [] }
        let fm = FileManager.default
        return try fm.contentsOfDirectory(atPath: partners.path).sorted().compactMap { slug in
            let folder = partners.appendingPathComponent(slug)
            let file = folder.appendingPathComponent("rules.json")
            guard fm.fileExists(atPath: folder.appendingPathComponent("partner.json").path),
                fm.fileExists(atPath: file.path)
            else { return nil }
            return (slug, file)
        }
    }

    /// The rule tests of the cities' additions, `<partners>/<slug>/rules-tests/*.json`, as `slug/file`.
    public static func partnerRuleTests(partners: URL?) throws -> [(file: String, test: RuleTestCase)] {
        guard let partners else { return [] }
        var out: [(file: String, test: RuleTestCase)] = []
        for slug in try FileManager.default.contentsOfDirectory(atPath: partners.path).sorted() {
            let dir = partners.appendingPathComponent(slug).appendingPathComponent("rules-tests")
            guard FileManager.default.fileExists(atPath: dir.path) else { continue }
            out += try RuleTestCase.loadAll(directory: dir).map { ("\(slug)/\($0.file)", $0.test) }
        }
        return out
    }

    /// What a stored evaluation depends on: the catalogue, rules (with the cities' additions) and periods versions
    /// and a digest of their content, so an edit without a version bump still counts as a change (backfill).
    public var fingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes: [UInt8] = []
        for part in [
            try? encoder.encode(catalogue), try? encoder.encode(rules), try? encoder.encode(periods),
        ] {
            bytes += part.map(Array.init) ?? []
        }
        let digest = Array(SHA256.hash(bytes).prefix(8)).hexString
        return "catalogue \(catalogue.version), rules \(rules.version), periods \(periods.version), \(digest)"
    }

    var versions: MeasureDecision.Versions {
        .init(catalogue: catalogue.version, rules: rules.version, periods: periods.version)
    }

    /// The key that groups records of one subject.
    public static func subjectKey(_ subject: Subject) -> String {
        subject.matchKey ?? "name:" + subject.name + "|" + (subject.identity?.masked ?? "")
    }

    /// The record kinds some rule is triggered by.
    public var triggerKinds: Set<RecordKind> { Set(rules.rules.map(\.trigger.kind)) }

    /// Whether `record` can take part in any decision: some rule is triggered by its kind, applies to its source
    /// partner, and its condition matches (whatever the dates); for a retraction, whether some rule is triggered by
    /// the kind it retracts. `evaluate` draws every decision from such records alone (each record's decisions depend
    /// only on that record and the retractions targeting it), so a new record for which this is false changes no
    /// decision of its subject, and the dispatcher need not evaluate the subject for it.
    public func canDecide(on record: CanonicalRecord) throws -> Bool {
        if case .retraction(let retraction) = record.body { return triggerKinds.contains(retraction.targetKind) }
        var json: [String: Any]?
        for rule in rules.rules where rule.trigger.kind == record.kind {
            if let partner = rule.partner, partner != record.sourcePartner { continue }
            guard let when = rule.trigger.when else { return true }
            let object = try json ?? Self.json(record)
            json = object
            if when.matches(object) { return true }
        }
        return false
    }

    /// Every decision for one subject's records (current versions and retractions, ids assigned) on `asOf`.
    public func evaluate(records: [CanonicalRecord], asOf: CivilDate) throws -> [MeasureDecision] {
        let retractions = records.compactMap { r -> (CanonicalRecord, Retraction)? in
            if case .retraction(let x) = r.body { return (r, x) }
            return nil
        }
        var decisions: [MeasureDecision] = []
        for record in records where record.kind != .retraction {
            let json = try Self.json(record)
            for rule in rules.rules.sorted(by: { $0.priority > $1.priority }) where rule.trigger.kind == record.kind {
                if let when = rule.trigger.when, !when.matches(json) { continue }
                if let partner = rule.partner, partner != record.sourcePartner { continue }
                decisions += try decide(rule: rule, record: record, retractions: retractions, asOf: asOf)
            }
        }
        if rules.punishmentSuspendsIncentives {
            let punishing = Array(Set(decisions.filter { $0.measureKind == .punishment && $0.status == .active }.map(\.rule))).sorted()
            if !punishing.isEmpty {
                for i in decisions.indices where decisions[i].measureKind == .incentive && decisions[i].status == .active {
                    decisions[i].status = .suspended
                    decisions[i].suspendedBy = punishing
                    decisions[i].explanation += "; suspended while punishment rules \(punishing.joined(separator: ", ")) are active"
                }
            }
        }
        return decisions
    }

    private func decide(
        rule: RuleSet.Rule, record: CanonicalRecord, retractions: [(CanonicalRecord, Retraction)], asOf: CivilDate
    ) throws -> [MeasureDecision] {
        let (start, scheduledEnd, periodText, repairableFrom, nonRepairable) = try period(rule: rule, record: record)
        var end = scheduledEnd
        var endReason: String? = scheduledEnd == nil ? nil : "expired"
        var notes: [String] = []
        for (r, retraction) in retractions where Self.targets(retraction, by: r, record: record) {
            if retraction.reason == "creditRepair" {
                if let rule = nonRepairable {
                    notes.append("credit repair of \(retraction.effectiveDate) not effective: \(rule.title)")
                    continue
                }
                if let minimum = repairableFrom, retraction.effectiveDate < minimum {
                    notes.append(
                        "credit repair of \(retraction.effectiveDate) not effective: the minimum publicity period runs until \(minimum)")
                    continue
                }
            }
            if end == nil || retraction.effectiveDate < end! {
                end = max(retraction.effectiveDate, start)
                endReason = retraction.reason
            }
        }
        let status: MeasureDecision.Status
        if asOf < start {
            status = .pending
        } else if let end, asOf >= end {
            status = .lifted
        } else {
            status = .active
        }
        let subjectKey = Self.subjectKey(record.subject)
        var out: [MeasureDecision] = []
        for code in rule.measures {
            guard let measure = catalogue.measure(code) else { continue }
            if let applies = measure.appliesTo, !applies.contains(record.subject.category) { continue }
            var text =
                "rule \(rule.id) (\(rule.title)) on \(record.kind.rawValue) \(record.id ?? "-") "
                + "[\(record.naturalNumber)] from \(record.sourcePartner): in force from \(start) "
                + (end.map { "until the day before \($0)" } ?? "until retracted") + " (\(periodText))"
            if let endReason, let end, asOf >= end { text += "; ended \(end): \(endReason)" }
            if !notes.isEmpty { text += "; " + notes.joined(separator: "; ") }
            text += "; catalogue \(catalogue.version), rules \(rules.version), periods \(periods.version)"
            out.append(
                MeasureDecision(
                    measure: code, measureKind: measure.kind, rule: rule.id, record: record.id ?? "-",
                    subjectKey: subjectKey, status: status, from: start, endsOn: end,
                    endReason: end == nil ? nil : endReason, suspendedBy: nil,
                    scope: Self.scope(of: rule, measure: measure),
                    explanation: text, versions: versions))
        }
        return out
    }

    /// Where a decision applies: the rule's scope within the measure's (a city's addition: that city).
    static func scope(of rule: RuleSet.Rule, measure: MeasureCatalogue.Measure) -> MeasureCatalogue.Scope {
        switch rule.scope {
        case nil, .all?: return measure.scope
        case .partners(let wanted)?: return .partners(wanted.filter { measure.scope.includes($0) })
        }
    }

    /// Start, scheduled first day out of force, a description, the first day credit repair can take effect, and
    /// the non-repairable rule when one applies.
    private func period(rule: RuleSet.Rule, record: CanonicalRecord) throws
        -> (CivilDate, CivilDate?, String, CivilDate?, PeriodPolicy.NonRepairable?)
    {
        let start: CivilDate
        var validity: DateLimit?
        switch record.body {
        case .license(let l): start = l.decisionDate; validity = l.validUntil
        case .penalty(let p): start = p.decisionDate; validity = p.validUntil
        case .dishonestDebtor(let d): start = d.publishedDate; validity = nil
        case .listEntry(let e): start = e.listedDate; validity = e.validUntil
        case .retraction(let r): start = r.effectiveDate; validity = nil
        }
        func afterValidity(_ limit: DateLimit?) -> CivilDate? { limit?.date.map { $0.adding(days: 1) } }
        switch rule.period.basis {
        case .recordValidity:
            return (start, afterValidity(validity), "record validity \(validity?.description ?? "open")", nil, nil)
        case .untilRetracted:
            return (start, nil, "until retracted", nil, nil)
        case .fixed:
            let length = rule.period.length ?? Duration(value: 0, unit: .days)
            return (start, try length.after(start, calendar: calendar), "fixed \(length)", nil, nil)
        case .debtorListing:
            guard case .dishonestDebtor(let d) = record.body else { return (start, nil, "until retracted", nil, nil) }
            var longest: CivilDate? = start
            for situation in d.situations {
                guard let entry = periods.debtorListing.situations[situation] else { continue }
                guard let length = entry else {
                    longest = nil  // situation 1: until performance
                    break
                }
                let end = try length.after(start, calendar: calendar)
                if let current = longest, end > current { longest = end }
            }
            if longest == start { longest = nil }
            return (start, longest, "\(periods.debtorListing.title), situations \(d.situations.joined(separator: ","))", nil, nil)
        case .publicity:
            guard case .penalty(let p) = record.body, let regime = periods.regime(on: p.decisionDate) else {
                return (start, afterValidity(validity), "no publicity regime for this date: record validity", nil, nil)
            }
            let tierName = p.severity.flatMap { regime.tiers[$0] == nil ? nil : $0 } ?? regime.defaultTier
            let tier = regime.tiers[tierName] ?? regime.tiers[regime.defaultTier]!
            let maxEnd = try tier.max.after(p.decisionDate, calendar: calendar)
            let minEnd = try tier.min.after(p.decisionDate, calendar: calendar)
            return (
                start, maxEnd, "publicity, \(regime.title) tier \(tierName): minimum \(tier.min), maximum \(tier.max)",
                minEnd, periods.isNonRepairable(p)
            )
        }
    }

    /// Whether `retraction` (in record `r`) withdraws `record`: same source partner, kind, subject and number.
    static func targets(_ retraction: Retraction, by r: CanonicalRecord, record: CanonicalRecord) -> Bool {
        guard r.sourcePartner == record.sourcePartner, retraction.targetKind == record.kind else { return false }
        if let id = retraction.targetRecordId { return id == record.id }
        guard subjectKey(r.subject) == subjectKey(record.subject) else { return false }
        let wanted = TextNormalization.trim(TextNormalization.halfWidth(retraction.targetNumber))
        var numbers = [record.naturalNumber]
        if case .listEntry(let e) = record.body { numbers += [e.documentNumber, e.listName].compactMap { $0 } }
        return numbers.map { TextNormalization.trim(TextNormalization.halfWidth($0)) }.contains(wanted)
    }

    static func json(_ record: CanonicalRecord) throws -> [String: Any] {
        // The canonical writer's bytes are JSONEncoder's (`CanonicalJSONWriterTests`), made without Foundation's
        // encoder: a few µs a record instead of tens.
        var writer = CanonicalJSONWriter()
        writer.writeRecord(record)
        let data = Data(writer.bytes)
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
