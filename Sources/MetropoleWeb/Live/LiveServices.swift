import Fluent
import Foundation
import MetropoleMedia
import MetropoleRTMP
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import Vapor

/// Everything live: the directory of hubs, the status broadcaster, open players and the RTMP
/// listener. The listener and the housekeeping run as services of the application's group
/// (`AppServices`).
final class LiveServices: Sendable {
    /// How often viewer counts drop readers gone quiet; the event streams' keep-alive comes
    /// every tenth time.
    static let housekeepingInterval: Duration = .seconds(2)

    let broadcaster = LiveStatusBroadcaster()
    let directory: LiveDirectory
    let players = PlayerSockets()
    let rtmp: RTMPServer?
    /// The RTMP port actually bound (differs from the configured one when that is 0).
    let rtmpPort = NIOLockedValueBox<Int?>(nil)
    private let housekeepingTicks = NIOLockedValueBox(0)

    init(app: Application, startIngest: Bool) {
        let database: @Sendable () -> any Database = { [unowned app] in app.db }
        directory = LiveDirectory(database: database, broadcaster: broadcaster, listings: app.listings, logger: app.logger)
        if startIngest, let port = app.metropole.rtmpPort {
            rtmp = RTMPServer(
                configuration: .init(host: app.metropole.rtmpHost, port: port),
                group: app.eventLoopGroup,
                authorizer: StreamKeyAuthorizer(database: database),
                sink: directory,
                logger: app.logger
            )
        } else {
            rtmp = nil
        }
        app.ejections.register { [players] viewerID, ownerID, _ in
            players.eject(viewerID: viewerID, ownerID: ownerID)
        }
    }

    /// Closes whoever publishes on this stream (its key was regenerated or deleted).
    func disconnectPublisher(streamID: UUID) async {
        await rtmp?.disconnect(streamID: streamID.uuidString)
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
}

extension Application {
    private struct LiveServicesKey: StorageKey { typealias Value = LiveServices }

    var live: LiveServices {
        get { storage[LiveServicesKey.self]! }
        set { storage[LiveServicesKey.self] = newValue }
    }
}
