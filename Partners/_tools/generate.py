#!/usr/bin/env python3
"""Writes the nine partner folders' partner.json, dialects and fixture inputs (not the golden files: those come
from `g60-gateway partner check SLUG --write-goldens`, reviewed by hand). Run from the checkout root:
    python3 Partners/_tools/generate.py
Every defective row is commented with the defect it carries."""
import json, os, sys

sys.path.insert(0, os.path.dirname(__file__))
from common import *

ROOT = os.path.join(os.path.dirname(__file__), "..")

# ---------------------------------------------------------------- songjiang: v2 national codes, JSON object, 万元
def songjiang():
    R = "310117"
    auth = "上海市松江区市场监督管理局"
    auth_code = uscc(auth, R, "11")
    src = "上海市松江区公共信用信息服务中心"
    src_code = uscc(src, R, "12")
    dialect = {
        "kind": "penalty",
        "description": "松江区 双公示 行政处罚, national v2 field codes (CF_*), JSON object with records under data.records; amounts in 万元",
        "format": {"type": "json", "recordPath": "data.records"},
        "encoding": "utf-8",
        "dateFormats": ["yyyy/MM/dd", "yyyy-MM-dd"],
        "nullValues": ["无", "/"],
        "fields": {
            "subject.name": {"from": ["CF_XDR_MC"]},
            "subject.category": {"from": ["CF_XDR_LB"]},
            "subject.uscc": {"from": ["CF_XDR_SHXYM"], "transforms": ["trim", "halfWidth", "upper"]},
            "subject.registrationNumber": {"from": ["CF_XDR_GSZC"]},
            "subject.organizationCode": {"from": ["CF_XDR_ZZJG"]},
            "subject.taxNumber": {"from": ["CF_XDR_SWDJ"]},
            "subject.legalRepresentative": {"from": ["CF_FRDB"]},
            "subject.identity.documentType": {"from": ["CF_XDR_ZJLX"]},
            "subject.identity.number": {"from": ["CF_XDR_ZJHM"], "transforms": ["trim", "halfWidth", "upper"]},
            "penalty.decisionNumber": {"from": ["CF_WSH"]},
            "penalty.violationType": {"from": ["CF_WFXW"]},
            "penalty.facts": {"from": ["CF_SY"]},
            "penalty.legalBasis": {"from": ["CF_YJ"]},
            "penalty.categories": {"from": ["CF_CFLB"], "split": [";", "；", "、"]},
            "penalty.content": {"from": ["CF_NR"]},
            "penalty.fineAmount": {"from": ["CF_NR_FK"], "unit": "wanYuan"},
            "penalty.confiscatedAmount": {"from": ["CF_NR_WFFF"], "unit": "wanYuan"},
            "penalty.suspendedOrRevokedLicense": {"from": ["CF_NR_ZKDX"]},
            "penalty.decisionDate": {"from": ["CF_JDRQ"]},
            "penalty.validUntil": {"from": ["CF_YXQ"]},
            "penalty.publicityEndDate": {"from": ["CF_GSJZQ"]},
            "penalty.authority.name": {"from": ["CF_CFJG"]},
            "penalty.authority.uscc": {"from": ["CF_CFJGDM"]},
            "penalty.sourceUnit.name": {"from": ["CF_SJLY"]},
            "penalty.sourceUnit.uscc": {"from": ["CF_SJLYDM"]},
            "penalty.remarks": {"from": ["BZ"]},
        },
    }
    partner(ROOT, "songjiang", "上海市松江区", "Songjiang, Shanghai", "上海", R, "push",
            ["penalty", "license", "dishonestDebtor", "listEntry", "retraction"], {"penalty": dialect})

    def rec(n, name, cat="罚款", fk="0.2", **kw):
        code = uscc(name, "310117")
        r = {
            "CF_XDR_MC": name, "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": code, "CF_FRDB": kw.pop("frdb", "张伟"),
            "CF_WSH": f"沪松市监案处〔2024〕{n:06d}号", "CF_WFXW": "销售不符合食品安全标准的食品",
            "CF_SY": "当事人销售的散装熟食菌落总数超标。", "CF_YJ": "《中华人民共和国食品安全法》第一百二十四条",
            "CF_CFLB": cat, "CF_NR": "罚款人民币贰仟元整", "CF_NR_FK": fk, "CF_JDRQ": "2024/05/12",
            "CF_YXQ": "2025/05/12", "CF_GSJZQ": "2025/05/12", "CF_CFJG": auth, "CF_CFJGDM": auth_code,
            "CF_SJLY": src, "CF_SJLYDM": src_code, "BZ": "",
        }
        r.update(kw)
        return r

    person_id = ric("310117", "19850312", 123)
    records = [
        rec(1, "上海松江禾丰食品有限公司"),
        rec(2, "上海九亭机电设备有限公司", cat="警告;罚款", fk="1.5", CF_NR="警告，并处罚款一万五千元"),
        rec(3, "李明", CF_XDR_LB="自然人", CF_XDR_SHXYM="", CF_FRDB="", CF_XDR_ZJLX="身份证", CF_XDR_ZJHM=person_id,
            fk="0.05", CF_NR="罚款伍佰元"),
        rec(4, "上海泗泾物流有限公司", CF_XDR_SHXYM=bad_check(uscc("上海泗泾物流有限公司", R))),  # bad USCC checksum
        rec(5, "上海洞泾包装材料有限公司", fk=None),  # 罚款 without CF_NR_FK
        rec(6, "上海车墩影视服务有限公司", CF_JDRQ="2024/02/30"),  # unparseable date (no 30 February)
        rec(7, "上海新桥电子科技有限公司", cat="责令改正"),  # unknown category (责令改正 is not a penalty)
        rec(1, "上海松江禾丰食品有限公司"),  # duplicate of row 1
        rec(9, "上海佘山旅游发展有限公司", CF_JDRQ="2024/06/20", CF_GSJZQ="2024/06/01"),  # decision after publicity end
        rec(10, "上海叶榭建材有限公司", cat="吊销许可证件", fk=None, CF_YXQ="2099/12/31", CF_GSJZQ=None,
            CF_NR="吊销食品经营许可证", CF_NR_ZKDX="食品经营许可证 JY23101170012345"),  # long-term, ok
        rec(11, "上海小昆山五金有限公司", CF_CFJG=""),  # missing 处罚机关
        rec(12, "上海石湖荡农业科技有限公司", CF_JDRQ="2027/01/05", CF_YXQ="2028/01/05", CF_GSJZQ="2028/01/05"),  # future
        rec(13, "上海广富林文化传播有限公司", CF_XDR_SHXYM="９１" + uscc("上海广富林文化传播有限公司", R)[2:].lower()),  # full-width, lower-case: normalised
    ]
    for r in records:
        for k in [k for k, v in r.items() if v is None]:
            del r[k]
    doc = {"code": 0, "message": "success", "data": {"total": len(records), "page": 1, "records": records}}
    fixture(ROOT, "songjiang", "penalty-2024-05", "penalty", "input.json",
            json.dumps(doc, ensure_ascii=False, indent=1).encode(), "v2 penalty export, one page of the platform API")


# ---------------------------------------------------------------- jiaxing: v1 codes, CSV UTF-8 with BOM, 元
def jiaxing():
    R = "330400"
    auth = "嘉兴市市场监督管理局"
    cols = ["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC", "CF_XDR_SHXYM", "CF_XDR_ZDM",
            "CF_XDR_GSDJ", "CF_XDR_SWDJ", "CF_FR", "CF_JG", "FKJE", "MSJE", "CF_JDRQ", "CF_YXQ", "CF_XZJG", "CF_ZT",
            "DFBM", "SJC", "BZ"]
    dialect = {
        "kind": "penalty",
        "description": "嘉兴 行政处罚, national v1 field codes (CF_CFLB1/2, CF_XZJG …) with local columns FKJE/MSJE in 元; CSV, UTF-8 with BOM; CF_ZT 1 = 撤销 rows are skipped",
        "format": {"type": "csv", "header": True, "delimiter": ","},
        "encoding": "utf-8",
        "dateFormats": ["yyyy-MM-dd", "yyyy/MM/dd"],
        "skip": [{"source": "CF_ZT", "in": ["1"], "reason": "当前状态 1 (撤销): revoked at source"}],
        "fields": {
            "subject.category": {"const": "legalEntity"},
            "subject.name": {"from": ["CF_XDR_MC"]},
            "subject.uscc": {"from": ["CF_XDR_SHXYM"], "transforms": ["trim", "halfWidth", "upper"]},
            "subject.organizationCode": {"from": ["CF_XDR_ZDM"]},
            "subject.registrationNumber": {"from": ["CF_XDR_GSDJ"]},
            "subject.taxNumber": {"from": ["CF_XDR_SWDJ"]},
            "subject.legalRepresentative": {"from": ["CF_FR"]},
            "penalty.decisionNumber": {"from": ["CF_WSH"]},
            "penalty.violationType": {"from": ["CF_CFMC"]},
            "penalty.facts": {"from": ["CF_SY"]},
            "penalty.legalBasis": {"from": ["CF_YJ"]},
            "penalty.categories": {"from": ["CF_CFLB1", "CF_CFLB2"], "join": True},
            "penalty.content": {"from": ["CF_JG"]},
            "penalty.fineAmount": {"from": ["FKJE"], "unit": "yuan"},
            "penalty.confiscatedAmount": {"from": ["MSJE"], "unit": "yuan"},
            "penalty.decisionDate": {"from": ["CF_JDRQ"]},
            "penalty.validUntil": {"from": ["CF_YXQ"]},
            "penalty.authority.name": {"from": ["CF_XZJG"]},
            "penalty.authority.uscc": {"const": uscc(auth, R, "11")},
            "penalty.sourceUnit.name": {"const": "嘉兴市公共信用信息中心"},
            "penalty.sourceUnit.uscc": {"const": uscc("嘉兴市公共信用信息中心", R, "12")},
            "penalty.remarks": {"from": ["BZ"]},
        },
    }
    partner(ROOT, "jiaxing", "嘉兴市", "Jiaxing", "浙江", R, "push", ["penalty", "dishonestDebtor", "listEntry", "retraction"],
            {"penalty": dialect})

    def row(n, name, lb1="罚款", lb2="", fk="12,000.00", **kw):
        r = {"CF_WSH": f"嘉市监处罚〔2024〕{n}号", "CF_CFMC": "未按规定公示年度报告", "CF_CFLB1": lb1, "CF_CFLB2": lb2,
             "CF_SY": "当事人未按规定期限公示年度报告。", "CF_YJ": "《企业信息公示暂行条例》第十七条",
             "CF_XDR_MC": name, "CF_XDR_SHXYM": uscc(name, "330402"), "CF_XDR_ZDM": "", "CF_XDR_GSDJ": "",
             "CF_XDR_SWDJ": "", "CF_FR": "王芳", "CF_JG": "罚款壹万贰仟元", "FKJE": fk, "MSJE": "",
             "CF_JDRQ": "2024-04-18", "CF_YXQ": "2025-04-18", "CF_XZJG": auth, "CF_ZT": "0", "DFBM": R,
             "SJC": "2024-04-20 10:00:00", "BZ": ""}
        r.update(kw)
        return [r[c] for c in cols]

    lines = [csv_line(cols)]
    lines.append(csv_line(row(101, "嘉兴南湖禾丰纺织有限公司")))
    lines.append(csv_line(row(102, "嘉兴秀洲永明五金有限公司", lb1="警告", fk="", CF_JG="警告")))
    lines.append(csv_line(row(103, "嘉兴海盐晨光化工有限公司", lb2="没收违法所得", fk="50,000", MSJE="8,650.50",
                              CF_JG="没收违法所得8650.5元，并处罚款5万元")))
    lines.append(csv_line(row(104, "嘉兴平湖鑫达电子有限公司", CF_SY="当事人于2023年\n多次销售\"三无\"产品, 情节较重。")))  # quotes, comma, newline
    lines.append(csv_line(row(105, "嘉兴桐乡盛世羊毛衫有限公司", CF_ZT="1")))  # revoked: skipped
    lines.append(csv_line(row(106, "嘉兴嘉善华通物流有限公司", CF_JDRQ="2024-13-01")))  # unparseable date
    lines.append(csv_line(row(107, "嘉兴海宁皮革城商贸有限公司")[:-3]))  # three fields missing
    bad = csv_line(row(108, "嘉兴经开XX科技有限公司")).encode().replace("XX".encode(), b"\xff\xfe")  # invalid UTF-8
    lines.append(csv_line(row(109, "嘉兴港区顺发船务有限公司", CF_XDR_SHXYM=uscc("嘉兴港区顺发船务有限公司", "330402")[:17])))  # 17 chars
    lines.append(csv_line(row(110, "嘉兴南湖瑞丰食品有限公司", fk="12.345")))  # more decimals than one fen
    body = ("\r\n".join(lines[:8]) + "\r\n").encode() + bad + ("\r\n" + "\r\n".join(lines[8:]) + "\r\n").encode()
    fixture(ROOT, "jiaxing", "penalty-2024-04", "penalty", "input.csv", b"\xef\xbb\xbf" + body,
            "v1 penalty export as a spreadsheet tool saves it: BOM, CRLF, quoted fields")


# ---------------------------------------------------------------- hangzhou: camelCase JSON Lines, epoch ms; red/black list
def hangzhou():
    R = "330100"
    auth = "杭州市西湖区市场监督管理局"
    pen = {
        "kind": "penalty",
        "description": "杭州 data-platform API: English camelCase keys with nested objects, JSON Lines, dates as epoch milliseconds, amounts in 元 as JSON numbers, local English category codes",
        "format": {"type": "jsonl"},
        "dateFormats": ["epochMillis", "yyyy-MM-dd"],
        "tables": {
            "partyType": {"ENTERPRISE": "legalEntity", "PERSON": "naturalPerson", "SOLE_TRADER": "individualBusiness"},
            "penaltyType": {"WARNING": "warning", "FINE": "fine", "CONFISCATE_GAINS": "confiscateIllegalGains",
                            "SUSPEND_LICENSE": "suspendLicense", "REVOKE_LICENSE": "revokeLicense",
                            "SUSPEND_BUSINESS": "orderSuspension"},
            "idType": {"ID_CARD": "residentIdCard", "PASSPORT": "passport"},
        },
        "fields": {
            "subject.category": {"from": ["party.type"], "table": "partyType"},
            "subject.name": {"from": ["party.name"]},
            "subject.uscc": {"from": ["party.creditCode"]},
            "subject.legalRepresentative": {"from": ["party.legalPerson"]},
            "subject.identity.documentType": {"from": ["party.idType"], "table": "idType"},
            "subject.identity.number": {"from": ["party.idNumber"]},
            "penalty.decisionNumber": {"from": ["decisionNo"]},
            "penalty.violationType": {"from": ["violationType"]},
            "penalty.facts": {"from": ["facts"]},
            "penalty.legalBasis": {"from": ["basis"]},
            "penalty.categories": {"from": ["penaltyTypes"], "table": "penaltyType"},
            "penalty.content": {"from": ["content"]},
            "penalty.fineAmount": {"from": ["fineYuan"], "unit": "yuan"},
            "penalty.decisionDate": {"from": ["decisionTime"]},
            "penalty.validUntil": {"from": ["validUntil"]},
            "penalty.authority.name": {"from": ["authority.name"]},
            "penalty.authority.uscc": {"from": ["authority.creditCode"]},
            "penalty.sourceUnit.name": {"from": ["dataSource.name"], "const": "杭州市公共数据平台"},
            "penalty.sourceUnit.uscc": {"from": ["dataSource.creditCode"], "const": uscc("杭州市数据资源管理局", R, "11")},
            "penalty.keyArea": {"from": ["domain"]},
        },
    }
    lst = {
        "kind": "listEntry",
        "description": "杭州 red and black lists (守信激励 / 严重失信主体), camelCase JSON Lines",
        "format": {"type": "jsonl"},
        "dateFormats": ["yyyy-MM-dd"],
        "tables": {
            "listType": {"RED": "red", "BLACK": "black"},
            "listCode": {"TAX_A": "taxpayerGradeA", "CUSTOMS_AEO": "customsAdvancedCertified",
                         "MAJOR_TAX_VIOLATION": "majorTaxViolation", "WORK_SAFETY": "workSafetyBlack"},
        },
        "fields": {
            "subject.category": {"const": "legalEntity"},
            "subject.name": {"from": ["entityName"]},
            "subject.uscc": {"from": ["creditCode"]},
            "listEntry.listKind": {"from": ["listType"], "table": "listType"},
            "listEntry.listName": {"from": ["listName"]},
            "listEntry.listCode": {"from": ["listCode"], "table": "listCode"},
            "listEntry.authority.name": {"from": ["decidedBy.name"]},
            "listEntry.authority.uscc": {"from": ["decidedBy.creditCode"]},
            "listEntry.basis": {"from": ["reason"]},
            "listEntry.documentNumber": {"from": ["documentNo"]},
            "listEntry.listedDate": {"from": ["listedOn"]},
            "listEntry.validUntil": {"from": ["validUntil"]},
        },
    }
    partner(ROOT, "hangzhou", "杭州市", "Hangzhou", "浙江", R, "pull", ["penalty", "license", "dishonestDebtor", "listEntry", "retraction"],
            {"penalty": pen, "listEntry": lst},
            pull={"cursorParameter": "updatedSince", "cursorSource": "lastRecordDate", "intervalSeconds": 900, "pageSize": 500})
    a = {"name": auth, "creditCode": uscc(auth, R, "11")}

    def p(n, name, **kw):
        r = {"decisionNo": f"杭西市监罚处〔2024〕{n}号", "party": {"name": name, "type": "ENTERPRISE",
             "creditCode": uscc(name, "330106"), "legalPerson": "陈静"},
             "violationType": "虚假宣传", "facts": "当事人在其网店发布引人误解的商品宣传。",
             "basis": "《中华人民共和国反不正当竞争法》第二十条", "penaltyTypes": ["FINE"], "content": "罚款人民币伍仟元",
             "fineYuan": 5000, "decisionTime": 1715443200000, "validUntil": 1746979200000, "authority": a}
        for k, v in kw.items():
            if v is None:
                r.pop(k, None)
            else:
                r[k] = v
        return json.dumps(r, ensure_ascii=False)

    pid = ric("330106", "19900728", 246)
    bad_pid = pid[:-1] + ("0" if pid[-1] != "0" else "1")
    lines = [
        p(201, "杭州西溪数字科技有限公司"),
        p(202, "赵磊", party={"name": "赵磊", "type": "PERSON", "idType": "ID_CARD", "idNumber": pid}, fineYuan=800,
          content="罚款捌佰元"),
        p(203, "杭州灵隐茶叶有限公司")[:-40],  # truncated line: not JSON
        p(204, "杭州之江文化传媒有限公司", penaltyTypes=["FINE", "PUBLIC_APOLOGY"]),  # unknown local code
        p(205, "杭州余杭电商有限公司", fineYuan=None),  # FINE without amount
        p(206, "孙悦", party={"name": "孙悦", "type": "PERSON", "idType": "ID_CARD", "idNumber": bad_pid}),  # bad id checksum
        p(207, "杭州钱塘生物医药有限公司", penaltyTypes=["REVOKE_LICENSE", "FINE"], validUntil="长期",
          fineYuan=200000, domain="foodDrug", content="吊销药品经营许可证，罚款二十万元"),  # long-term; missing licence text
        "[\"not\", \"an\", \"object\"]",  # a JSON value that is not an object
        p(209, "杭州滨江智造有限公司", fineYuan=12500.5, content="罚款12500.5元"),
    ]
    fixture(ROOT, "hangzhou", "penalty-2024-05", "penalty", "input.jsonl", ("\n".join(lines) + "\n").encode(),
            "penalty feed as pulled from the 杭州 data platform")
    tax = "国家税务总局杭州市税务局"
    t = {"name": tax, "creditCode": uscc(tax, R, "11")}

    def l(name, **kw):
        r = {"entityName": name, "creditCode": uscc(name, "330108"), "listType": "RED", "listName": "A级纳税人",
             "listCode": "TAX_A", "decidedBy": t, "reason": "2023年度纳税信用评价为A级", "documentNo": "杭税信〔2024〕12号",
             "listedOn": "2024-04-30", "validUntil": "2025-04-30"}
        r.update(kw)
        return json.dumps(r, ensure_ascii=False)

    lines = [
        l("杭州高新安防技术有限公司"),
        l("杭州萧山钢构有限公司", listType="BLACK", listName="重大税收违法失信主体", listCode="MAJOR_TAX_VIOLATION",
          reason="虚开增值税专用发票", documentNo="杭税稽罚〔2024〕8号", validUntil="长期"),
        l("杭州临平纺织有限公司", listType="GREY"),  # unknown list type
        l("杭州富阳造纸有限公司", listCode="MAJOR_TAX_VIOLATION"),  # a red entry with a black list's code
        l("杭州建德水泥有限公司", listedOn="2024-04-31"),  # no 31 April
    ]
    fixture(ROOT, "hangzhou", "lists-2024-04", "listEntry", "input.jsonl", ("\n".join(lines) + "\n").encode(),
            "red and black list entries")


# ---------------------------------------------------------------- jinhua: court-published debtor list, Chinese headers
def jinhua():
    R = "330700"
    cols = ["类型", "被执行人姓名/名称", "身份证号码/组织机构代码", "性别", "年龄", "法定代表人或者负责人姓名", "执行法院", "省份",
            "执行依据文号", "立案时间", "案号", "做出执行依据单位", "生效法律文书确定的义务", "被执行人的履行情况",
            "已履行部分", "未履行部分", "失信被执行人行为具体情形", "发布时间"]
    dialect = {
        "kind": "dishonestDebtor",
        "description": "金华市中级人民法院 失信被执行人名单 as published: Chinese column headers, masked identity numbers, 类型 580 = 自然人 / 581 = 企业或其他组织, dates 2024年3月5日; CSV UTF-8",
        "format": {"type": "csv", "header": True},
        "dateFormats": ["yyyy年M月d日"],
        "tables": {
            "partyType": {"580": "naturalPerson", "581": "legalEntity"},
            "situation": {"有履行能力而拒不履行生效法律文书确定义务": "1", "违反财产报告制度": "4", "违反限制消费令": "5",
                          "其他有履行能力而拒不履行生效法律文书确定义务": "1",
                          "以伪造证据、暴力、威胁等方法妨碍、抗拒执行": "2",
                          "无正当理由拒不履行执行和解协议": "6"},
        },
        "fields": {
            "subject.category": {"from": ["类型"], "table": "partyType"},
            "subject.name": {"from": ["被执行人姓名/名称"]},
            "subject.identity.number": {"from": ["身份证号码/组织机构代码"], "when": {"source": "类型", "in": ["580"]}},
            "subject.uscc": {"from": ["身份证号码/组织机构代码"], "when": {"source": "类型", "in": ["581"]}},
            "subject.legalRepresentative": {"from": ["法定代表人或者负责人姓名"]},
            "dishonestDebtor.sex": {"from": ["性别"]},
            "dishonestDebtor.age": {"from": ["年龄"]},
            "dishonestDebtor.court": {"from": ["执行法院"]},
            "dishonestDebtor.province": {"from": ["省份"]},
            "dishonestDebtor.enforcementBasisNumber": {"from": ["执行依据文号"]},
            "dishonestDebtor.caseFilingDate": {"from": ["立案时间"]},
            "dishonestDebtor.caseNumber": {"from": ["案号"], "transforms": ["trim", "halfWidth"]},
            "dishonestDebtor.basisIssuer": {"from": ["做出执行依据单位"]},
            "dishonestDebtor.obligation": {"from": ["生效法律文书确定的义务"]},
            "dishonestDebtor.performance": {"from": ["被执行人的履行情况"]},
            "dishonestDebtor.performedPart": {"from": ["已履行部分"]},
            "dishonestDebtor.unperformedPart": {"from": ["未履行部分"]},
            "dishonestDebtor.situations": {"from": ["失信被执行人行为具体情形"], "table": "situation", "split": ["；", ";"]},
            "dishonestDebtor.publishedDate": {"from": ["发布时间"]},
        },
    }
    partner(ROOT, "jinhua", "金华市", "Jinhua", "浙江", R, "push", ["penalty", "dishonestDebtor", "listEntry", "retraction"],
            {"dishonestDebtor": dialect})

    def row(n, t, name, ident, **kw):
        r = {"类型": t, "被执行人姓名/名称": name, "身份证号码/组织机构代码": ident, "性别": "", "年龄": "",
             "法定代表人或者负责人姓名": "", "执行法院": "金华市婺城区人民法院", "省份": "浙江",
             "执行依据文号": f"（2023）浙0702民初{n}号", "立案时间": "2024年1月8日", "案号": f"（2024）浙0702执{n}号",
             "做出执行依据单位": "金华市婺城区人民法院", "生效法律文书确定的义务": "被告于判决生效之日起十日内支付原告货款86000元。",
             "被执行人的履行情况": "全部未履行", "已履行部分": "", "未履行部分": "",
             "失信被执行人行为具体情形": "有履行能力而拒不履行生效法律文书确定义务", "发布时间": "2024年3月5日"}
        r.update(kw)
        return csv_line([r[c] for c in cols])

    p1 = masked(ric("330702", "19790415", 317))
    co = "金华婺城鑫源建材有限公司"
    lines = [csv_line(cols),
             row(301, "580", "周建国", p1, 性别="男", 年龄="45"),  # masked id: accepted with a warning
             row(302, "581", co, uscc(co, "330702"), 法定代表人或者负责人姓名="吴海"),
             row(303, "580", "钱丽", masked(ric("330702", "19880210", 426)), 性别="女", 年龄="36",
                 立案时间="2024年4月2日"),  # filed after publication
             row(304, "580", "郑小龙", masked(ric("330702", "20080101", 511)), 性别="男", 年龄="16"),  # a minor
             row(305, "582", "金华江南商贸有限公司", uscc("金华江南商贸有限公司", "330702")),  # unknown party type
             row(306, "581", "金华金东农业开发有限公司", uscc("金华金东农业开发有限公司", "330703"), 被执行人的履行情况="部分未履行",
                 已履行部分="已支付20000元"),  # partly performed, unperformed part missing
             row(307, "580", "冯涛", masked(ric("330702", "19700909", 133)), 性别="男", 年龄="54",
                 失信被执行人行为具体情形="拒不配合调查"),  # not one of the six situations
             row(308, "581", "金华永康五金制造有限公司", bad_check(uscc("金华永康五金制造有限公司", "330784"))),  # bad USCC
             row(302, "581", co, uscc(co, "330702"), 法定代表人或者负责人姓名="吴海"),  # duplicate of the second row
             row(310, "581", "金华义乌小商品贸易有限公司", uscc("金华义乌小商品贸易有限公司", "330782"),
                 失信被执行人行为具体情形="违反财产报告制度；违反限制消费令"),  # two situations
             ]
    fixture(ROOT, "jinhua", "debtors-2024-03", "dishonestDebtor", "input.csv", ("\n".join(lines) + "\n").encode(),
            "失信被执行人 list as the intermediate court publishes it")


# ---------------------------------------------------------------- suzhou: SPC API style JSON array
def suzhou():
    R = "320500"
    dialect = {
        "kind": "dishonestDebtor",
        "description": "苏州市中级人民法院 debtor list in the SPC publication API's shape: a JSON array at the root, pinyin-ish keys (iname, cardNum, caseCode, gistCid …), partyTypeName 580/581, masked numbers",
        "format": {"type": "json"},
        "dateFormats": ["yyyy年MM月dd日", "yyyy年M月d日"],
        "tables": {
            "partyType": {"580": "naturalPerson", "581": "legalEntity"},
            "situation": {"有履行能力而拒不履行生效法律文书确定义务": "1", "违反财产报告制度": "4", "违反限制消费令": "5",
                          "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行": "3"},
        },
        "fields": {
            "subject.category": {"from": ["partyTypeName"], "table": "partyType"},
            "subject.name": {"from": ["iname"]},
            "subject.identity.number": {"from": ["cardNum"], "when": {"source": "partyTypeName", "in": ["580"]}},
            "subject.uscc": {"from": ["cardNum"], "when": {"source": "partyTypeName", "in": ["581"]}},
            "subject.legalRepresentative": {"from": ["businessEntity"]},
            "dishonestDebtor.sex": {"from": ["sexy"]},
            "dishonestDebtor.age": {"from": ["age"]},
            "dishonestDebtor.court": {"from": ["courtName"]},
            "dishonestDebtor.province": {"from": ["areaName"]},
            "dishonestDebtor.enforcementBasisNumber": {"from": ["gistCid"]},
            "dishonestDebtor.caseFilingDate": {"from": ["regDate"]},
            "dishonestDebtor.caseNumber": {"from": ["caseCode"]},
            "dishonestDebtor.basisIssuer": {"from": ["gistUnit"]},
            "dishonestDebtor.obligation": {"from": ["duty"]},
            "dishonestDebtor.performance": {"from": ["performance"]},
            "dishonestDebtor.performedPart": {"from": ["performedPart"]},
            "dishonestDebtor.unperformedPart": {"from": ["unperformPart"]},
            "dishonestDebtor.situations": {"from": ["disruptTypeName"], "table": "situation", "split": [",", "，"]},
            "dishonestDebtor.publishedDate": {"from": ["publishDate"]},
        },
    }
    partner(ROOT, "suzhou", "苏州市", "Suzhou", "江苏", R, "pull", ["penalty", "license", "dishonestDebtor", "listEntry", "retraction"],
            {"dishonestDebtor": dialect},
            pull={"cursorParameter": "since", "cursorSource": "lastRecordDate", "intervalSeconds": 3600, "pageSize": 200})

    def d(n, name, t="580", card=None, **kw):
        r = {"iname": name, "cardNum": card, "caseCode": f"(2024)苏0505执{n}号", "age": 41, "sexy": "女",
             "businessEntity": "", "courtName": "苏州市虎丘区人民法院", "areaName": "江苏", "partyTypeName": t,
             "gistCid": f"(2023)苏0505民初{n}号", "regDate": "2024年02月01日", "gistUnit": "苏州市虎丘区人民法院",
             "duty": "被告于本判决生效之日起十日内偿还原告借款本金120000元及利息。", "performance": "全部未履行",
             "disruptTypeName": "有履行能力而拒不履行生效法律文书确定义务", "publishDate": "2024年04月10日"}
        for k, v in kw.items():
            if v is None:
                r.pop(k, None)
            else:
                r[k] = v
        return r

    co = "苏州工业园区恒瑞精密机械有限公司"
    items = [
        d(401, "沈梅", card=masked(ric("320505", "19830617", 228))),
        d(402, co, t="581", card=uscc(co, "320594"), businessEntity="陆军", age=None, sexy=None),
        d(403, "韩斌", card=masked(ric("320506", "19771103", 415)), sexy="男", regDate="2024年13月01日"),  # bad date
        d(404, "杨帆", card=masked(ric("320507", "19950520", 330)), caseCode=""),  # missing case number
        "N/A",  # an element that is not an object
        d(406, "苏州吴江丝绸有限公司", t="581", card=uscc("苏州吴江丝绸有限公司", "320509"), age=None, sexy=None,
          disruptTypeName="违反财产报告制度,违反限制消费令", businessEntity="沈立"),
        d(407, "蒋涛", card=masked(ric("320508", "19680214", 117)), sexy="男",
          disruptTypeName="以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行", performance="其他"),
    ]
    data = json.dumps(items, ensure_ascii=False, indent=1).encode()
    fixture(ROOT, "suzhou", "debtors-2024-04", "dishonestDebtor", "input.json", data,
            "court debtor list, one page of the publication API")
    # Named .part, not .json: Contracts/check.sh requires every *.json under Partners/ to parse.
    fixture(ROOT, "suzhou", "truncated-download", "dishonestDebtor", "download.part", data[: len(data) * 2 // 3],
            "a download cut off mid-way: the file must fail with where and why, after the complete records",
            expected_error="mapping.json.truncated")


# ---------------------------------------------------------------- huzhou: pinyin initials, GBK CSV, local numeric codes
def huzhou():
    R = "330500"
    cols = ["XDRMC", "XDRLB", "TYSHXYDM", "FDDBR", "XKWSMC", "XKWSH", "XKLB", "XKZSMC", "XKBH", "XKNR", "XKJDRQ",
            "YXQZ", "YXQZI", "XKJG", "XKJGDM", "DQZT", "SJLYDW", "SJLYDWDM", "BZ"]
    dialect = {
        "kind": "license",
        "description": "湖州 行政许可: pinyin-initial column names, GBK CSV, local numeric codes (相对人类别 1/2/4, 许可类别 01–06, 状态 1/2), dates YYYYMMDD, 20991231 = long-term",
        "format": {"type": "csv", "header": True},
        "encoding": "gbk",
        "dateFormats": ["yyyyMMdd"],
        "tables": {
            "xdrlb": {"1": "legalEntity", "2": "naturalPerson", "4": "individualBusiness"},
            "xklb": {"01": "general", "02": "special", "03": "recognition", "04": "approval", "05": "registration", "06": "other"},
            "dqzt": {"1": "valid", "2": "invalid"},
        },
        "fields": {
            "subject.name": {"from": ["XDRMC"]},
            "subject.category": {"from": ["XDRLB"], "table": "xdrlb"},
            "subject.uscc": {"from": ["TYSHXYDM"], "transforms": ["trim", "halfWidth", "upper"]},
            "subject.legalRepresentative": {"from": ["FDDBR"]},
            "license.documentTitle": {"from": ["XKWSMC"]},
            "license.decisionNumber": {"from": ["XKWSH", "XKBH"]},
            "license.category": {"from": ["XKLB"], "table": "xklb"},
            "license.certificateName": {"from": ["XKZSMC"]},
            "license.licenseNumber": {"from": ["XKBH"]},
            "license.content": {"from": ["XKNR"]},
            "license.decisionDate": {"from": ["XKJDRQ"]},
            "license.validFrom": {"from": ["YXQZ"]},
            "license.validUntil": {"from": ["YXQZI"]},
            "license.authority.name": {"from": ["XKJG"]},
            "license.authority.uscc": {"from": ["XKJGDM"]},
            "license.status": {"from": ["DQZT"], "table": "dqzt"},
            "license.sourceUnit.name": {"from": ["SJLYDW"]},
            "license.sourceUnit.uscc": {"from": ["SJLYDWDM"]},
            "license.remarks": {"from": ["BZ"]},
        },
    }
    partner(ROOT, "huzhou", "湖州市", "Huzhou", "浙江", R, "push", ["license", "penalty", "listEntry", "retraction"],
            {"license": dialect})
    auth = "湖州市吴兴区市场监督管理局"
    src = "湖州市大数据发展管理局"

    def row(n, name, **kw):
        r = {"XDRMC": name, "XDRLB": "1", "TYSHXYDM": uscc(name, "330502"), "FDDBR": "徐强",
             "XKWSMC": "食品经营许可决定书", "XKWSH": f"湖吴市监许〔2024〕{n}号", "XKLB": "01",
             "XKZSMC": "食品经营许可证", "XKBH": f"JY23305020{n:06d}", "XKNR": "预包装食品销售（含冷藏冷冻食品）",
             "XKJDRQ": "20240315", "YXQZ": "20240315", "YXQZI": "20290314", "XKJG": auth, "XKJGDM": uscc(auth, R, "11"),
             "DQZT": "1", "SJLYDW": src, "SJLYDWDM": uscc(src, R, "11"), "BZ": ""}
        r.update(kw)
        return csv_line([r[c] for c in cols]).encode("gbk")

    rows = [csv_line(cols).encode("gbk"),
            row(501, "湖州吴兴绿源食品有限公司"),
            row(502, "湖州南浔张记小吃店", XDRLB="4", TYSHXYDM=uscc("湖州南浔张记小吃店", "330503", "92"), FDDBR="张秀英",
                XKNR="热食类食品制售"),
            row(503, "湖州德清莫干山民宿管理有限公司", XKLB="04", XKWSMC="特种行业许可证核准决定书",
                XKZSMC="特种行业许可证", XKNR="旅馆业", YXQZI="20991231"),  # long-term
            row(504, "湖州长兴XX电池有限公司").replace("XX".encode("gbk"), b"\x81\x20"),  # invalid GBK sequence
            row(505, "湖州安吉竹木制品有限公司", XKLB="07"),  # unknown local category
            row(506, "湖州织里童装有限公司", YXQZ="20240401", YXQZI="20240301"),  # valid-until before valid-from
            row(507, "湖州吴兴美妆有限公司", XKJGDM=bad_check(uscc(auth, R, "11"))),  # authority USCC checksum
            row(508, "湖州南太湖酒业有限公司", XKJDRQ="2024-06-01"),  # not the dialect's date form
            ]
    fixture(ROOT, "huzhou", "licenses-2024-03", "license", "input.csv", b"\r\n".join(rows) + b"\r\n",
            "licence export from the municipal platform: GBK CSV with pinyin-initial headers")


# ---------------------------------------------------------------- xuancheng: XML GB18030 with namespaces
def xuancheng():
    R = "341800"
    ns = "urn:xuancheng:credit:xzcf:1.0"
    dialect = {
        "kind": "penalty",
        "description": "宣城 行政处罚 XML in GB18030 with a namespace; nested subject element; local numeric penalty categories (1 警告 … 7 行政拘留, 9 其他); amounts in 元 with a 元 suffix",
        "format": {"type": "xml", "recordElement": "CFXX", "namespace": ns},
        "encoding": "gb18030",
        "dateFormats": ["yyyy-MM-dd"],
        "tables": {
            "lb": {"1": "legalEntity", "2": "naturalPerson", "3": "individualBusiness"},
            "cflb": {"1": "warning", "2": "fine", "3": ["confiscateIllegalGains"], "4": "orderSuspension",
                     "5": "suspendOrRevokeLicense", "6": "revokeLicense", "7": "detention", "9": "other"},
        },
        "fields": {
            "subject.name": {"from": ["XDR.MC"]},
            "subject.category": {"from": ["XDR@LB"], "table": "lb"},
            "subject.uscc": {"from": ["XDR.TYDM"]},
            "subject.legalRepresentative": {"from": ["XDR.FDDBR"]},
            "penalty.decisionNumber": {"from": ["WSH"]},
            "penalty.violationType": {"from": ["WFXW"]},
            "penalty.facts": {"from": ["WFSS"]},
            "penalty.legalBasis": {"from": ["CFYJ"]},
            "penalty.categories": {"from": ["CFLB"], "table": "cflb", "split": [","]},
            "penalty.content": {"from": ["CFNR"]},
            "penalty.fineAmount": {"from": ["FKJE"], "unit": "yuan"},
            "penalty.confiscatedAmount": {"from": ["MSJE"], "unit": "yuan"},
            "penalty.decisionDate": {"from": ["JDRQ"]},
            "penalty.validUntil": {"from": ["YXQ"]},
            "penalty.authority.name": {"from": ["CFJG.MC"]},
            "penalty.authority.uscc": {"from": ["CFJG.TYDM"]},
            "penalty.sourceUnit.name": {"const": "宣城市发展和改革委员会"},
            "penalty.sourceUnit.uscc": {"const": uscc("宣城市发展和改革委员会", R, "11")},
        },
    }
    partner(ROOT, "xuancheng", "宣城市", "Xuancheng", "安徽", R, "push", ["penalty", "dishonestDebtor", "listEntry", "retraction"],
            {"penalty": dialect})
    auth = "宣城市生态环境局"
    ac = uscc(auth, R, "11")

    def rec(n, name, cflb="2", fk="30000元", **kw):
        v = {"MC": name, "TYDM": uscc(name, "341802"), "FDDBR": "胡斌", "LB": "1", "WSH": f"宣环罚〔2024〕{n}号",
             "WFXW": "超标排放大气污染物", "WFSS": "当事人锅炉废气中氮氧化物排放浓度超过排放标准。",
             "CFYJ": "《中华人民共和国大气污染防治法》第九十九条", "CFLB": cflb, "CFNR": "罚款人民币叁万元",
             "FKJE": fk, "MSJE": None, "JDRQ": "2024-07-03", "YXQ": "2025-07-03"}
        v.update(kw)
        opt = lambda tag: f"<{tag}>{v[tag]}</{tag}>" if v.get(tag) is not None else ""
        return (f"  <x:CFXX>\n    <x:XDR LB=\"{v['LB']}\"><x:MC>{v['MC']}</x:MC><x:TYDM>{v['TYDM']}</x:TYDM>"
                f"<x:FDDBR>{v['FDDBR']}</x:FDDBR></x:XDR>\n    <x:WSH>{v['WSH']}</x:WSH><x:WFXW>{v['WFXW']}</x:WFXW>"
                f"<x:WFSS>{v['WFSS']}</x:WFSS><x:CFYJ>{v['CFYJ']}</x:CFYJ>\n    <x:CFLB>{v['CFLB']}</x:CFLB>"
                f"<x:CFNR>{v['CFNR']}</x:CFNR>" + opt("FKJE").replace("<F", "<x:F").replace("</F", "</x:F")
                + opt("MSJE").replace("<M", "<x:M").replace("</M", "</x:M")
                + f"<x:JDRQ>{v['JDRQ']}</x:JDRQ><x:YXQ>{v['YXQ']}</x:YXQ>\n"
                f"    <x:CFJG><x:MC>{auth}</x:MC><x:TYDM>{ac}</x:TYDM></x:CFJG>\n  </x:CFXX>\n")

    recs = [
        rec(601, "宣城宣州化工有限公司"),
        rec(602, "宣城宁国耐磨材料有限公司", cflb="1,2", fk="5,000.00元", CFNR="警告，并处罚款五千元"),
        rec(603, "宣城广德电子材料有限公司", cflb="8"),  # unknown local category
        rec(604, "宣城郎溪砂石有限公司", fk=None),  # 罚款 without FKJE
        rec(605, "宣城泾县宣纸有限公司", JDRQ="2024年7月3日"),  # not the dialect's date form
        rec(601, "宣城宣州化工有限公司"),  # duplicate of the first record
        rec(607, "宣城绩溪徽菜餐饮有限公司 &amp; 分店", cflb="2,3", fk="12000元", MSJE="3,600元",
            CFNR="没收违法所得3600元，罚款12000元"),  # an escaped entity in text
        rec(608, "宣城旌德灵芝生物有限公司", LB="1", TYDM=""),  # organisation without USCC
    ]
    xml = ('<?xml version="1.0" encoding="GB18030"?>\n'
           f'<x:XZCFSJ xmlns:x="{ns}" pc="20240710">\n' + "".join(recs) + "</x:XZCFSJ>\n")
    fixture(ROOT, "xuancheng", "penalty-2024-07", "penalty", "input.xml", xml.encode("gb18030"),
            "penalty batch as XML in GB18030")


# ---------------------------------------------------------------- wuhu: headerless tab-separated red/black list
def wuhu():
    R = "340200"
    cols = ["ZTMC", "TYDM", "MDLX", "MDMC", "RDBM", "RDBMDM", "RDYJ", "RDWH", "LRRQ", "YXQZ"]
    dialect = {
        "kind": "listEntry",
        "description": "芜湖 红黑名单: tab-separated, no header row (column order below), UTF-8 with BOM, 红/黑 list types, dates 2024.05.06, 长期 = no end",
        "format": {"type": "csv", "header": False, "delimiter": "\\t", "columns": cols},
        "dateFormats": ["yyyy.MM.dd", "yyyy.M.d"],
        "longTermValues": ["长期", "长期有效"],
        "tables": {
            "mdlx": {"红": "red", "黑": "black", "红名单": "red", "黑名单": "black"},
            "mdmc": {"A级纳税人": "taxpayerGradeA", "海关高级认证企业": "customsAdvancedCertified",
                     "安全生产失信联合惩戒对象": "workSafetyBlack", "超限超载运输失信当事人": "overloadedTransport",
                     "交通运输守信联合激励对象": "transportRed"},
        },
        "fields": {
            "subject.category": {"const": "legalEntity"},
            "subject.name": {"from": ["ZTMC"]},
            "subject.uscc": {"from": ["TYDM"]},
            "listEntry.listKind": {"from": ["MDLX"], "table": "mdlx"},
            "listEntry.listName": {"from": ["MDMC"]},
            "listEntry.listCode": {"from": ["MDMC"], "table": "mdmc", "onUnknown": "omit"},
            "listEntry.authority.name": {"from": ["RDBM"]},
            "listEntry.authority.uscc": {"from": ["RDBMDM"]},
            "listEntry.basis": {"from": ["RDYJ"]},
            "listEntry.documentNumber": {"from": ["RDWH"]},
            "listEntry.listedDate": {"from": ["LRRQ"]},
            "listEntry.validUntil": {"from": ["YXQZ"]},
        },
    }
    partner(ROOT, "wuhu", "芜湖市", "Wuhu", "安徽", R, "push", ["listEntry", "dishonestDebtor", "retraction"], {"listEntry": dialect})
    cus = "芜湖海关"
    saf = "芜湖市应急管理局"

    def row(name, **kw):
        r = {"ZTMC": name, "TYDM": uscc(name, "340202"), "MDLX": "红", "MDMC": "海关高级认证企业", "RDBM": cus,
             "RDBMDM": uscc(cus, R, "11"), "RDYJ": "经认证为海关高级认证企业", "RDWH": "芜关认〔2024〕3号",
             "LRRQ": "2024.05.06", "YXQZ": "长期"}
        r.update(kw)
        return "\t".join(r[c] for c in cols)

    lines = [
        row("芜湖鸠江汽车零部件有限公司"),
        row("芜湖三山港口物流有限公司", MDLX="黑", MDMC="安全生产失信联合惩戒对象", RDBM=saf, RDBMDM=uscc(saf, R, "11"),
            RDYJ="发生较大生产安全事故负有责任", RDWH="芜应急罚〔2024〕15号", YXQZ="2027.05.06"),
        row("芜湖弋江新材料有限公司", MDLX="灰"),  # unknown list type
        row("芜湖湾沚机械有限公司", TYDM=bad_check(uscc("芜湖湾沚机械有限公司", "340203"))),  # bad USCC
        row("芜湖繁昌水泥有限公司", LRRQ="2027.01.01"),  # listed in the future
        row("芜湖南陵粮油有限公司", RDBM=""),  # listing authority missing
        row("芜湖无为电缆有限公司", MDMC="守合同重信用企业", MDLX="红"),  # a list not in lists.json: kept by name
    ]
    fixture(ROOT, "wuhu", "lists-2024-05", "listEntry", "input.tsv", b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode(),
            "red/black list export without a header row")


# ---------------------------------------------------------------- hefei: v2 licence codes, JSON object result.rows
def hefei():
    R = "340100"
    dialect = {
        "kind": "license",
        "description": "合肥 行政许可, national v2 field codes (XK_*), JSON object with the records under result.rows, YYYY/MM/DD dates, 2099/12/31 = long-term, v1 fallbacks (XK_XMMC, XK_SPLB)",
        "format": {"type": "json", "recordPath": "result.rows"},
        "dateFormats": ["yyyy/MM/dd", "yyyy-MM-dd"],
        "fields": {
            "subject.name": {"from": ["XK_XDR_MC"]},
            "subject.category": {"from": ["XK_XDR_LB"]},
            "subject.uscc": {"from": ["XK_XDR_SHXYM"]},
            "subject.legalRepresentative": {"from": ["XK_FRDB"]},
            "subject.legalRepresentativeIdentity.documentType": {"from": ["XK_FR_ZJLX"]},
            "subject.legalRepresentativeIdentity.number": {"from": ["XK_FR_ZJHM", "XK_FR_SFZH"]},
            "subject.identity.documentType": {"from": ["XK_XDR_ZJLX"]},
            "subject.identity.number": {"from": ["XK_XDR_ZJHM"]},
            "license.documentTitle": {"from": ["XK_XKWS", "XK_XMMC"]},
            "license.decisionNumber": {"from": ["XK_WSH", "XK_XKBH"]},
            "license.category": {"from": ["XK_XKLB", "XK_SPLB"]},
            "license.categoryDetail": {"from": ["XK_XKLB_QT"]},
            "license.certificateName": {"from": ["XK_XKZS"]},
            "license.licenseNumber": {"from": ["XK_XKBH"]},
            "license.content": {"from": ["XK_NR"]},
            "license.decisionDate": {"from": ["XK_JDRQ"]},
            "license.validFrom": {"from": ["XK_YXQZ"]},
            "license.validUntil": {"from": ["XK_YXQZI"]},
            "license.authority.name": {"from": ["XK_XKJG"]},
            "license.authority.uscc": {"from": ["XK_XKJGDM"]},
            "license.status": {"from": ["XK_ZT"], "table": "zt"},
            "license.sourceUnit.name": {"from": ["XK_LYDW"]},
            "license.sourceUnit.uscc": {"from": ["XK_LYDWDM"]},
            "license.remarks": {"from": ["BZ"]},
        },
        "tables": {"zt": {"1": "valid", "2": "invalid"}},
    }
    retraction = {
        "kind": "retraction",
        "description": "合肥 信用修复 / withdrawal notices: JSON Lines with XF_* keys naming the earlier decision by its document number",
        "format": {"type": "jsonl"},
        "dateFormats": ["yyyy/MM/dd", "yyyy-MM-dd"],
        "tables": {
            "ywlx": {"行政处罚": "penalty", "行政许可": "license", "失信被执行人": "dishonestDebtor", "红黑名单": "listEntry"},
            "xflx": {"信用修复": "creditRepair", "公示期满": "expiry", "法院屏蔽": "courtDelisting", "信息更正": "correction",
                     "撤销": "withdrawal"},
        },
        "fields": {
            "subject.category": {"from": ["XF_XDR_LB"], "const": "legalEntity"},
            "subject.name": {"from": ["XF_XDR_MC"]},
            "subject.uscc": {"from": ["XF_XDR_SHXYM"]},
            "retraction.targetKind": {"from": ["XF_YWLX"], "table": "ywlx"},
            "retraction.targetNumber": {"from": ["XF_YJDSWH"]},
            "retraction.reason": {"from": ["XF_XFLX"], "table": "xflx"},
            "retraction.effectiveDate": {"from": ["XF_SXRQ"]},
            "retraction.authority.name": {"from": ["XF_XFJG"]},
            "retraction.authority.uscc": {"from": ["XF_XFJGDM"]},
            "retraction.documentNumber": {"from": ["XF_XFWSH"]},
            "retraction.remarks": {"from": ["BZ"]},
        },
    }
    partner(ROOT, "hefei", "合肥市", "Hefei", "安徽", R, "push", ["license", "penalty", "dishonestDebtor", "listEntry", "retraction"],
            {"license": dialect, "retraction": retraction})
    auth = "合肥市数据资源局"
    ac = uscc(auth, R, "11")

    def r(n, name, **kw):
        v = {"XK_XDR_MC": name, "XK_XDR_LB": "法人及非法人组织", "XK_XDR_SHXYM": uscc(name, "340104"), "XK_FRDB": "刘洋",
             "XK_FR_ZJLX": "身份证", "XK_FR_ZJHM": ric("340104", "19800101", 357), "XK_XKWS": "建筑工程施工许可决定书",
             "XK_WSH": f"合建许〔2024〕{n}号", "XK_XKLB": "普通", "XK_XKZS": "建筑工程施工许可证",
             "XK_XKBH": f"340104202408{n:04d}", "XK_NR": "高新区某产业园二期厂房工程施工", "XK_JDRQ": "2024/08/15",
             "XK_YXQZ": "2024/08/15", "XK_YXQZI": "2025/08/14", "XK_XKJG": "合肥市城乡建设局",
             "XK_XKJGDM": uscc("合肥市城乡建设局", R, "11"), "XK_ZT": "1", "XK_LYDW": auth, "XK_LYDWDM": ac, "BZ": ""}
        for k, val in kw.items():
            if val is None:
                v.pop(k, None)
            else:
                v[k] = val
        return v

    rows = [
        r(701, "合肥高新智能装备有限公司"),
        r(702, "何静", XK_XDR_LB="自然人", XK_XDR_SHXYM="", XK_FRDB="", XK_FR_ZJLX=None, XK_FR_ZJHM=None,
          XK_XDR_ZJLX="身份证", XK_XDR_ZJHM=ric("340102", "19920306", 248), XK_XKWS="医师执业注册决定书",
          XK_XKLB="登记", XK_XKZS="医师执业证书", XK_NR="执业类别：临床；执业范围：内科专业", XK_YXQZI="2099/12/31"),
        r(703, "合肥包河建设工程有限公司", XK_XKJGDM=bad_check(uscc("合肥市城乡建设局", R, "11"))),  # authority checksum
        r(704, "合肥蜀山环保科技有限公司", XK_JDRQ="2024/8/15"),  # not a YYYY/MM/DD date
        r(705, "合肥瑶海物流有限公司", XK_XKLB="其他"),  # 其他 without the stated category
        r(706, "合肥庐阳文化传媒有限公司", XK_WSH=None, XK_XKBH=None),  # neither 文书号 nor 许可编号
        r(707, "合肥经开新能源有限公司", XK_XKLB=None, XK_SPLB="核准", XK_XKWS=None,
          XK_XMMC="企业投资项目核准批复"),  # v1 names (审批类别, 项目名称) as fallbacks
    ]
    doc = {"success": True, "result": {"total": len(rows), "rows": rows}}
    fixture(ROOT, "hefei", "licenses-2024-08", "license", "input.json", json.dumps(doc, ensure_ascii=False).encode(),
            "licence page of the municipal open-data API")
    xy = "合肥市发展和改革委员会"

    def x(name, **kw):
        v = {"XF_XDR_MC": name, "XF_XDR_SHXYM": uscc(name, "340104"), "XF_YWLX": "行政处罚",
             "XF_YJDSWH": "合市监罚〔2024〕88号", "XF_XFLX": "信用修复", "XF_SXRQ": "2024/11/20", "XF_XFJG": xy,
             "XF_XFJGDM": uscc(xy, R, "11"), "XF_XFWSH": "合发改信修〔2024〕156号", "BZ": ""}
        for k, val in kw.items():
            if val is None:
                v.pop(k, None)
            else:
                v[k] = val
        return json.dumps(v, ensure_ascii=False)

    lines = [
        x("合肥新站物流有限公司"),
        x("合肥肥西建材有限公司", XF_YWLX="行政许可", XF_YJDSWH="合建许〔2023〕12号", XF_XFLX="撤销", XF_XFWSH=None),
        x("合肥长丰农业有限公司", XF_XFLX="特赦"),  # not a retraction reason
        x("合肥肥东化工有限公司", XF_YJDSWH=None),  # which decision is retracted?
        x("合肥巢湖渔业有限公司", XF_SXRQ="2024/11/31"),  # no 31 November
    ]
    fixture(ROOT, "hefei", "retractions-2024-11", "retraction", "input.jsonl", ("\n".join(lines) + "\n").encode(),
            "credit-repair and withdrawal notices")


if __name__ == "__main__":
    for f in [songjiang, jiaxing, hangzhou, jinhua, suzhou, huzhou, xuancheng, wuhu, hefei]:
        f()
    print("written")
