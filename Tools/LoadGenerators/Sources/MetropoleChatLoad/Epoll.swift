import CEpoll

/// epoll(7) for the raw readers, through `CEpoll` (Swift's Glibc module leaves out
/// `sys/epoll.h`). Level-triggered: a reader that stops early is woken again.
enum Epoll {
    static func create() -> Int32 {
        epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    /// Watches `fd` for input and for the peer's close; the event carries `fd` back.
    static func watchReadable(_ fd: Int32, on epoll: Int32) -> Bool {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = fd
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0
    }

    /// A reusable array of events for `epoll_wait`.
    struct Events {
        private var storage: [epoll_event]

        init(capacity: Int) {
            storage = [epoll_event](repeating: epoll_event(), count: capacity)
        }

        /// How many descriptors are ready (`fd(at:)` for each), or -1 with `errno` set.
        mutating func wait(on epoll: Int32, timeoutMilliseconds: Int32) -> Int {
            let capacity = Int32(storage.count)
            return Int(storage.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, capacity, timeoutMilliseconds) })
        }

        func fd(at index: Int) -> Int32 {
            storage[index].data.fd
        }
    }
}
