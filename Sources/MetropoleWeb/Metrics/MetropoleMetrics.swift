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
    /// Events this node sent to the others, and received from the bus (its own ordered ones too).
    static let clusterEventsSent = Counter(label: "metropole_cluster_events_sent_total", factory: factory)
    static let clusterEventsReceived = Counter(label: "metropole_cluster_events_received_total", factory: factory)
    /// Guest pages the HTTP edge answered from its cache (one atomic add on that path).
    static let guestPagesFromCache = Counter(label: "metropole_guest_pages_cached_total", factory: factory)

    /// A viewer's socket closed because it could not keep up (`WebSocketCloseCode.tooSlow`).
    static func droppedTooSlow(kind: String) {
        Counter(label: "metropole_viewers_dropped_slow_total", dimensions: [("socket", kind)], factory: factory).increment()
    }

    /// The whole exposition: the state read now, then the counters and HTTP metrics.
    static func exposition(_ app: Application) async throws -> String {
        let now = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ labels: [(String, String)] = [], help: String) -> Prometheus.Gauge {
            now.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        }
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
            gauge("metropole_live_streams", [("protocol", key[0]), ("provider", key[1])],
                  help: "Streams live now, by ingest protocol and provider").set(Double(count))
        }

        let sockets = await app.webSockets.countsByKind()
        gauge("metropole_viewers", [("transport", "websocket")], help: "Viewers now, by transport").set(Double(sockets["player"] ?? 0))
        gauge("metropole_viewers", [("transport", "llhls")], help: "Viewers now, by transport")
            .set(Double(app.live.directory.viewers.hlsSessions()))
        gauge("metropole_chat_sockets", help: "Chat WebSockets open now").set(Double(sockets["chat"] ?? 0))

        for entry in app.live.directory.entries {
            let stats = entry.hub.stats, labels = [("channel", entry.username)]
            gauge("metropole_ingest_bitrate_bits_per_second", labels,
                  help: "Media bits per second of each stream on our ingest, over the last seconds").set(Double(stats.bitrate))
            gauge("metropole_ingest_frames_received", labels,
                  help: "Frames received by each stream on our ingest since it went live").set(Double(stats.framesReceived))
            gauge("metropole_ingest_frames_dropped", labels,
                  help: "Frames refused by each stream on our ingest since it went live").set(Double(stats.framesDropped))
        }

        if let use = app.databaseUse {
            let reading = use.reading
            gauge("metropole_database_pool_connections", help: "Connections the database pool may open").set(Double(use.poolSize))
            gauge("metropole_database_connections_in_use",
                  help: "Database leases held now (queries running, transactions open); beyond the pool size they wait").set(Double(reading.inUse))
            gauge("metropole_database_connections_peak",
                  help: "The most database leases held at once since the previous scrape").set(Double(reading.peak))
            now.makeCounter(descriptor: MetricNameDescriptor(metricName: "metropole_database_leases", unitName: "total", helpText: "Database leases taken since the process started"))
                .increment(by: Int64(reading.leases))
        }
        return now.emitToString() + registry.emitToString()
    }
}
