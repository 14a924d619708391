import Foundation
import GatewayCore

extension DualPublicityReport {
    /// The report as pretty-printed JSON with sorted keys (rates as fractions 0…1, null when undefined).
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// The CSV header: Chinese label and English name of each column.
    public static let csvColumns = [
        "栏目 section", "期间 period", "起 start", "止 end", "城市 partner", "城市名 partner_name", "类别 kind",
        "申报行数 declared", "接收行数 received", "合格行数 accepted", "隔离行数 quarantined", "按时 on_time", "逾期 late",
        "无法判定 undetermined", "上报率 reporting_rate", "合规率 compliance_rate", "及时率 timeliness_rate",
        "排名 rank", "综合得分 score",
    ]

    /// The report as CSV (RFC 4180, CRLF, UTF-8 with a byte-order mark so that spreadsheet programs read Chinese).
    ///
    /// One row per partner, kind and period (`total`, `week`, `month`), then the rankings (`ranking`, kind
    /// `license+penalty`). Rates are fractions with 4 decimals, empty when undefined. Late rows, missing batches
    /// and rejection reasons are in the JSON and HTML renderings.
    public func csvText() -> String {
        var lines = [Self.csvColumns.map(Self.csvField).joined(separator: ",")]
        func row(
            _ section: String, _ period: String, _ start: CivilDate, _ end: CivilDate, _ partner: ReportPartner,
            _ kind: String, _ f: ReportFigures, rank: Int? = nil, score: Double? = nil
        ) {
            let fields: [String] = [
                section, period, start.description, end.description, partner.slug, partner.nameZh, kind,
                String(f.declared), String(f.received), String(f.accepted), String(f.quarantined), String(f.onTime),
                String(f.late), String(f.undetermined), Self.fraction(f.reportingRate),
                Self.fraction(f.complianceRate), Self.fraction(f.timelinessRate), rank.map(String.init) ?? "",
                Self.fraction(score),
            ]
            lines.append(fields.map(Self.csvField).joined(separator: ","))
        }
        for section in partners {
            for kind in section.kinds {
                row("total", "period", from, to, section.partner, kind.kind, kind.total)
                for w in kind.weeks { row("week", w.label, w.start, w.end, section.partner, kind.kind, w.figures) }
                for m in kind.months { row("month", m.label, m.start, m.end, section.partner, kind.kind, m.figures) }
            }
        }
        for ranking in rankings {
            for e in ranking.entries {
                row(
                    "ranking", ranking.label, ranking.start, ranking.end, e.partner, "license+penalty", e.figures,
                    rank: e.rank, score: e.score)
            }
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    static func fraction(_ value: Double?) -> String {
        guard let value else { return "" }
        return String(format: "%.4f", value)
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func html(_ text: String) -> String { HTMLText.escape(text) }

    /// The report as one self-contained HTML page (inline style, no scripts, no external assets), Chinese labels
    /// with English beside them, for printing or mailing as the monthly circular.
    public func htmlText() -> String {
        let h = Self.html
        var o = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <title>双公示监测报告 Dual-publicity monitoring report \(from) – \(to)</title>
            <style>
            body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 1.5em; color: #222; font-size: 14px; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 2px solid #8a1c1c; }
            h3 { font-size: 1.05em; margin-top: 1.2em; }
            table { border-collapse: collapse; margin: 0.5em 0 1em; }
            th, td { border: 1px solid #bbb; padding: 3px 8px; text-align: right; white-space: nowrap; }
            th { background: #f3eeee; } td.l, th.l { text-align: left; }
            .en { color: #666; font-size: 0.85em; font-weight: normal; }
            .low { color: #b00000; font-weight: bold; } .none { color: #999; }
            ul.notes { color: #444; font-size: 0.9em; }
            </style>
            </head>
            <body>
            <h1>G60科创走廊九城市“双公示”信息报送监测报告 <span class="en">G60 nine-city dual-publicity monitoring report</span></h1>
            <p>统计期间 <span class="en">period</span>: \(from) 至 <span class="en">to</span> \(to)（北京时间 <span class="en">UTC+08:00</span>）</p>

            """
        func rate(_ value: Double?) -> String {
            guard let value else { return "<td class=\"none\">—</td>" }
            return value < 0.9 ? "<td class=\"low\">\(Self.percent(value))</td>" : "<td>\(Self.percent(value))</td>"
        }
        let figureHead = """
            <th>申报 <span class="en">declared</span></th><th>接收 <span class="en">received</span></th>\
            <th>合格 <span class="en">accepted</span></th><th>隔离 <span class="en">quarantined</span></th>\
            <th>按时 <span class="en">on time</span></th><th>逾期 <span class="en">late</span></th>\
            <th>上报率 <span class="en">reporting</span></th><th>合规率 <span class="en">compliance</span></th>\
            <th>及时率 <span class="en">timeliness</span></th>
            """
        func figureCells(_ f: ReportFigures) -> String {
            "<td>\(f.declared)</td><td>\(f.received)</td><td>\(f.accepted)</td><td>\(f.quarantined)</td>"
                + "<td>\(f.onTime)</td><td>\(f.late)</td>" + rate(f.reportingRate) + rate(f.complianceRate)
                + rate(f.timelinessRate)
        }

        o += "<h2>城市排名（月通报） <span class=\"en\">Ranking of the cities (monthly circular)</span></h2>\n"
        for ranking in rankings {
            let title =
                ranking.label == "period"
                ? "全期 <span class=\"en\">whole period</span>" : "\(h(ranking.label)) 月 <span class=\"en\">month</span>"
            o +=
                "<h3>\(title): \(ranking.start) – \(ranking.end)（行政许可＋行政处罚 <span class=\"en\">licences + penalties</span>）</h3>\n"
            o +=
                "<table class=\"ranking\" data-period=\"\(h(ranking.label))\">\n<tr><th>名次 <span class=\"en\">rank</span></th>"
            o += "<th class=\"l\">城市 <span class=\"en\">city</span></th>\(figureHead)"
            o += "<th>综合得分 <span class=\"en\">score</span></th></tr>\n"
            for e in ranking.entries {
                o += "<tr data-partner=\"\(h(e.partner.slug))\"><td>\(e.rank.map(String.init) ?? "—")</td>"
                o += "<td class=\"l\">\(h(e.partner.nameZh)) <span class=\"en\">\(h(e.partner.nameEn))</span></td>"
                o += figureCells(e.figures)
                o += e.score == nil ? "<td class=\"none\">无数据 <span class=\"en\">no data</span></td>" : rate(e.score)
                o += "</tr>\n"
            }
            o += "</table>\n"
        }

        for section in partners {
            let p = section.partner
            o += "<h2 id=\"partner-\(h(p.slug))\">\(h(p.nameZh)) <span class=\"en\">\(h(p.nameEn))</span></h2>\n"
            o += "<p>收到信封 <span class=\"en\">envelopes received</span>: \(section.envelopes)；"
            o += "缺失批次 <span class=\"en\">missing batches</span>: \(section.missingBatches)</p>\n"
            if !section.sequenceGaps.isEmpty {
                o += "<table><tr><th>缺失序号 <span class=\"en\">missing sequence numbers</span></th>"
                o += "<th>批次数 <span class=\"en\">batches</span></th>"
                o += "<th class=\"l\">前一信封 <span class=\"en\">envelope before</span></th>"
                o += "<th class=\"l\">后一信封 <span class=\"en\">envelope after</span></th></tr>\n"
                for g in section.sequenceGaps {
                    let range =
                        g.firstMissing == g.lastMissing ? "\(g.firstMissing)" : "\(g.firstMissing)–\(g.lastMissing)"
                    o += "<tr><td>\(range)</td><td>\(g.count)</td><td class=\"l\">\(h(g.previousMessageID ?? "—"))</td>"
                    o += "<td class=\"l\">\(h(g.nextMessageID))</td></tr>\n"
                }
                o += "</table>\n"
            }
            for kind in section.kinds {
                o += "<h3>\(h(kind.labelZh)) <span class=\"en\">\(h(kind.labelEn))</span></h3>\n"
                o += "<table><tr><th class=\"l\">期间 <span class=\"en\">period</span></th>\(figureHead)</tr>\n"
                o +=
                    "<tr><td class=\"l\"><b>合计 <span class=\"en\">total</span></b></td>\(figureCells(kind.total))</tr>\n"
                for w in kind.weeks {
                    o +=
                        "<tr><td class=\"l\">周 <span class=\"en\">week</span> \(h(w.label))</td>\(figureCells(w.figures))</tr>\n"
                }
                for m in kind.months {
                    o +=
                        "<tr><td class=\"l\">月 <span class=\"en\">month</span> \(h(m.label))</td>\(figureCells(m.figures))</tr>\n"
                }
                o += "</table>\n"
                if !kind.timelinessApplies {
                    o += "<p class=\"en\">及时率不适用 (the 7-working-day rule does not apply to this kind)</p>\n"
                }
                if !kind.topRejections.isEmpty {
                    o += "<p>主要退回原因 <span class=\"en\">top rejection reasons</span>:</p>\n<table>"
                    o +=
                        "<tr><th class=\"l\">问题代码 <span class=\"en\">problem code</span></th><th>行数 <span class=\"en\">rows</span></th></tr>\n"
                    for r in kind.topRejections {
                        o += "<tr><td class=\"l\">\(h(r.code))</td><td>\(r.rows)</td></tr>\n"
                    }
                    o += "</table>\n"
                }
                if !kind.lateRows.isEmpty {
                    o += "<p>逾期记录 <span class=\"en\">late records</span>:</p>\n<table>"
                    o +=
                        "<tr><th class=\"l\">记录编号 <span class=\"en\">record id</span></th><th>版本 <span class=\"en\">version</span></th>"
                    o +=
                        "<th>决定日期 <span class=\"en\">decision</span></th><th>公示期限 <span class=\"en\">deadline</span></th>"
                    o +=
                        "<th>接收日期 <span class=\"en\">received</span></th><th>逾期工作日 <span class=\"en\">working days late</span></th></tr>\n"
                    for r in kind.lateRows {
                        o += "<tr><td class=\"l\">\(h(r.recordID))</td><td>\(r.version)</td><td>\(r.decisionDate)</td>"
                        o +=
                            "<td>\(r.deadline)</td><td>\(r.receivedDate)</td><td>\(r.workdaysLate.map(String.init) ?? "—")</td></tr>\n"
                    }
                    o += "</table>\n"
                }
                if !kind.undeterminedRecordIDs.isEmpty {
                    o += "<p>无法判定及时性 <span class=\"en\">timeliness undetermined</span>: "
                    o += kind.undeterminedRecordIDs.map(h).joined(separator: ", ") + "</p>\n"
                }
            }
        }
        o += "<h2>说明 <span class=\"en\">Notes</span></h2>\n<ul class=\"notes\">\n"
        for note in notes { o += "<li>\(h(note))</li>\n" }
        o += "</ul>\n</body>\n</html>\n"
        return o
    }
}
