import Fluent
import Foundation

/// One recorded broadcast: its files are in `Recordings.directory(of:)` under the data dir.
/// Listed once complete; a recording a crash interrupted is completed at the next start.
final class Video: Model, @unchecked Sendable {
    static let schema = "videos"

    enum Status: String, Codable, Sendable { case recording, complete }

    @ID(key: .id) var id: UUID?
    @Parent(key: "stream_id") var stream: Stream
    /// The owner, for the owner checks and the block rule without a join.
    @Parent(key: "user_id") var user: User
    @Field(key: "title") var title: String
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "duration_ms") var durationMilliseconds: Int64
    /// Bytes of its files on disk, for `METROPOLE_VOD_MAX_GB`.
    @Field(key: "byte_count") var byteCount: Int64
    @Field(key: "status") var statusName: String
    /// Segments were lost (disk full, write errors, backlog): the playlist has discontinuities there.
    @Field(key: "has_gaps") var hasGaps: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(streamID: UUID, userID: UUID, title: String, startedAt: Date) {
        self.$stream.id = streamID
        self.$user.id = userID
        self.title = title
        self.startedAt = startedAt
        self.durationMilliseconds = 0
        self.byteCount = 0
        self.statusName = Status.recording.rawValue
        self.hasGaps = false
    }

    var status: Status {
        get { Status(rawValue: statusName) ?? .recording }
        set { statusName = newValue.rawValue }
    }
}
