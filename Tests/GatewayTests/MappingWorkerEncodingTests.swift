import Foundation
import GatewayCore
@testable import GatewayStore
import Testing

@testable import Gateway

/// The mapping worker encodes each accepted record once: the bytes the store keeps as the version's canonical JSON
/// are the bytes it delivers (after the `version` member it puts first).
@Suite struct MappingWorkerEncodingTests {
    /// Every `records.batch` line delivered to any partner, as the partners received them.
    static func deliveredLines(_ h: DispatchHarness) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for partner in h.partners.ids {
            _ = try h.deliver(to: partner)
            for envelope in h.transport.envelopes(partner) where envelope.header.kind == "records.batch" {
                lines += envelope.payload.split(separator: UInt8(ascii: "\n")).map { Array($0) }
            }
        }
        return lines
    }

    /// The current version's stored content, as bytes.
    static func storedContent(_ db: SQLiteConnection, _ id: String) throws -> [UInt8]? {
        try db.first(
            """
            SELECT v.content FROM records r JOIN record_versions v ON v.version_row = r.current_row
            WHERE r.record_key = ?
            """, [.blob(RecordKey.bytes(id))]
        ) { Array($0.text(0).utf8) }
    }

    /// Splits `{"version":N,…}` into N and the canonical JSON `{…}` that follows.
    static func split(_ line: [UInt8]) throws -> (version: Int, canonical: [UInt8]) {
        let prefix = Array("{\"version\":".utf8)
        #expect(Array(line.prefix(prefix.count)) == prefix, "a delivered line starts with its version")
        let comma = try #require(line.firstIndex(of: UInt8(ascii: ",")))
        let version = try #require(Int(String(decoding: line[prefix.count..<comma], as: UTF8.self)))
        return (version, [UInt8(ascii: "{")] + line[(comma + 1)...])
    }

    @Test func deliveredLinesAreTheStoredCanonicalJSONByteForByte() throws {
        let h = try DispatchHarness()
        try h.send(from: "jiaxing", [DispatchFixtures.redList()])
        try h.send(from: "hefei", [DispatchFixtures.debtor()])
        // A correction: a second version of the same list entry.
        try h.send(from: "jiaxing", [DispatchFixtures.redList(validUntil: "2028-06-30")])
        // A retraction naming its target by case number only: the store finds the target.
        try h.send(from: "hefei", [DispatchFixtures.delisting(effective: "2026-11-20")])

        let lines = try Self.deliveredLines(h)
        let db = try SQLiteConnection(path: h.store.path, create: false)
        var plain = 0
        var retractions = 0
        var versions: Set<Int> = []
        for line in lines {
            let (version, canonical) = try Self.split(line)
            let record = try JSONDecoder().decode(CanonicalRecord.self, from: Data(canonical))
            let id = try #require(record.id)
            let stored = try #require(try Self.storedContent(db, id))
            let current = try #require(try h.store.record(id: id))
            if case .retraction(let r) = record.body {
                // Delivered with the target's id, which the store resolved; stored as it came.
                let target = try #require(r.targetRecordId)
                #expect(try h.store.record(id: target)?.record.kind == .dishonestDebtor)
                var asStored = record
                var unresolved = r
                unresolved.targetRecordId = nil
                asStored.body = .retraction(unresolved)
                #expect(Array(CanonicalJSONWriter.recordText(asStored).utf8) == stored)
                retractions += 1
            } else if version == current.version {
                #expect(canonical == stored, "record \(id) version \(version): delivered bytes = stored bytes")
                plain += 1
            } else {
                // An earlier version: byte-equal to that version as stored.
                let old = try #require(try h.store.versions(of: id).first { $0.version == version })
                #expect(canonical == Array(CanonicalJSONWriter.recordText(old.record).utf8))
                plain += 1
            }
            versions.insert(version)
        }
        #expect(plain >= 3, "list entry versions 1 and 2 and the debtor were delivered")
        #expect(retractions >= 1)
        #expect(versions == [1, 2])
    }
}
