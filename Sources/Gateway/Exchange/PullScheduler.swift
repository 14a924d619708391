import Foundation
import GatewayCore
import GatewayHTTP
import GatewayMapping
import Synchronization

/// Fetches the exports of partners configured to be polled (`transport.mode: pull` in partner.json) and treats
/// what comes back exactly like an envelope posted to the inbox.
///
/// Protocol (Contracts/http/README.md): `GET <endpoint>?<cursorParameter>=<cursor>&pageSize=<n>` answers `204` when
/// there is nothing new, or `200` with one signed envelope (`application/vnd.g60.envelope`) and the header
/// `X-G60-Next-Cursor` (the cursor for the next page; without it, the envelope's issued-at). `X-G60-More: true`
/// asks for the next page at once. The cursor advances only after the inbox accepted (or recognised as a
/// duplicate) the envelope, and is kept durably in a small file beside the database, replaced atomically.
public final class PullScheduler: @unchecked Sendable {
    let partner: Partner
    let url: String
    let inbox: Inbox
    let cursorFile: URL
    let interval: TimeInterval
    let logger: Logger
    let client: HTTPClient
    private var nextPoll = Date.distantPast

    public init(
        partner: Partner, url: String, inbox: Inbox, cursorFile: URL, interval: TimeInterval? = nil, logger: Logger
    ) throws {
        self.partner = partner
        self.url = url
        self.inbox = inbox
        self.cursorFile = cursorFile
        self.interval = interval ?? TimeInterval(partner.description.transport.pull?.intervalSeconds ?? 900)
        self.logger = logger
        // The partner's own CA bundle (transport.tlsCA), as for deliveries.
        self.client = try HTTPClient(
            configuration: HTTPClientConfiguration(
                caBundlePath: CurlEnvelopeTransport.partnerCABundles([partner])[partner.id]))
    }

    /// Polls when the interval has passed; returns how many envelopes were taken in.
    @discardableResult
    public func runOnce(now: Date = Date()) throws -> Int {
        guard now >= nextPoll else { return 0 }
        nextPoll = now.addingTimeInterval(interval)
        let settings = partner.description.transport.pull
        let parameter = settings?.cursorParameter ?? "since"
        var taken = 0
        for _ in 0..<100 {  // pages per poll, bounded
            var cursors = PullScheduler.readCursors(cursorFile)
            var target = url + (url.contains("?") ? "&" : "?") + parameter + "="
                + (cursors[partner.id] ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            if let size = settings?.pageSize { target += "&pageSize=\(size)" }
            let response = try client.get(target)
            guard response.status == 200 else {
                if response.status != 204 {
                    logger.warning("pull failed", ["partner.id": partner.id, "http.status": String(response.status)])
                }
                return taken
            }
            let answer = inbox.receive(response.body, caller: partner.id)
            guard answer.outcome == .accepted || answer.outcome == .duplicate else {
                logger.warning(
                    "pulled envelope refused",
                    ["partner.id": partner.id, "code": answer.errorCode ?? "?", "envelope.id": answer.messageID ?? "-"])
                return taken
            }
            taken += 1
            let next = response.headers["X-G60-Next-Cursor"] ?? answer.messageID ?? ""
            cursors[partner.id] = next
            try PullScheduler.writeCursors(cursors, to: cursorFile)
            if response.headers["X-G60-More"] != "true" { break }
        }
        return taken
    }

    static func readCursors(_ file: URL) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: file.path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return [:] }
        return object
    }

    static func writeCursors(_ cursors: [String: String], to file: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: cursors, options: [.sortedKeys])
        try data.write(to: file, options: .atomic)
    }
}
