import Fluent
import Foundation
import MetropoleMedia
import Vapor

/// A creator's way in: the server URL and secret stream key an encoder (OBS) publishes with,
/// from the provider the creator chose (`Providers`). Only the key's SHA-256 is what ingest and
/// providers' hooks look up; a new key replaces the old one and cuts off whoever still
/// publishes with it, wherever that is.
enum Ingress {
    struct Credentials: Sendable, Equatable {
        var ingestProtocol: IngestProtocol
        var serverURL: String
        var streamKey: String
    }

    /// Generates a new key for `protocol`, replacing (and cutting off) the old one.
    static func regenerate(for user: User, protocol ingestProtocol: IngestProtocol, in app: Application) async throws -> Credentials {
        let provider = app.providers.preferred(by: user)
        guard provider.protocols.contains(ingestProtocol) else {
            let offered = provider.protocols.map(\.rawValue).joined(separator: ", ")
            if provider is BuiltinProvider, ingestProtocol == .whip {
                throw APIError(status: .unprocessableEntity, code: "whip_disabled",
                               message: "WHIP ingest is turned off on this server (METROPOLE_WEBRTC_UDP_PORT=0); use rtmp.")
            }
            throw APIError.validation("\(provider.definition.name) takes \(offered), not \(ingestProtocol.rawValue).", code: "invalid_protocol")
        }
        let stream = try await Channels.ownStream(of: user, on: app.db)
        try await issueKey(for: stream, owner: user, provider: provider, in: app)
        stream.ingressProtocol = ingestProtocol.rawValue
        try await stream.save(on: app.db)
        await disconnect(stream, in: app)
        guard let credentials = current(of: stream, owner: user, in: app) else { throw APIError.notFound("No ingress.") }
        return credentials
    }

    /// A new key on `stream`: our own, or the provider's where it issues them (LiveKit).
    private static func issueKey(for stream: Stream, owner: User, provider: any StreamingProvider, in app: Application) async throws {
        let key: String
        if let livekit = provider as? LiveKitProvider {
            let ingress = try await livekit.issueKey(username: owner.username, replacing: stream.providerIngress, client: app.client)
            key = ingress.stream_key
            stream.providerIngress = ingress.ingress_id
        } else {
            key = TokenSecret.generate()
            stream.providerIngress = nil
        }
        stream.streamKey = key
        stream.streamKeyDigest = TokenSecret.digest(key)
    }

    /// Removes the key: nothing can publish until a new one is made.
    static func remove(for user: User, in app: Application) async throws {
        let stream = try await Channels.ownStream(of: user, on: app.db)
        if let livekit = app.providers.preferred(by: user) as? LiveKitProvider, let ingress = stream.providerIngress {
            await livekit.disconnect(ExternalSession(streamID: try stream.requireID(), providerID: livekit.id, username: user.username,
                                                     sessionID: ingress, keyDigest: "", startedAt: Date(), lastSeen: Date()),
                                     client: app.client)
        }
        stream.ingressProtocol = nil
        stream.streamKey = nil
        stream.streamKeyDigest = nil
        stream.providerIngress = nil
        try await stream.save(on: app.db)
        await disconnect(stream, in: app)
    }

    /// Cuts off whoever publishes `stream`, on our ingest and on any provider.
    static func disconnect(_ stream: Stream, in app: Application) async {
        guard let id = stream.id else { return }
        await app.live.disconnectPublisher(streamID: id)
        // And on whichever other node it may publish.
        app.cluster.publish(.disconnect(streamID: id))
        await app.live.external.disconnect(streamID: id, providers: app.providers, client: app.client)
    }

    /// The creator switches provider: saved, the current publisher cut off everywhere, and a
    /// new key made where the new or the old provider issues its own.
    static func choose(_ providerID: String?, for user: User, in app: Application) async throws {
        guard let provider = app.providers.provider(id: providerID) else {
            throw APIError.validation("No provider \"\(providerID ?? "")\" on this server.", code: "unknown_provider")
        }
        let old = app.providers.preferred(by: user)
        guard old.id != provider.id else { return }
        user.preferredProvider = provider is BuiltinProvider ? nil : provider.id
        try await user.save(on: app.db)
        let stream = try await Channels.ownStream(of: user, on: app.db)
        await disconnect(stream, in: app)
        if stream.streamKey != nil, provider is LiveKitProvider || old is LiveKitProvider {
            if let livekit = old as? LiveKitProvider, let ingress = stream.providerIngress {
                await livekit.disconnect(ExternalSession(streamID: try stream.requireID(), providerID: livekit.id, username: user.username,
                                                         sessionID: ingress, keyDigest: "", startedAt: Date(), lastSeen: Date()),
                                         client: app.client)
                stream.providerIngress = nil
            }
            try await issueKey(for: stream, owner: user, provider: provider, in: app)
            try await stream.save(on: app.db)
        }
    }

    /// The owner's current credentials on their provider, nil when there is no key.
    static func current(of stream: Stream, owner: User, in app: Application) -> Credentials? {
        guard let key = stream.streamKey else { return nil }
        let provider = app.providers.preferred(by: owner)
        let wanted = stream.ingressProtocol.flatMap(IngestProtocol.init(rawValue:)) ?? .rtmp
        let ingestProtocol = provider.protocols.contains(wanted) ? wanted : (provider.protocols.first ?? .rtmp)
        return provider.credentials(key: key, username: owner.username, protocol: ingestProtocol)
    }

    /// Every protocol's credentials on the owner's provider (the Keys page shows them all).
    static func all(of stream: Stream, owner: User, in app: Application) -> [Credentials] {
        guard let key = stream.streamKey else { return [] }
        let provider = app.providers.preferred(by: owner)
        return provider.protocols.compactMap { provider.credentials(key: key, username: owner.username, protocol: $0) }
    }

    /// Our own engine's server URLs: what OBS calls "Server". A web node, which takes no
    /// publishers, names the ingest node with the most room.
    static func serverURL(for ingestProtocol: IngestProtocol, in app: Application) -> String {
        let ingest = app.metropole.role.servesMedia ? nil : app.nodes.roomiestIngest()
        switch ingestProtocol {
        case .rtmp:
            if let url = ingest?.rtmpURL { return url }
            let port = app.live.rtmpPort.withLockedValue { $0 } ?? app.metropole.rtmpPort ?? 1935
            return rtmpURL(host: app.metropole.publicURL.host ?? app.metropole.rtmpHost, port: port)
        case .whip:
            return (ingest?.url ?? app.metropole.publicURL).absoluteString + SiteURL.api(.whip).path
        }
    }

    static func rtmpURL(host: String, port: Int) -> String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "rtmp://\(bracketed):\(port)/live"
    }

    /// Where viewers play `username`'s stream: its provider's URLs while it is live there,
    /// ours otherwise (absolute for the API, paths for pages).
    static func playback(of stream: Stream, absolute: Bool, in app: Application) async -> PlaybackURLs {
        let username = stream.user.username
        // Live but on no node of ours: it may be live on a provider.
        if stream.isLive, stream.liveNode == nil, let id = stream.id, let session = await app.live.external.session(streamID: id),
           let provider = app.providers.provider(id: session.providerID) {
            return provider.playback(username: username)
        }
        let ours = app.providers.builtin.playback(username: username)
        // Live on another node: players go straight there (and so do CDNs in front of it).
        let elsewhere = app.nodeHolding(stream)
        guard absolute || elsewhere != nil else { return ours }
        let base = (elsewhere?.url ?? app.metropole.publicURL).absoluteString
        let socketBase = base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
        return PlaybackURLs(hls: base + ours.hls, ws: ours.ws.map { socketBase + $0 })
    }
}
