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
/// the chat socket, on every node (through `Cluster`). Each real-time feature registers a
/// handler; moderation calls `eject`.
final class Ejections: Sendable {
    /// `channelOwnerID` nil: every channel (a suspension).
    typealias Handler = @Sendable (_ viewerID: UUID, _ channelOwnerID: UUID?, _ reason: EjectionReason) -> Void

    private let handlers = NIOLockedValueBox([Handler]())
    private let cluster: Cluster

    init(cluster: Cluster) {
        self.cluster = cluster
    }

    func register(_ handler: @escaping Handler) {
        handlers.withLockedValue { $0.append(handler) }
    }

    func eject(viewerID: UUID, fromChannelOf ownerID: UUID, reason: EjectionReason) {
        cluster.publish(.eject(viewerID: viewerID, ownerID: ownerID, reason: reason.rawValue))
    }

    /// Out of every channel at once, on every node.
    func ejectEverywhere(viewerID: UUID, reason: EjectionReason) {
        cluster.publish(.eject(viewerID: viewerID, ownerID: nil, reason: reason.rawValue))
    }

    /// What an `eject` event does on this node.
    func apply(viewerID: UUID, ownerID: UUID?, reason: EjectionReason) {
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
