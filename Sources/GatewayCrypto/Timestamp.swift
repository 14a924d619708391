import Foundation

/// An RFC 3339 date-time with an explicit offset, kept as written (it is signed) and as an instant.
///
/// Accepted form: `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `+HH:MM` / `-HH:MM` (see
/// Contracts/envelope/v1/README.md, "Field values"). Lower-case `t`/`z` and leap seconds are refused.
public struct RFC3339Timestamp: Sendable, Hashable, CustomStringConvertible {
    /// The exact text, as it appears in the envelope.
    public let text: String
    /// The instant, in seconds since 1970-01-01T00:00:00Z.
    public let secondsSince1970: Double

    public var date: Date { Date(timeIntervalSince1970: secondsSince1970) }
    public var description: String { text }

    /// Parses `text`, or returns nil when it is not the accepted form or not a real date-time.
    public init?(_ text: String) {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return nil }
        func digits(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = digits(0..<4), b[4] == 0x2D, let month = digits(5..<7), b[7] == 0x2D,
            let day = digits(8..<10), b[10] == 0x54, let hour = digits(11..<13), b[13] == 0x3A,
            let minute = digits(14..<16), b[16] == 0x3A, let second = digits(17..<19)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if b[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i - start >= 1, i - start <= 9 else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetSeconds = 0
        if b[i] == 0x5A {
            guard i + 1 == b.count else { return nil }
        } else {
            guard b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, let oh = digits((i + 1)..<(i + 3)), b[i + 3] == 0x3A,
                let om = digits((i + 4)..<(i + 6)), oh < 24, om < 60
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == 0x2B ? 1 : -1)
        }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let local = Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
        self.text = text
        self.secondsSince1970 = local - Double(offsetSeconds)
    }

    /// Formats `date` at `offsetMinutes` from UTC (default +08:00, China Standard Time), whole seconds.
    public init(date: Date, offsetMinutes: Int = 480) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let local = seconds + offsetMinutes * 60
        let days = Int((Double(local) / 86400).rounded(.down))
        let secondOfDay = local - days * 86400
        let (y, m, d) = Self.civilFromDays(days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = abs(offsetMinutes)
        let year = String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
        let text =
            "\(year)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))"
            + "\(sign)\(two(offset / 60)):\(two(offset % 60))"
        self.text = text
        self.secondsSince1970 = Double(seconds)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
