import Fluent
import Vapor

/// `PATCH /me/stream`: the streamer's title and chat settings. Chat changes reach every open
/// chat on the channel at once (a `settings` frame).
enum StreamSettingsAPIController {
    static let titleLengths = 1...140
    static let slowModeRange = 0...3600

    struct Update: Content {
        var title: String?
        var chatEnabled: Bool?
        var slowModeSeconds: Int?
        var followersOnly: Bool?
    }

    struct StreamEnvelope: Content {
        var stream: StreamsAPIController.StreamDTO
    }

    @Sendable static func update(request: Request) async throws -> StreamEnvelope {
        let user = try request.requireUser()
        let update = try request.content.decode(Update.self)
        let userID = try user.requireID()
        guard let stream = try await Stream.query(on: request.db).filter(\.$user.$id == userID).with(\.$user).first() else {
            throw APIError.notFound("You have no stream.")
        }
        if let title = update.title {
            let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard titleLengths.contains(trimmed.count) else {
                throw APIError.validation("Title must be \(titleLengths.lowerBound)–\(titleLengths.upperBound) characters.", code: "invalid_title")
            }
            stream.title = trimmed
        }
        if let seconds = update.slowModeSeconds {
            guard slowModeRange.contains(seconds) else {
                throw APIError.validation("Slow mode must be \(slowModeRange.lowerBound)–\(slowModeRange.upperBound) seconds.", code: "invalid_slow_mode")
            }
            stream.slowModeSeconds = seconds
        }
        if let enabled = update.chatEnabled { stream.chatEnabled = enabled }
        if let followersOnly = update.followersOnly { stream.followersOnly = followersOnly }
        try await stream.save(on: request.db)
        request.application.chat.apply(ChatSettings(stream), toChannelOf: userID)
        return StreamEnvelope(stream: StreamsAPIController.detail(stream, request: request))
    }
}
