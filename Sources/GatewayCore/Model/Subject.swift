/// The counterparty of a record (行政相对人) or the listed debtor: who the record is about.
///
/// Field names follow the national 双公示 v2 field set (DOMAIN.md §1.2–1.3); the 代码_n fields are named, never
/// numbered, because their numbering changed between v1 and v2.
public struct Subject: Codable, Hashable, Sendable {
    /// Canonical code from `Contracts/codes/subject-categories.json`: `legalEntity`, `naturalPerson`,
    /// `individualBusiness`.
    public var category: String
    /// 行政相对人名称 / 被执行人姓名或名称.
    public var name: String
    /// 统一社会信用代码 (代码_1).
    public var uscc: String?
    /// 工商注册号 (代码_2).
    public var registrationNumber: String?
    /// 组织机构代码 (代码_3).
    public var organizationCode: String?
    /// 税务登记号 (代码_4).
    public var taxNumber: String?
    /// 事业单位证书号 (代码_5).
    public var institutionCertificate: String?
    /// 社会组织登记证号 (代码_6).
    public var socialOrganizationNumber: String?
    /// 法定代表人 (or 负责人; for 个体工商户 the operator).
    public var legalRepresentative: String?
    /// The legal representative's identity document, when the source gives it.
    public var legalRepresentativeIdentity: PersonIdentity?
    /// A natural person's identity document (证件类型 / 证件号码).
    public var identity: PersonIdentity?

    public init(
        category: String, name: String, uscc: String? = nil, registrationNumber: String? = nil,
        organizationCode: String? = nil, taxNumber: String? = nil, institutionCertificate: String? = nil,
        socialOrganizationNumber: String? = nil, legalRepresentative: String? = nil,
        legalRepresentativeIdentity: PersonIdentity? = nil, identity: PersonIdentity? = nil
    ) {
        self.category = category
        self.name = name
        self.uscc = uscc
        self.registrationNumber = registrationNumber
        self.organizationCode = organizationCode
        self.taxNumber = taxNumber
        self.institutionCertificate = institutionCertificate
        self.socialOrganizationNumber = socialOrganizationNumber
        self.legalRepresentative = legalRepresentative
        self.legalRepresentativeIdentity = legalRepresentativeIdentity
        self.identity = identity
    }

    /// The key that identifies the subject across cities: `uscc:<code>`, `id:<keyed hash>`, or nil when the subject
    /// cannot be identified exactly (a masked number and no USCC). Requires sealed identities.
    public var matchKey: String? {
        if let uscc, !uscc.isEmpty, !USCC.isPlaceholder(uscc) { return "uscc:" + uscc }
        if let hash = identity?.hash { return "id:" + hash }
        return nil
    }
}

/// A person's identity document, held so that the clear number never leaves the record store.
///
/// Canonical JSON carries the document type, a keyed hash for matching (`hash`), the masked display form and
/// whether the number was exact. On input (a partner's full number, as exchanged between government platforms)
/// `number` is read; it is kept in memory as `clearNumber` for the record store and never encoded again.
public struct PersonIdentity: Codable, Hashable, Sendable {
    /// Canonical code from `Contracts/codes/id-document-types.json` (e.g. `residentIdCard`), or `other:<text>`.
    public var documentType: String
    /// `hmac-sha256:<hex>` under the node's subject key; nil when the number is masked or not yet sealed.
    public var hash: String?
    /// The display form, e.g. `320819********6833`.
    public var masked: String
    /// False when the source published only a masked number: such a subject never matches by hash and a lookup
    /// never answers confidently from it (DOMAIN.md §2).
    public var exact: Bool
    /// The clear number, in memory only (never encoded).
    public var clearNumber: String?

    enum CodingKeys: String, CodingKey {
        case documentType, hash, masked, exact, number
    }

    public init(documentType: String, clearNumber: String) {
        self.documentType = documentType
        let normalized = TextNormalization.identifier(clearNumber)
        if ResidentID.isMasked(normalized) {
            self.masked = normalized
            self.exact = false
            self.clearNumber = nil
        } else {
            self.masked = ResidentID.masked(normalized)
            self.exact = true
            self.clearNumber = normalized
        }
        self.hash = nil
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .documentType)
        if let number = try c.decodeIfPresent(String.self, forKey: .number) {
            self.init(documentType: type, clearNumber: number)
            if let hash = try c.decodeIfPresent(String.self, forKey: .hash) { self.hash = hash }
        } else {
            let hash = try c.decodeIfPresent(String.self, forKey: .hash)
            self.init(
                documentType: type, hash: hash, masked: try c.decode(String.self, forKey: .masked),
                exact: try c.decodeIfPresent(Bool.self, forKey: .exact) ?? (hash != nil))
        }
    }

    /// A sealed identity as canonical JSON carries it (no clear number).
    public init(documentType: String, hash: String?, masked: String, exact: Bool) {
        self.documentType = documentType
        self.hash = hash
        self.masked = masked
        self.exact = exact
        self.clearNumber = nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(documentType, forKey: .documentType)
        try c.encodeIfPresent(hash, forKey: .hash)
        try c.encode(masked, forKey: .masked)
        try c.encode(exact, forKey: .exact)
    }

    /// Fills `hash` from the clear number under `keyring`; a 15-digit legacy resident number is upgraded first, so
    /// both forms of one person's number match.
    public mutating func seal(with keyring: SubjectKeyring) {
        guard let clear = clearNumber else { return }
        var number = clear
        if documentType == "residentIdCard", number.count == 15, let upgraded = ResidentID.upgrade(legacy: number) {
            number = upgraded
            masked = ResidentID.masked(upgraded)
        }
        hash = keyring.hash(documentType: documentType, number: number)
    }
}

/// The node's secret key for hashing identity numbers, so that equal numbers match across cities while a hash
/// cannot be reversed by trying every birth date (a plain hash of an 18-digit number could).
public struct SubjectKeyring: Sendable {
    private let key: [UInt8]

    public init(key: [UInt8]) { self.key = key }

    /// The key of the demo and tests only: `DEMO-ONLY-NOT-A-SECRET`. A real node reads its key from configuration.
    public static let demo = SubjectKeyring(key: Array("G60-DEMO-ONLY-NOT-A-SECRET-subject-key".utf8))

    public func hash(documentType: String, number: String) -> String {
        "hmac-sha256:" + SHA256.hmac(key: key, message: Array("\(documentType):\(number)".utf8)).hexString
    }

    /// Gives the key to an equivalent, faster HMAC (the eligibility lookup's OpenSSL one); never log or store it.
    public func withKey<T>(_ body: ([UInt8]) throws -> T) rethrows -> T { try body(key) }
}

extension USCC {
    /// The all-zero placeholder some platforms put in for "no code" (`00000000000000000X`, DOMAIN.md §1.2).
    public static func isPlaceholder(_ code: String) -> Bool {
        let utf8 = code.utf8
        guard utf8.count == 18 else { return false }
        var n = 0
        for byte in utf8 {
            if n == 17 { return true }
            if byte != 0x30 { return false }
            n += 1
        }
        return true
    }
}
