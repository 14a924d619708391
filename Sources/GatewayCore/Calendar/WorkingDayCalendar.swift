import Foundation

/// Official working days: weekends and State Council holidays are rest days, make-up workdays (调休) are work days.
///
/// Each year is a data file `Contracts/calendar/YYYY.json` (see Contracts/calendar/README.md), so next year's
/// notice is a new file, never code. A date in a year that is not loaded is an error (`calendar.outOfRange`),
/// never a silent weekends-only guess.
public struct WorkingDayCalendar: Sendable {
    /// One year of the official calendar as the data file states it.
    public struct Year: Codable, Sendable, Hashable {
        public struct Day: Codable, Sendable, Hashable {
            public var date: CivilDate
            public var name: String

            public init(date: CivilDate, name: String) {
                self.date = date
                self.name = name
            }
        }

        public var year: Int
        public var source: String
        public var holidays: [Day]
        public var workdays: [Day]

        public init(year: Int, source: String, holidays: [Day], workdays: [Day]) {
            self.year = year
            self.source = source
            self.holidays = holidays
            self.workdays = workdays
        }
    }

    /// The 7-working-day publication window of dual-publicity decisions (国办发〔2015〕51号, DOMAIN.md §1.1).
    public static let publicationWorkingDays = 7

    private let years: [Int: Year]
    private let holidays: Set<CivilDate>
    private let makeUpWorkdays: Set<CivilDate>

    /// The loaded years, ascending.
    public var loadedYears: [Int] { years.keys.sorted() }

    public init(years: [Year]) throws {
        var byYear: [Int: Year] = [:]
        var holidays = Set<CivilDate>()
        var workdays = Set<CivilDate>()
        for year in years {
            guard byYear[year.year] == nil else {
                throw CoreError(CoreError.calendarUnreadable, "year \(year.year) is given twice")
            }
            for day in year.holidays + year.workdays where day.date.year != year.year {
                throw CoreError(
                    CoreError.calendarUnreadable, "year \(year.year) lists \(day.date), which is in another year")
            }
            for day in year.workdays where !day.date.isWeekend {
                throw CoreError(
                    CoreError.calendarUnreadable,
                    "year \(year.year) lists \(day.date) as a make-up workday, but it is a weekday already")
            }
            let h = Set(year.holidays.map(\.date))
            let w = Set(year.workdays.map(\.date))
            if let both = h.intersection(w).min() {
                throw CoreError(
                    CoreError.calendarUnreadable, "year \(year.year) lists \(both) as both holiday and workday")
            }
            byYear[year.year] = year
            holidays.formUnion(h)
            workdays.formUnion(w)
        }
        self.years = byYear
        self.holidays = holidays
        self.makeUpWorkdays = workdays
    }

    /// Loads every `YYYY.json` in `directory`.
    public static func load(directory: URL) throws -> WorkingDayCalendar {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw CoreError(CoreError.calendarUnreadable, "cannot list \(directory.path): \(error.localizedDescription)")
        }
        let files = names.filter { $0.count == 9 && $0.hasSuffix(".json") && Int($0.prefix(4)) != nil }.sorted()
        guard !files.isEmpty else {
            throw CoreError(CoreError.calendarUnreadable, "\(directory.path) holds no YYYY.json calendar files")
        }
        var years: [Year] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            do {
                let year = try JSONDecoder().decode(Year.self, from: Data(contentsOf: url))
                guard String(year.year) == file.prefix(4) else {
                    throw CoreError(CoreError.calendarUnreadable, "\(url.path) says year \(year.year)")
                }
                years.append(year)
            } catch let error as CoreError {
                throw error
            } catch {
                throw CoreError(CoreError.calendarUnreadable, "\(url.path): \(error)")
            }
        }
        return try WorkingDayCalendar(years: years)
    }

    private func requireLoaded(_ date: CivilDate) throws {
        guard years[date.year] != nil else {
            let range = loadedYears.first.map { "\($0)–\(loadedYears.last!)" } ?? "none"
            throw CoreError(
                CoreError.calendarOutOfRange,
                "\(date) is outside the loaded official calendar (years \(range)); add Contracts/calendar/\(date.year).json")
        }
    }

    /// Whether `date` is an official working day.
    public func isWorkday(_ date: CivilDate) throws -> Bool {
        try requireLoaded(date)
        if makeUpWorkdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !date.isWeekend
    }

    /// The holiday or make-up-day name the calendar gives `date`, if any.
    public func name(of date: CivilDate) -> String? {
        guard let year = years[date.year] else { return nil }
        return (year.holidays + year.workdays).first { $0.date == date }?.name
    }

    /// The `n`-th working day after `date` (`date` itself does not count); `n` may be 0 (then `date`) or negative
    /// (the `|n|`-th working day before).
    public func addingWorkdays(_ n: Int, to date: CivilDate) throws -> CivilDate {
        try requireLoaded(date)
        var current = date
        var remaining = abs(n)
        let step = n >= 0 ? 1 : -1
        while remaining > 0 {
            current = current.adding(days: step)
            if try isWorkday(current) { remaining -= 1 }
        }
        return current
    }

    /// Working days in the half-open interval (from, to]: 0 when `to` ≤ `from`.
    public func workdays(from: CivilDate, to: CivilDate) throws -> Int {
        try requireLoaded(from)
        try requireLoaded(to)
        guard to > from else { return 0 }
        var count = 0
        var day = from.adding(days: 1)
        while day <= to {
            if try isWorkday(day) { count += 1 }
            day = day.adding(days: 1)
        }
        return count
    }

    /// The last day on which a decision of `decisionDate` may still be published on time: the 7th working day after.
    public func publicationDeadline(decisionDate: CivilDate) throws -> CivilDate {
        try addingWorkdays(WorkingDayCalendar.publicationWorkingDays, to: decisionDate)
    }
}
