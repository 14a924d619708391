import GatewayCore

/// The trust-travel (信游长三角) eligibility answer for scenic spots and hotels: yes or no and the benefits that
/// apply where — never records, names or reasons.
public struct TrustTravelAnswer: Codable, Hashable, Sendable {
    public struct Benefit: Codable, Hashable, Sendable {
        public var code: String
        public var title: String
        public var titleEn: String
        /// Partner slugs where it applies, or ["all"].
        public var partners: [String]
    }

    public var eligible: Bool
    public var benefits: [Benefit]
    /// Set when the subject cannot be identified exactly (invalid or masked number): then the answer is never a
    /// confident yes.
    public var note: String?
}

/// Turns a lookup subject into its match key and the subject's decisions into an answer.
public enum TrustTravel {
    /// The measure-code prefix of trust-travel benefits in the catalogue.
    public static let measurePrefix = "g60.travel."

    /// The match keys for a lookup: a USCC → `uscc:…`; a resident identity number → `id:<keyed hash>` (the clear
    /// number is hashed here and goes no further). An 18-character input can be valid as both (about one identity
    /// number in 31 also passes the USCC check), so every valid reading is returned and the caller looks up each.
    /// Empty with a reason when the input identifies nobody exactly.
    public static func subjectKeys(for input: String, checker: IdentifierChecker, keyring: SubjectKeyring)
        -> (keys: [String], reason: String?)
    {
        var keys: [String] = []
        let ric = checker.check(input, as: .ric)
        if ric.isValid { keys.append("id:" + keyring.hash(documentType: "residentIdCard", number: ric.normalized)) }
        let uscc = checker.check(input, as: .uscc)
        if uscc.isValid { keys.append("uscc:" + uscc.normalized) }
        if !keys.isEmpty { return (keys, nil) }
        return ([], ResidentID.isMasked(input) ? "subject.masked" : "subject.invalid")
    }

    /// The answer from a subject's current decisions: eligible when at least one trust-travel measure is active
    /// (suspended ones, by an active punishment, do not count).
    public static func answer(decisions: [MeasureDecision], catalogue: MeasureCatalogue) -> TrustTravelAnswer {
        var seen = Set<String>()
        var benefits: [TrustTravelAnswer.Benefit] = []
        for d in decisions where d.status == .active && d.measure.hasPrefix(measurePrefix) && seen.insert(d.measure).inserted {
            guard let m = catalogue.measure(d.measure) else { continue }
            let partners: [String]
            switch m.scope {
            case .all: partners = ["all"]
            case .partners(let p): partners = p
            }
            benefits.append(.init(code: m.code, title: m.title, titleEn: m.titleEn, partners: partners))
        }
        return TrustTravelAnswer(eligible: !benefits.isEmpty, benefits: benefits.sorted { $0.code < $1.code }, note: nil)
    }
}
