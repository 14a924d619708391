import Foundation
import GatewayCore

/// Test support shared by the test targets: where the checkout's data folders are, and loaded contracts.
public enum TestSupport {
    /// The checkout's root (the folder holding Package.swift), found from this file's path.
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    public static var contracts: URL { packageRoot.appendingPathComponent("Contracts") }
    public static var partners: URL { packageRoot.appendingPathComponent("Partners") }

    /// The code tables of `Contracts/codes/`.
    public static func codeTables() throws -> CodeTables {
        try CodeTables.load(directory: contracts.appendingPathComponent("codes"))
    }

    /// The working-day calendar of `Contracts/calendar/`.
    public static func calendar() throws -> WorkingDayCalendar {
        try WorkingDayCalendar.load(directory: contracts.appendingPathComponent("calendar"))
    }

    /// A fixed clock's date for tests.
    public static let today = CivilDate(year: 2026, month: 11, day: 27)!
}
