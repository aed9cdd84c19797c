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
        let image = try await request.body.collect(upTo: ImageUpload.maximumBytes)
        let name = try await Channels.replaceThumbnail(of: request.requireUser(), with: image, in: request.application)
        return ThumbnailDTO(thumbnailUrl: SiteURL.thumbnail(name).path)
    }

    @Sendable static func putAvatar(request: Request) async throws -> AvatarDTO {
        let image = try await request.body.collect(upTo: ImageUpload.maximumBytes)
        let name = try await Profiles.replaceAvatar(of: request.requireUser(), with: image, in: request.application)
        return AvatarDTO(avatarUrl: SiteURL.avatar(name).path)
    }
}

extension Request.Body {
    /// The whole body, or 413 in the contract's shape when it is larger than `limit`. A body the
    /// HTTP edge already collected is measured too (Vapor checks only bodies it streams).
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        let tooLarge = APIError(status: .payloadTooLarge, code: "too_large", message: "Images can be at most 4 MiB.")
        do {
            let body = try await collect(max: limit).get() ?? ByteBuffer()
            guard body.readableBytes <= limit else { throw tooLarge }
            return body
        } catch let error as any AbortError where error.status == .payloadTooLarge {
            throw tooLarge
        }
    }
}
