// libFuzzer entry point over the ingest parsers. The first input byte picks the parser:
// 0 the chunk stream, with every message run through a publishing session (AMF0 commands and
// metadata, FLV tags, codec records); 1 AMF0; 2 FLV video tag; 3 FLV audio tag; 4 the VOD
// segment coalescer, which reads recorded files; 5 a thumbnail keyframe and its reel (a
// length-prefixed AVC configuration record, then the sample).
// Build and run with scripts/fuzz.
import MetropoleMedia
import NIOCore

@testable import MetropoleRTMP

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    var input = ByteBuffer(bytes: bytes.dropFirst())
    switch selector % 6 {
    case 0: fuzzChunkStream(input)
    case 1: _ = try? input.readAMF0Values()
    case 2: _ = try? FLVTag.parseVideo(input, dts: 0)
    case 3: _ = try? FLVTag.parseAudio(input, dts: 0)
    case 4: _ = SegmentCoalescer.coalesce(input)
    default: fuzzKeyframe(input)
    }
    return 0
}

private func fuzzKeyframe(_ input: ByteBuffer) {
    var input = input
    guard let length = input.readInteger(as: UInt16.self), let recordBytes = input.readSlice(length: Int(length)),
          let record = try? AVCDecoderConfigurationRecord(parsing: recordBytes),
          let keyframe = Keyframe(sample: input, record: record)
    else { return }
    _ = KeyframeReel.make([keyframe, keyframe])
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
