import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleRTMP

@Suite struct SessionStateMachineTests {
    typealias Action = SessionStateMachine.Action

    static let connect = RTMPMessage.command("connect", 1, .object([
        AMF0Property("app", "live"),
        AMF0Property("type", "nonprivate"),
        AMF0Property("tcUrl", "rtmp://127.0.0.1:1935/live"),
    ]))

    /// connect, releaseStream, FCPublish, createStream, publish: as ffmpeg sends them.
    static func machineAwaitingAuthorization(name: String = "secret-key?foo=bar") -> (SessionStateMachine, Action) {
        var machine = SessionStateMachine(remoteAddress: "127.0.0.1:5000")
        _ = machine.received(connect)
        _ = machine.received(.command("releaseStream", 2, .null, "secret-key"))
        _ = machine.received(.command("FCPublish", 3, .null, "secret-key"))
        _ = machine.received(.command("createStream", 4))
        let action = machine.received(.command("publish", 5, .null, .string(name), "live", streamID: 1))
        return (machine, action)
    }

    static func publishingMachine() -> SessionStateMachine {
        var (machine, _) = machineAwaitingAuthorization()
        _ = machine.authorized(IngestGrant(streamID: "alice"))
        return machine
    }

    @Test func connectIsAnsweredWithControlMessagesAndSuccess() {
        // setup
        var machine = SessionStateMachine()
        // act
        let action = machine.received(Self.connect)
        // check
        guard case .send(let messages) = action else {
            Issue.record("expected replies, got \(action)")
            return
        }
        #expect(messages.map(\.type) == [.windowAcknowledgementSize, .setPeerBandwidth, .setChunkSize, .commandAMF0])
        #expect(messages[2].controlValue == 4096)
        #expect(messages[3].command?.name == "_result")
        #expect(messages[3].command?.transactionID == 1)
        #expect(messages[3].statusCode == "NetConnection.Connect.Success")
        #expect(machine.metadata.app == "live")
    }

    @Test(arguments: ["live", "/live/", "live?token=1"])
    func appNamesAreNormalized(_ app: String) {
        var machine = SessionStateMachine()
        guard case .send = machine.received(.command("connect", 1, .object([AMF0Property("app", .string(app))]))) else {
            Issue.record("expected \(app) to be accepted")
            return
        }
    }

    @Test func unknownApplicationsAreRejected() {
        var machine = SessionStateMachine()
        let action = machine.received(.command("connect", 1, .object([AMF0Property("app", "vod")])))
        guard case .close(let reason, let messages) = action else {
            Issue.record("expected close, got \(action)")
            return
        }
        #expect(reason.contains("vod"))
        #expect(messages.first?.command?.name == "_error")
        #expect(messages.first?.statusCode == "NetConnection.Connect.Rejected")
    }

    @Test func createStreamReturnsStreamOne() {
        var machine = SessionStateMachine()
        _ = machine.received(Self.connect)
        guard case .send(let messages) = machine.received(.command("createStream", 4)) else {
            Issue.record("expected _result")
            return
        }
        #expect(messages.first?.command == RTMPCommand(name: "_result", transactionID: 4, arguments: [1]))
    }

    @Test func publishAsksTheAuthorizerWithoutTheQuery() {
        let (_, action) = Self.machineAwaitingAuthorization()
        guard case .authorize(let app, let key) = action else {
            Issue.record("expected authorize, got \(action)")
            return
        }
        #expect(app == "live")
        #expect(key == "secret-key")
    }

    @Test func acceptedPublishStarts() {
        // setup
        var (machine, _) = Self.machineAwaitingAuthorization()
        // act
        let action = machine.authorized(IngestGrant(streamID: "alice"))
        // check
        guard case .startPublishing(let streamID, let messages) = action else {
            Issue.record("expected startPublishing, got \(action)")
            return
        }
        #expect(streamID == "alice")
        #expect(messages.first == .userControl(.streamBegin(streamID: 1)))
        #expect(messages.last?.statusCode == "NetStream.Publish.Start")
        #expect(messages.last?.streamID == 1)
        #expect(machine.isPublishing)
    }

    @Test func refusedPublishSendsBadNameAndCloses() {
        var (machine, _) = Self.machineAwaitingAuthorization(name: "wrong")
        let action = machine.authorized(nil)
        guard case .close(_, let messages) = action else {
            Issue.record("expected close, got \(action)")
            return
        }
        #expect(messages.map(\.statusCode) == ["NetStream.Publish.BadName"])
        guard case .none = machine.received(.command("createStream", 9)) else {
            Issue.record("a closed session answers nothing")
            return
        }
    }

    @Test func emptyStreamKeyIsRefusedAtOnce() {
        let (_, action) = Self.machineAwaitingAuthorization(name: "?x=1")
        guard case .close(_, let messages) = action else {
            Issue.record("expected close, got \(action)")
            return
        }
        #expect(messages.first?.statusCode == "NetStream.Publish.BadName")
    }

    @Test func mediaBeforePublishCloses() {
        var machine = SessionStateMachine()
        _ = machine.received(Self.connect)
        guard case .close = machine.received(.video(Fixtures.videoTag(packetType: 0, data: Fixtures.avcDecoderConfiguration), timestamp: 0)) else {
            Issue.record("expected close")
            return
        }
    }

    @Test func mediaWhileAuthorizingIsDropped() {
        var (machine, _) = Self.machineAwaitingAuthorization()
        guard case .none = machine.received(.audio(Fixtures.audioTag(packetType: 0, data: Fixtures.audioSpecificConfig), timestamp: 0)) else {
            Issue.record("expected media to be dropped")
            return
        }
    }

    @Test func metadataAnnouncesTheStream() {
        // setup
        var machine = Self.publishingMachine()
        // act
        let action = machine.received(.metadata([
            AMF0Property("width", 1280), AMF0Property("height", 720), AMF0Property("framerate", 30),
            AMF0Property("videodatarate", 2500), AMF0Property("audiodatarate", 128),
            AMF0Property("audiosamplerate", 48000), AMF0Property("stereo", true),
            AMF0Property("encoder", "Lavf59.27.100"),
        ]))
        // check
        guard case .announce(let metadata) = action else {
            Issue.record("expected announce, got \(action)")
            return
        }
        #expect(metadata.width == 1280)
        #expect(metadata.height == 720)
        #expect(metadata.frameRate == 30)
        #expect(metadata.videoBitrate == 2500)
        #expect(metadata.audioBitrate == 128)
        #expect(metadata.audioSampleRate == 48000)
        #expect(metadata.audioChannels == 2)
        #expect(metadata.encoder == "Lavf59.27.100")
        #expect(metadata.remoteAddress == "127.0.0.1:5000")
    }

    @Test func firstMediaAnnouncesWhenNoMetadataCame() {
        var machine = Self.publishingMachine()
        guard case .media(.track(.avc), let announce?) = machine.received(.video(Fixtures.videoTag(packetType: 0, data: Fixtures.avcDecoderConfiguration), timestamp: 0)) else {
            Issue.record("expected config with announcement")
            return
        }
        #expect(announce.app == "live")
        guard case .media(.frame(let frame), nil) = machine.received(.video(Fixtures.videoTag(packetType: 1, compositionTime: 66, data: Fixtures.keyframeNALUnits), timestamp: 40)) else {
            Issue.record("expected a frame without announcement")
            return
        }
        #expect(frame.dts == 40)
        #expect(frame.compositionOffset == 66)
    }

    @Test func framesBeforeTheirConfigAreDropped() {
        var machine = Self.publishingMachine()
        guard case .none = machine.received(.audio(Fixtures.audioTag(packetType: 1, data: Fixtures.aacFrame), timestamp: 0)) else {
            Issue.record("expected the frame to be dropped")
            return
        }
    }

    @Test func mediaTimestampsAreUnwrapped() {
        var machine = Self.publishingMachine()
        _ = machine.received(.audio(Fixtures.audioTag(packetType: 0, data: Fixtures.audioSpecificConfig), timestamp: 0xFFFF_FFF0))
        guard case .media(.frame(let frame), _) = machine.received(.audio(Fixtures.audioTag(packetType: 1, data: Fixtures.aacFrame), timestamp: 5)) else {
            Issue.record("expected a frame")
            return
        }
        #expect(frame.dts == 0x1_0000_0005)
    }

    @Test func unsupportedCodecsClose() {
        var machine = Self.publishingMachine()
        guard case .close(let reason, _) = machine.received(.video(ByteBuffer(bytes: [0x90] + Array("hvc1".utf8)), timestamp: 0)) else {
            Issue.record("expected close")
            return
        }
        #expect(reason.contains("unsupported codec"))
        #expect(reason.contains("HEVC"))
    }

    @Test func malformedTagsClose() {
        var machine = Self.publishingMachine()
        guard case .close(let reason, _) = machine.received(.video(ByteBuffer(bytes: [0x17, 0x00]), timestamp: 0)) else {
            Issue.record("expected close")
            return
        }
        #expect(reason.contains("truncated"))
    }

    @Test(arguments: ["FCUnpublish", "deleteStream", "closeStream"])
    func unpublishStopsPublishing(_ command: String) {
        var machine = Self.publishingMachine()
        guard case .stopPublishing(let messages) = machine.received(.command(command, 6, .null, "secret-key")) else {
            Issue.record("expected stopPublishing")
            return
        }
        #expect(messages.first?.statusCode == "NetStream.Unpublish.Success")
        #expect(!machine.isPublishing)
        guard case .none = machine.received(.command("deleteStream", 7, .null, 1)) else {
            Issue.record("a second unpublish does nothing")
            return
        }
    }

    @Test func playIsRefused() {
        var machine = SessionStateMachine()
        _ = machine.received(Self.connect)
        _ = machine.received(.command("createStream", 2))
        guard case .close(_, let messages) = machine.received(.command("play", 3, .null, "alice", streamID: 1)) else {
            Issue.record("expected close")
            return
        }
        #expect(messages.first?.statusCode == "NetStream.Play.Failed")
    }

    @Test func pingRequestsAreAnswered() {
        var machine = SessionStateMachine()
        var payload = ByteBuffer()
        UserControlEvent.pingRequest(timestamp: 77).write(to: &payload)
        guard case .send(let messages) = machine.received(RTMPMessage(type: .userControl, payload: payload)) else {
            Issue.record("expected a ping response")
            return
        }
        #expect(messages == [.userControl(.pingResponse(timestamp: 77))])
    }

    @Test func publishWhileAuthorizingOrPublishingCloses() {
        var (machine, _) = Self.machineAwaitingAuthorization()
        guard case .close = machine.received(.command("publish", 6, .null, "again", streamID: 1)) else {
            Issue.record("expected close")
            return
        }
    }

    @Test func malformedCommandsClose() {
        var machine = SessionStateMachine()
        guard case .close(let reason, _) = machine.received(RTMPMessage(type: .commandAMF0, payload: ByteBuffer(bytes: [0x02, 0x00, 0x09, 0x41]))) else {
            Issue.record("expected close")
            return
        }
        #expect(reason.contains("malformed command"))
    }
}
