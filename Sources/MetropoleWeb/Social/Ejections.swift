import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Why a viewer is being removed from a channel.
enum EjectionReason: String, Sendable {
    case kicked
    case blocked
    /// An admin suspended the viewer's account: they leave every channel.
    case suspended
}

/// Removes a viewer from a channel at once, everywhere they are connected: the player socket,
/// the chat socket. Each real-time feature registers a handler; moderation calls `eject`.
final class Ejections: Sendable {
    typealias Handler = @Sendable (_ viewerID: UUID, _ channelOwnerID: UUID, _ reason: EjectionReason) -> Void

    private let handlers = NIOLockedValueBox([Handler]())

    func register(_ handler: @escaping Handler) {
        handlers.withLockedValue { $0.append(handler) }
    }

    func eject(viewerID: UUID, fromChannelOf ownerID: UUID, reason: EjectionReason) {
        for handler in handlers.withLockedValue({ $0 }) {
            handler(viewerID, ownerID, reason)
        }
    }
}

extension Application {
    private struct EjectionsKey: StorageKey { typealias Value = Ejections }

    var ejections: Ejections {
        get { storage[EjectionsKey.self]! }
        set { storage[EjectionsKey.self] = newValue }
    }

}
