// libFuzzer entry point over the WebRTC ingest parsers. The first input byte picks the
// target: 0 STUN message, 1 SDP offer, 2 DTLS datagrams into a server endpoint, 3 datagrams
// through the demux into a session (TransportFuzzing.swift). Build and run with scripts/fuzz.
import NIOCore

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let input = ByteBuffer(bytes: bytes.dropFirst())
    switch selector % 4 {
    case 0: TransportFuzzing.stun(input)
    case 1: TransportFuzzing.sdp(input)
    case 2: TransportFuzzing.dtlsServer(input)
    default: TransportFuzzing.demux(input)
    }
    return 0
}
