import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Open player sockets of signed-in viewers, so a kick or block can close them at once.
final class PlayerSockets: Sendable {
    private struct Key: Hashable {
        var ownerID: UUID
        var viewerID: UUID
    }

    private let sockets = NIOLockedValueBox([Key: [ObjectIdentifier: WebSocket]]())

    func add(_ socket: WebSocket, viewerID: UUID, ownerID: UUID) {
        sockets.withLockedValue { $0[Key(ownerID: ownerID, viewerID: viewerID), default: [:]][ObjectIdentifier(socket)] = socket }
    }

    func remove(_ socket: WebSocket, viewerID: UUID, ownerID: UUID) {
        sockets.withLockedValue { table in
            let key = Key(ownerID: ownerID, viewerID: viewerID)
            table[key]?[ObjectIdentifier(socket)] = nil
            if table[key]?.isEmpty == true { table[key] = nil }
        }
    }

    /// Closes that viewer's players on that channel with code 4003 ("removed by the streamer").
    func eject(viewerID: UUID, ownerID: UUID) {
        let open = sockets.withLockedValue { $0.removeValue(forKey: Key(ownerID: ownerID, viewerID: viewerID)) } ?? [:]
        for socket in open.values {
            socket.close(code: .unknown(4003), promise: nil)
        }
    }
}
