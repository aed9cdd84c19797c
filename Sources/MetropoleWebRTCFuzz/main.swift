// libFuzzer entry point over the WebRTC parsers and state machines. The first input byte picks
// the target; the rest is its input. Media selectors (MediaFuzzing.swift) are 0–15; transport
// selectors (STUN, SDP, DTLS: TransportFuzzing.swift) take 16–31. Build and run with scripts/fuzz.
@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let selector = bytes.first else { return 0 }
    let input = UnsafeRawBufferPointer(rebasing: bytes.dropFirst())
    if let target = MediaFuzzTarget(rawValue: selector % 32) {
        fuzzMedia(target, input)
    }
    return 0
}
