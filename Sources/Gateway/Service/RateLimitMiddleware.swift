import GatewayHTTP
import Synchronization

/// Per-client request rate limit (`limits.requestsPerMinutePerClient`): a token bucket per authenticated client id
/// that holds at most one minute's allowance and refills continuously. A request finding the bucket empty is
/// answered 429 `rate.limited` with `Retry-After` (whole seconds until a token is back). Anonymous requests
/// (health checks) are not limited here: they carry no client to charge.
///
/// Register it after the authentication middleware, so that the principal is known.
public struct RateLimitMiddleware: HTTPMiddleware {
    final class Buckets: Sendable {
        struct Bucket {
            var tokens: Double
            var updated: UInt64
        }
        let state = Mutex<[String: Bucket]>([:])
    }

    let perMinute: Double
    let clock: any HTTPClock
    let buckets = Buckets()

    public init(requestsPerMinute: Int, clock: any HTTPClock = MonotonicClock()) {
        self.perMinute = Double(max(1, requestsPerMinute))
        self.clock = clock
    }

    /// Takes one token for `client`; nil when allowed, else the seconds to wait.
    public func take(client: String) -> Int? {
        let now = clock.nowNanoseconds()
        let perSecond = perMinute / 60
        let perMinute = self.perMinute
        return buckets.state.withLock { buckets -> Int? in
            // Updated in place: the client's id is hashed once per request.
            Self.take(from: &buckets[client, default: Buckets.Bucket(tokens: perMinute, updated: now)],
                now: now, perMinute: perMinute, perSecond: perSecond)
        }
    }

    private static func take(from bucket: inout Buckets.Bucket, now: UInt64, perMinute: Double, perSecond: Double)
        -> Int?
    {
        if now > bucket.updated {
            let elapsed = Double(now &- bucket.updated) / 1e9
            bucket.tokens = min(perMinute, bucket.tokens + elapsed * perSecond)
            bucket.updated = now
        }
        if bucket.tokens >= 1 {
            bucket.tokens -= 1
            return nil
        }
        return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
    }

    public func handle(
        _ request: HTTPRequest, context: inout RequestContext,
        next: (HTTPRequest, inout RequestContext) throws -> HTTPResponse
    ) throws -> HTTPResponse {
        guard let principal = context.principal else { return try next(request, &context) }
        if let wait = take(client: principal.id) {
            var response = HTTPResponse.problem(
                HTTPProblem(
                    status: 429, code: "rate.limited",
                    detail:
                        "client \(principal.id) exceeded \(Int(perMinute)) requests per minute; retry after \(wait) s"))
            response.headers.set("Retry-After", String(wait))
            return response
        }
        return try next(request, &context)
    }
}
