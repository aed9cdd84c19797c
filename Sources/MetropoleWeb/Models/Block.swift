import Fluent
import Foundation

/// `blocker` has blocked `blocked`: the blocked user can no longer see or reach the blocker's channel.
final class Block: Model, @unchecked Sendable {
    static let schema = "blocks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "blocker_id") var blocker: User
    @Parent(key: "blocked_id") var blocked: User
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(blockerID: UUID, blockedID: UUID) {
        self.$blocker.id = blockerID
        self.$blocked.id = blockedID
    }
}
