import Foundation

/// Log levels, lowest first.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error

    public var name: String {
        switch self {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info: return "info"
        case .notice: return "notice"
        case .warning: return "warning"
        case .error: return "error"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// One log event as handlers receive it (already redacted).
public struct LogRecord: Sendable {
    public var time: Date
    public var level: LogLevel
    public var label: String
    public var message: String
    /// Dotted keys (`partner.id`, `envelope.id`) → values.
    public var fields: [String: String]

    public init(time: Date, level: LogLevel, label: String, message: String, fields: [String: String]) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.fields = fields
    }
}

/// Where log records go; swap in `MemoryLogHandler` in tests (the swift-log pattern).
public protocol LogHandler: Sendable {
    func log(_ record: LogRecord)
}

/// A small logging front: a label, a minimum level and a handler. Every string is passed through `Redaction`,
/// so identity numbers never reach a handler in clear.
public struct Logger: Sendable {
    public var label: String
    public var level: LogLevel
    public var handler: any LogHandler
    /// Fields added to every record of this logger (e.g. `node.id`).
    public var metadata: [String: String]

    public init(label: String, level: LogLevel = .info, handler: any LogHandler = JSONLinesLogHandler.standardError,
        metadata: [String: String] = [:])
    {
        self.label = label
        self.level = level
        self.handler = handler
        self.metadata = metadata
    }

    public func log(_ level: LogLevel, _ message: String, _ fields: [String: String] = [:], now: Date = Date()) {
        guard level >= self.level else { return }
        var all = metadata
        for (k, v) in fields { all[k] = v }
        for (k, v) in all { all[k] = Redaction.redact(v) }
        handler.log(LogRecord(time: now, level: level, label: label, message: Redaction.redact(message), fields: all))
    }

    public func debug(_ message: String, _ fields: [String: String] = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: [String: String] = [:]) { log(.info, message, fields) }
    public func notice(_ message: String, _ fields: [String: String] = [:]) { log(.notice, message, fields) }
    public func warning(_ message: String, _ fields: [String: String] = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: [String: String] = [:]) { log(.error, message, fields) }

    /// This logger with more fixed fields.
    public func with(_ fields: [String: String]) -> Logger {
        var copy = self
        for (k, v) in fields { copy.metadata[k] = v }
        return copy
    }
}

/// Writes one JSON object per line (`{"time":…,"level":…,"label":…,"message":…,"partner.id":…}`) to a file
/// descriptor with a single write(2) per record, so lines from several threads never interleave.
public struct JSONLinesLogHandler: LogHandler {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public static let standardError = JSONLinesLogHandler(fd: 2)

    public func log(_ record: LogRecord) {
        var line = Array(JSONLinesLogHandler.format(record).utf8)
        line.append(0x0A)
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// The JSON text of a record, keys in a stable order (time, level, label, message, then fields sorted).
    public static func format(_ record: LogRecord) -> String {
        var out = "{\"time\":\"\(rfc3339(record.time))\",\"level\":\"\(record.level.name)\",\"label\":"
        out += jsonString(record.label) + ",\"message\":" + jsonString(record.message)
        for key in record.fields.keys.sorted() {
            out += "," + jsonString(key) + ":" + jsonString(record.fields[key]!)
        }
        return out + "}"
    }

    /// RFC 3339 UTC with milliseconds, without DateFormatter (not Sendable, and slow).
    public static func rfc3339(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let millis = Int(ms - seconds * 1000)
        let days = Int(seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secondOfDay = Int(seconds - Int64(days) * 86400)
        let day = CivilDate(dayNumber: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        let frac = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : String(millis)
        return "\(day)T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(frac)Z"
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Keeps records in memory, for tests.
public final class MemoryLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogRecord] = []

    public init() {}

    public func log(_ record: LogRecord) {
        lock.lock()
        stored.append(record)
        lock.unlock()
    }

    public var records: [LogRecord] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
