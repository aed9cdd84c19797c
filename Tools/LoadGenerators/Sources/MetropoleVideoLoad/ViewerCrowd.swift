import LoadSupport
import NIOCore
import NIOPosix

/// Opens and watches many WebSocket viewers of one URL.
final class ViewerCrowd: Sendable {
    struct Viewer: Sendable {
        var stats: ViewerStats
        var channel: (any Channel)?
        var connectFailure: String?
    }

    let group: any EventLoopGroup
    let target: ServerURL

    init(group: any EventLoopGroup, target: ServerURL) {
        self.group = group
        self.target = target
    }

    /// Connects `count` viewers, at most `concurrency` handshakes at a time. Each viewer's path
    /// gets `viewer=load-<index>` so the server counts distinct viewers.
    func connect(count: Int, concurrency: Int, latencyViewers: Int) async -> [Viewer] {
        await withTaskGroup(of: (Int, Viewer).self) { group in
            var viewers = [Viewer?](repeating: nil, count: count)
            var next = 0
            func add(_ index: Int) {
                group.addTask { (index, await self.connectOne(index: index, recordsLatency: index < latencyViewers)) }
            }
            while next < min(concurrency, count) {
                add(next)
                next += 1
            }
            for await (index, viewer) in group {
                viewers[index] = viewer
                if next < count {
                    add(next)
                    next += 1
                }
            }
            return viewers.map { $0! }
        }
    }

    private func connectOne(index: Int, recordsLatency: Bool) async -> Viewer {
        let stats = ViewerStats(index: index, recordsLatency: recordsLatency)
        let separator = target.path.contains("?") ? "&" : "?"
        let path = target.path + separator + "viewer=load-\(index)-\(String(index, radix: 36))x"
        do {
            let channel = try await WebSocketClient.connect(
                host: target.host, port: target.port, path: path, maxFrameSize: WebSocketViewer.maxFrameSize,
                group: group
            ) { WebSocketViewer(stats: stats) }
            return Viewer(stats: stats, channel: channel)
        } catch {
            return Viewer(stats: stats, channel: nil, connectFailure: "\(error)")
        }
    }

    /// Reads each connected viewer's counters on its own event loop; `reset` starts a new window.
    func snapshot(_ viewers: [Viewer], reset: Bool) async -> [ViewerStats.Snapshot?] {
        var futures: [EventLoopFuture<ViewerStats.Snapshot>?] = []
        for viewer in viewers {
            guard let channel = viewer.channel else {
                futures.append(nil)
                continue
            }
            let stats = viewer.stats
            futures.append(channel.eventLoop.submit {
                let snapshot = stats.snapshot()
                if reset { stats.resetWindow() }
                return snapshot
            })
        }
        var snapshots: [ViewerStats.Snapshot?] = []
        for future in futures {
            snapshots.append(try? await future?.get())
        }
        return snapshots
    }

    func closeAll(_ viewers: [Viewer]) async {
        for viewer in viewers {
            if let channel = viewer.channel { WebSocketViewer.close(channel) }
        }
        for viewer in viewers {
            try? await viewer.channel?.closeFuture.get()
        }
    }

    /// "viewer isVideo dts_ms wall_ns" for every fragment the latency viewers timed.
    func latencyLines(_ viewers: [Viewer]) async -> [String] {
        var lines: [String] = []
        for viewer in viewers {
            guard let channel = viewer.channel else { continue }
            let stats = viewer.stats
            let times = (try? await channel.eventLoop.submit { stats.fragmentTimes ?? [] }.get()) ?? []
            for (isVideo, milliseconds, wall) in times {
                lines.append("\(stats.index) \(isVideo ? 1 : 0) \(milliseconds) \(wall)")
            }
        }
        return lines
    }
}
