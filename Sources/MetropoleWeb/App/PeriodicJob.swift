import ServiceLifecycle

/// Work done every `interval` for the life of the process (chat batches, viewer counts,
/// WebSocket keepalive): the one timer mechanism of the app. A service of the group, so it
/// stops with everything else; `final` runs once after the last round (the chat archive's
/// last flush).
struct PeriodicJob: Service {
    var name: String
    var interval: Duration
    var work: @Sendable () async -> Void
    var final: (@Sendable () async -> Void)? = nil

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { break }
                await work()
            }
        }
        await final?()
    }
}

extension PeriodicJob: CustomStringConvertible {
    var description: String { name }
}
