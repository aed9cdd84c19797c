import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct UploadTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 1, count: 100)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 2, count: 100)
    static let webp: [UInt8] = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8) + Array(repeating: 3, count: 50)

    @Test func imagesAreRecognisedByContent() {
        #expect(ImageUpload.sniff(ByteBuffer(bytes: Self.png)) == .png)
        #expect(ImageUpload.sniff(ByteBuffer(bytes: Self.jpeg)) == .jpg)
        #expect(ImageUpload.sniff(ByteBuffer(bytes: Self.webp)) == .webp)
        #expect(ImageUpload.sniff(ByteBuffer(string: "<svg onload=alert(1)>")) == nil)
        #expect(ImageUpload.sniff(ByteBuffer(bytes: [0x89, 0x50])) == nil)
    }

    @Test func thumbnailUploadStoresByHashAndRemovesTheOldFile() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("painter")
            var first = ""
            var headers = bearer(token)
            headers.contentType = .jpeg // the declared type is ignored: the bytes are a PNG
            try await app.testing().test(.PUT, "api/v1/me/stream/thumbnail", headers: headers, body: ByteBuffer(bytes: Self.png)) { response in
                #expect(response.status == .ok)
                first = try #require(response.body.string.split(separator: "\"").first { $0.hasPrefix("/uploads/thumbnails/") }.map(String.init))
                #expect(first.hasSuffix(".png"))
            }
            try await app.testing().test(.GET, first) { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
                #expect(response.headers.contentType == .png)
            }
            let folder = ImageUpload.directory(.thumbnails, in: app)
            try await app.testing().test(.PUT, "api/v1/me/stream/thumbnail", headers: bearer(token), body: ByteBuffer(bytes: Self.webp)) {
                #expect($0.status == .ok)
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(files.count == 1 && files[0].hasSuffix(".webp"), "the old thumbnail was removed: \(files)")
            try await app.testing().test(.GET, first) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/") { #expect($0.body.string.contains("/uploads/thumbnails/\(files[0])")) }
        }
    }

    @Test func nonImagesAndOversizedUploadsAreRefused() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("painter")
            try await app.testing().test(.PUT, "api/v1/me/stream/thumbnail", headers: bearer(token),
                                         body: ByteBuffer(string: "GIF89a not allowed")) { response in
                #expect(response.status == .unsupportedMediaType)
                #expect(response.errorCode == "not_an_image")
            }
            let big = ByteBuffer(bytes: Self.png + Array(repeating: 0, count: ImageUpload.maximumBytes))
            try await app.overHTTP().test(
                .PUT, "api/v1/me/stream/thumbnail", headers: bearer(token), body: big
            ) { response in
                #expect(response.status == .payloadTooLarge)
                #expect(response.errorCode == "too_large")
            }
            #expect(try await MetropoleWeb.Stream.query(on: app.db).first()?.thumbnail == nil)
            try await app.testing().test(.PUT, "api/v1/me/stream/thumbnail", body: ByteBuffer(bytes: Self.png)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func avatarUploadShowsEverywhere() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("face")
            try await app.testing().test(.PUT, "api/v1/me/avatar", headers: bearer(token), body: ByteBuffer(bytes: Self.jpeg)) { response in
                #expect(response.status == .ok)
            }
            let avatar = try #require(try await User.query(on: app.db).first()?.avatar)
            try await app.testing().test(.GET, "face") { #expect($0.body.string.contains("/uploads/avatars/\(avatar)")) }
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(token)) { #expect($0.body.string.contains(avatar)) }
        }
    }
}
