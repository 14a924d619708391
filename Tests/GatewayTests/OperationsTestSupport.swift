import Foundation

/// Runs external tools for the operations tests (Python's Prometheus parser, headless Chromium), bounded in time.
enum OperationsTools {
    struct Run {
        var status: Int32
        var output: String
        var error: String
        var timedOut: Bool
    }

    /// Runs `executable` with `arguments`; kills it after `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        timeout: TimeInterval = 60
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("g60-ops-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Files rather than pipes: a chatty child can never block on a full pipe while we wait for it.
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        let timedOut = done.wait(timeout: .now() + timeout) == .timedOut
        if timedOut {
            process.terminate()
            done.wait()
        }
        try? outHandle.close()
        try? errHandle.close()
        return Run(
            status: process.terminationStatus,
            output: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
            error: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self), timedOut: timedOut)
    }

    /// The first of `names` found on PATH (or as an absolute path).
    static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in names {
            if name.hasPrefix("/") {
                if FileManager.default.isExecutableFile(atPath: name) { return name }
                continue
            }
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// One parsed sample: its name, labels and value.
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// One parsed family, as `prometheus_client.parser.text_string_to_metric_families` returns it.
    struct Family: Decodable {
        var name: String
        var type: String
        var samples: [Sample]
    }

    static let parserScript = """
        import json, math, sys
        from prometheus_client.parser import text_string_to_metric_families
        text = open(sys.argv[1], encoding="utf-8").read()
        out = []
        for f in text_string_to_metric_families(text):
            out.append({"name": f.name, "type": f.type, "samples": [
                {"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else 1e308}
                for s in f.samples]})
        print(json.dumps(out))
        """

    /// Parses exposition text with PyPI `prometheus-client`'s parser (installed with pip into a temporary
    /// directory when missing). Returns nil, after printing why, when Python, pip or the network is unavailable;
    /// throws when the parser rejects the text.
    static func parsePrometheus(_ text: String) throws -> [Family]? {
        guard let python = find(["python3"]) else {
            print("NOTICE: python3 not found; skipping the Prometheus parser check")
            return nil
        }
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("g60-python-prometheus-client")
        let env = ["PYTHONPATH": target.path, "PYTHONDONTWRITEBYTECODE": "1"]
        if try run(python, ["-c", "import prometheus_client"], environment: env).status != 0 {
            let install = try run(
                python,
                [
                    "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", target.path,
                    "prometheus-client",
                ], environment: env, timeout: 120)
            if install.status != 0 || install.timedOut {
                print(
                    "NOTICE: pip could not install prometheus-client (no pip or no network); skipping the parser check")
                return nil
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("g60-metrics-\(UUID().uuidString)")
        try Data(text.utf8).write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let parsed = try run(python, ["-c", parserScript, scratch.path], environment: env)
        guard parsed.status == 0 else {
            throw ParserFailure(message: "prometheus_client rejected the exposition text:\n" + parsed.error)
        }
        return try JSONDecoder().decode([Family].self, from: Data(parsed.output.utf8))
    }

    struct ParserFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Whether `text` holds a clear identity number: 17 digits then a digit or X, or exactly 15 digits.
    static func containsClearIdentityNumber(_ text: String) -> Bool {
        text.range(of: #"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])"#, options: .regularExpression)
            != nil
    }
}
