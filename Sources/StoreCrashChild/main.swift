// g60-store-crash-child: the process the store's crash test (Tests/GatewayStoreTests/CrashTests.swift) kills.
//
// Usage: g60-store-crash-child --db FILE --prefix P --count N [--threads T] [--resend ID,ID…]
//
// T writer threads append N envelopes each (ids P-<thread>-<i>, with an inbound work item) and print
// "A <id>" on standard output only after the append returned, i.e. after its group commit: every "A" line is an
// acknowledgement the store must honour. Resent ids are appended first and reported as "R <id> dup|new".
// A mapper thread leases inbound work and completes it ("D <item>"), so kills also land mid-lease.
// Not part of the gateway; a test helper only.
import Foundation
import GatewayStore
import Synchronization

func write(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { buffer in
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(1, base + offset, buffer.count - offset)
            if n <= 0 { exit(3) }
            offset += n
        }
    }
}

var db = ""
var prefix = "run"
var count = 100
var threads = 4
var resend: [String] = []
var i = 1
let argv = CommandLine.arguments
while i < argv.count {
    let value = i + 1 < argv.count ? argv[i + 1] : ""
    switch argv[i] {
    case "--db": db = value
    case "--prefix": prefix = value
    case "--count": count = Int(value) ?? count
    case "--threads": threads = Int(value) ?? threads
    case "--resend": resend = value.split(separator: ",").map(String.init)
    default:
        FileHandle.standardError.write(Data("unknown argument \(argv[i])\n".utf8))
        exit(2)
    }
    i += 2
}

func envelope(_ id: String) -> EnvelopeSubmission {
    let raw = Array("{\"id\":\"\(id)\",\"records\":[{\"n\":1}]}".utf8)
    return EnvelopeSubmission(
        direction: .inbound,
        header: EnvelopeHeader(
            messageID: id, sender: "jiaxing", recipient: "songjiang", kind: "records", recordCount: 1,
            payloadDigest: "test", issuedAt: Date()),
        raw: raw, receipt: Array("receipt \(id)".utf8), enqueueForMapping: true)
}

let store: SQLiteStore
do {
    store = try SQLiteStore(path: db, options: SQLiteStoreOptions(quickCheckOnOpen: true))
} catch {
    FileHandle.standardError.write(Data("cannot open store: \(error)\n".utf8))
    exit(1)
}
for id in resend {
    do {
        switch try store.append(envelope(id)) {
        case .duplicate: write("R \(id) dup")
        case .appended: write("R \(id) new")
        }
    } catch {
        write("E \(id) \(error)")
    }
}
let (total, runPrefix) = (count, prefix)
let mapperStop = Atomic<Bool>(false)
let mapperDone = DispatchSemaphore(value: 0)
let mapper = Thread {
    defer { mapperDone.signal() }
    while !mapperStop.load(ordering: .relaxed) {
        guard
            let items = try? store.lease(
                direction: .inbound, partner: nil, limit: 8, owner: "mapper-\(getpid())", duration: 2)
        else { continue }
        for item in items {
            if (try? store.complete(itemID: item.id, owner: "mapper-\(getpid())")) != nil { write("D \(item.id)") }
        }
    }
}
mapper.start()
DispatchQueue.concurrentPerform(iterations: threads) { t in
    for n in 0..<total {
        let id = "\(runPrefix)-\(t)-\(n)"
        do {
            _ = try store.append(envelope(id))
            write("A \(id)")
        } catch {
            write("E \(id) \(error)")
        }
    }
}
mapperStop.store(true, ordering: .relaxed)
mapperDone.wait()  // no "D …" line may follow END (the test reads END as the last line)
write("END")
exit(0)
