import GatewayCore

/// The canonical fields a dialect may fill, per record kind, with their value type and, for codes, the canonical
/// code table their values must come from. This is the vocabulary of `fields` in a dialect file.
public enum CanonicalFields {
    public enum ValueType: Sendable, Hashable {
        case text
        case date
        /// A validity end: a date, 2099-12-31 or one of the dialect's long-term values.
        case dateLimit
        case money
        case integer
        /// A code of the named canonical table (`Contracts/codes/<table>.json`).
        case code(String)
        /// Several codes of the named table.
        case codes(String)
        /// A list of text values.
        case texts
    }

    static let subjectFields: [String: ValueType] = [
        "subject.category": .code("subject-categories"),
        "subject.name": .text,
        "subject.uscc": .text,
        "subject.registrationNumber": .text,
        "subject.organizationCode": .text,
        "subject.taxNumber": .text,
        "subject.institutionCertificate": .text,
        "subject.socialOrganizationNumber": .text,
        "subject.legalRepresentative": .text,
        "subject.legalRepresentativeIdentity.documentType": .code("id-document-types"),
        "subject.legalRepresentativeIdentity.number": .text,
        "subject.identity.documentType": .code("id-document-types"),
        "subject.identity.number": .text,
    ]

    static func authority(_ prefix: String) -> [String: ValueType] {
        [prefix + ".name": .text, prefix + ".uscc": .text]
    }

    static let kindFields: [RecordKind: [String: ValueType]] = [
        .license: [
            "license.documentTitle": .text, "license.decisionNumber": .text,
            "license.category": .code("license-categories"),
            "license.categoryDetail": .text, "license.certificateName": .text, "license.licenseNumber": .text,
            "license.content": .text, "license.decisionDate": .date, "license.validFrom": .date,
            "license.validUntil": .dateLimit, "license.status": .code("license-status"), "license.remarks": .text,
        ].merging(authority("license.authority")) { a, _ in a }.merging(authority("license.sourceUnit")) { a, _ in a },
        .penalty: [
            "penalty.decisionNumber": .text, "penalty.violationType": .text, "penalty.facts": .text,
            "penalty.legalBasis": .text, "penalty.categories": .codes("penalty-categories"), "penalty.content": .text,
            "penalty.fineAmount": .money, "penalty.confiscatedAmount": .money,
            "penalty.suspendedOrRevokedLicense": .text, "penalty.decisionDate": .date, "penalty.validUntil": .dateLimit,
            "penalty.publicityEndDate": .date, "penalty.severity": .code("severity-tiers"), "penalty.keyArea": .text,
            "penalty.remarks": .text,
        ].merging(authority("penalty.authority")) { a, _ in a }.merging(authority("penalty.sourceUnit")) { a, _ in a },
        .dishonestDebtor: [
            "dishonestDebtor.caseNumber": .text, "dishonestDebtor.court": .text, "dishonestDebtor.province": .text,
            "dishonestDebtor.enforcementBasisNumber": .text, "dishonestDebtor.basisIssuer": .text,
            "dishonestDebtor.caseFilingDate": .date, "dishonestDebtor.obligation": .text,
            "dishonestDebtor.performance": .code("debtor-performance"), "dishonestDebtor.performedPart": .text,
            "dishonestDebtor.unperformedPart": .text, "dishonestDebtor.situations": .codes("debtor-situations"),
            "dishonestDebtor.publishedDate": .date, "dishonestDebtor.sex": .code("sex"),
            "dishonestDebtor.age": .integer,
        ],
        .listEntry: [
            "listEntry.listKind": .code("list-kinds"), "listEntry.listName": .text,
            "listEntry.listCode": .code("lists"),
            "listEntry.basis": .text, "listEntry.documentNumber": .text, "listEntry.listedDate": .date,
            "listEntry.validUntil": .dateLimit,
        ].merging(authority("listEntry.authority")) { a, _ in a },
        .retraction: [
            "retraction.targetKind": .code("record-kinds"), "retraction.targetNumber": .text,
            "retraction.targetRecordId": .text, "retraction.reason": .code("retraction-reasons"),
            "retraction.effectiveDate": .date, "retraction.documentNumber": .text, "retraction.remarks": .text,
        ].merging(authority("retraction.authority")) { a, _ in a },
    ]

    /// Fields a dialect must map (or give a constant for): without them no record of the kind can be built.
    public static let required: [RecordKind: [String]] = [
        .license: [
            "subject.category", "subject.name", "license.decisionNumber", "license.category", "license.decisionDate",
            "license.validFrom", "license.validUntil", "license.authority.name",
        ],
        .penalty: [
            "subject.category", "subject.name", "penalty.decisionNumber", "penalty.categories",
            "penalty.decisionDate", "penalty.validUntil", "penalty.authority.name",
        ],
        .dishonestDebtor: [
            "subject.category", "subject.name", "dishonestDebtor.caseNumber", "dishonestDebtor.court",
            "dishonestDebtor.caseFilingDate", "dishonestDebtor.performance", "dishonestDebtor.situations",
            "dishonestDebtor.publishedDate",
        ],
        .listEntry: [
            "subject.category", "subject.name", "listEntry.listKind", "listEntry.listName", "listEntry.listedDate",
            "listEntry.authority.name",
        ],
        .retraction: [
            "subject.category", "subject.name", "retraction.targetKind", "retraction.targetNumber", "retraction.reason",
            "retraction.effectiveDate",
        ],
    ]

    /// The type of `path` in records of `kind`, or nil when the path is not a canonical field of that kind.
    public static func type(of path: String, kind: RecordKind) -> ValueType? {
        subjectFields[path] ?? kindFields[kind]?[path]
    }

    /// Every canonical path of `kind`, sorted.
    public static func paths(for kind: RecordKind) -> [String] {
        (Array(subjectFields.keys) + Array(kindFields[kind]?.keys ?? [:].keys)).sorted()
    }
}
