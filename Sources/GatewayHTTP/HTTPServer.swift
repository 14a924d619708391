import CSocketShims
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How the server listens, what it accepts and how long it waits.
public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to bind, e.g. `127.0.0.1` or `0.0.0.0`.
    public var host: String
    /// 0 picks a free port (read it back from `HTTPServer.port`).
    public var port: UInt16
    /// Event loops (threads) sharing one listener (`EPOLLEXCLUSIVE`); default one per core this process may run on
    /// (its CPU affinity: under `taskset` or a container's cpuset, more loops than cores only add context switches).
    public var loopCount: Int
    /// Threads for routes marked `blocking`.
    public var workerCount: Int
    /// Open connections allowed over all loops; more are answered 503 and closed.
    public var maxConnections: Int
    public var limits: HTTPParserLimits
    /// A keep-alive connection with no request in progress is closed after this.
    public var idleTimeout: Duration
    /// A request head must be complete within this from its first byte (slowloris).
    public var headerTimeout: Duration
    /// A request body must be complete within this from the end of the head.
    public var bodyTimeout: Duration
    /// In-flight requests get this long to finish on `shutdown()`.
    public var shutdownGracePeriod: Duration
    /// How often the loop checks deadlines (the timer wheel's tick).
    public var tick: Duration
    /// HTTPS settings; nil serves plain HTTP, which must then be allowed explicitly.
    public var tls: HTTPTLSConfiguration?
    /// Plain HTTP is refused unless this is set (so a misconfigured node never serves partners in clear).
    public var allowPlaintext: Bool
    public var clock: any HTTPClock

    /// The CPUs this process may run on (its affinity mask), else the online CPUs; at least 1.
    public static var availableCPUs: Int {
        let allowed = Int(CG60_available_cpus())
        return max(1, allowed > 0 ? allowed : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    public init(
        host: String = "127.0.0.1", port: UInt16 = 0, loopCount: Int = 0, workerCount: Int = 4,
        maxConnections: Int = 10_000, limits: HTTPParserLimits = HTTPParserLimits(),
        idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30), shutdownGracePeriod: Duration = .seconds(10),
        tick: Duration = .milliseconds(100), tls: HTTPTLSConfiguration? = nil, allowPlaintext: Bool = false,
        clock: any HTTPClock = MonotonicClock()
    ) {
        self.host = host
        self.port = port
        self.loopCount = loopCount > 0 ? loopCount : HTTPServerConfiguration.availableCPUs
        self.workerCount = max(1, workerCount)
        self.maxConnections = maxConnections
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.tick = tick
        self.tls = tls
        self.allowPlaintext = allowPlaintext
        self.clock = clock
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}

/// Counters the server keeps; read them for `/metrics`.
public final class HTTPServerStats: Sendable {
    public let accepted = Atomic<Int>(0)
    public let refusedOverLimit = Atomic<Int>(0)
    public let open = Atomic<Int>(0)
    public let requests = Atomic<Int>(0)
    public let malformed = Atomic<Int>(0)
    public let timedOut = Atomic<Int>(0)
    public let tlsHandshakeFailures = Atomic<Int>(0)
    init() {}
}

/// A blocking handler's result on its way back to the loop that owns the connection.
struct Completion: Sendable {
    let fd: Int32
    let generation: UInt64
    let response: HTTPResponse
    let keepAlive: Bool
    let omitBody: Bool
    let http10: Bool
}

/// What other threads share with one loop: its wake-up descriptor, its inbox, its stop flag.
final class LoopShared: Sendable {
    let wakeFD: Int32
    let inbox = Mutex<[Completion]>([])
    let stopping = Atomic<Bool>(false)
    let finished = DispatchSemaphore(value: 0)

    init() throws(HTTPError) {
        wakeFD = CG60_eventfd(0)
        if wakeFD < 0 { throw HTTPError(HTTPError.socket, "eventfd failed: errno \(errno)") }
    }

    func post(_ completion: Completion) {
        inbox.withLock { $0.append(completion) }
        wake()
    }

    func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    deinit { close(wakeFD) }
}

/// The HTTP/1.1 server: `start()`, serve, `shutdown()`.
///
/// One epoll loop per thread, all accepting on one listening socket; handlers of routes marked
/// `blocking` run on a worker pool and their responses are handed back to the loop through an eventfd.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    public let stats = HTTPServerStats()
    let router: HTTPRouter
    let tlsContext: Mutex<TLSServerContext?>
    private let state = Mutex<(port: UInt16, loops: [LoopShared], listener: Int32)>((0, [], -1))
    let workers: [DispatchQueue]
    let nextWorker = Atomic<Int>(0)

    public init(configuration: HTTPServerConfiguration, router: HTTPRouter) throws(HTTPError) {
        self.configuration = configuration
        self.router = router
        if let tls = configuration.tls {
            tlsContext = Mutex(try TLSServerContext(tls))
        } else {
            guard configuration.allowPlaintext else {
                throw HTTPError(
                    HTTPError.tls, "no TLS configuration and plain HTTP is not allowed (set allowPlaintext)")
            }
            tlsContext = Mutex(nil)
        }
        workers = (0..<configuration.workerCount).map { DispatchQueue(label: "g60.http.worker.\($0)") }
    }

    /// The bound port (useful with port 0).
    public var port: UInt16 { state.withLock { $0.port } }

    /// Binds and starts the loops; returns once the server accepts connections.
    public func start() throws(HTTPError) {
        if state.withLock({ $0.listener >= 0 }) {
            throw HTTPError(HTTPError.socket, "the server is already started")
        }
        signal(SIGPIPE, SIG_IGN)
        let listener = try Self.listen(host: configuration.host, port: configuration.port)
        let port: UInt16
        do {
            port = try Self.boundPort(listener)
        } catch {
            close(listener)
            throw error
        }
        var shared: [LoopShared] = []
        for _ in 0..<configuration.loopCount {
            let loopShared = try LoopShared()
            shared.append(loopShared)
            let thread = Thread { [self] in
                let loop = EventLoop(server: self, shared: loopShared, listenFD: listener)
                loop.run()
                loopShared.finished.signal()
            }
            thread.name = "g60.http.loop"
            thread.stackSize = 1 << 20
            thread.start()
        }
        state.withLock { $0 = (port, shared, listener) }
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes every connection and
    /// returns when all loops have exited.
    public func shutdown() {
        let (loops, listener) = state.withLock { s -> ([LoopShared], Int32) in
            let taken = (s.loops, s.listener)
            s.loops = []
            s.listener = -1
            return taken
        }
        for loop in loops {
            loop.stopping.store(true, ordering: .sequentiallyConsistent)
            loop.wake()
        }
        for loop in loops { loop.finished.wait() }
        if listener >= 0 { close(listener) }
    }

    /// Loads the certificate, key and client CAs again from the configured files; new connections use them,
    /// established ones keep theirs. On error the old certificates stay in use.
    public func reloadCertificates() throws(HTTPError) {
        guard let tls = configuration.tls else {
            throw HTTPError(HTTPError.tls, "the server has no TLS configuration to reload")
        }
        let fresh = try TLSServerContext(tls)
        tlsContext.withLock { $0 = fresh }
    }

    func submitBlocking(_ work: @escaping @Sendable () -> Void) {
        let index = nextWorker.wrappingAdd(1, ordering: .relaxed).oldValue
        workers[index % workers.count].async(execute: work)
    }

    private static func listen(host: String, port: UInt16) throws(HTTPError) -> Int32 {
        let fd = socket(
            AF_INET,
            Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw HTTPError(HTTPError.socket, "socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw HTTPError(HTTPError.socket, "\(host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if bound != 0 {
            let e = errno
            close(fd)
            throw HTTPError(HTTPError.socket, "cannot bind \(host):\(port): errno \(e)")
        }
        if Glibc.listen(fd, 4096) != 0 {
            let e = errno
            close(fd)
            throw HTTPError(HTTPError.socket, "listen failed on \(host):\(port): errno \(e)")
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) throws(HTTPError) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if rc != 0 { throw HTTPError(HTTPError.socket, "getsockname failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }
}
