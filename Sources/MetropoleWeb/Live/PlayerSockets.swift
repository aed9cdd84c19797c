import Foundation
import NIOConcurrencyHelpers

/// Open player sockets of signed-in viewers, so a kick or block can close them at once.
final class PlayerSockets: Sendable {
    /// Closes one player socket with `WebSocketCloseCode.ejected`.
    typealias Close = @Sendable () -> Void

    private struct Key: Hashable {
        var ownerID: UUID
        var viewerID: UUID
    }

    private let sockets = NIOLockedValueBox([Key: [ObjectIdentifier: Close]]())

    func add(id: ObjectIdentifier, viewerID: UUID, ownerID: UUID, close: @escaping Close) {
        sockets.withLockedValue { $0[Key(ownerID: ownerID, viewerID: viewerID), default: [:]][id] = close }
    }

    func remove(id: ObjectIdentifier, viewerID: UUID, ownerID: UUID) {
        sockets.withLockedValue { table in
            let key = Key(ownerID: ownerID, viewerID: viewerID)
            table[key]?[id] = nil
            if table[key]?.isEmpty == true { table[key] = nil }
        }
    }

    /// Closes that viewer's players on that channel ("removed by the streamer"), or on every
    /// channel when `ownerID` is nil.
    func eject(viewerID: UUID, ownerID: UUID?) {
        let open: [Close] = sockets.withLockedValue { table in
            if let ownerID { return Array((table.removeValue(forKey: Key(ownerID: ownerID, viewerID: viewerID)) ?? [:]).values) }
            let keys = table.keys.filter { $0.viewerID == viewerID }
            return keys.flatMap { Array((table.removeValue(forKey: $0) ?? [:]).values) }
        }
        for close in open {
            close()
        }
    }
}
