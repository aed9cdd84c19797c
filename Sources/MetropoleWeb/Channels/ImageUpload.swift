import Crypto
import Fluent
import Foundation
import Vapor

/// Uploaded pictures (stream thumbnails, avatars): recognised by their bytes, never by the
/// declared type; stored under the SHA-256 of their content, so a name never changes meaning
/// and can be cached forever.
enum ImageUpload {
    static let maximumBytes = 4 * 1024 * 1024
    /// An upload form: the picture plus the multipart framing and the CSRF field.
    static let maximumFormBytes = 5 * 1024 * 1024

    enum Kind: String, Sendable {
        case thumbnails
        case avatars
    }

    enum Format: String, Sendable {
        case png, jpg, webp

        var mediaType: HTTPMediaType {
            switch self {
            case .png: .png
            case .jpg: .jpeg
            case .webp: HTTPMediaType(type: "image", subType: "webp")
            }
        }
    }

    /// The format the bytes really are, or nil when they are not a PNG, JPEG or WebP.
    static func sniff(_ bytes: ByteBuffer) -> Format? {
        let view = bytes.readableBytesView
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            view.count >= offset + prefix.count && view.dropFirst(offset).prefix(prefix.count).elementsEqual(prefix)
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpg }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .webp }
        return nil
    }

    static func directory(_ kind: Kind, in app: Application) -> URL {
        app.metropole.dataDirectory.appendingPathComponent("uploads").appendingPathComponent(kind.rawValue)
    }

    /// Validates and stores the picture; returns its file name.
    static func store(_ bytes: ByteBuffer, as kind: Kind, in app: Application) async throws -> String {
        guard bytes.readableBytes <= maximumBytes else {
            throw APIError(status: .payloadTooLarge, code: "too_large", message: "Images can be at most 4 MiB.")
        }
        guard bytes.readableBytes > 0, let format = sniff(bytes) else {
            throw APIError(status: .unsupportedMediaType, code: "not_an_image", message: "Upload a PNG, JPEG or WebP image.")
        }
        let digest = SHA256.hash(data: bytes.readableBytesView).map { String(format: "%02x", $0) }.joined()
        let name = "\(digest).\(format.rawValue)"
        let folder = directory(kind, in: app)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let target = folder.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: target.path) {
            // Off the event loop; atomic, so a half-written file is never served.
            try await app.threadPool.runIfActive { try Data(buffer: bytes).write(to: target, options: .atomic) }
        }
        return name
    }

    /// Removes a file nobody uses any more (two uploads of the same picture share one file).
    /// Stores `bytes` as the picture that `current` names now; `assign` saves the new name
    /// where it belongs. The old file goes once nothing uses it; listings show the new one.
    static func replace(_ current: String?, with bytes: ByteBuffer, as kind: Kind, in app: Application,
                        assign: (String) async throws -> Void) async throws -> String {
        let name = try await store(bytes, as: kind, in: app)
        try await assign(name)
        app.listings.invalidate()
        if current != name {
            try await removeIfUnused(current, kind: kind, in: app, on: app.db)
        }
        return name
    }

    static func removeIfUnused(_ name: String?, kind: Kind, in app: Application, on database: any Database) async throws {
        guard let name, isValidName(name) else { return }
        let inUse = switch kind {
        case .thumbnails: try await Stream.query(on: database).filter(\.$thumbnail == name).count() > 0
        case .avatars: try await User.query(on: database).filter(\.$avatar == name).count() > 0
        }
        if !inUse {
            try? FileManager.default.removeItem(at: directory(kind, in: app).appendingPathComponent(name))
        }
    }

    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        return parts.count == 2 && parts[0].count == 64 && parts[0].allSatisfy(\.isHexDigit)
            && Format(rawValue: String(parts[1])) != nil
    }

    /// `GET /uploads/{kind}/{file}`: content-addressed, so immutable.
    static func serve(_ kind: Kind) -> @Sendable (Request) async throws -> Response {
        { request in
            guard let name = request.parameters.get("file"), isValidName(name),
                  let format = Format(rawValue: String(name.split(separator: ".")[1]))
            else { throw APIError.notFound() }
            let path = directory(kind, in: request.application).appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path) else { throw APIError.notFound() }
            // Streamed from the file; the HTTP edge collects it and writes it at once (0014).
            let response = try await request.fileio.asyncStreamFile(at: path, mediaType: format.mediaType)
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
            response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            return response
        }
    }
}
