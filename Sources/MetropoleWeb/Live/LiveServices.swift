import Fluent
import Foundation
import MetropoleRTMP
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Everything live: the directory of hubs, the status broadcaster and the RTMP listener,
/// started and stopped with the application.
final class LiveServices: Sendable {
    let broadcaster: LiveStatusBroadcaster
    let directory: LiveDirectory
    let players = PlayerSockets()
    let rtmp: RTMPServer?
    /// The RTMP port actually bound (differs from the configured one when that is 0).
    let rtmpPort = NIOLockedValueBox<Int?>(nil)
    private let housekeeping = NIOLockedValueBox<RepeatedTask?>(nil)

    init(app: Application, startIngest: Bool) {
        let database: @Sendable () -> any Database = { [unowned app] in app.db }
        broadcaster = LiveStatusBroadcaster()
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
}

extension LiveServices: LifecycleHandler {
    func didBootAsync(_ application: Application) async throws {
        try await directory.resetLiveFlags()
        if let rtmp {
            let port = try await rtmp.start()
            rtmpPort.withLockedValue { $0 = port }
        }
        let (viewers, broadcaster) = (directory.viewers, broadcaster)
        let ticks = ManagedAtomicCounter()
        let task = application.eventLoopGroup.next().scheduleRepeatedTask(initialDelay: .seconds(2), delay: .seconds(2)) { _ in
            viewers.expire()
            if ticks.increment() % 10 == 0 { broadcaster.heartbeat() }
        }
        housekeeping.withLockedValue { $0 = task }
    }

    func shutdownAsync(_ application: Application) async {
        housekeeping.withLockedValue { $0?.cancel() }
        await rtmp?.shutdown()
    }
}

extension Application {
    private struct LiveServicesKey: StorageKey { typealias Value = LiveServices }

    var live: LiveServices {
        get { storage[LiveServicesKey.self]! }
        set { storage[LiveServicesKey.self] = newValue }
    }
}

/// A counter the housekeeping task can bump from its event loop.
private final class ManagedAtomicCounter: Sendable {
    private let value = NIOLockedValueBox(0)
    func increment() -> Int { value.withLockedValue { $0 += 1; return $0 } }
}
