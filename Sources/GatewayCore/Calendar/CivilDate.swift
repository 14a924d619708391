/// A calendar date with no time and no time zone: a decision date means the same day in every city.
///
/// Stored as year, month and day; arithmetic goes through a day number (days since 1970-01-01) computed with
/// Howard Hinnant's `days_from_civil`, exact for the proleptic Gregorian calendar.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A checked date; nil when the day does not exist (2023-02-29, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
            day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `dayNumber` days after 1970-01-01.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Parses the canonical form `YYYY-MM-DD` exactly (partner forms are the mapping layer's business).
    public init?(iso text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = CivilDate.digits(bytes[0..<4]), let m = CivilDate.digits(bytes[5..<7]),
            let d = CivilDate.digits(bytes[8..<10])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        let w = (dayNumber + 3) % 7  // 1970-01-01 was a Thursday (ISO 4).
        return (w < 0 ? w + 7 : w) + 1
    }

    public var isWeekend: Bool { isoWeekday >= 6 }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The same day `months` months later, clamped to the month's last day (2024-01-31 + 1 month = 2024-02-29).
    public func adding(months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12
        let m = total % 12 + 1
        let d = min(day, CivilDate.daysInMonth(year: y, month: m))
        return CivilDate(year: y, month: m, day: d) ?? self
    }

    public func adding(years: Int) -> CivilDate { adding(months: years * 12) }

    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : String(month)
        let d = day < 10 ? "0\(day)" : String(day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func digits(_ slice: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in slice {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }
}

extension CivilDate: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(iso: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a date of the form YYYY-MM-DD")
        }
        self = date
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The end of a validity or publicity period: a date, or long-term (长期).
///
/// The national standard writes long-term as `2099/12/31`; the canonical JSON form is `"2099-12-31"` too, so
/// partners that know the convention read it unchanged, while code asks `isLongTerm` and never compares with 2099.
public enum DateLimit: Hashable, Sendable, CustomStringConvertible {
    case date(CivilDate)
    case longTerm

    /// The sentinel the standard uses for long-term.
    public static let longTermSentinel = CivilDate(year: 2099, month: 12, day: 31)!

    public init(_ date: CivilDate) {
        self = date == DateLimit.longTermSentinel ? .longTerm : .date(date)
    }

    public var isLongTerm: Bool { self == .longTerm }

    /// The date when it is one; nil for long-term.
    public var date: CivilDate? {
        if case .date(let d) = self { return d }
        return nil
    }

    /// Whether the period still runs on `day` (long-term always does).
    public func covers(_ day: CivilDate) -> Bool {
        switch self {
        case .longTerm: return true
        case .date(let end): return day <= end
        }
    }

    public var description: String {
        switch self {
        case .longTerm: return DateLimit.longTermSentinel.description
        case .date(let d): return d.description
        }
    }
}

extension DateLimit: Codable {
    public init(from decoder: Decoder) throws {
        self.init(try CivilDate(from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .longTerm: try DateLimit.longTermSentinel.encode(to: encoder)
        case .date(let d): try d.encode(to: encoder)
        }
    }
}

import Foundation

extension CivilDate {
    /// Today's date in China Standard Time (UTC+8, no daylight saving), where every partner city is.
    public static func today(now: Date = Date()) -> CivilDate {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        return CivilDate(dayNumber: days)
    }
}
