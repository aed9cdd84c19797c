// libFuzzer entry point over the WebRTC ingest. The first input byte, modulo 11, picks the
// target: 0–3 the transport's (0 STUN message, 1 SDP offer, 2 DTLS datagrams into a server
// endpoint, 3 datagrams through the demux into a session: TransportFuzzing.swift), 4–10 the
// media half's (RTP, RTCP, SRTP, the media receiver: MediaFuzzing.swift). Build and run with
// scripts/fuzz.
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let first = bytes.first else { return 0 }
    let selector = first % 11
    let input = ByteBuffer(bytes: bytes.dropFirst())
    switch selector {
    case 0: TransportFuzzing.stun(input)
    case 1: TransportFuzzing.sdp(input)
    case 2: TransportFuzzing.dtlsServer(input)
    case 3: TransportFuzzing.demux(input)
    default:
        if MediaFuzzing.selectors.contains(selector) {
            MediaFuzzing.run(selector: selector, input)
        }
    }
    return 0
}
