import Fluent
import Foundation
import SQLKit

/// One channel as lists show it: cards, search rows, sidebar items.
struct ChannelRow: Sendable, Equatable {
    var userID: UUID
    var username: String
    var title: String
    var isLive: Bool
    var thumbnail: String?
    var keepUploadedThumbnail: Bool
    var avatar: String?
    var followerCount: Int
}

/// The listing queries behind home, search, the sidebar and `GET /streams`. Each is one SQL
/// statement (streams ⋈ users ⟕ follows, grouped); the only per-backend SQL is the search
/// match, which lives in `CaseInsensitiveContains`.
/// Channels whose owner blocks the viewer are never returned.
enum ChannelDirectory {
    struct Filter: Sendable {
        /// Case-insensitive match on username or title.
        var term: String?
        var liveOnly = false
        /// Owners to leave out (e.g. the viewer, channels already shown elsewhere).
        var excluding: [UUID] = []
        /// Only these owners (e.g. the channels the viewer follows).
        var only: [UUID]? = nil
        var limit = 48
    }

    /// Live first, then most followed, then most recently updated.
    static func channels(for viewer: UUID?, filter: Filter, on database: any Database) async throws -> [ChannelRow] {
        guard let sql = database as? any SQLDatabase else { return [] }
        if let only = filter.only, only.isEmpty { return [] }
        let followers = SQLFunction("COUNT", args: SQLColumn("id", table: "follows"))
        let query = sql.select()
            .column(SQLColumn("id", table: "users"), as: "user_id")
            .column(SQLColumn("username", table: "users"))
            .column(SQLColumn("avatar", table: "users"))
            .column(SQLColumn("title", table: "streams"))
            .column(SQLColumn("is_live", table: "streams"))
            .column(SQLColumn("thumbnail", table: "streams"))
            .column(SQLColumn("keep_uploaded_thumbnail", table: "streams"))
            .column(followers, as: "follower_count")
            .from(Stream.schema)
            .join(User.schema, method: SQLJoinMethod.inner,
                  on: SQLColumn("user_id", table: Stream.schema), .equal, SQLColumn("id", table: User.schema))
            .join(Follow.schema, method: SQLJoinMethod.left,
                  on: SQLColumn("followed_id", table: Follow.schema), .equal, SQLColumn("id", table: User.schema))
        if let viewer {
            let blockers = SQLSubquery.select { sub in
                sub.column("blocker_id").from(Block.schema).where("blocked_id", .equal, SQLBind(viewer))
            }
            query.where(SQLColumn("id", table: User.schema), .notIn, blockers)
        }
        query.where(SQLColumn("suspended_at", table: User.schema), .is, SQLLiteral.null)
        if filter.liveOnly {
            query.where(SQLColumn("is_live", table: Stream.schema), .equal, SQLLiteral.boolean(true))
        }
        if !filter.excluding.isEmpty {
            query.where(SQLColumn("id", table: User.schema), .notIn, SQLBind.group(filter.excluding))
        }
        if let only = filter.only {
            query.where(SQLColumn("id", table: User.schema), .in, SQLBind.group(only))
        }
        if let term = filter.term?.trimmingCharacters(in: .whitespaces), !term.isEmpty {
            query.where { group in
                group.where(CaseInsensitiveContains(SQLColumn("username_key", table: User.schema), term))
                    .orWhere(CaseInsensitiveContains(SQLColumn("title", table: Stream.schema), term))
            }
        }
        query.groupBy(SQLColumn("id", table: Stream.schema))
            .groupBy(SQLColumn("id", table: User.schema))
            .orderBy(SQLColumn("is_live", table: Stream.schema), SQLDirection.descending)
            .orderBy(SQLIdentifier("follower_count"), SQLDirection.descending)
            .orderBy(SQLColumn("updated_at", table: Stream.schema), SQLDirection.descending)
            .limit(filter.limit)
        return try await query.all().map { row in
            ChannelRow(
                userID: try row.decode(column: "user_id", as: UUID.self),
                username: try row.decode(column: "username", as: String.self),
                title: try row.decode(column: "title", as: String.self),
                isLive: try row.decode(column: "is_live", as: Bool.self),
                thumbnail: try row.decode(column: "thumbnail", as: String?.self),
                keepUploadedThumbnail: try row.decode(column: "keep_uploaded_thumbnail", as: Bool.self),
                avatar: try row.decode(column: "avatar", as: String?.self),
                followerCount: try row.decode(column: "follower_count", as: Int.self)
            )
        }
    }
}
