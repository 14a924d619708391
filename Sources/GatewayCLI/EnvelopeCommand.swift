import Foundation
import GatewayCrypto

/// `g60-gateway envelope sign|verify`: signed envelopes of Contracts/envelope/v1/README.md.
enum EnvelopeCommand: Command {
    static let name = "envelope"
    static let summary = "sign or verify a signed envelope (SM2, P-256, Ed25519)"
    static let help = """
        Usage:
          g60-gateway envelope sign --key KEY.pem --cert CERT.pem --from P --to Q --kind KIND --schema S
                                    --content-type T [--records N] [--sequence N] [--in-reply-to UUID]
                                    [--digest sm3|sha256] [--out FILE] PAYLOAD-FILE
          g60-gateway envelope verify --trust DIR [--node ID] [--now RFC3339] [--max-payload BYTES]
                                      [--skew SECONDS] [--replay-days DAYS] ENVELOPE-FILE

        sign     wraps PAYLOAD-FILE in an envelope signed with KEY (the algorithm follows the key); writes it to
                 --out or standard output. --sequence defaults to 1, --records to 0.
        verify   runs every receiver check against the trust folder DIR (see `pki init`), prints the header and
                 the verdict: `valid`, or `invalid <code>: <why>`. Without --node, `to` is not checked.
                 --now sets the verification time (default: the clock); limits default to 64 MiB, 300 s, 30 days.
        The format, the checks and the codes: Contracts/envelope/v1/README.md.

        Exit status: 0 valid (or signed), 1 invalid, 2 usage error, 4 unreadable input.
        """

    static func run(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        switch arguments.first {
        case "sign": return try sign(Array(arguments.dropFirst()), io: io)
        case "verify": return try verify(Array(arguments.dropFirst()), io: io)
        default: throw UsageError("expected 'envelope sign' or 'envelope verify'")
        }
    }

    private static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError(CryptoError.invalidArgument, "cannot read \(path)")
        }
        return Array(data)
    }

    static func sign(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments,
            valued: [
                "--key", "--cert", "--from", "--to", "--kind", "--schema", "--content-type", "--records", "--sequence",
                "--in-reply-to", "--digest", "--out",
            ])
        func required(_ name: String) throws -> String {
            guard let value = args.value(name) else { throw UsageError("\(name) is required") }
            return value
        }
        guard args.positional.count == 1 else { throw UsageError("expected one PAYLOAD-FILE") }
        var digest: DigestAlgorithm?
        if let name = args.value("--digest") {
            guard let parsed = DigestAlgorithm(rawValue: name) else {
                throw UsageError("--digest must be sm3 or sha256")
            }
            digest = parsed
        }
        guard let records = UInt64(args.value("--records") ?? "0"),
            let sequence = UInt64(args.value("--sequence") ?? "1")
        else { throw UsageError("--records and --sequence must be whole numbers") }
        let keyPath = try required("--key")
        let certPath = try required("--cert")
        let key = try PrivateKey(pem: try read(keyPath), source: keyPath)
        guard let certificate = try Certificate.load(pem: try read(certPath), source: certPath).first else {
            throw UsageError("\(certPath) holds no certificate")
        }
        let signer = try EnvelopeSigner(from: try required("--from"), key: key, certificate: certificate)
        let envelope = try signer.sign(
            to: try required("--to"), kind: try required("--kind"), schema: try required("--schema"),
            contentType: try required("--content-type"), payload: try read(args.positional[0]), recordCount: records,
            sequence: sequence, inReplyTo: args.value("--in-reply-to"), digest: digest)
        if let out = args.value("--out") {
            guard FileManager.default.createFile(atPath: out, contents: Data(envelope)) else {
                throw CryptoError(CryptoError.invalidArgument, "cannot write \(out)")
            }
            io.err("wrote \(out) (\(envelope.count) bytes, \(signer.algorithm.rawValue), key id \(signer.keyID))")
        } else {
            // Raw bytes: the payload need not be UTF-8 (GBK exports), so this bypasses the text streams.
            FileHandle.standardOutput.write(Data(envelope))
        }
        return .ok
    }

    static func verify(_ arguments: [String], io: CLIIO) throws -> ExitStatus {
        let args = try ArgumentList(
            arguments, valued: ["--trust", "--node", "--now", "--max-payload", "--skew", "--replay-days"])
        guard let trustPath = args.value("--trust") else { throw UsageError("--trust DIR is required") }
        guard args.positional.count == 1 else { throw UsageError("expected one ENVELOPE-FILE") }
        var policy = ReceptionPolicy()
        if let v = args.value("--max-payload") {
            guard let n = Int(v), n >= 0 else { throw UsageError("--max-payload must be a byte count") }
            policy.maxPayloadBytes = n
        }
        if let v = args.value("--skew") {
            guard let n = Double(v), n >= 0 else { throw UsageError("--skew must be seconds") }
            policy.maxFutureSkew = n
        }
        if let v = args.value("--replay-days") {
            guard let n = Double(v), n > 0 else { throw UsageError("--replay-days must be a positive number") }
            policy.replayWindow = n * 86400
        }
        var clock: any EnvelopeClock = SystemClock()
        if let v = args.value("--now") {
            guard let t = RFC3339Timestamp(v) else {
                throw UsageError("--now must be RFC 3339, e.g. 2026-11-27T10:00:00+08:00")
            }
            clock = FixedClock(date: t.date)
        }
        let trust = try TrustStore.load(directory: URL(fileURLWithPath: trustPath))
        let bytes = try read(args.positional[0])
        let outcome = EnvelopeVerifier(node: args.value("--node"), trust: trust, policy: policy, clock: clock).verify(
            bytes)
        if let envelope = outcome.envelope {
            for (name, value) in envelope.header.fields { io.out("\(name): \(value)") }
            io.out("payload: \(envelope.payload.count) bytes")
        }
        if let error = outcome.error {
            io.out("invalid \(error.code): \(error.message)")
            return .negative
        }
        io.out("valid")
        return .ok
    }
}

/// A clock stopped at one instant (`envelope verify --now`).
struct FixedClock: EnvelopeClock {
    let date: Date
    func now() -> Date { date }
}
