import Fluent
import Foundation
import MetropoleMedia
import Vapor

/// A creator's way in: the server URL and secret stream key an encoder (OBS) publishes with.
/// Only the key's SHA-256 is what ingest looks up; a new key replaces the old one and cuts off
/// whoever still publishes with it.
enum Ingress {
    struct Credentials: Sendable, Equatable {
        var ingestProtocol: IngestProtocol
        var serverURL: String
        var streamKey: String
    }

    /// Generates a new key for `protocol`, replacing (and cutting off) the old one.
    static func regenerate(for user: User, protocol ingestProtocol: IngestProtocol, in app: Application) async throws -> Credentials {
        if ingestProtocol == .whip, app.live.webRTC == nil {
            throw APIError(status: .notImplemented, code: "whip_disabled",
                           message: "WHIP ingest is turned off on this server (METROPOLE_WEBRTC_UDP_PORT=0); use rtmp.")
        }
        let stream = try await Channels.ownStream(of: user, on: app.db)
        let key = TokenSecret.generate()
        stream.ingressProtocol = ingestProtocol.rawValue
        stream.streamKey = key
        stream.streamKeyDigest = TokenSecret.digest(key)
        try await stream.save(on: app.db)
        await app.live.disconnectPublisher(streamID: try stream.requireID())
        return credentials(stream, key: key, in: app)
    }

    /// Removes the key: nothing can publish until a new one is made.
    static func remove(for user: User, in app: Application) async throws {
        let stream = try await Channels.ownStream(of: user, on: app.db)
        stream.ingressProtocol = nil
        stream.streamKey = nil
        stream.streamKeyDigest = nil
        try await stream.save(on: app.db)
        await app.live.disconnectPublisher(streamID: try stream.requireID())
    }

    /// The owner's current credentials, nil when there is no key.
    static func current(of stream: Stream, in app: Application) -> Credentials? {
        stream.streamKey.map { credentials(stream, key: $0, in: app) }
    }

    private static func credentials(_ stream: Stream, key: String, in app: Application) -> Credentials {
        let ingestProtocol = stream.ingressProtocol.flatMap(IngestProtocol.init(rawValue:)) ?? .rtmp
        return Credentials(ingestProtocol: ingestProtocol, serverURL: serverURL(for: ingestProtocol, in: app), streamKey: key)
    }

    /// What OBS calls "Server": `rtmp://<public host>:<rtmp port>/live`.
    static func serverURL(for ingestProtocol: IngestProtocol, in app: Application) -> String {
        switch ingestProtocol {
        case .rtmp:
            let host = app.metropole.publicURL.host ?? app.metropole.rtmpHost
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            let port = app.live.rtmpPort.withLockedValue { $0 } ?? app.metropole.rtmpPort ?? 1935
            return "rtmp://\(bracketed):\(port)/live"
        case .whip:
            return app.metropole.publicURL.absoluteString + SiteURL.api(.whip).path
        }
    }
}
