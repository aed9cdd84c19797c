// libFuzzer entry point over the ingest parsers. The first input byte picks the parser:
// 0 the chunk stream, with every message run through a publishing session (AMF0 commands and
// metadata, FLV tags, codec records); 1 AMF0; 2 FLV video tag; 3 FLV audio tag.
// Build and run with scripts/fuzz.
import MetropoleMedia
import NIOCore

@testable import MetropoleRTMP

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    var input = ByteBuffer(bytes: bytes.dropFirst())
    switch selector % 4 {
    case 0: fuzzChunkStream(input)
    case 1: _ = try? input.readAMF0Values()
    case 2: _ = try? FLVTag.parseVideo(input, dts: 0)
    default: _ = try? FLVTag.parseAudio(input, dts: 0)
    }
    return 0
}

/// Decodes the chunk stream and feeds each message to a session that is already publishing
/// and to a fresh one, so both the media path and the command path see every message.
private func fuzzChunkStream(_ input: ByteBuffer) {
    var input = input
    var decoder = ChunkDecoder(limits: .init(maxMessageSize: 1 << 20, maxChunkStreams: 16, maxUpFrontReservation: 64 << 10))
    var publishing = publishingSession()
    var fresh = SessionStateMachine()
    while let message = try? decoder.nextMessage(from: &input) {
        _ = publishing.received(message)
        _ = fresh.received(message)
        _ = decoder.acknowledgementDue()
    }
}

private func publishingSession() -> SessionStateMachine {
    var session = SessionStateMachine()
    let connect = RTMPCommand(name: "connect", transactionID: 1, commandObject: .object([AMF0Property("app", "live")]))
    _ = session.received(connect.message())
    _ = session.received(RTMPCommand(name: "createStream", transactionID: 2).message())
    _ = session.received(RTMPCommand(name: "publish", transactionID: 3, arguments: ["key", "live"]).message(streamID: 1))
    _ = session.authorized(IngestGrant(streamID: "fuzz"))
    return session
}
