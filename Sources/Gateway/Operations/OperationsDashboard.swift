import Foundation
import GatewayCore
import GatewayStore

/// The `/ops` page: server-rendered HTML with inline CSS and inline SVG charts, no scripts and no external assets
/// (it must work offline on an intranet), labels in Chinese with English beside them, refreshing itself every
/// `refreshSeconds`. Laid out for a 1366×768 screen: the partner table on top, charts and lists below.
///
/// Pure: the page is a function of the snapshot. Every text taken from the store is HTML-escaped and passed
/// through `Redaction`, so no identity number reaches the page in clear.
public enum OperationsDashboard {
    /// Where the replay button posts (`id=<queue item id>`); the route belongs to the service.
    public static let replayPath = "/ops/dlq/replay"
    public static let contentType = "text/html; charset=utf-8"

    public static func render(_ snapshot: OperationsSnapshot, refreshSeconds: Int = 10) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="refresh" content="\(max(1, refreshSeconds))">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>G60 运行监控 Operations</title>
            <style>\(css)</style>
            </head>
            <body>

            """
        html += header(snapshot, refreshSeconds: refreshSeconds)
        html += partnerTable(snapshot)
        html += "<div class=\"lower\">\n"
        html += charts(snapshot)
        html += deadLetterList(snapshot)
        html += rejectedRowList(snapshot)
        html += "</div>\n</body>\n</html>\n"
        return html
    }

    // MARK: - Sections

    static func header(_ s: OperationsSnapshot, refreshSeconds: Int) -> String {
        let counts = Dictionary(grouping: s.partners, by: \.status).mapValues(\.count)
        let queued = s.partners.reduce(0) { $0 + $1.inboundDepth + $1.outboundDepth }
        let dead = s.partners.reduce(0) { $0 + $1.dead }
        var out = "<header>\n<h1>G60 信用信息交换网关 · 运行监控 "
        out += "<span class=\"en\">Credit exchange operations</span></h1>\n"
        out += "<p class=\"meta\">更新 Updated \(escape(beijing(s.generatedAt, withDate: true))) (UTC+8) · "
        out += "每 \(refreshSeconds) 秒刷新 Refreshes every \(refreshSeconds) s"
        if let size = s.databaseSizeBytes { out += " · 数据库 Database \(escape(bytes(size)))" }
        out += "</p>\n<ul class=\"tiles\">\n"
        out += tile("城市 Partners", "\(s.partners.count)", "")
        out += tile("正常 OK", "\(counts[.ok, default: 0] + counts[.idle, default: 0])", "ok")
        out += tile("警告 Warning", "\(counts[.warning, default: 0])", counts[.warning, default: 0] > 0 ? "warning" : "")
        out += tile(
            "故障 Critical", "\(counts[.critical, default: 0])", counts[.critical, default: 0] > 0 ? "critical" : "")
        out += tile("待处理 Queued", "\(queued)", "")
        out += tile("死信 Dead letters", "\(dead)", dead > 0 ? "critical" : "")
        out += "</ul>\n</header>\n"
        return out
    }

    static func tile(_ label: String, _ value: String, _ cls: String) -> String {
        "<li class=\"\(cls)\"><b>\(escape(value))</b> \(escape(label))</li>\n"
    }

    static func partnerTable(_ s: OperationsSnapshot) -> String {
        let window =
            s.rowWindowSeconds >= 3_600 ? "\(Int(s.rowWindowSeconds / 3_600)) h" : "\(Int(s.rowWindowSeconds)) s"
        var out = """
            <section class="partners">
            <table id="partners">
            <thead><tr><th>状态<br><span class="en">Status</span></th><th>城市<br><span class="en">Partner</span></th>\
            <th>最近接收<br><span class="en">Last received</span></th><th>最近投递<br><span class="en">Last delivered</span></th>\
            <th class="n">入站队列<br><span class="en">Inbound</span></th><th class="n">出站队列<br><span class="en">Outbound</span></th>\
            <th class="n">最久等待<br><span class="en">Oldest</span></th><th class="n">重试<br><span class="en">Retry</span></th>\
            <th class="n">死信<br><span class="en">Dead</span></th><th class="n">拒收率 (\(window))<br><span class="en">Rejected rows</span></th>\
            <th>证书到期<br><span class="en">Certificate</span></th><th>说明<br><span class="en">Notes</span></th></tr></thead>
            <tbody>

            """
        for p in s.partners {
            out += "<tr class=\"partner\" data-partner=\"\(escape(p.id))\">"
            out += "<td>\(light(p.status))</td>"
            out += "<td><b>\(escape(p.nameZH))</b> <span class=\"en\">\(escape(p.nameEN))</span></td>"
            out += "<td>\(when(p.lastReceived, now: s.generatedAt))</td>"
            out += "<td>\(when(p.lastDelivered, now: s.generatedAt))</td>"
            out += "<td class=\"n\">\(p.inboundDepth)</td><td class=\"n\">\(p.outboundDepth)</td>"
            out += "<td class=\"n\">\(p.oldestOutboundAgeSeconds.map { escape(duration($0)) } ?? "–")</td>"
            out += "<td class=\"n\(p.retrying > 0 ? " warn" : "")\">\(p.retrying)</td>"
            out += "<td class=\"n\(p.dead > 0 ? " bad" : "")\">\(p.dead)</td>"
            out += "<td class=\"n\">\(rate(p.rows))</td>"
            out += "<td>\(certificate(p))</td>"
            out += "<td class=\"notes\">\(escape(p.reasons.joined(separator: "; ")))</td></tr>\n"
        }
        if s.partners.isEmpty {
            out += "<tr><td colspan=\"12\" class=\"empty\">没有合作城市 No partners configured</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    static func charts(_ s: OperationsSnapshot) -> String {
        let h = s.history
        var out = "<section class=\"charts\">\n<h2>最近一小时 <span class=\"en\">Last hour, per minute</span></h2>\n"
        out += chart(
            title: "吞吐量 Throughput", unit: "/min",
            series: [
                ("信封 envelopes", "#2563eb", h.map { Double($0.envelopesReceived) }),
                ("接收行 rows accepted", "#16a34a", h.map { Double($0.rowsAccepted) }),
                ("拒收行 rows rejected", "#dc2626", h.map { Double($0.rowsQuarantined) }),
                ("投递 deliveries", "#9333ea", h.map { Double($0.deliveries) }),
            ])
        out += chart(
            title: "回执时延 Receipt latency", unit: "ms",
            series: [("平均 mean", "#0891b2", h.map { $0.meanReceiptLatency.map { $0 * 1000 } })])
        out += chart(
            title: "端到端时延 End-to-end latency", unit: "s",
            series: [("平均 mean", "#ea580c", h.map { $0.meanEndToEndLatency })])
        return out + "</section>\n"
    }

    static func deadLetterList(_ s: OperationsSnapshot) -> String {
        var out =
            "<section class=\"dead\">\n<h2>死信队列 <span class=\"en\">Dead letters</span> (\(s.deadLetters.count))</h2>\n"
        guard !s.deadLetters.isEmpty else {
            return out + "<p class=\"empty\">没有死信 No dead letters</p>\n</section>\n"
        }
        out += """
            <table id="dead-letters" class="fixed"><colgroup><col style="width:36px"><col style="width:52px">\
            <col style="width:58px"><col style="width:40px"><col><col style="width:78px"></colgroup><thead><tr>\
            <th>编号<br><span class="en">Item</span></th><th>城市<br><span class="en">Partner</span></th>\
            <th>类型<br><span class="en">Kind</span></th><th class="n">尝试<br><span class="en">Tries</span></th>\
            <th>最后错误<br><span class="en">Last error</span></th><th></th></tr></thead>
            <tbody>

            """
        let names = Dictionary(s.partners.map { ($0.id, $0.nameZH) }, uniquingKeysWith: { a, _ in a })
        for d in s.deadLetters {
            out += "<tr><td>#\(d.id)</td><td>\(escape(names[d.partner] ?? d.partner))</td>"
            out += "<td>\(escape(d.direction == .inbound ? "入" : "出")) \(escape(d.kind))</td>"
            out += "<td class=\"n\">\(d.attempts)</td>"
            let error = d.lastError.map { Redaction.redact($0) } ?? ""
            let shortError = error.count > 70 ? String(error.prefix(69)) + "…" : error
            out += "<td class=\"err\" title=\"\(escape(error))\">\(escape(shortError))</td>"
            out +=
                "<td><form method=\"post\" action=\"\(replayPath)\"><input type=\"hidden\" name=\"id\" value=\"\(d.id)\">"
            out += "<button type=\"submit\">重放 Replay</button></form></td></tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    static func rejectedRowList(_ s: OperationsSnapshot) -> String {
        var out = "<section class=\"rejected\">\n<h2>最近拒收行 <span class=\"en\">Recent rejected rows</span></h2>\n"
        guard !s.rejectedRows.isEmpty else {
            return out + "<p class=\"empty\">没有拒收行 No rejected rows</p>\n</section>\n"
        }
        out += """
            <table id="rejected-rows" class="fixed"><colgroup><col style="width:46px"><col style="width:52px">\
            <col style="width:136px"><col></colgroup><thead><tr>\
            <th>时间<br><span class="en">Time</span></th><th>城市<br><span class="en">Partner</span></th>\
            <th>报文 · 行<br><span class="en">Message · row</span></th><th>原因<br><span class="en">Problems</span></th></tr></thead>
            <tbody>

            """
        let names = Dictionary(s.partners.map { ($0.id, $0.nameZH) }, uniquingKeysWith: { a, _ in a })
        for r in s.rejectedRows {
            out += "<tr><td>\(escape(beijing(r.receivedAt, withDate: false)))</td>"
            out += "<td>\(escape(names[r.partner] ?? r.partner))</td>"
            let message = Redaction.redact(r.messageID)
            let shown = message.count > 18 ? String(message.prefix(17)) + "…" : message
            out += "<td class=\"mono\" title=\"\(escape(message))\">\(escape(shown)) · \(r.rowNumber)</td><td>"
            out += r.problems.map { p in
                "<code>\(escape(Redaction.redact(p.code)))</code>"
                    + (p.field.isEmpty ? "" : " <span class=\"field\">\(escape(Redaction.redact(p.field)))</span>")
            }.joined(separator: "<br>")
            out += "</td></tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    // MARK: - Pieces

    static func light(_ status: OperationsSnapshot.Status) -> String {
        let label: String
        switch status {
        case .idle: label = "空闲 Idle"
        case .ok: label = "正常 OK"
        case .warning: label = "警告 Warning"
        case .critical: label = "故障 Critical"
        }
        return "<span class=\"light \(status.rawValue)\">\(label)</span>"
    }

    static func when(_ date: Date?, now: Date) -> String {
        guard let date else { return "<span class=\"none\">– 无 none</span>" }
        let age = max(0, now.timeIntervalSince(date))
        let stamp =
            age >= 86_400
            ? String(beijing(date, withDate: true).dropFirst(5).prefix(11)) : beijing(date, withDate: false)
        return "\(escape(stamp)) <span class=\"ago\">\(escape(duration(age)))</span>"
    }

    static func rate(_ rows: PartnerRowCounts) -> String {
        guard let r = rows.rejectedRate else { return "<span class=\"none\">–</span>" }
        let percent = (r * 1000).rounded() / 10
        let cls = r > 0.1 ? " class=\"warn\"" : ""
        return "<span\(cls) title=\"\(rows.quarantined) / \(rows.accepted + rows.quarantined)\">\(percent) %</span>"
    }

    static func certificate(_ p: OperationsSnapshot.PartnerRow) -> String {
        guard let notAfter = p.certificateNotAfter, let days = p.certificateDaysLeft else {
            return "<span class=\"none\">– 未知 unknown</span>"
        }
        let cls = days < 7 ? "bad" : days < 30 ? "warn" : ""
        let day = escape(String(beijing(notAfter, withDate: true).prefix(10)))
        let left = days < 0 ? "已过期 expired" : "\(days) 天 d"
        return "<span class=\"\(cls)\">\(day) · \(escape(left))</span>"
    }

    /// An inline SVG line chart of per-minute values (nil = no data that minute), with its own y scale.
    static func chart(title: String, unit: String, series: [(name: String, color: String, values: [Double?])])
        -> String
    {
        let width = 420.0
        let height = 84.0
        let left = 34.0
        let right = 6.0
        let top = 6.0
        let bottom = 16.0
        let count = max(2, series.map(\.values.count).max() ?? 2)
        let peak = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let scale = niceCeiling(peak)
        func x(_ i: Int) -> Double { left + (width - left - right) * Double(i) / Double(count - 1) }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - min(v, scale) / scale) }
        var svg = "<figure class=\"chart\"><figcaption>\(escape(title)) <span class=\"unit\">(\(escape(unit)))</span>"
        for s in series {
            svg += " <span class=\"key\"><i style=\"background:\(s.color)\"></i>\(escape(s.name))</span>"
        }
        svg += "</figcaption>\n<svg viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" "
        svg += "height=\"\(fmt(height))\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(width - left - right))\" "
        svg += "height=\"\(fmt(height - top - bottom))\" fill=\"#f8fafc\" stroke=\"#cbd5e1\"/>\n"
        for fraction in [0.5] {
            svg += "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(y(scale * fraction)))\" "
            svg += "y2=\"\(fmt(y(scale * fraction)))\" stroke=\"#e2e8f0\"/>\n"
        }
        svg +=
            "<text x=\"\(fmt(left - 3))\" y=\"\(fmt(top + 8))\" text-anchor=\"end\">\(escape(number(scale)))</text>\n"
        svg += "<text x=\"\(fmt(left - 3))\" y=\"\(fmt(height - bottom))\" text-anchor=\"end\">0</text>\n"
        svg += "<text x=\"\(fmt(left))\" y=\"\(fmt(height - 3))\">−\(count) min</text>\n"
        svg += "<text x=\"\(fmt(width - right))\" y=\"\(fmt(height - 3))\" text-anchor=\"end\">现在 now</text>\n"
        for s in series {
            // Runs of consecutive minutes with data become one polyline each; single points become dots.
            var run: [String] = []
            func flush() {
                if run.count == 1, let only = run.first {
                    let xy = only.split(separator: ",")
                    svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.8\" fill=\"\(s.color)\"/>\n"
                } else if run.count > 1 {
                    svg += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.6\" "
                    svg += "points=\"\(run.joined(separator: " "))\"/>\n"
                }
                run = []
            }
            for (i, v) in s.values.enumerated() {
                if let v { run.append("\(fmt(x(i))),\(fmt(y(v)))") } else { flush() }
            }
            flush()
        }
        return svg + "</svg></figure>\n"
    }

    /// 1, 2 or 5 times a power of ten at or above `v` (at least 1).
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 1 else { return 1 }
        let power = pow(10, (log10(v)).rounded(.down))
        for step in [1.0, 2, 5, 10] where step * power >= v { return step * power }
        return 10 * power
    }

    static func number(_ v: Double) -> String {
        if v >= 1_000_000 { return fmt(v / 1_000_000) + "M" }
        if v >= 10_000 { return fmt(v / 1_000) + "k" }
        return fmt(v)
    }

    static func fmt(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e12 { return String(Int64(v)) }
        return String(format: "%.1f", v)
    }

    /// `HH:mm` (or `MM-dd HH:mm`, or the full date with seconds for the header) in China Standard Time.
    static func beijing(_ date: Date, withDate: Bool) -> String {
        let seconds = Int64((date.timeIntervalSince1970 + 8 * 3_600).rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let second = Int(seconds - days * 86_400)
        let day = CivilDate(dayNumber: Int(days)).description
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        let time = "\(two(second / 3_600)):\(two(second / 60 % 60))"
        return withDate ? "\(day) \(time):\(two(second % 60))" : time
    }

    /// A compact age: `45 s`, `12 min`, `3.5 h`, `2 d`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(Int(seconds)) s" }
        if seconds < 3_600 { return "\(Int(seconds / 60)) min" }
        if seconds < 86_400 { return fmt((seconds / 360).rounded() / 10) + " h" }
        return "\(Int(seconds / 86_400)) d"
    }

    static func bytes(_ n: Int64) -> String {
        let v = Double(n)
        if v >= 1_073_741_824 { return fmt((v / 1_073_741_824 * 10).rounded() / 10) + " GB" }
        if v >= 1_048_576 { return fmt((v / 1_048_576 * 10).rounded() / 10) + " MB" }
        if v >= 1_024 { return fmt((v / 1_024 * 10).rounded() / 10) + " KB" }
        return "\(n) B"
    }

    /// HTML text and attribute escaping, after masking identity numbers.
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    static let css = """
        *{box-sizing:border-box}
        body{margin:0;padding:8px 14px;font:13px/1.35 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC",\
        "Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;color:#0f172a;background:#f1f5f9}
        header{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 16px;margin-bottom:6px}
        h1{font-size:17px;margin:0}
        h2{font-size:13px;margin:0 0 4px}
        .en{color:#64748b;font-weight:normal;font-size:11px}
        .meta{margin:0;color:#475569;font-size:11px}
        .tiles{list-style:none;display:flex;gap:6px;margin:0 0 0 auto;padding:0}
        .tiles li{background:#fff;border:1px solid #cbd5e1;border-radius:4px;padding:0 6px;font-size:11px}
        .tiles li b{font-size:14px}
        .tiles li.ok b{color:#15803d}.tiles li.warning b{color:#b45309}.tiles li.critical b{color:#b91c1c}
        section{background:#fff;border:1px solid #cbd5e1;border-radius:4px;padding:6px 8px}
        table{border-collapse:collapse;width:100%}
        th,td{padding:2px 6px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:middle;white-space:nowrap}
        th{font-size:12px;background:#f8fafc;line-height:1.15}
        .partners td{height:27px}
        .n{text-align:right;font-variant-numeric:tabular-nums}
        .light{display:inline-block;padding:1px 7px 1px 17px;border-radius:9px;font-size:12px;position:relative}
        .light::before{content:"";position:absolute;left:5px;top:5px;width:9px;height:9px;border-radius:50%}
        .light.ok{background:#dcfce7}.light.ok::before{background:#16a34a}
        .light.idle{background:#e2e8f0}.light.idle::before{background:#94a3b8}
        .light.warning{background:#fef3c7}.light.warning::before{background:#d97706}
        .light.critical{background:#fee2e2}.light.critical::before{background:#dc2626}
        .warn{color:#b45309;font-weight:bold}.bad{color:#b91c1c;font-weight:bold}
        .ago,.none,.field{color:#64748b;font-size:11px}
        .notes{white-space:normal;font-size:11px;color:#7c2d12;max-width:230px}
        .lower{display:grid;grid-template-columns:430px minmax(0,1fr) minmax(0,1.1fr);gap:8px;margin-top:8px;align-items:start}
        .lower section{min-width:0;overflow:hidden}
        .chart{margin:0 0 2px}
        .chart figcaption{font-size:12px}
        .chart .unit{color:#64748b}
        .key{font-size:11px;color:#334155;margin-left:4px}
        .key i{display:inline-block;width:9px;height:3px;margin-right:2px;vertical-align:middle}
        svg text{font-size:9px;fill:#64748b}
        .dead td,.rejected td{font-size:12px}
        table.fixed{table-layout:fixed}
        table.fixed td,table.fixed th{overflow:hidden;text-overflow:ellipsis}
        .err{color:#7f1d1d}
        .rejected td:last-child{white-space:normal;line-height:1.2;overflow-wrap:anywhere}
        .rejected .field{display:block}
        .lower th,.lower td{padding:2px 3px}
        .dead td.err{white-space:normal;line-height:1.2;overflow-wrap:anywhere;font-size:11px}
        .mono,code{font-family:"DejaVu Sans Mono",monospace;font-size:11px}
        code{background:#f1f5f9;padding:0 3px;border-radius:3px;color:#9a3412}
        form{margin:0}
        button{font:inherit;font-size:11px;padding:1px 6px;border:1px solid #2563eb;background:#eff6ff;color:#1d4ed8;\
        border-radius:3px;cursor:pointer}
        .empty{color:#64748b;margin:4px 0}
        """
}
