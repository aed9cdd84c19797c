// libFuzzer entry point over the WebRTC ingest. The first input byte, modulo 11, picks the
// target: 0–3 the transport's (STUN, SDP, DTLS, demux: TransportFuzzing.swift), 4–10 the
// media half's (RTP, RTCP, SRTP, the media receiver: MediaFuzzing.swift). Build and run with
// scripts/fuzz.
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let first = bytes.first else { return 0 }
    let selector = first % 11
    let input = ByteBuffer(bytes: bytes.dropFirst())
    if MediaFuzzing.selectors.contains(selector) {
        MediaFuzzing.run(selector: selector, input)
    }
    return 0
}
