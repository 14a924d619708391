import GatewayCore
import GatewayTesting
import Testing

let calendar = try! TestSupport.calendar()

func d(_ s: String) -> CivilDate { CivilDate(iso: s)! }

@Test func nationalDay2024DeadlineFallsOnMakeUpSaturday() throws {
    // DOMAIN.md §1.1: decision 2024-09-27 → 7th working day = 2024-10-12, a make-up Saturday.
    #expect(try calendar.publicationDeadline(decisionDate: d("2024-09-27")) == d("2024-10-12"))
    #expect(try calendar.isWorkday(d("2024-09-29")))  // Sunday make-up workday
    #expect(try calendar.isWorkday(d("2024-10-12")))  // Saturday make-up workday
    #expect(try !calendar.isWorkday(d("2024-10-01")))
    #expect(try !calendar.isWorkday(d("2024-10-07")))  // a Monday inside the holiday
    #expect(try calendar.isWorkday(d("2024-10-08")))
}

@Test func springFestivalMakeUpDays2025And2026() throws {
    // 2025: Spring Festival 01-28 … 02-04, make-up Sundays 01-26 and Saturday 02-08.
    #expect(try calendar.isWorkday(d("2025-01-26")))
    #expect(try !calendar.isWorkday(d("2025-01-28")))
    #expect(try !calendar.isWorkday(d("2025-02-04")))
    #expect(try calendar.isWorkday(d("2025-02-08")))
    #expect(try calendar.addingWorkdays(7, to: d("2025-01-24")) == d("2025-02-10"))
    // 2026: Spring Festival 02-15 … 02-23, make-up 02-14 (Sat) and 02-28 (Sat).
    #expect(try calendar.isWorkday(d("2026-02-14")))
    #expect(try !calendar.isWorkday(d("2026-02-16")))
    #expect(try !calendar.isWorkday(d("2026-02-23")))
    #expect(try calendar.isWorkday(d("2026-02-28")))
    // 02-13 Fri (1), 02-14 make-up Sat (2), holiday, 02-24…02-27 (3–6), 02-28 make-up Sat (7).
    #expect(try calendar.publicationDeadline(decisionDate: d("2026-02-12")) == d("2026-02-28"))
}

@Test func workdaysBetweenCountsTheHalfOpenInterval() throws {
    #expect(try calendar.workdays(from: d("2024-09-27"), to: d("2024-10-12")) == 7)
    #expect(try calendar.workdays(from: d("2024-10-12"), to: d("2024-09-27")) == 0)
    #expect(try calendar.workdays(from: d("2024-11-04"), to: d("2024-11-11")) == 5)
    #expect(try calendar.addingWorkdays(-7, to: d("2024-10-12")) == d("2024-09-27"))
}

@Test func datesOutsideTheLoadedYearsAreAnExplicitError() {
    #expect(throws: CoreError(CoreError.calendarOutOfRange, "")) { try calendar.isWorkday(d("2027-01-04")) }
    #expect(throws: CoreError(CoreError.calendarOutOfRange, "")) {
        try calendar.addingWorkdays(7, to: d("2026-12-28"))
    }
    #expect(calendar.loadedYears == Array(2015...2026))
}

@Test func loaderRejectsInconsistentYears() {
    let weekday = WorkingDayCalendar.Year.Day(date: d("2024-10-09"), name: "x")
    #expect(throws: CoreError(CoreError.calendarUnreadable, "")) {
        try WorkingDayCalendar(years: [.init(year: 2024, source: "t", holidays: [], workdays: [weekday])])
    }
    let other = WorkingDayCalendar.Year.Day(date: d("2023-10-01"), name: "x")
    #expect(throws: CoreError(CoreError.calendarUnreadable, "")) {
        try WorkingDayCalendar(years: [.init(year: 2024, source: "t", holidays: [other], workdays: [])])
    }
}

@Test func civilDateArithmetic() {
    #expect(CivilDate(iso: "2024-02-29") != nil)
    #expect(CivilDate(iso: "2023-02-29") == nil)
    #expect(CivilDate(iso: "2024-2-29") == nil)
    #expect(d("1970-01-01").dayNumber == 0)
    #expect(d("2024-09-27").isoWeekday == 5)
    #expect(d("2024-01-31").adding(months: 1) == d("2024-02-29"))
    #expect(d("2024-12-31").adding(days: 1) == d("2025-01-01"))
    for n in stride(from: -800_000, through: 800_000, by: 997) {
        #expect(CivilDate(dayNumber: n).dayNumber == n)
    }
    #expect(DateLimit(d("2099-12-31")).isLongTerm)
    #expect(DateLimit(d("2099-12-30")) == .date(d("2099-12-30")))
    #expect(CivilDate.today(now: .init(timeIntervalSince1970: 1_700_000_000)) == d("2023-11-15"))
}
