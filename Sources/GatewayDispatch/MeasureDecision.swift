import GatewayCore

/// One measure for one subject, from one rule and one triggering record, with its state on a date and why.
public struct MeasureDecision: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// In force.
        case active
        /// Triggered, but suspended by an active punishment of the same subject (incentives only).
        case suspended
        /// Ended: its period ran out, or the record was retracted.
        case lifted
        /// Triggered by a record dated after the evaluation date.
        case pending
    }

    /// The versions of the data the decision was made with.
    public struct Versions: Codable, Hashable, Sendable {
        public var catalogue: String
        public var rules: String
        public var periods: String
    }

    public var measure: String
    public var measureKind: MeasureCatalogue.Kind
    public var rule: String
    /// The triggering record's id.
    public var record: String
    /// `uscc:…`, `id:hmac-sha256:…`, or `name:…` for a subject that cannot be matched exactly.
    public var subjectKey: String
    public var status: Status
    /// First day in force.
    public var from: CivilDate
    /// First day no longer in force (nil: until retracted).
    public var endsOn: CivilDate?
    /// Why it ended or will end: `expired`, or a retraction reason such as `creditRepair`.
    public var endReason: String?
    /// Active punishment rules that suspend it.
    public var suspendedBy: [String]?
    public var scope: MeasureCatalogue.Scope
    /// A sentence for people: which rule, which record, which period, which versions.
    public var explanation: String
    public var versions: Versions

    /// The identity of a decision across evaluations (for issued / lifted notices).
    public var key: String { "\(rule)|\(measure)|\(record)" }
}

/// A change between two evaluations of a subject: what to notify.
public struct MeasureChange: Codable, Hashable, Sendable {
    public enum Change: String, Codable, Sendable {
        case issued, lifted, suspended, resumed
    }

    public var change: Change
    public var decision: MeasureDecision

    /// The changes from `previous` to `current` (both evaluations of the same subject).
    public static func between(previous: [MeasureDecision], current: [MeasureDecision]) -> [MeasureChange] {
        let before = Dictionary(previous.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [MeasureChange] = []
        for decision in current {
            let was = before[decision.key]?.status
            switch (was, decision.status) {
            case (.active?, .active), (.suspended?, .suspended), (.lifted?, .lifted), (.pending?, .pending): break
            case (.suspended?, .active): changes.append(.init(change: .resumed, decision: decision))
            case (_, .active): changes.append(.init(change: .issued, decision: decision))
            case (.active?, .suspended): changes.append(.init(change: .suspended, decision: decision))
            case (.active?, .lifted), (.suspended?, .lifted): changes.append(.init(change: .lifted, decision: decision))
            default: break
            }
        }
        let now = Set(current.map(\.key))
        for decision in previous where !now.contains(decision.key) && decision.status != .lifted {
            var gone = decision
            gone.status = .lifted
            gone.endReason = "withdrawn"
            changes.append(.init(change: .lifted, decision: gone))
        }
        return changes
    }
}
