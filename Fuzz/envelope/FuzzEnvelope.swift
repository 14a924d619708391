// libFuzzer harness: the envelope wire-format parser (`Envelope.parse`, GatewayCrypto). See Fuzz/README.md.
//
// Property checked besides "no crash, no hang, no unbounded allocation": an envelope that parses serialises to
// bytes that parse again to the same envelope.
import GatewayCrypto

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEnvelope(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let envelope = try? Envelope.parse(bytes, maxPayloadBytes: 1 << 20) else { return 0 }
    let again: Envelope
    do {
        again = try Envelope.parse(envelope.bytes, maxPayloadBytes: 1 << 20)
    } catch {
        preconditionFailure("a parsed envelope does not re-parse after serialising: \(error)")
    }
    precondition(again.bytes == envelope.bytes, "serialising a parsed envelope is not stable")
    return 0
}

#if !G60_FUZZ
    // Without libFuzzer (the ordinary `swift build`), the harness replays the files it is given: a crash reproducer
    // or a corpus, e.g. `.build/debug/g60-fuzz-envelope Fuzz/corpus/envelope/*`.
    @main enum ReplayEnvelope {
        static func main() { FuzzReplay.run(fuzzEnvelope) }
    }
#endif
