import Foundation

/// What one node tells the others: every change a page, chat or player on another node must
/// hear at once. Each is small JSON (PostgreSQL NOTIFY payloads stop at 8000 bytes; a chat
/// message of 500 characters is well inside).
struct ClusterEvent: Codable, Sendable, Equatable {
    /// The node that sent it (`Cluster.nodeID`).
    var origin: UUID
    var change: Change

    enum Change: Codable, Sendable, Equatable {
        /// An accepted chat message. The only ordered change: every node, the sender's too,
        /// delivers it when it comes back from the database, so all see one order.
        case chat(ChatRecord)
        /// A channel's chat settings changed.
        case chatSettings(ownerID: UUID, settings: ChatSettings)
        /// A viewer leaves a channel (kick, block), or every channel when `ownerID` is nil
        /// (suspension).
        case eject(viewerID: UUID, ownerID: UUID?, reason: String)
        /// A stream went live or offline; `node` is where players reach it while live.
        case live(username: String, isLive: Bool, node: URL?)
        /// The sender's own count of a channel's viewers (nodes sum them).
        case viewers(username: String, count: Int)
        /// Whoever publishes on this stream is to be cut off (key regenerated, admin ended it).
        case disconnect(streamID: UUID)
        /// Listings changed (titles, pictures, follows): cached listings and guest pages go.
        case listings
        /// A node stopped: forget what it counted.
        case nodeGone(UUID)

        /// Delivered in the database's order on every node, the sender's included, rather than
        /// applied at once where it happened.
        var isOrdered: Bool {
            if case .chat = self { return true }
            return false
        }
    }

    // Dates as Foundation's own doubles: a chat message's time must survive to the
    // millisecond, since slow mode on other nodes counts from it.
    func encoded() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    /// nil for anything that is not one of ours (a bad row, another program's NOTIFY).
    static func decode(_ text: String) -> ClusterEvent? {
        try? JSONDecoder().decode(ClusterEvent.self, from: Data(text.utf8))
    }
}

