/// One canonical record: what every partner dialect is mapped to and what the gateway stores and fans out.
///
/// JSON form (one object per line in JSON Lines; schemas in `Contracts/records/<kind>.schema.json`):
/// `{"schema":"g60.record/v1","kind":"penalty","id":"rec_…","sourcePartner":"jiaxing","subject":{…},"penalty":{…}}`
/// — the body sits under the key named by `kind`.
public struct CanonicalRecord: Hashable, Sendable {
    /// The schema identifier written in every record.
    public static let schemaName = "g60.record/v1"

    /// The kind-specific part of a record.
    public enum Body: Hashable, Sendable {
        case license(LicenseDecision)
        case penalty(PenaltyDecision)
        case dishonestDebtor(DishonestDebtorListing)
        case listEntry(ListEntry)
        case retraction(Retraction)

        public var kind: RecordKind {
            switch self {
            case .license: return .license
            case .penalty: return .penalty
            case .dishonestDebtor: return .dishonestDebtor
            case .listEntry: return .listEntry
            case .retraction: return .retraction
            }
        }
    }

    /// Deterministic id from the natural key (see `RecordID`); nil until computed.
    public var id: String?
    /// The partner (folder slug in `Partners/`) whose platform published the record.
    public var sourcePartner: String
    public var subject: Subject
    public var body: Body

    public var kind: RecordKind { body.kind }

    public init(id: String? = nil, sourcePartner: String, subject: Subject, body: Body) {
        self.id = id
        self.sourcePartner = sourcePartner
        self.subject = subject
        self.body = body
    }

    /// The number that, with partner, kind and subject, identifies the record (DOMAIN.md: decision number for
    /// licences and penalties, case number for debtors, list name and document for list entries).
    public var naturalNumber: String {
        switch body {
        case .license(let l): return l.decisionNumber
        case .penalty(let p): return p.decisionNumber
        case .dishonestDebtor(let d): return d.caseNumber
        case .listEntry(let e): return e.listName + "|" + (e.documentNumber ?? e.listedDate.description)
        case .retraction(let r):
            return r.targetKind.rawValue + "|" + r.targetNumber + "|" + r.reason + "|" + r.effectiveDate.description
        }
    }

    /// Hashes the clear identity numbers under `keyring` (so `subject.matchKey` and the id can be computed).
    public mutating func seal(with keyring: SubjectKeyring) {
        subject.identity?.seal(with: keyring)
        subject.legalRepresentativeIdentity?.seal(with: keyring)
    }

    /// Seals identities and sets `id` from the natural key.
    public mutating func assignID(keyring: SubjectKeyring) {
        seal(with: keyring)
        id = RecordID.make(for: self)
    }
}

extension CanonicalRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case schema, kind, id, sourcePartner, subject
        case license, penalty, dishonestDebtor, listEntry, retraction
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let schema = try c.decodeIfPresent(String.self, forKey: .schema), schema != CanonicalRecord.schemaName {
            throw DecodingError.dataCorruptedError(
                forKey: .schema, in: c, debugDescription: "schema '\(schema)' is not \(CanonicalRecord.schemaName)")
        }
        let kind = try c.decode(RecordKind.self, forKey: .kind)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        sourcePartner = try c.decode(String.self, forKey: .sourcePartner)
        subject = try c.decode(Subject.self, forKey: .subject)
        switch kind {
        case .license: body = .license(try c.decode(LicenseDecision.self, forKey: .license))
        case .penalty: body = .penalty(try c.decode(PenaltyDecision.self, forKey: .penalty))
        case .dishonestDebtor: body = .dishonestDebtor(try c.decode(DishonestDebtorListing.self, forKey: .dishonestDebtor))
        case .listEntry: body = .listEntry(try c.decode(ListEntry.self, forKey: .listEntry))
        case .retraction: body = .retraction(try c.decode(Retraction.self, forKey: .retraction))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(CanonicalRecord.schemaName, forKey: .schema)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encode(sourcePartner, forKey: .sourcePartner)
        try c.encode(subject, forKey: .subject)
        switch body {
        case .license(let v): try c.encode(v, forKey: .license)
        case .penalty(let v): try c.encode(v, forKey: .penalty)
        case .dishonestDebtor(let v): try c.encode(v, forKey: .dishonestDebtor)
        case .listEntry(let v): try c.encode(v, forKey: .listEntry)
        case .retraction(let v): try c.encode(v, forKey: .retraction)
        }
    }
}

/// Deterministic record ids: `rec_` + 32 hex digits of SHA-256 over the natural key.
///
/// The natural key is source partner, kind, natural number (decision/case number …) and the subject key (USCC,
/// the keyed hash of the identity number, or for a subject known only by a masked number its masked number and
/// name). Text is normalised first (trimmed, half-width), so the same record sent twice, from any dialect, gets
/// the same id. The keyed hash keeps identity numbers out of ids.
public enum RecordID {
    public static func make(for record: CanonicalRecord) -> String {
        // The subject key is `matchKey` (`uscc:…`, `id:…`), else `name:` + name + `|` + masked number; its parts
        // are appended as they are, without the joined string.
        let subject = record.subject
        let keyPrefix: StaticString
        let keyBody: String
        var keyTail = ""
        if let uscc = subject.uscc, !uscc.isEmpty, !USCC.isPlaceholder(uscc) {
            keyPrefix = "uscc:"
            keyBody = uscc
        } else if let hash = subject.identity?.hash {
            keyPrefix = "id:"
            keyBody = hash
        } else {
            keyPrefix = "name:"
            keyBody = norm(subject.name)
            keyTail = "|" + (subject.identity?.masked ?? "")
        }
        // The parts joined with U+001F, copied into one stack buffer (no array, no joined string), hashed in place
        // and written as `rec_` + hex without a digest array or hex string in between.
        let natural = norm(record.naturalNumber)
        let domain: StaticString = "g60-record-id/v1"
        let kind = record.kind.rawValue
        let total =
            domain.utf8CodeUnitCount + 4 + record.sourcePartner.utf8.count + kind.utf8.count + natural.utf8.count
            + keyPrefix.utf8CodeUnitCount + keyBody.utf8.count + keyTail.utf8.count
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { buffer in
            var n = 0
            func put(_ start: UnsafePointer<UInt8>, _ count: Int) {
                guard count > 0, let base = buffer.baseAddress else { return }
                (base + n).update(from: start, count: count)
                n += count
            }
            func put(_ text: String) {
                var text = text
                text.withUTF8 { if let start = $0.baseAddress { put(start, $0.count) } }
            }
            func separator() {
                buffer[n] = 0x1F
                n += 1
            }
            put(domain.utf8Start, domain.utf8CodeUnitCount)
            separator()
            put(record.sourcePartner)
            separator()
            put(kind)
            separator()
            put(natural)
            separator()
            put(keyPrefix.utf8Start, keyPrefix.utf8CodeUnitCount)
            put(keyBody)
            put(keyTail)
            precondition(n == total, "record id key: \(n) bytes written, \(total) counted")
            return SHA256.recordID(bytes: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        }
    }

    private static func norm(_ s: String) -> String {
        TextNormalization.trim(TextNormalization.halfWidth(s))
    }
}
