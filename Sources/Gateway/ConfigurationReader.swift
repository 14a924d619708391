import Foundation
import GatewayCore

/// An error in the node's configuration: which key, where its value came from, and why it is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String {
        "configuration invalid:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// Reads settings by dotted path from a JSON object, with every path overridable by an environment variable
/// (`limits.maxEnvelopeBytes` ← `G60_LIMITS_MAX_ENVELOPE_BYTES`), collecting every problem instead of stopping at
/// the first, and noticing keys that nothing read (a misspelt key is an error, not a silently ignored setting).
struct ConfigurationReader {
    let root: [String: Any]
    let environment: [String: String]
    let source: String
    private(set) var problems: [String] = []
    private(set) var read: Set<String> = []

    init(root: [String: Any], environment: [String: String], source: String) {
        self.root = root
        self.environment = environment
        self.source = source
    }

    /// `a.bCd` → `G60_A_B_CD`.
    static func environmentName(_ path: String) -> String {
        var out = "G60_"
        for ch in path {
            if ch == "." {
                out += "_"
            } else if ch.isUppercase {
                out += "_" + String(ch)
            } else {
                out += ch.uppercased()
            }
        }
        return out
    }

    private func fileValue(_ path: String) -> Any? {
        var current: Any? = root
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current is NSNull ? nil : current
    }

    /// The raw value and a description of where it came from.
    mutating func raw(_ path: String) -> (Any, String)? {
        read.insert(path)
        let env = Self.environmentName(path)
        if let text = environment[env] {
            return (text, "\(env)")
        }
        return fileValue(path).map { ($0, "\(source): \(path)") }
    }

    mutating func fail(_ path: String, _ message: String) {
        problems.append("\(path): \(message)")
    }

    mutating func string(_ path: String, default value: String? = nil, required: Bool = false) -> String? {
        guard let (v, from) = raw(path) else {
            if required && value == nil { fail(path, "is required (set it in \(source) or \(Self.environmentName(path)))") }
            return value
        }
        guard let s = v as? String, !s.isEmpty else {
            fail(path, "must be a non-empty string (from \(from))")
            return value
        }
        return s
    }

    mutating func int(_ path: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let (v, from) = raw(path) else { return value }
        let parsed: Int? = (v as? String).flatMap { Int($0) } ?? (v as? NSNumber).flatMap { n in
            n.doubleValue == n.doubleValue.rounded() ? n.intValue : nil
        }
        guard let n = parsed, range.contains(n) else {
            fail(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(v) (from \(from))")
            return value
        }
        return n
    }

    mutating func double(_ path: String, default value: Double, range: ClosedRange<Double>) -> Double {
        guard let (v, from) = raw(path) else { return value }
        let parsed: Double? = (v as? String).flatMap { Double($0) } ?? (v as? NSNumber)?.doubleValue
        guard let n = parsed, range.contains(n) else {
            fail(path, "must be a number from \(range.lowerBound) to \(range.upperBound), got \(v) (from \(from))")
            return value
        }
        return n
    }

    mutating func bool(_ path: String, default value: Bool) -> Bool {
        guard let (v, from) = raw(path) else { return value }
        if let s = v as? String, ["true", "false", "1", "0"].contains(s) { return s == "true" || s == "1" }
        if let b = v as? Bool { return b }
        fail(path, "must be true or false, got \(v) (from \(from))")
        return value
    }

    mutating func strings(_ path: String) -> [String] {
        guard let (v, from) = raw(path) else { return [] }
        if let a = v as? [String] { return a }
        if let s = v as? String {
            if let data = s.data(using: .utf8), let a = try? JSONSerialization.jsonObject(with: data) as? [String] { return a }
            return s.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        fail(path, "must be a list of strings (from \(from))")
        return []
    }

    /// A list of objects; from the environment it is JSON text.
    mutating func objects(_ path: String) -> [[String: Any]] {
        guard let (v, from) = raw(path) else { return [] }
        if let a = v as? [[String: Any]] { return a }
        if let s = v as? String, let data = s.data(using: .utf8),
            let a = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        {
            return a
        }
        fail(path, "must be a list of objects (from \(from); in the environment, JSON text)")
        return []
    }

    /// Keys present in the file that no setting read.
    func unknownKeys(known: Set<String>) -> [String] {
        var unknown: [String] = []
        func walk(_ node: Any, _ prefix: String) {
            guard let object = node as? [String: Any] else { return }
            for (k, v) in object {
                let path = prefix.isEmpty ? k : prefix + "." + k
                if known.contains(path) { continue }
                if known.contains(where: { $0.hasPrefix(path + ".") }) {
                    walk(v, path)
                } else {
                    unknown.append(path)
                }
            }
        }
        walk(root, "")
        return unknown.sorted()
    }
}
