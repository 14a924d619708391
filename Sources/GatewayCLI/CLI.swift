import Foundation
import GatewayCore

/// Exit statuses every verb uses (README.md "CLI").
public enum ExitStatus: Int32, Sendable {
    /// Done, or a positive answer (valid, workday…).
    case ok = 0
    /// A negative answer (invalid code, rejected rows…).
    case negative = 1
    /// The command line is wrong.
    case usage = 2
    /// The data asked about is outside what is loaded (a date outside the calendar).
    case outOfData = 3
    /// An input file cannot be read as it claims to be.
    case unreadable = 4
}

/// A usage error: the message is printed with the verb's help hint, exit 2.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One top-level verb of `g60-gateway`.
public protocol Command {
    /// The verb, e.g. `id`.
    static var name: String { get }
    /// One line for the verb list.
    static var summary: String { get }
    /// The full help text (`g60-gateway VERB --help`).
    static var help: String { get }
    /// Runs the verb with the arguments after it.
    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus
}

/// The command-line tool: a verb table and a dispatcher; each verb is one type in its own file.
public enum CLI {
    /// Every verb; a new verb is one line here and one file beside this one.
    public static let commands: [any Command.Type] = [
        IDCommand.self,
        CalendarCommand.self,
        RecordCommand.self,
        RulesCommand.self,
        ConfigCommand.self,
        DemoCommand.self,
        ServeCommand.self,
        VersionCommand.self,
        LogCommand.self,
        QueuesCommand.self,
        DLQCommand.self,
        PKICommand.self,
        EnvelopeCommand.self,
        ReportCommand.self,
        MapCommand.self,
        PartnerCommand.self,
        LookupCommand.self,
        ExplainCommand.self,
        StoreCommand.self,
    ]

    static var help: String {
        var text = """
            g60-gateway: the G60 credit exchange gateway.

            Usage: g60-gateway VERB [ARGUMENTS]   (g60-gateway VERB --help for each verb)

            Verbs:

            """
        for command in commands {
            text += "  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.summary + "\n"
        }
        text += """

            Exit status: 0 ok, 1 a negative answer, 2 usage error, 3 data outside what is loaded,
            4 an input that cannot be read as it claims.
            """
        return text
    }

    /// Runs the tool and returns the exit status.
    public static func main(_ arguments: [String], io: CLIIO) -> Int32 {
        guard let verb = arguments.first else {
            io.err(help)
            return ExitStatus.usage.rawValue
        }
        if verb == "--help" || verb == "-h" || verb == "help" {
            io.out(help)
            return ExitStatus.ok.rawValue
        }
        guard let command = commands.first(where: { $0.name == verb }) else {
            io.err("g60-gateway: unknown verb '\(verb)'. Run g60-gateway --help for the list.")
            return ExitStatus.usage.rawValue
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            io.out(command.help)
            return ExitStatus.ok.rawValue
        }
        do {
            return try command.run(rest, io: io).rawValue
        } catch let error as UsageError {
            io.err("g60-gateway \(command.name): \(error.message)\nRun g60-gateway \(command.name) --help for usage.")
            return ExitStatus.usage.rawValue
        } catch let error as CoreError where error.code == CoreError.calendarOutOfRange {
            io.err("g60-gateway \(command.name): \(error.message)")
            return ExitStatus.outOfData.rawValue
        } catch {
            io.err("g60-gateway \(command.name): \(error)")
            return ExitStatus.unreadable.rawValue
        }
    }
}

/// The tool's standard streams, injectable so tests run verbs in-process.
public final class CLIIO: @unchecked Sendable {
    private let readAll: () -> Data
    private let writeOut: (String) -> Void
    private let writeErr: (String) -> Void
    /// Writes bytes to standard output as they are (nil: through `writeOut`).
    private let writeOutBytes: ((UnsafeRawBufferPointer) -> Void)?
    /// Whether standard error is a terminal (progress is shown only then, unless asked).
    public let stderrIsTerminal: Bool

    public init(
        readAll: @escaping () -> Data, writeOut: @escaping (String) -> Void, writeErr: @escaping (String) -> Void,
        stderrIsTerminal: Bool = false, writeOutBytes: ((UnsafeRawBufferPointer) -> Void)? = nil
    ) {
        self.readAll = readAll
        self.writeOut = writeOut
        self.writeErr = writeErr
        self.writeOutBytes = writeOutBytes
        self.stderrIsTerminal = stderrIsTerminal
    }

    /// The process's real standard input, output and error.
    public static var standard: CLIIO {
        CLIIO(
            readAll: { FileHandle.standardInput.readDataToEndOfFile() },
            writeOut: { FileHandle.standardOutput.write(Data($0.utf8)) },
            writeErr: { FileHandle.standardError.write(Data($0.utf8)) },
            stderrIsTerminal: isatty(2) != 0,
            writeOutBytes: { bytes in
                var offset = 0
                while offset < bytes.count, let base = bytes.baseAddress {
                    let n = write(1, base + offset, bytes.count - offset)
                    if n > 0 {
                        offset += n
                    } else if n < 0, errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            })
    }

    /// Writes `bytes` (UTF-8, already ending in a newline) to standard output as they are: `map` writes its
    /// records this way, without a String per buffer.
    public func outBytes(_ bytes: [UInt8]) {
        if let writeOutBytes {
            bytes.withUnsafeBytes { writeOutBytes($0) }
        } else {
            writeOut(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Writes `line` and a newline to standard output.
    public func out(_ line: String) { writeOut(line.hasSuffix("\n") ? line : line + "\n") }
    /// Writes `line` and a newline to standard error.
    public func err(_ line: String) { writeErr(line.hasSuffix("\n") ? line : line + "\n") }
    /// All of standard input.
    public func readStandardInput() -> Data { readAll() }
}

/// A small flag parser shared by the verbs: `--name value`, `--flag`, and positional arguments.
public struct ArgumentList {
    public private(set) var positional: [String] = []
    private var options: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments`; `valued` names the options that take a value, `switches` those that do not.
    public init(_ arguments: [String], valued: Set<String>, switches: Set<String> = []) throws {
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" {
                positional += arguments[(i + 1)...]
                break
            }
            if arg.hasPrefix("--") && arg.count > 2 {
                var name = arg
                var inlineValue: String?
                if let eq = arg.firstIndex(of: "=") {
                    name = String(arg[..<eq])
                    inlineValue = String(arg[arg.index(after: eq)...])
                }
                if valued.contains(name) {
                    if let inlineValue {
                        options[name] = inlineValue
                    } else {
                        guard i + 1 < arguments.count else { throw UsageError("\(name) needs a value") }
                        options[name] = arguments[i + 1]
                        i += 1
                    }
                } else if switches.contains(name), inlineValue == nil {
                    flags.insert(name)
                } else {
                    throw UsageError("unknown option \(arg)")
                }
            } else {
                positional.append(arg)
            }
            i += 1
        }
    }

    public func value(_ name: String) -> String? { options[name] }
    public func has(_ name: String) -> Bool { flags.contains(name) }
}
