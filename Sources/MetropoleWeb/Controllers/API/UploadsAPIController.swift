import Fluent
import Vapor

/// `PUT /me/stream/thumbnail` and `PUT /me/avatar`: the raw image as the request body.
enum UploadsAPIController {
    struct ThumbnailDTO: Content {
        var thumbnailUrl: String
    }

    struct AvatarDTO: Content {
        var avatarUrl: String
    }

    @Sendable static func putThumbnail(request: Request) async throws -> ThumbnailDTO {
        let user = try request.requireUser()
        let name = try await replaceThumbnail(of: user, with: request.body.collect(upTo: ImageUpload.maximumBytes), on: request)
        return ThumbnailDTO(thumbnailUrl: SiteURL.thumbnail(name).path)
    }

    @Sendable static func putAvatar(request: Request) async throws -> AvatarDTO {
        let user = try request.requireUser()
        let name = try await replaceAvatar(of: user, with: request.body.collect(upTo: ImageUpload.maximumBytes), on: request)
        return AvatarDTO(avatarUrl: SiteURL.avatar(name).path)
    }

    static func replaceThumbnail(of user: User, with bytes: ByteBuffer, on request: Request) async throws -> String {
        let name = try await ImageUpload.store(bytes, as: .thumbnails, in: request.application)
        let stream = try await IngressAPIController.ownStream(of: user, on: request.db)
        let previous = stream.thumbnail
        stream.thumbnail = name
        try await stream.save(on: request.db)
        request.application.listings.invalidate()
        if previous != name {
            try await ImageUpload.removeIfUnused(previous, kind: .thumbnails, in: request.application, on: request.db)
        }
        return name
    }

    static func replaceAvatar(of user: User, with bytes: ByteBuffer, on request: Request) async throws -> String {
        let name = try await ImageUpload.store(bytes, as: .avatars, in: request.application)
        let previous = user.avatar
        user.avatar = name
        try await user.save(on: request.db)
        request.application.listings.invalidate()
        if previous != name {
            try await ImageUpload.removeIfUnused(previous, kind: .avatars, in: request.application, on: request.db)
        }
        return name
    }
}

extension Request.Body {
    /// The whole body, or 413 in the contract's shape when it is larger than `limit`.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await collect(max: limit).get() ?? ByteBuffer()
        } catch let error as any AbortError where error.status == .payloadTooLarge {
            throw APIError(status: .payloadTooLarge, code: "too_large", message: "Images can be at most 4 MiB.")
        }
    }
}
