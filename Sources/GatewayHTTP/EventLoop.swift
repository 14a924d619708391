import CSocketShims

#if canImport(Glibc)
    import Glibc
#endif

/// The result of one read or write on a connection, plain or TLS.
enum IOStatus {
    case bytes(Int)
    /// Try again when the socket is readable (`wantWrite` false) or writable (true).
    case wouldBlock(wantWrite: Bool)
    case closed
    case failed
}

/// One client connection; owned and touched by one loop thread only.
final class Connection {
    enum Phase {
        case handshake
        case open
        /// A blocking handler runs on the worker pool; reading is paused to keep order.
        case handler
        /// The response is sent and the write side shut; reading until EOF so the peer sees the response.
        case draining
    }

    let fd: Int32
    let generation: UInt64
    let remoteAddress: String
    var parser: HTTPRequestParser
    var phase: Phase
    var tls: TLSConnection?
    var peerCertificate: HTTPPeerCertificate?
    var out: [UInt8] = []
    var outOffset = 0
    var closeAfterFlush = false
    var current: (head: HTTPRequestHead, route: ResolvedRoute)?
    var interest: UInt32 = 0
    /// TLS may need the opposite readiness: a write that waits for input, a read or handshake that waits to write.
    var tlsWriteWantsRead = false
    var tlsReadWantsWrite = false
    var handshakeWantsWrite = false
    // Timing (nanoseconds from the server's clock).
    var acceptedAt: UInt64
    var requestStartedAt: UInt64
    var bodyStartedAt: UInt64 = 0
    var lastActivity: UInt64
    var drainDeadline: UInt64 = 0
    var deadline: UInt64 = .max
    var scheduledDeadline: UInt64 = .max
    var timerToken: UInt64 = 0

    init(
        fd: Int32, generation: UInt64, remoteAddress: String, limits: HTTPParserLimits, now: UInt64, tls: TLSConnection?
    ) {
        self.fd = fd
        self.generation = generation
        self.remoteAddress = remoteAddress
        self.parser = HTTPRequestParser(limits: limits)
        self.tls = tls
        self.phase = tls == nil ? .open : .handshake
        self.acceptedAt = now
        self.requestStartedAt = now
        self.lastActivity = now
    }

    var pendingOut: Int { out.count - outOffset }

    func receive(_ buffer: UnsafeMutableRawBufferPointer) -> IOStatus {
        if let tls { return tls.read(buffer) }
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .closed }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock(wantWrite: false) : .failed
    }

    func send(_ buffer: UnsafeRawBufferPointer) -> IOStatus {
        if let tls { return tls.write(buffer) }
        let n = Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return .bytes(n) }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wouldBlock(wantWrite: true) : .failed
    }
}

private let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
private let overloadedResponse: [UInt8] = {
    var out: [UInt8] = []
    var response = HTTPResponse.problem(
        HTTPProblem(status: 503, code: HTTPError.overloaded, detail: "too many open connections"))
    response.headers.set("Retry-After", "1")  // tell the client to come back, not that it was dropped
    response.serialize(into: &out, keepAlive: false, date: [], omitBody: false)
    return out
}()

/// Pending-output size above which a connection stops parsing pipelined requests until the peer reads.
private let outputHighWater = 256 * 1024
private let readBufferSize = 64 * 1024

/// One epoll loop: accepts on its listener, reads, parses, routes, writes, and expires deadlines.
final class EventLoop {
    let server: HTTPServer
    let shared: LoopShared
    let clock: any HTTPClock
    let router: HTTPRouter
    let limits: HTTPParserLimits
    let maxConnections: Int
    let idleTimeout: UInt64
    let headerTimeout: UInt64
    let bodyTimeout: UInt64
    let graceNanoseconds: UInt64
    let tickMilliseconds: Int32
    var listenFD: Int32
    let epollFD: Int32
    var connections: [Connection?] = []
    var connectionCount = 0
    var generation: UInt64 = 0
    var wheel: TimerWheel
    var readBuffer: UnsafeMutableRawBufferPointer
    var stopping = false
    var graceDeadline: UInt64 = .max
    var dateLine: [UInt8] = []
    var dateSecond = -1

    init(server: HTTPServer, shared: LoopShared, listenFD: Int32) {
        let configuration = server.configuration
        self.server = server
        self.shared = shared
        self.clock = configuration.clock
        self.router = server.router
        self.limits = configuration.limits
        self.maxConnections = max(1, configuration.maxConnections)
        self.idleTimeout = configuration.idleTimeout.nanoseconds
        self.headerTimeout = configuration.headerTimeout.nanoseconds
        self.bodyTimeout = configuration.bodyTimeout.nanoseconds
        self.graceNanoseconds = configuration.shutdownGracePeriod.nanoseconds
        let tick = max(1, configuration.tick.nanoseconds)
        self.tickMilliseconds = Int32(clamping: max(1, tick / 1_000_000))
        self.listenFD = listenFD
        self.epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        self.wheel = TimerWheel(tickNanoseconds: tick, now: configuration.clock.nowNanoseconds())
        self.readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readBufferSize, alignment: 16)
        // EPOLLEXCLUSIVE: a new connection wakes one loop, not all of them.
        register(listenFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
        register(shared.wakeFD, events: EPOLLIN.rawValue)
    }

    deinit {
        readBuffer.deallocate()
        close(epollFD)
    }

    private func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event(events: events, data: epoll_data_t(fd: fd))
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    func run() {
        let maxEvents = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: maxEvents)
        defer { events.deallocate() }
        while true {
            let n = epoll_wait(epollFD, events, Int32(maxEvents), tickMilliseconds)
            if n < 0 && errno != EINTR { break }
            let now = clock.nowNanoseconds()
            refreshDate()
            for i in 0..<Int(max(0, n)) {
                let fd = events[i].data.fd
                let flags = events[i].events
                if fd == listenFD {
                    acceptConnections(now: now)
                } else if fd == shared.wakeFD {
                    var value: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &value) { read(shared.wakeFD, $0.baseAddress, 8) }
                } else if let connection = lookup(fd) {
                    handle(connection, flags: flags, now: now)
                }
            }
            drainInbox(now: now)
            if !stopping && shared.stopping.load(ordering: .sequentiallyConsistent) { beginShutdown(now: now) }
            for entry in wheel.advance(to: now) { expire(entry, now: now) }
            if stopping && (connectionCount == 0 || now >= graceDeadline) { break }
        }
        for case let connection? in connections { closeConnection(connection) }
        if listenFD >= 0 { epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil) }
    }

    private func lookup(_ fd: Int32) -> Connection? {
        let index = Int(fd)
        return index < connections.count ? connections[index] : nil
    }

    // MARK: Accept

    private func acceptConnections(now: UInt64) {
        for _ in 0..<64 {
            var address = sockaddr_in()
            var length = UInt32(MemoryLayout<sockaddr_in>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    CG60_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 { return }
            server.stats.accepted.add(1, ordering: .relaxed)
            // The limit is over all loops: a busy loop must not refuse while others have room, nor the reverse.
            if server.stats.open.load(ordering: .relaxed) >= maxConnections {
                server.stats.refusedOverLimit.add(1, ordering: .relaxed)
                _ = overloadedResponse.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var tls: TLSConnection? = nil
            if let context = server.tlsContext.withLock({ $0 }) {
                guard let session = TLSConnection(context: context, fd: fd) else {
                    close(fd)
                    continue
                }
                tls = session
            }
            generation &+= 1
            let connection = Connection(
                fd: fd, generation: generation, remoteAddress: format(address), limits: limits, now: now, tls: tls)
            let index = Int(fd)
            if index >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: index - connections.count + 64))
            }
            connections[index] = connection
            connectionCount += 1
            server.stats.open.add(1, ordering: .relaxed)
            connection.interest = EPOLLIN.rawValue
            register(fd, events: EPOLLIN.rawValue)
            updateDeadline(connection)
        }
    }

    private func format(_ address: sockaddr_in) -> String {
        var address = address
        var text = [CChar](repeating: 0, count: 64)
        inet_ntop(AF_INET, &address.sin_addr, &text, 64)
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return host + ":" + String(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Events

    private func handle(_ connection: Connection, flags: UInt32, now: UInt64) {
        if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && flags & EPOLLIN.rawValue == 0 {
            closeConnection(connection)
            return
        }
        switch connection.phase {
        case .handshake:
            continueHandshake(connection, now: now)
        case .draining:
            drain(connection)
        case .open, .handler:
            if flags & EPOLLOUT.rawValue != 0 || (connection.tlsWriteWantsRead && flags & EPOLLIN.rawValue != 0) {
                guard flush(connection, now: now) else { return }
                if connection.phase == .open && connection.pendingOut == 0 { drive(connection, now: now) }
            }
            let readable =
                flags & EPOLLIN.rawValue != 0 || (connection.tlsReadWantsWrite && flags & EPOLLOUT.rawValue != 0)
            if readable && connection.phase == .open && lookup(connection.fd) === connection {
                readAvailable(connection, now: now)
            }
        }
        if lookup(connection.fd) === connection {
            updateInterest(connection)
            updateDeadline(connection)
        }
    }

    private func continueHandshake(_ connection: Connection, now: UInt64) {
        guard let tls = connection.tls else { return }
        switch tls.handshake() {
        case .done:
            connection.phase = .open
            connection.peerCertificate = tls.peerCertificate()
            connection.requestStartedAt = now
            connection.lastActivity = now
            readAvailable(connection, now: now)
        case .wantRead:
            connection.handshakeWantsWrite = false
        case .wantWrite:
            connection.handshakeWantsWrite = true
        case .failed:
            server.stats.tlsHandshakeFailures.add(1, ordering: .relaxed)
            closeConnection(connection)
        }
    }

    private func readAvailable(_ connection: Connection, now: UInt64) {
        let wasIdle = connection.parser.isIdle
        var rounds = 0
        while rounds < 16 {
            rounds += 1
            switch connection.receive(readBuffer) {
            case .bytes(let n):
                connection.tlsReadWantsWrite = false
                connection.parser.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                // A plain socket that returned less than asked is empty; TLS may hold decrypted bytes.
                if connection.tls == nil && n < readBuffer.count { rounds = .max }
            case .wouldBlock(let wantWrite):
                connection.tlsReadWantsWrite = wantWrite
                rounds = .max
            case .closed, .failed:
                closeConnection(connection)
                return
            }
        }
        if wasIdle && !connection.parser.isIdle { connection.requestStartedAt = now }
        drive(connection, now: now)
    }

    /// Parses and answers as many buffered requests as output space allows.
    private func drive(_ connection: Connection, now: UInt64) {
        while true {
            let stoppedAtHighWater = answerBuffered(connection, now: now)
            guard flush(connection, now: now) else { return }
            // Requests may still wait in the parser with no socket event to come: go on while the output drains.
            guard stoppedAtHighWater, connection.phase == .open, connection.pendingOut == 0 else { return }
        }
    }

    /// Answers buffered requests until output reaches the high-water mark (returns true) or input runs out.
    private func answerBuffered(_ connection: Connection, now: UInt64) -> Bool {
        requests: while connection.phase == .open && !connection.closeAfterFlush {
            if connection.pendingOut >= outputHighWater { return true }
            let event: HTTPRequestParser.Event?
            do {
                event = try connection.parser.next()
            } catch {
                server.stats.malformed.add(1, ordering: .relaxed)
                queue(.problem(HTTPProblem(error)), on: connection, keepAlive: false, omitBody: false)
                break
            }
            guard let event else { break }
            switch event {
            case .head(let head):
                let route = router.resolve(method: head.method, path: head.path)
                if let limit = route.bodyLimit { connection.parser.bodyLimit = limit }
                if let length = head.contentLength, length > connection.parser.bodyLimit {
                    let error = HTTPError(
                        HTTPError.bodyTooLarge,
                        "Content-Length \(length) is above this route's limit of \(connection.parser.bodyLimit) bytes",
                        status: 413)
                    queue(.problem(HTTPProblem(error)), on: connection, keepAlive: false, omitBody: false)
                    break
                }
                if head.expectsContinue && connection.parser.bufferedByteCount == 0
                    && (head.chunked || (head.contentLength ?? 0) > 0)
                {
                    connection.out.append(contentsOf: continueResponse)
                }
                connection.current = (head, route)
                connection.bodyStartedAt = now
            case .end(let body):
                guard let (head, route) = connection.current else { break }
                connection.current = nil
                server.stats.requests.add(1, ordering: .relaxed)
                let request = HTTPRequest(head: head, body: body)
                let context = RequestContext(
                    parameters: route.parameters, route: route.pattern, remoteAddress: connection.remoteAddress,
                    peerCertificate: connection.peerCertificate, receivedAt: now)
                let keepAlive = head.keepAlive && !stopping
                let omitBody = head.method == "HEAD"
                let http10 = head.minorVersion == 0
                if route.blocking {
                    connection.phase = .handler
                    let shared = self.shared
                    let fd = connection.fd
                    let generation = connection.generation
                    server.submitBlocking {
                        var context = context
                        let response = Self.respond(route.responder, request, &context)
                        shared.post(
                            Completion(
                                fd: fd, generation: generation, response: response, keepAlive: keepAlive,
                                omitBody: omitBody, http10: http10))
                    }
                    // Earlier pipelined answers (and a 100 Continue) still go out now.
                    break requests
                }
                var inlineContext = context
                let response = Self.respond(route.responder, request, &inlineContext)
                queue(response, on: connection, keepAlive: keepAlive, omitBody: omitBody, http10: http10)
                connection.lastActivity = now
                connection.requestStartedAt = now
            }
        }
        return false
    }

    /// Runs a responder; an error that escaped every middleware still becomes a problem response.
    static func respond(_ responder: HTTPHandler, _ request: HTTPRequest, _ context: inout RequestContext)
        -> HTTPResponse
    {
        do {
            return try responder(request, &context)
        } catch let error as HTTPError {
            return .problem(HTTPProblem(error))
        } catch {
            return .problem(HTTPProblem(status: 500, code: HTTPError.internalError))
        }
    }

    private func queue(
        _ response: HTTPResponse, on connection: Connection, keepAlive: Bool, omitBody: Bool, http10: Bool = false
    ) {
        response.serialize(
            into: &connection.out, keepAlive: keepAlive, date: dateLine, omitBody: omitBody,
            announceKeepAlive: http10)
        if !keepAlive { connection.closeAfterFlush = true }
    }

    private func drainInbox(now: UInt64) {
        let completions = shared.inbox.withLock { inbox -> [Completion] in
            let all = inbox
            inbox.removeAll(keepingCapacity: true)
            return all
        }
        for completion in completions {
            guard let connection = lookup(completion.fd), connection.generation == completion.generation,
                connection.phase == .handler
            else { continue }
            connection.phase = .open
            queue(
                completion.response, on: connection, keepAlive: completion.keepAlive && !stopping,
                omitBody: completion.omitBody, http10: completion.http10)
            connection.lastActivity = now
            connection.requestStartedAt = now
            if flush(connection, now: now) {
                drive(connection, now: now)
                if lookup(connection.fd) === connection {
                    updateInterest(connection)
                    updateDeadline(connection)
                }
            }
        }
    }

    /// Sends pending output; false if the connection was closed.
    @discardableResult
    private func flush(_ connection: Connection, now: UInt64) -> Bool {
        connection.tlsWriteWantsRead = false
        while connection.pendingOut > 0 {
            let status = connection.out.withUnsafeBytes {
                connection.send(UnsafeRawBufferPointer(rebasing: $0[connection.outOffset...]))
            }
            switch status {
            case .bytes(let n):
                connection.outOffset += n
                connection.lastActivity = now
            case .wouldBlock(let wantWrite):
                if !wantWrite { connection.tlsWriteWantsRead = true }
                return true
            case .closed, .failed:
                closeConnection(connection)
                return false
            }
        }
        if connection.outOffset > 0 {
            connection.out.removeAll(keepingCapacity: connection.out.capacity <= 64 * 1024)
            connection.outOffset = 0
        }
        if connection.closeAfterFlush {
            if connection.parser.isIdle || connection.tls != nil {
                closeConnection(connection)
                return false
            }
            // Unread request bytes remain: shut the write side and read until EOF, so the peer gets the response
            // instead of a reset.
            shutdown(connection.fd, Int32(SHUT_WR))
            connection.phase = .draining
            connection.drainDeadline = now &+ 2_000_000_000
        }
        return true
    }

    private func drain(_ connection: Connection) {
        while true {
            let n = recv(connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if n > 0 { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            closeConnection(connection)
            return
        }
    }

    private func updateInterest(_ connection: Connection) {
        var wanted: UInt32
        switch connection.phase {
        case .handshake:
            wanted = connection.handshakeWantsWrite ? EPOLLOUT.rawValue : EPOLLIN.rawValue
        case .draining:
            wanted = EPOLLIN.rawValue
        case .handler:
            wanted = connection.pendingOut > 0 ? EPOLLOUT.rawValue : 0
        case .open:
            wanted = connection.pendingOut >= outputHighWater ? 0 : EPOLLIN.rawValue
            if connection.pendingOut > 0 && !connection.tlsWriteWantsRead { wanted |= EPOLLOUT.rawValue }
            if connection.tlsWriteWantsRead { wanted |= EPOLLIN.rawValue }
            if connection.tlsReadWantsWrite && wanted & EPOLLIN.rawValue != 0 { wanted |= EPOLLOUT.rawValue }
        }
        if wanted != connection.interest {
            connection.interest = wanted
            var event = epoll_event(events: wanted, data: epoll_data_t(fd: connection.fd))
            epoll_ctl(epollFD, EPOLL_CTL_MOD, connection.fd, &event)
        }
    }

    // MARK: Deadlines

    private func updateDeadline(_ connection: Connection) {
        let deadline: UInt64
        switch connection.phase {
        case .handshake:
            deadline = connection.acceptedAt &+ headerTimeout
        case .handler:
            deadline = .max
        case .draining:
            deadline = connection.drainDeadline
        case .open:
            if connection.pendingOut > 0 {
                deadline = connection.lastActivity &+ idleTimeout
            } else if connection.parser.isIdle {
                deadline = connection.lastActivity &+ idleTimeout
            } else if connection.parser.isReadingBody {
                deadline = connection.bodyStartedAt &+ bodyTimeout
            } else {
                deadline = connection.requestStartedAt &+ headerTimeout
            }
        }
        connection.deadline = deadline
        if deadline < connection.scheduledDeadline {
            connection.timerToken &+= 1
            connection.scheduledDeadline = deadline
            wheel.schedule(id: Int(connection.fd), token: connection.timerToken, deadline: deadline)
        }
    }

    private func expire(_ entry: TimerWheel.Entry, now: UInt64) {
        guard let connection = lookup(Int32(entry.id)), connection.timerToken == entry.token else { return }
        if connection.deadline > now {
            connection.timerToken &+= 1
            connection.scheduledDeadline = connection.deadline
            if connection.deadline != .max {
                wheel.schedule(id: entry.id, token: connection.timerToken, deadline: connection.deadline)
            }
            return
        }
        server.stats.timedOut.add(1, ordering: .relaxed)
        if connection.phase == .open && !connection.parser.isIdle && connection.pendingOut == 0 {
            // Best effort: one attempt to say why, then close.
            var bytes: [UInt8] = []
            HTTPResponse.problem(
                HTTPProblem(status: 408, code: HTTPError.timeout, detail: "the request was not received in time")
            ).serialize(into: &bytes, keepAlive: false, date: dateLine, omitBody: false)
            _ = bytes.withUnsafeBytes { connection.send($0) }
        }
        closeConnection(connection)
    }

    // MARK: Shutdown

    private func beginShutdown(now: UInt64) {
        stopping = true
        graceDeadline = now &+ graceNanoseconds
        if listenFD >= 0 {
            // The server closes the shared listener once every loop has stopped.
            epoll_ctl(epollFD, EPOLL_CTL_DEL, listenFD, nil)
            listenFD = -1
        }
        for case let connection? in connections
        where connection.phase == .open && connection.parser.isIdle && connection.pendingOut == 0 {
            closeConnection(connection)
        }
    }

    private func closeConnection(_ connection: Connection) {
        guard lookup(connection.fd) === connection else { return }
        connection.tls?.shutdownQuietly()
        epoll_ctl(epollFD, EPOLL_CTL_DEL, connection.fd, nil)
        close(connection.fd)
        connections[Int(connection.fd)] = nil
        connectionCount -= 1
        server.stats.open.subtract(1, ordering: .relaxed)
    }

    // MARK: Date header

    private func refreshDate() {
        let seconds = time(nil)
        if Int(seconds) == dateSecond { return }
        dateSecond = Int(seconds)
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text =
            "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        dateLine = Array(text.utf8)
    }
}
