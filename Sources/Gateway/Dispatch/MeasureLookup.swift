import Foundation
import GatewayCore
import GatewayDispatch
import GatewayHTTP
import GatewayStore
import Synchronization

/// Reads the dispatcher's stored decisions: the trust-travel eligibility answer (scenic spots, hotels) and a
/// subject's measures with explanations (partners, operators). Used by the HTTP routes and the CLI.
///
/// Privacy: a clear identity number given as the subject is checked and hashed here with the node's keyring and
/// goes no further — never stored, logged or echoed. A masked or invalid number gets an error, never an answer.
public struct MeasureLookup: Sendable {
    public let store: SQLiteStore
    public let catalogue: MeasureCatalogue
    let checker: IdentifierChecker
    let keyring: SubjectKeyring
    let today: @Sendable () -> CivilDate
    /// The lookup's own read connections (the hot path).
    public let reader: MeasureLookupReader
    /// The byte-level reading of identity numbers with OpenSSL's HMAC (nil: OpenSSL refused; the general path).
    let fastKeys: LookupSubjectKeys?
    let dayText = DayText()

    public init(
        store: SQLiteStore, catalogue: MeasureCatalogue, checker: IdentifierChecker, keyring: SubjectKeyring,
        cacheMegabytes: Int = 256, today: @escaping @Sendable () -> CivilDate = { CivilDate.today() }
    ) {
        self.store = store
        self.catalogue = catalogue
        self.checker = checker
        self.keyring = keyring
        self.today = today
        self.reader = MeasureLookupReader(path: store.path, cacheMegabytes: cacheMegabytes)
        self.fastKeys = try? LookupSubjectKeys(checker: checker, keyring: keyring)
    }

    /// Error codes (GatewayError) of a subject that identifies nobody exactly.
    public static let subjectMasked = "subject.masked"
    public static let subjectInvalid = "subject.invalid"

    /// The match keys of a subject: `uscc:…`, `id:…` and `name:…` keys as given; a USCC or a resident identity
    /// number checked (and hashed); anything else throws `subject.masked` / `subject.invalid`.
    public func subjectKeys(_ subject: String) throws -> [String] {
        let text = subject.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("uscc:") || text.hasPrefix("id:") || text.hasPrefix("name:") { return [text] }
        let (keys, reason) = TrustTravel.subjectKeys(for: text, checker: checker, keyring: keyring)
        guard keys.isEmpty else { return keys }
        if reason == Self.subjectMasked {
            throw GatewayError(
                Self.subjectMasked, "the subject is a masked identity number: it identifies nobody exactly")
        }
        throw GatewayError(
            Self.subjectInvalid, "the subject is neither a valid resident identity number nor a valid USCC")
    }

    /// The stored decisions of the subject's keys as they stand today: a decision whose period has ended since the
    /// last sweep reads as lifted (never a stale yes).
    public func decisions(keys: [String]) throws -> [MeasureDecision] {
        let date = today()
        var out: [MeasureDecision] = []
        for key in keys {
            for row in try store.measureDecisions(subjectKey: key) {
                var d: MeasureDecision
                do {
                    d = try JSONDecoder().decode(MeasureDecision.self, from: Data(row.content.utf8))
                } catch {
                    throw GatewayError(
                        GatewayError.storeUnavailable, "stored decision \(row.key) cannot be decoded: \(error)")
                }
                if d.status == .active || d.status == .suspended, let end = d.endsOn, end <= date {
                    d.status = .lifted
                }
                out.append(d)
            }
        }
        return out
    }

    /// The trust-travel answer for a subject: only yes/no and the benefits with where they apply.
    public func eligibility(subject: String) throws -> TrustTravelAnswer {
        try eligibility(codes: benefitCodes(subject: subject))
    }

    /// The codes of the trust-travel benefits in force for a subject today: active (not suspended by a
    /// punishment) and not past their end. Reads one small row of the lookup's table (`measure_lookup`) per
    /// reading of the subject, never the decisions' JSON.
    public func benefitCodes(subject: String) throws -> [String] {
        let date = dayText.text(today())
        let keys = try fastKeys?.keys(subject) ?? subjectKeys(subject)
        // Each reading of the subject separately: one subject's punishment suspends only its own incentives.
        if keys.count == 1 {
            // Distinct and in code order already (the lookup table's).
            return try reader.activeMeasureCodes(subjectKey: keys[0], measurePrefix: TrustTravel.measurePrefix, today: date)
        }
        var codes = Set<String>()
        for key in keys {
            codes.formUnion(
                try reader.activeMeasureCodes(subjectKey: key, measurePrefix: TrustTravel.measurePrefix, today: date))
        }
        return codes.sorted()
    }

    /// The answer for a set of benefit codes (from the catalogue: titles and where they apply).
    public func eligibility(codes: [String]) throws -> TrustTravelAnswer {
        var answer = TrustTravel.answer(decisions: [], catalogue: catalogue)
        answer.benefits = try codes.compactMap { code in
            guard let m = catalogue.measure(code) else { return nil }
            let partners: [String]
            switch m.scope {
            case .all: partners = ["all"]
            case .partners(let p): partners = p
            }
            // (Benefit has no public initialiser: built from its JSON form.)
            let json: [String: Any] = ["code": m.code, "title": m.title, "titleEn": m.titleEn, "partners": partners]
            return try JSONDecoder().decode(
                TrustTravelAnswer.Benefit.self, from: try JSONSerialization.data(withJSONObject: json))
        }
        answer.eligible = !answer.benefits.isEmpty
        return answer
    }

    // MARK: - HTTP

    /// Adds `GET /v1/trust-travel/eligibility?subject=…` (lookup scope) and `GET /v1/subjects/:key/measures`
    /// (read-records scope); `require` throws the 401/403 problem when the caller lacks the scope.
    public func register(
        on router: inout HTTPRouter,
        require: @escaping @Sendable (Configuration.Client.Scope, RequestContext) throws -> Void
    ) {
        let lookup = self
        let answers = AnswerCache()
        router.get("/v1/trust-travel/eligibility", blocking: false) { request, context in
            try require(.lookup, context)
            guard let subject = request.head.queryValue("subject"), !subject.isEmpty else {
                throw HTTPProblem(
                    status: 400, code: "request.subjectRequired",
                    detail: "name the subject with ?subject= (an identity number or a USCC)")
            }
            let codes = try Self.problems { try lookup.benefitCodes(subject: subject) }
            return try answers.response(codes) { try lookup.eligibility(codes: codes) }
        }
        router.get("/v1/subjects/:key/measures", blocking: true) { _, context in
            try require(.readRecords, context)
            let keys = try Self.problems { try lookup.subjectKeys(context.parameters["key"] ?? "") }
            let decisions = try lookup.decisions(keys: keys)
            struct Body: Encodable {
                var subjectKeys: [String]
                var decisions: [MeasureDecision]
            }
            var response = HTTPResponse.json(
                Array(try MeasureDispatcher.encoder.encode(Body(subjectKeys: keys, decisions: decisions))))
            response.headers.set("Cache-Control", "no-store")
            return response
        }
    }

    /// Maps a subject error to its problem: masked → 422, invalid → 400 (the detail never repeats the subject).
    static func problems<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as GatewayError where error.code == subjectMasked {
            throw HTTPProblem(status: 422, code: subjectMasked, detail: error.message)
        } catch let error as GatewayError where error.code == subjectInvalid {
            throw HTTPProblem(status: 400, code: subjectInvalid, detail: error.message)
        }
    }
}

/// Eligibility responses by benefit set: there are few distinct sets, so each answer is encoded (with its
/// headers) once.
final class AnswerCache: Sendable {
    private let cache = Mutex<[[String]: HTTPResponse]>([:])

    func response(_ codes: [String], _ make: () throws -> TrustTravelAnswer) throws -> HTTPResponse {
        if let hit = cache.withLock({ $0[codes] }) { return hit }
        var response = HTTPResponse.json(Array(try MeasureDispatcher.encoder.encode(try make())))
        response.headers.set("Cache-Control", "no-store")
        cache.withLock { if $0.count < 1024 { $0[codes] = response } }
        return response
    }
}

/// Today's date as ISO text, formatted once a day rather than per lookup.
final class DayText: Sendable {
    private let last = Mutex<(day: CivilDate, text: String)?>(nil)

    func text(_ day: CivilDate) -> String {
        if let hit = last.withLock({ $0 }), hit.day == day { return hit.text }
        let text = day.description
        last.withLock { $0 = (day, text) }
        return text
    }
}
