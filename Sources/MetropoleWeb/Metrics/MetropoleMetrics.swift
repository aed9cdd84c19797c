import Metrics
import MetropoleMedia
import Fluent
import Foundation
import Prometheus
import Vapor

/// The process's metrics in Prometheus text (`GET /metrics`, decision 0036). Counters of
/// events live in one process-wide registry, which is also swift-metrics' global factory, so
/// Vapor's own `http_requests_total` and `http_request_duration_seconds` (by route pattern and
/// status) land there. Gauges of state (live streams, sockets, viewers, bitrates) are read from
/// the live services at each scrape into a registry of that scrape, so a stream that ended
/// leaves no stale series behind.
enum MetropoleMetrics {
    static let registry = PrometheusCollectorRegistry()
    private static let factory = PrometheusMetricsFactory(registry: registry)
    private static let bootstrapped: Void = MetricsSystem.bootstrap(factory)

    /// Makes the registry swift-metrics' global factory; once per process, whatever calls it.
    static func bootstrap() { _ = bootstrapped }

    static let chatMessages = Counter(label: "metropole_chat_messages_total", factory: factory)
    /// Guest pages the HTTP edge answered from its cache (one atomic add on that path).
    static let guestPagesFromCache = Counter(label: "metropole_guest_pages_cached_total", factory: factory)

    /// A viewer's socket closed because it could not keep up (`WebSocketCloseCode.tooSlow`).
    static func droppedTooSlow(kind: String) {
        Counter(label: "metropole_viewers_dropped_slow_total", dimensions: [("socket", kind)], factory: factory).increment()
    }

    /// The whole exposition: the state read now, then the counters and HTTP metrics.
    static func exposition(_ app: Application) async throws -> String {
        let now = PrometheusCollectorRegistry()
        let live = try await Stream.query(on: app.db).filter(\.$isLive == true).with(\.$user).all()
        var byIngest: [[String]: Int] = [:]
        for stream in live {
            byIngest[[stream.ingressProtocol ?? IngestProtocol.rtmp.rawValue, stream.user.preferredProvider ?? ProviderDefinition.builtin.id], default: 0] += 1
        }
        // Every protocol appears, at 0 when nobody uses it, so a dashboard has a series to draw.
        for ingest in IngestProtocol.allCases where !byIngest.keys.contains(where: { $0[0] == ingest.rawValue }) {
            byIngest[[ingest.rawValue, ProviderDefinition.builtin.id]] = 0
        }
        for (key, count) in byIngest {
            now.makeGauge(name: "metropole_live_streams", labels: [("protocol", key[0]), ("provider", key[1])],
                          help: "Streams live now, by ingest protocol and provider").set(Double(count))
        }

        let sockets = await app.webSockets.countsByKind()
        now.makeGauge(name: "metropole_viewers", labels: [("transport", "websocket")], help: "Viewers now, by transport")
            .set(Double(sockets["player"] ?? 0))
        now.makeGauge(name: "metropole_viewers", labels: [("transport", "llhls")], help: "Viewers now, by transport")
            .set(Double(app.live.directory.viewers.hlsSessions()))
        now.makeGauge(name: "metropole_chat_sockets", help: "Chat WebSockets open now").set(Double(sockets["chat"] ?? 0))

        for entry in app.live.directory.entries {
            let stats = entry.hub.stats, labels = [("channel", entry.username)]
            now.makeGauge(name: "metropole_ingest_bitrate_bits_per_second", labels: labels,
                          help: "Media bits per second of each stream on our ingest, over the last seconds").set(Double(stats.bitrate))
            now.makeGauge(name: "metropole_ingest_frames_received", labels: labels,
                          help: "Frames received by each stream on our ingest since it went live").set(Double(stats.framesReceived))
            now.makeGauge(name: "metropole_ingest_frames_dropped", labels: labels,
                          help: "Frames refused by each stream on our ingest since it went live").set(Double(stats.framesDropped))
        }
        return now.emitToString() + registry.emitToString()
    }
}
