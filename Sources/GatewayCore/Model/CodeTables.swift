import Foundation

/// One code table of `Contracts/codes/` (see Contracts/codes/README.md for the format).
public struct CodeTable: Codable, Hashable, Sendable {
    public struct Entry: Codable, Hashable, Sendable {
        /// The canonical code, written in canonical records.
        public var code: String
        /// The Chinese name as the standard writes it.
        public var name: String
        public var nameEn: String?
        /// Canonical record fields this code makes required (e.g. `fineAmount` for 罚款).
        public var requires: [String]?
        /// For tables of older or local codes: the canonical codes this entry maps to.
        public var mapsTo: [String]?
        /// A remark for people (e.g. why a mapping is as it is).
        public var note: String?
    }

    /// The table's file name without `.json`, e.g. `penalty-categories`.
    public var table: String
    public var title: String
    /// Where the values come from (DOMAIN.md section, law or standard).
    public var source: String
    /// The confidence marker of DOMAIN.md (✅ verified, 🔶 one secondary source, ❓ unverified).
    public var status: String?
    public var entries: [Entry]

    public func entry(_ code: String) -> Entry? { entries.first { $0.code == code } }
    public func contains(_ code: String) -> Bool { entry(code) != nil }
    /// The entry whose Chinese name is `name`.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}

/// Every code table the canonical model uses, loaded from `Contracts/codes/`.
public struct CodeTables: Sendable {
    /// Tables that must be present for validation to work.
    public static let required = [
        "subject-categories", "license-categories", "license-status", "penalty-categories", "penalty-categories-v1",
        "id-document-types", "debtor-situations", "debtor-performance", "retraction-reasons", "list-kinds", "lists",
        "severity-tiers",
    ]

    public let tables: [String: CodeTable]
    public let usccAuthorities: USCCAuthorityTable

    public init(tables: [String: CodeTable], usccAuthorities: USCCAuthorityTable) {
        self.tables = tables
        self.usccAuthorities = usccAuthorities
    }

    public subscript(_ name: String) -> CodeTable {
        // Presence of every required table is checked at load time.
        tables[name] ?? CodeTable(table: name, title: name, source: "missing", status: nil, entries: [])
    }

    /// Loads every table in `directory` and checks that the required ones are there and that every `mapsTo`
    /// names a code that exists.
    public static func load(directory: URL) throws -> CodeTables {
        var tables: [String: CodeTable] = [:]
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw CoreError(CoreError.codesUnreadable, "cannot list \(directory.path): \(error.localizedDescription)")
        }
        var authorities: USCCAuthorityTable?
        for name in names where name.hasSuffix(".json") {
            let url = directory.appendingPathComponent(name)
            do {
                let data = try Data(contentsOf: url)
                if name == "uscc-authorities.json" {
                    authorities = try JSONDecoder().decode(USCCAuthorityTable.self, from: data)
                    continue
                }
                let table = try JSONDecoder().decode(CodeTable.self, from: data)
                guard table.table + ".json" == name else {
                    throw CoreError(CoreError.codesUnreadable, "\(url.path) names itself '\(table.table)'")
                }
                let codes = table.entries.map(\.code)
                if let dup = codes.first(where: { c in codes.filter { $0 == c }.count > 1 }) {
                    throw CoreError(CoreError.codesUnreadable, "\(url.path) lists code '\(dup)' twice")
                }
                tables[table.table] = table
            } catch let error as CoreError {
                throw error
            } catch {
                throw CoreError(CoreError.codesUnreadable, "\(url.path): \(error)")
            }
        }
        for name in required where tables[name] == nil {
            throw CoreError(CoreError.codesUnreadable, "\(directory.path) lacks the required table \(name).json")
        }
        guard let authorities else {
            throw CoreError(CoreError.codesUnreadable, "\(directory.path) lacks uscc-authorities.json")
        }
        // A legacy table maps into the canonical table of the same name without the suffix.
        for (name, table) in tables where name.hasSuffix("-v1") {
            let target = tables[String(name.dropLast(3))]!
            for entry in table.entries {
                for code in entry.mapsTo ?? [] where !target.contains(code) {
                    throw CoreError(
                        CoreError.codesUnreadable,
                        "\(name).json: '\(entry.code)' maps to '\(code)', which \(target.table).json does not define")
                }
            }
        }
        return CodeTables(tables: tables, usccAuthorities: authorities)
    }
}

/// Finds the `Contracts/` folder: an explicit path, then `$G60_CONTRACTS`, then the nearest `Contracts/` above the
/// working directory or above the executable (so the CLI works from anywhere in a checkout).
public enum ContractsLocator {
    public static func find(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> URL
    {
        if let explicit { return try checked(URL(fileURLWithPath: explicit), from: "--contracts") }
        if let env = environment["G60_CONTRACTS"], !env.isEmpty {
            return try checked(URL(fileURLWithPath: env), from: "G60_CONTRACTS")
        }
        let starts = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").deletingLastPathComponent(),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<12 {
                let candidate = dir.appendingPathComponent("Contracts")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("codes").path) {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw CoreError(
            CoreError.contractsNotFound,
            "no Contracts/ folder found above \(FileManager.default.currentDirectoryPath); pass --contracts DIR or set G60_CONTRACTS")
    }

    private static func checked(_ url: URL, from source: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("codes").path) else {
            throw CoreError(CoreError.contractsNotFound, "\(source) names \(url.path), which has no codes/ folder")
        }
        return url
    }
}
