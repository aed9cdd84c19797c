import Fluent
import Foundation
import MetropoleMedia
import MetropoleRTMP
import MetropoleWebRTC
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import Vapor

/// Everything live: the directory of hubs, the status broadcaster, open players and the two
/// ingest listeners, RTMP and WHIP (one UDP port). The listeners and the housekeeping run as
/// services of the application's group (`AppServices`). Both listeners feed the same
/// directory through the same authorizer, so a viewer cannot tell which one a creator used.
final class LiveServices: Sendable {
    /// How often viewer counts drop readers gone quiet; the event streams' keep-alive comes
    /// every tenth time.
    static let housekeepingInterval: Duration = .seconds(2)

    let broadcaster = LiveStatusBroadcaster()
    let directory: LiveDirectory
    /// Streams live on external providers (`Providers/`).
    let external: ExternalStreams
    let players = PlayerSockets()
    let rtmp: RTMPServer?
    let webRTC: WebRTCIngestServer?
    /// The RTMP port actually bound (differs from the configured one when that is 0).
    let rtmpPort = NIOLockedValueBox<Int?>(nil)
    /// WHIP POSTs per client address per minute.
    let whipAttempts = SlidingWindowCounter(window: 60)
    static let whipAttemptsPerMinute = 30
    private let housekeepingTicks = NIOLockedValueBox(0)

    init(app: Application, startIngest: Bool) {
        let database: @Sendable () -> any Database = { [unowned app] in app.db }
        let recordings = app.recordings
        let configuration = app.metropole
        let directory = LiveDirectory(database: database, cluster: app.cluster, broadcaster: broadcaster, nodeURL: configuration.nodeURL, listings: app.listings,
                                      webhooks: app.webhooks, recordings: recordings, logger: app.logger)
        self.directory = directory
        external = ExternalStreams(directory: directory, database: database, logger: app.logger)
        let startIngest = startIngest && configuration.role.servesMedia
        let capacity = configuration.nodeCapacity
        let authorizer = StreamKeyAuthorizer(database: database, hasRoom: { [directory] in directory.count < capacity },
                                             logger: app.logger)
        if startIngest, let port = configuration.rtmpPort {
            rtmp = RTMPServer(
                configuration: .init(host: configuration.rtmpHost, port: port,
                                     segmentSink: { streamID in recordings.segmentSink(streamID: streamID) }),
                group: app.eventLoopGroup, authorizer: authorizer, sink: directory, logger: app.logger
            )
        } else {
            rtmp = nil
        }
        if startIngest, let port = configuration.webRTCPort {
            webRTC = WebRTCIngestServer(
                configuration: .init(host: configuration.webRTCHost, port: port, publicAddress: configuration.webRTCPublicIP,
                                     consentTimeout: .seconds(Int64(configuration.webRTCConsentSeconds)),
                                     segmentSink: { streamID in recordings.segmentSink(streamID: streamID) }),
                group: app.eventLoopGroup, authorizer: authorizer, sink: directory, logger: app.logger
            )
        } else {
            webRTC = nil
        }
        app.ejections.register { [players] viewerID, ownerID, _ in
            players.eject(viewerID: viewerID, ownerID: ownerID)
        }
    }

    /// Closes whoever publishes on this stream (its key was regenerated or deleted).
    func disconnectPublisher(streamID: UUID) async {
        await rtmp?.disconnect(streamID: streamID.uuidString)
        await webRTC?.disconnect(streamID: streamID.uuidString)
    }

    /// Forgets LL-HLS readers gone quiet; now and then, a keep-alive on every event stream.
    func housekeeping() {
        directory.viewers.expire()
        let tick = housekeepingTicks.withLockedValue { $0 += 1; return $0 }
        if tick % 10 == 0 { broadcaster.heartbeat() }
    }

    /// The RTMP listener as a service, stopped (publishers cut, their streams offline) when
    /// the group shuts down.
    struct Ingest: Service {
        let live: LiveServices
        let rtmp: RTMPServer

        func run() async throws {
            let port = try await rtmp.start()
            live.rtmpPort.withLockedValue { $0 = port }
            try? await gracefulShutdown()
            await rtmp.shutdown()
        }
    }

    /// The WHIP media port as a service: sessions end (their streams offline) when the group
    /// shuts down.
    struct WebRTCIngest: Service {
        let live: LiveServices
        let server: WebRTCIngestServer

        func run() async throws {
            _ = try await server.start()
            try? await gracefulShutdown()
            await server.shutdown()
        }
    }
}

extension Application {
    private struct LiveServicesKey: StorageKey { typealias Value = LiveServices }

    var live: LiveServices {
        get { storage[LiveServicesKey.self]! }
        set { storage[LiveServicesKey.self] = newValue }
    }
}
