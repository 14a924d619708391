/// The kinds of canonical record (see Contracts/records/).
public enum RecordKind: String, Codable, Sendable, CaseIterable {
    /// 行政许可 (administrative licence decision).
    case license
    /// 行政处罚 (administrative penalty decision).
    case penalty
    /// 失信被执行人 (dishonest judgment debtor, SPC list).
    case dishonestDebtor
    /// 红名单 / 黑名单 entry (key-area red or black list).
    case listEntry
    /// The withdrawal of an earlier record: credit repair, expiry, court de-listing, correction, withdrawal.
    case retraction
}

/// An authority or unit with its USCC (许可机关, 处罚机关, 数据来源单位, listing authority).
public struct Authority: Codable, Hashable, Sendable {
    public var name: String
    public var uscc: String?

    public init(name: String, uscc: String? = nil) {
        self.name = name
        self.uscc = uscc
    }
}

/// 行政许可 (DOMAIN.md §1.2, national v2 field codes in comments).
public struct LicenseDecision: Codable, Hashable, Sendable {
    /// 行政许可决定文书名称 (XK_XKWS).
    public var documentTitle: String
    /// 行政许可决定文书号 (XK_WSH); the licence number when there is no document number.
    public var decisionNumber: String
    /// 许可类别 (XK_XKLB), a code of `Contracts/codes/license-categories.json`.
    public var category: String
    /// The stated category when `category` is `other`.
    public var categoryDetail: String?
    /// 许可证书名称 (XK_XKZS).
    public var certificateName: String?
    /// 许可编号 (XK_XKBH).
    public var licenseNumber: String?
    /// 许可内容 (XK_NR).
    public var content: String
    /// 许可决定日期 (XK_JDRQ).
    public var decisionDate: CivilDate
    /// 有效期自 (XK_YXQZ).
    public var validFrom: CivilDate
    /// 有效期至 (XK_YXQZI); 2099-12-31 is long-term.
    public var validUntil: DateLimit
    /// 许可机关 / 许可机关统一社会信用代码 (XK_XKJG / XK_XKJGDM).
    public var authority: Authority
    /// 当前状态 (XK_ZT), a code of `Contracts/codes/license-status.json`.
    public var status: String?
    /// 数据来源单位 / 统一社会信用代码 (XK_LYDW / XK_LYDWDM).
    public var sourceUnit: Authority
    /// 备注 (BZ).
    public var remarks: String?

    public init(
        documentTitle: String, decisionNumber: String, category: String, categoryDetail: String? = nil,
        certificateName: String? = nil, licenseNumber: String? = nil, content: String, decisionDate: CivilDate,
        validFrom: CivilDate, validUntil: DateLimit, authority: Authority, status: String? = nil,
        sourceUnit: Authority, remarks: String? = nil
    ) {
        self.documentTitle = documentTitle
        self.decisionNumber = decisionNumber
        self.category = category
        self.categoryDetail = categoryDetail
        self.certificateName = certificateName
        self.licenseNumber = licenseNumber
        self.content = content
        self.decisionDate = decisionDate
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.authority = authority
        self.status = status
        self.sourceUnit = sourceUnit
        self.remarks = remarks
    }
}

/// 行政处罚 (DOMAIN.md §1.3).
public struct PenaltyDecision: Codable, Hashable, Sendable {
    /// 行政处罚决定书文号 (CF_WSH).
    public var decisionNumber: String
    /// 违法行为类型 (CF_WFXW).
    public var violationType: String
    /// 违法事实 (CF_SY).
    public var facts: String
    /// 处罚依据 (CF_YJ).
    public var legalBasis: String
    /// 处罚类别 (CF_CFLB): one or more codes of `Contracts/codes/penalty-categories.json`.
    public var categories: [String]
    /// 处罚内容 (CF_NR).
    public var content: String
    /// 罚款金额 (CF_NR_FK, stated in 万元 by the standard; exact here).
    public var fineAmount: Money?
    /// 没收违法所得、没收非法财物的金额 (CF_NR_WFFF).
    public var confiscatedAmount: Money?
    /// 暂扣或吊销证照名称及编号 (CF_NR_ZKDX).
    public var suspendedOrRevokedLicense: String?
    /// 处罚决定日期 (CF_JDRQ).
    public var decisionDate: CivilDate
    /// 处罚有效期 (CF_YXQ).
    public var validUntil: DateLimit
    /// 公示截止期 (CF_GSJZQ).
    public var publicityEndDate: CivilDate?
    /// 处罚机关 / 统一社会信用代码 (CF_CFJG / CF_CFJGDM).
    public var authority: Authority
    /// 数据来源单位 / 统一社会信用代码 (CF_SJLY / CF_SJLYDM).
    public var sourceUnit: Authority
    /// Severity tier for credit repair, a code of `Contracts/codes/severity-tiers.json` (not in the national
    /// standard; partners that state it map it here).
    public var severity: String?
    /// Key area (重点领域) the penalty falls in, when the source states it (e.g. `foodDrug`, `workSafety`).
    public var keyArea: String?
    /// 备注 (BZ).
    public var remarks: String?

    public init(
        decisionNumber: String, violationType: String, facts: String, legalBasis: String, categories: [String],
        content: String, fineAmount: Money? = nil, confiscatedAmount: Money? = nil,
        suspendedOrRevokedLicense: String? = nil, decisionDate: CivilDate, validUntil: DateLimit,
        publicityEndDate: CivilDate? = nil, authority: Authority, sourceUnit: Authority, severity: String? = nil,
        keyArea: String? = nil, remarks: String? = nil
    ) {
        self.decisionNumber = decisionNumber
        self.violationType = violationType
        self.facts = facts
        self.legalBasis = legalBasis
        self.categories = categories
        self.content = content
        self.fineAmount = fineAmount
        self.confiscatedAmount = confiscatedAmount
        self.suspendedOrRevokedLicense = suspendedOrRevokedLicense
        self.decisionDate = decisionDate
        self.validUntil = validUntil
        self.publicityEndDate = publicityEndDate
        self.authority = authority
        self.sourceUnit = sourceUnit
        self.severity = severity
        self.keyArea = keyArea
        self.remarks = remarks
    }
}

/// 失信被执行人 as the SPC publishes it (DOMAIN.md §2, 法释〔2017〕7号 Art. 6).
public struct DishonestDebtorListing: Codable, Hashable, Sendable {
    /// 案号, e.g. (2024)浙0402执1234号.
    public var caseNumber: String
    /// 执行法院.
    public var court: String
    /// 省份 (short form, e.g. 浙江).
    public var province: String?
    /// 执行依据文号.
    public var enforcementBasisNumber: String
    /// 做出执行依据单位.
    public var basisIssuer: String
    /// 立案时间.
    public var caseFilingDate: CivilDate
    /// 生效法律文书确定的义务.
    public var obligation: String
    /// 被执行人的履行情况, a code of `Contracts/codes/debtor-performance.json`.
    public var performance: String
    /// 已履行部分 (when partly performed).
    public var performedPart: String?
    /// 未履行部分 (when partly performed).
    public var unperformedPart: String?
    /// 失信被执行人行为具体情形: codes `1`…`6` of `Contracts/codes/debtor-situations.json` (Art. 1).
    public var situations: [String]
    /// 发布时间.
    public var publishedDate: CivilDate
    /// 性别 (natural persons): `male` / `female`.
    public var sex: String?
    /// 年龄 (natural persons), as published.
    public var age: Int?

    public init(
        caseNumber: String, court: String, province: String? = nil, enforcementBasisNumber: String,
        basisIssuer: String, caseFilingDate: CivilDate, obligation: String, performance: String,
        performedPart: String? = nil, unperformedPart: String? = nil, situations: [String], publishedDate: CivilDate,
        sex: String? = nil, age: Int? = nil
    ) {
        self.caseNumber = caseNumber
        self.court = court
        self.province = province
        self.enforcementBasisNumber = enforcementBasisNumber
        self.basisIssuer = basisIssuer
        self.caseFilingDate = caseFilingDate
        self.obligation = obligation
        self.performance = performance
        self.performedPart = performedPart
        self.unperformedPart = unperformedPart
        self.situations = situations
        self.publishedDate = publishedDate
        self.sex = sex
        self.age = age
    }
}

/// An entry of a key-area red list (守信激励) or black list (严重失信主体名单).
public struct ListEntry: Codable, Hashable, Sendable {
    /// `red` or `black`.
    public var listKind: String
    /// The list's name as the listing authority publishes it, e.g. A级纳税人.
    public var listName: String
    /// The list's code in `Contracts/codes/lists.json`, when it is a known list (e.g. `taxpayerGradeA`).
    public var listCode: String?
    /// 认定部门 (the listing authority).
    public var authority: Authority
    /// 认定依据 (the legal basis or reason for listing).
    public var basis: String
    /// 认定文书号, when published.
    public var documentNumber: String?
    /// 列入日期.
    public var listedDate: CivilDate
    /// 有效期至; nil when the list states no end (until removed).
    public var validUntil: DateLimit?

    public init(
        listKind: String, listName: String, listCode: String? = nil, authority: Authority, basis: String,
        documentNumber: String? = nil, listedDate: CivilDate, validUntil: DateLimit? = nil
    ) {
        self.listKind = listKind
        self.listName = listName
        self.listCode = listCode
        self.authority = authority
        self.basis = basis
        self.documentNumber = documentNumber
        self.listedDate = listedDate
        self.validUntil = validUntil
    }
}

/// The withdrawal of an earlier record by its source (credit repair 信用修复, expiry, court de-listing,
/// correction, withdrawal). It names its target by natural key, since a partner cannot compute the gateway's ids
/// for natural persons; the gateway resolves it to `targetRecordId`.
public struct Retraction: Codable, Hashable, Sendable {
    /// The kind of the retracted record.
    public var targetKind: RecordKind
    /// The retracted record's natural number (decision number, case number, or list document number).
    public var targetNumber: String
    /// The retracted record's id, when the sender knows it or once the gateway resolved it.
    public var targetRecordId: String?
    /// A code of `Contracts/codes/retraction-reasons.json`.
    public var reason: String
    /// From when the retraction takes effect.
    public var effectiveDate: CivilDate
    /// Who decided it (e.g. the credit-repair authority or the court).
    public var authority: Authority
    /// The decision's document number (修复决定书文号 …), when there is one.
    public var documentNumber: String?
    public var remarks: String?

    public init(
        targetKind: RecordKind, targetNumber: String, targetRecordId: String? = nil, reason: String,
        effectiveDate: CivilDate, authority: Authority, documentNumber: String? = nil, remarks: String? = nil
    ) {
        self.targetKind = targetKind
        self.targetNumber = targetNumber
        self.targetRecordId = targetRecordId
        self.reason = reason
        self.effectiveDate = effectiveDate
        self.authority = authority
        self.documentNumber = documentNumber
        self.remarks = remarks
    }
}
