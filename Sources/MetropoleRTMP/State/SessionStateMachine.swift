import MetropoleMedia
import NIOCore

/// One RTMP connection's conversation with a publisher, from `connect` to `deleteStream`.
///
/// Pure: it takes messages and the authorizer's answer and returns what the handler must do.
/// Media is only taken after the authorizer accepted the stream key.
struct SessionStateMachine {
    struct Configuration: Sendable {
        var applications: Set<String> = ["live"]
        var chunkSize: UInt32 = 4096
        var windowAcknowledgementSize: UInt32 = 2_500_000
        var peerBandwidth: UInt32 = 2_500_000
    }

    enum Action {
        case none
        case send([RTMPMessage])
        /// Ask the authorizer, then call `authorized(_:)` with its answer.
        case authorize(app: String, streamKey: String)
        /// The key was accepted: send, create the hub, take over any older publisher.
        case startPublishing(streamID: String, send: [RTMPMessage])
        /// Tell the app the stream is live (first metadata or media after `startPublishing`).
        case announce(PublishMetadata)
        case media(FLVMedia, announce: PublishMetadata?)
        /// Clean unpublish: send, finish the hub; the connection stays.
        case stopPublishing(send: [RTMPMessage])
        /// Send, then close the connection.
        case close(reason: String, send: [RTMPMessage])
    }

    private struct Publishing {
        var streamID: String
        var messageStreamID: UInt32
        var isAnnounced = false
        var hasVideoConfig = false
        var hasAudioConfig = false
    }

    private enum State {
        case awaitingConnect
        case connected(app: String)
        case authorizing(app: String, messageStreamID: UInt32)
        case publishing(app: String, Publishing)
        case closed
    }

    /// The message stream id `createStream` hands out; one publisher per connection.
    static let mediaStreamID: UInt32 = 1

    private let configuration: Configuration
    private var state = State.awaitingConnect
    private(set) var metadata: PublishMetadata
    private var timestamps = TimestampUnwrapper()

    init(configuration: Configuration = Configuration(), remoteAddress: String? = nil) {
        self.configuration = configuration
        self.metadata = PublishMetadata(app: "", remoteAddress: remoteAddress)
    }

    var isPublishing: Bool {
        if case .publishing = state { true } else { false }
    }

    mutating func received(_ message: RTMPMessage) -> Action {
        guard !isClosed else { return .none }
        switch message.type {
        case .audio, .video:
            return receivedMedia(message)
        case .commandAMF0, .commandAMF3:
            do {
                return receivedCommand(try RTMPCommand(parsing: message), on: message.streamID)
            } catch {
                return close("malformed command message: \(error)")
            }
        case .dataAMF0, .dataAMF3:
            return receivedData(message)
        case .userControl:
            if case .pingRequest(let timestamp)? = UserControlEvent(parsing: message.payload) {
                return .send([.userControl(.pingResponse(timestamp: timestamp))])
            }
            return .none
        case .aggregate:
            return close("aggregate messages are not supported; send audio and video messages")
        default:
            return .none
        }
    }

    mutating func authorized(_ grant: IngestGrant?) -> Action {
        guard case .authorizing(let app, let messageStreamID) = state else { return .none }
        guard let grant else {
            state = .closed
            let refusal = RTMPCommand.onStatus(level: "error", code: "NetStream.Publish.BadName", description: "Unknown stream key.")
            return .close(reason: "stream key refused", send: [refusal.message(streamID: messageStreamID)])
        }
        state = .publishing(app: app, Publishing(streamID: grant.streamID, messageStreamID: messageStreamID))
        let start = RTMPCommand.onStatus(code: "NetStream.Publish.Start", description: "Publishing started.")
        return .startPublishing(streamID: grant.streamID, send: [
            .userControl(.streamBegin(streamID: messageStreamID)),
            start.message(streamID: messageStreamID),
        ])
    }

    private var isClosed: Bool {
        if case .closed = state { true } else { false }
    }

    private mutating func close(_ reason: String, send: [RTMPMessage] = []) -> Action {
        state = .closed
        return .close(reason: reason, send: send)
    }

    // MARK: Commands

    private mutating func receivedCommand(_ command: RTMPCommand, on messageStreamID: UInt32) -> Action {
        switch command.name {
        case "connect":
            return connect(command)
        case "releaseStream":
            return .send([RTMPCommand.result(transactionID: command.transactionID, .null, .undefined).message()])
        case "FCPublish":
            let status = RTMPCommand.status(level: "status", code: "NetStream.Publish.Start", description: "FCPublish")
            return .send([RTMPCommand(name: "onFCPublish", transactionID: 0, arguments: [status]).message()])
        case "createStream":
            guard case .connected = state else { return .none }
            return .send([RTMPCommand.result(transactionID: command.transactionID, .null, .number(Double(Self.mediaStreamID))).message()])
        case "publish":
            return publish(command, on: messageStreamID)
        case "FCUnpublish", "deleteStream", "closeStream":
            return unpublish()
        case "play", "play2":
            let refusal = RTMPCommand.onStatus(
                level: "error", code: "NetStream.Play.Failed",
                description: "Metropole does not play streams over RTMP; watch over HTTP (LL-HLS or WebSocket)."
            )
            return close("playback requested over RTMP", send: [refusal.message(streamID: messageStreamID)])
        default:
            return .none
        }
    }

    private mutating func connect(_ command: RTMPCommand) -> Action {
        guard case .awaitingConnect = state else { return close("connect received twice") }
        let app = Self.normalizedApp(command.commandObject["app"]?.stringValue ?? "")
        guard configuration.applications.contains(app) else {
            let rejection = RTMPCommand.error(
                transactionID: command.transactionID, code: "NetConnection.Connect.Rejected",
                description: "Unknown application '\(app)'. Publish to rtmp://<host>:<port>/live with your stream key."
            )
            return close("unknown application '\(app)'", send: [rejection.message()])
        }
        state = .connected(app: app)
        metadata.app = app
        let objectEncoding = command.commandObject["objectEncoding"]?.numberValue ?? 0
        let properties: AMF0Value = .object([
            AMF0Property("fmsVer", "FMS/3,0,1,123"),
            AMF0Property("capabilities", 31),
        ])
        var information = RTMPCommand.status(level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded.")
        if case .object(var fields) = information {
            fields.append(AMF0Property("objectEncoding", .number(objectEncoding)))
            information = .object(fields)
        }
        return .send([
            .windowAcknowledgementSize(configuration.windowAcknowledgementSize),
            .setPeerBandwidth(configuration.peerBandwidth),
            .setChunkSize(configuration.chunkSize),
            RTMPCommand.result(transactionID: command.transactionID, properties, information).message(),
        ])
    }

    private mutating func publish(_ command: RTMPCommand, on messageStreamID: UInt32) -> Action {
        guard case .connected(let app) = state else {
            if case .awaitingConnect = state { return close("publish before connect") }
            return close("publish while already publishing")
        }
        let streamKey = Self.streamKey(fromPublishingName: command.arguments.first?.stringValue ?? "")
        guard !streamKey.isEmpty else {
            let refusal = RTMPCommand.onStatus(level: "error", code: "NetStream.Publish.BadName", description: "Missing stream key.")
            return close("publish without a stream key", send: [refusal.message(streamID: messageStreamID)])
        }
        state = .authorizing(app: app, messageStreamID: messageStreamID)
        return .authorize(app: app, streamKey: streamKey)
    }

    private mutating func unpublish() -> Action {
        switch state {
        case .publishing(let app, let publishing):
            state = .connected(app: app)
            let status = RTMPCommand.onStatus(code: "NetStream.Unpublish.Success", description: "Stopped publishing.")
            return .stopPublishing(send: [status.message(streamID: publishing.messageStreamID)])
        case .authorizing(let app, _):
            // The authorizer's late answer finds no authorizing state and is dropped.
            state = .connected(app: app)
            return .none
        default:
            return .none
        }
    }

    /// `live`, `/live/` and `live?token=x` all name the application `live`.
    static func normalizedApp(_ raw: String) -> String {
        let withoutQuery = raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(withoutQuery).trimmingSlashes()
    }

    /// ffmpeg and OBS send the stream key as the publishing name, sometimes with `?query`.
    static func streamKey(fromPublishingName name: String) -> String {
        String(name.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    // MARK: Data and media

    private mutating func receivedData(_ message: RTMPMessage) -> Action {
        // Metadata that does not parse is only informative; it never ends a stream.
        guard var values = try? RTMPCommand.amf0Values(of: message) else { return .none }
        if values.first?.stringValue == "@setDataFrame" { values.removeFirst() }
        guard values.count >= 2, values[0].stringValue == "onMetaData" else { return .none }
        metadata.update(from: values[1])
        guard case .publishing(let app, var publishing) = state, !publishing.isAnnounced else { return .none }
        publishing.isAnnounced = true
        state = .publishing(app: app, publishing)
        return .announce(metadata)
    }

    private mutating func receivedMedia(_ message: RTMPMessage) -> Action {
        guard case .publishing(let app, var publishing) = state else {
            if case .authorizing = state { return .none }
            return close("audio or video before an accepted publish")
        }
        let dts = timestamps.unwrap(message.timestamp)
        let parsed: FLVMedia?
        do {
            parsed = message.type == .video
                ? try FLVTag.parseVideo(message.payload, dts: dts)
                : try FLVTag.parseAudio(message.payload, dts: dts)
        } catch {
            return close(error.description)
        }
        guard let media = parsed else { return .none }
        switch media {
        case .track(let config):
            if config.kind == .video { publishing.hasVideoConfig = true } else { publishing.hasAudioConfig = true }
        case .frame(let frame):
            // A frame before its track's configuration cannot be decoded by anyone.
            let configured = frame.kind == .video ? publishing.hasVideoConfig : publishing.hasAudioConfig
            guard configured else { return .none }
        }
        let announce = publishing.isAnnounced ? nil : metadata
        publishing.isAnnounced = true
        state = .publishing(app: app, publishing)
        return .media(media, announce: announce)
    }
}

extension String {
    fileprivate func trimmingSlashes() -> String {
        var view = Substring(self)
        while view.first == "/" { view.removeFirst() }
        while view.last == "/" { view.removeLast() }
        return String(view)
    }
}
