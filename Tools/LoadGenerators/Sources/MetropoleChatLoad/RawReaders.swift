import Foundation
import LoadSupport
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// The idle readers: plain non-blocking sockets on epoll, a few threads each owning a share.
/// Each reader still reads every byte, parses every frame, answers pings and times every
/// benchmark message, but a delivery costs it one `read` and a scan. Readers on NIO's
/// pipeline cost about as much per delivery as the server's write, so on two shared cores the
/// tool, not the server, set the latency it reported.
final class RawReaders: @unchecked Sendable {
    struct Tally {
        var greeted = 0
        var failed = 0
        var closed = 0
    }

    private final class Connection {
        let fd: Int32
        var isClosed = false
        var upgraded = false
        var greeted = false
        /// Bytes not yet parsed: the rest of the handshake, or part of a frame.
        var pending: [UInt8] = []

        init(fd: Int32) { self.fd = fd }
    }

    /// One thread, its epoll set and its connections; `lock` guards everything but `epoll`.
    private final class Worker: @unchecked Sendable {
        let epoll = Epoll.create()
        let lock = NIOLock()
        var connections: [Int32: Connection] = [:]
        var stats = LoadStats.Shard()
        var tally = Tally()
        let clock = MonotonicClock()

        func run() {
            var events = Epoll.Events(capacity: 256)
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
            while true {
                // Never blocks in epoll_wait: on loopback, waking a reader blocked there is work
                // the kernel charges to the server's write, which no client across a network
                // costs it. Polling every millisecond instead adds at most that to a latency.
                let ready = events.wait(on: epoll, timeoutMilliseconds: 0)
                guard ready > 0 else {
                    usleep(1000)
                    continue
                }
                lock.withLockVoid {
                    for index in 0..<ready {
                        guard let connection = connections[events.fd(at: index)] else { continue }
                        service(connection, scratch: scratch)
                    }
                }
            }
        }

        private func service(_ connection: Connection, scratch: UnsafeMutableRawBufferPointer) {
            while !connection.isClosed {
                let count = read(connection.fd, scratch.baseAddress, scratch.count)
                if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
                guard count > 0 else { return close(connection) }
                let bytes = UnsafeRawBufferPointer(rebasing: scratch[..<count])
                if connection.pending.isEmpty {
                    let used = consume(bytes, on: connection)
                    if used < count { connection.pending.append(contentsOf: bytes[used...]) }
                } else {
                    connection.pending.append(contentsOf: bytes)
                    let used = connection.pending.withUnsafeBytes { consume($0, on: connection) }
                    connection.pending.removeFirst(used)
                }
                if count < scratch.count { return }
            }
        }

        /// Parses what it can; returns how many bytes it used.
        private func consume(_ bytes: UnsafeRawBufferPointer, on connection: Connection) -> Int {
            var offset = 0
            if !connection.upgraded {
                guard let end = RawFrames.headerEnd(in: bytes) else { return 0 }
                guard RawFrames.isSwitchingProtocols(bytes) else {
                    close(connection)
                    return bytes.count
                }
                connection.upgraded = true
                offset = end
            }
            while let frame = RawFrames.frame(in: UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
                let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + frame.payloadStart)..<(offset + frame.end)])
                switch frame.opcode {
                case 0x1:
                    if !connection.greeted {
                        connection.greeted = true
                        tally.greeted += 1
                    }
                    if let (_, sentAt) = BenchText.parse(payload) { stats.record(sentAt: sentAt, receivedAt: clock.now) }
                case 0x8:
                    close(connection)
                    return bytes.count
                case 0x9:
                    if let pong = RawFrames.maskedClientFrame(opcode: 0xA, payload: payload) {
                        _ = pong.withUnsafeBytes { write(connection.fd, $0.baseAddress, $0.count) }
                    }
                default:
                    break
                }
                offset += frame.end
            }
            return offset
        }

        private func close(_ connection: Connection) {
            guard !connection.isClosed else { return }
            connection.isClosed = true
            connections[connection.fd] = nil
            if connection.greeted { tally.closed += 1 } else { tally.failed += 1 }
            Glibc.close(connection.fd)
        }
    }

    private let workers: [Worker]
    private var next = 0

    init(threads: Int) {
        workers = (0..<max(threads, 1)).map { _ in Worker() }
        for worker in workers {
            let thread = Thread { worker.run() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    var tally: Tally {
        workers.reduce(into: Tally()) { total, worker in
            let tally = worker.lock.withLock { worker.tally }
            total.greeted += tally.greeted
            total.failed += tally.failed
            total.closed += tally.closed
        }
    }

    /// Opens `count` guest readers on the chat of `path`, at most `concurrency` handshakes in
    /// flight (the server's accept backlog is finite); returns once each has been greeted or
    /// has failed, or after `timeout` seconds.
    func open(count: Int, port: Int, path: String, concurrency: Int, timeout: Double) -> Tally {
        let request = Array([
            "GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: bWV0cm9wb2xlLWNoYXQtbG9h", "Sec-WebSocket-Version: 13", "", "",
        ].joined(separator: "\r\n").utf8)
        let deadline = Date().addingTimeInterval(timeout)
        var started = 0
        while Date() < deadline {
            let settled = tally
            let done = settled.greeted + settled.failed + settled.closed
            if done >= count { break }
            if started < count && started - done < concurrency {
                if !connect(port: port, request: request) { workers[0].lock.withLockVoid { workers[0].tally.failed += 1 } }
                started += 1
            } else {
                usleep(1000)
            }
        }
        return tally
    }

    private func connect(port: Int, request: [UInt8]) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let sent = connected == 0 ? request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } : -1
        guard sent == request.count else {
            Glibc.close(fd)
            return false
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let worker = workers[next % workers.count]
        next += 1
        worker.lock.withLockVoid { worker.connections[fd] = Connection(fd: fd) }
        return Epoll.watchReadable(fd, on: worker.epoll)
    }

    func reset() {
        for worker in workers { worker.lock.withLockVoid { worker.stats = LoadStats.Shard() } }
    }

    func collect(into summary: inout LoadStats.Summary) {
        for worker in workers { worker.lock.withLockVoid { summary.add(worker.stats) } }
    }
}
