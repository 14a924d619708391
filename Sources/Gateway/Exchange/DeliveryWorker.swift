import Foundation
import GatewayCore
import GatewayCrypto
import GatewayHTTP
import GatewayMapping
import GatewayStore
import Synchronization

/// How an envelope reaches a partner's endpoint; libcurl in the service, an in-memory stand-in in tests.
public protocol EnvelopeTransport: Sendable {
    /// POSTs `envelope` and returns the HTTP status and body; throws when nothing came back (connection refused,
    /// timeout, TLS failure).
    func post(_ envelope: [UInt8], to url: String, partner: String) throws -> (status: Int, body: [UInt8])
}

/// libcurl, one reused connection (HTTPClient) per partner. HTTPS endpoints are always verified (peer certificate
/// chain, host name, validity); a partner with its own CA bundle is verified against that bundle only, the others
/// against the system's CA store.
public final class CurlEnvelopeTransport: EnvelopeTransport {
    private let clients = Mutex<[String: HTTPClientBox]>([:])
    private let configuration: HTTPClientConfiguration
    private let caBundles: [String: String]

    /// - Parameter caBundles: partner id → PEM bundle of the only CAs that may issue its endpoint's certificate
    ///   (`transport.tlsCA` of partner.json; `partnerCABundles(_:)`).
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), caBundles: [String: String] = [:]) {
        self.configuration = configuration
        self.caBundles = caBundles
    }

    /// partner id → absolute path of its `transport.tlsCA` (relative to the partner folder), for the partners that
    /// name one.
    public static func partnerCABundles(_ partners: [Partner]) -> [String: String] {
        var bundles: [String: String] = [:]
        for partner in partners {
            guard let ca = partner.description.transport.tlsCA, !ca.isEmpty else { continue }
            bundles[partner.id] = ca.hasPrefix("/") ? ca : partner.folder.appendingPathComponent(ca).path
        }
        return bundles
    }

    public func post(_ envelope: [UInt8], to url: String, partner: String) throws -> (status: Int, body: [UInt8]) {
        let box = try clients.withLock { clients -> HTTPClientBox in
            if let box = clients[partner] { return box }
            var configuration = self.configuration
            if let ca = caBundles[partner] { configuration.caBundlePath = ca }
            let box = HTTPClientBox(try HTTPClient(configuration: configuration))
            clients[partner] = box
            return box
        }
        return try box.lock.withLock { _ in
            var headers = HTTPHeaders()
            headers.add("Content-Type", "application/vnd.g60.envelope")
            let response = try box.client.post(url, body: envelope, headers: headers)
            return (response.status, response.body)
        }
    }
}

/// An HTTPClient (one libcurl handle, not thread-safe) with the lock that serialises its use.
final class HTTPClientBox: @unchecked Sendable {
    let client: HTTPClient
    let lock = Mutex<Void>(())
    init(_ client: HTTPClient) { self.client = client }
}

/// Delivers queued records, retractions and validation reports to one partner: batches them into one signed
/// envelope per kind, logs it, POSTs it, verifies the partner's signed receipt, logs the receipt, and only then
/// marks the items delivered. Anything else is a failed attempt: the queue retries with backoff and dead-letters
/// per the policy, so one partner's outage never holds up another's worker.
public final class DeliveryWorker: @unchecked Sendable {
    let store: SQLiteStore
    let partner: Partner
    let url: String
    let signer: EnvelopeSigner
    let verifier: EnvelopeVerifier
    let transport: any EnvelopeTransport
    let owner: String
    let batchSize: Int
    let metrics: OperationsCounters?
    let logger: Logger
    private var sequence: UInt64
    /// Queue item kinds whose payload is record lines (`records`: a fan-out batch of many).
    static let recordKinds: Set<String> = ["record", "retraction", "records"]
    /// The payload budget of one delivery envelope: items are leased until their payloads reach it (the first is
    /// always taken). Under the simulated partners' 1 MiB request-body limit.
    public var maxEnvelopeBytes = 900_000
    /// Where the per-stage time goes (the ingest benchmark reads it).
    let profile = ExchangeProfile.shared
    /// How long leased items stay with this worker before another may take them (a crashed worker's lease expires
    /// after this); `workers.leaseSeconds` in the service.
    public var leaseDuration: TimeInterval = 120

    public init(
        store: SQLiteStore, partner: Partner, url: String? = nil, node: NodeIdentity, trust: TrustStore,
        transport: any EnvelopeTransport, owner: String, batchSize: Int = 500, clock: any EnvelopeClock = SystemClock(),
        metrics: OperationsCounters? = nil, logger: Logger
    ) throws {
        self.store = store
        self.partner = partner
        self.url = url ?? partner.description.transport.endpoint
        self.signer = try EnvelopeSigner(from: node.id, key: node.key, certificate: node.certificate, clock: clock)
        self.verifier = EnvelopeVerifier(node: node.id, trust: trust, clock: clock)
        self.transport = transport
        self.owner = owner
        self.batchSize = batchSize
        self.metrics = metrics
        self.logger = logger
        self.sequence = UInt64(max(0, clock.now().timeIntervalSince1970 * 1000))
    }

    /// Delivers what is due now; returns how many items were delivered.
    @discardableResult
    public func runOnce() throws -> Int {
        let items = try profile.measure(.lease) {
            try store.lease(
                direction: .outbound, partner: partner.id, limit: batchSize, owner: owner, duration: leaseDuration,
                maxPayloadBytes: maxEnvelopeBytes)
        }
        guard !items.isEmpty else { return 0 }
        var delivered = 0
        let records = items.filter { Self.recordKinds.contains($0.kind) }
        if !records.isEmpty {
            // One envelope, one signature, for everything leased: single records and fan-out batches, in queue order.
            var payload: [UInt8] = []
            payload.reserveCapacity(records.reduce(0) { $0 + $1.payload.count + 1 })
            var lines = 0
            for item in records {
                payload.append(contentsOf: item.payload)
                if item.payload.last != 0x0A { payload.append(0x0A) }
                lines += item.kind == "records" ? item.payload.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } : 1
            }
            let sent = send(
                records, kind: "records.batch", schema: CanonicalRecord.schemaName,
                contentType: "application/x-ndjson; charset=utf-8", payload: payload, recordCount: lines)
            if sent > 0 { profile.recordsDelivered.add(lines, ordering: .relaxed) }
            delivered += sent
        }
        for item in items where !Self.recordKinds.contains(item.kind) {
            let schema = item.kind == "validation.report" ? "g60.validation-report/v1" : "g60.\(item.kind)/v1"
            delivered += send(
                [item], kind: item.kind, schema: schema, contentType: "application/x-ndjson; charset=utf-8",
                payload: item.payload, recordCount: 0)
        }
        return delivered
    }

    private func send(
        _ items: [QueueItem], kind: String, schema: String, contentType: String, payload: [UInt8], recordCount: Int
    ) -> Int {
        sequence += 1
        let messageID = EnvelopeSigner.newMessageID()
        do {
            let bytes = try profile.measure(.sign) {
                let bytes = try signer.sign(
                    to: partner.id, kind: kind, schema: schema, contentType: contentType, payload: payload,
                    recordCount: UInt64(recordCount), sequence: sequence, messageID: messageID)
                let envelope = try Envelope.parse(bytes, maxPayloadBytes: Int.max)
                _ = try store.append(
                    EnvelopeSubmission(direction: .outbound, header: Inbox.storeHeader(envelope.header), raw: bytes))
                return bytes
            }
            let response = try profile.measure(.post) {
                let response = try transport.post(bytes, to: url, partner: partner.id)
                let receipt = try verifier.confirmReceipt(response.body, for: bytes)
                guard receipt.status == .accepted || receipt.status == .duplicate else {
                    throw GatewayError(
                        GatewayError.deliveryFailed,
                        "\(partner.id) rejected envelope \(messageID): \(receipt.errorCode ?? "?") \(receipt.errorMessage ?? "")")
                }
                return response
            }
            // The receipt and the completion of the envelope's items: two commits, whatever the item count.
            let lost = try profile.measure(.complete) {
                _ = try store.appendOutboundReceipt(messageID: messageID, partner: partner.id, receipt: response.body)
                return try store.complete(itemIDs: items.map(\.id), owner: owner)
            }
            profile.deliveryEnvelopes.add(1, ordering: .relaxed)
            if !lost.isEmpty {
                logger.warning(
                    "delivered items no longer leased",
                    [
                        "partner.id": partner.id, "envelope.id": messageID, "items": String(lost.count),
                        "reason": lost[0].reason,
                    ])
            }
            metrics?.deliveryAttempted(partner: partner.id, succeeded: true)
            return items.count
        } catch {
            metrics?.deliveryAttempted(partner: partner.id, succeeded: false)
            logger.warning(
                "delivery failed", ["partner.id": partner.id, "envelope.id": messageID, "error": "\(error)"])
            do {
                _ = try store.fail(itemIDs: items.map(\.id), owner: owner, error: "\(error)")
            } catch let recordError {
                // Nothing is lost: the items stay leased and come back when the lease ends (workers.leaseSeconds).
                logger.error(
                    "delivery failure not recorded; the items return when their lease ends",
                    ["partner.id": partner.id, "envelope.id": messageID, "error": "\(recordError)"])
            }
            return 0
        }
    }
}
