import NIOCore
import Testing

@testable import MetropoleWebRTC

struct UDPMuxTests {
    static let a = try! SocketAddress(ipAddress: "127.0.0.1", port: 40001)
    static let b = try! SocketAddress(ipAddress: "127.0.0.1", port: 40002)

    static func request(username: String) -> STUNMessage {
        try! STUNMessage.parse(STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username(username)]).serialized())
    }

    @Test func unknownAddressesAreHeardOnlyThroughAUfragInAStunRequest() {
        var mux = UDPMux<String>()
        mux.register(ufrag: "ufragA", for: "one")

        #expect(mux.route(from: Self.a, stun: nil) == nil)
        #expect(mux.route(from: Self.a, stun: Self.request(username: "ufragA:theirs")) == "one")
        #expect(mux.route(from: Self.a, stun: Self.request(username: "other:theirs")) == nil)
        let response = try! STUNMessage.parse(STUNMessage(type: .bindingSuccess, transactionID: .random(), attributes: [.username("ufragA:x")]).serialized())
        #expect(mux.route(from: Self.a, stun: response) == nil)

        mux.bind(Self.a, to: "one")
        #expect(mux.route(from: Self.a, stun: nil) == "one")
        #expect(mux.route(from: Self.b, stun: nil) == nil)
    }

    @Test func anAddressBelongsToOneSessionAndLeavesWithIt() {
        var mux = UDPMux<String>()
        mux.register(ufrag: "u1", for: "one")
        mux.register(ufrag: "u2", for: "two")
        mux.bind(Self.a, to: "one")
        mux.bind(Self.a, to: "two")
        #expect(mux.route(from: Self.a, stun: nil) == "two")

        mux.remove("two", ufrag: "u2")
        #expect(mux.route(from: Self.a, stun: nil) == nil)
        #expect(mux.route(from: Self.b, stun: Self.request(username: "u2:x")) == nil)
        #expect(mux.route(from: Self.b, stun: Self.request(username: "u1:x")) == "one")
        #expect(mux.boundAddressCount == 0)
    }

    /// A publisher reconnecting from the same address and port (a new WHIP session, same
    /// 5-tuple) reaches its new session: STUN goes by ufrag before address.
    @Test func aCheckForANewSessionFromABoundAddressReachesTheNewSession() {
        var mux = UDPMux<String>()
        mux.register(ufrag: "old", for: "one")
        mux.register(ufrag: "new", for: "two")
        mux.bind(Self.a, to: "one")

        #expect(mux.route(from: Self.a, stun: Self.request(username: "new:x")) == "two")
        #expect(mux.route(from: Self.a, stun: Self.request(username: "unknown:x")) == "one")
        mux.bind(Self.a, to: "two")
        #expect(mux.route(from: Self.a, stun: nil) == "two")
    }

    @Test func aSessionHoldsAtMostFourAddresses() throws {
        var mux = UDPMux<String>()
        let addresses = try (0..<6).map { try SocketAddress(ipAddress: "127.0.0.1", port: 41000 + $0) }
        for address in addresses { mux.bind(address, to: "one") }

        #expect(mux.boundAddressCount == 4)
        #expect(mux.route(from: addresses[0], stun: nil) == nil)
        #expect(mux.route(from: addresses[5], stun: nil) == "one")
    }
}

struct PacketDemuxTests {
    @Test func classifiesByFirstByteAsRFC7983Does() {
        func kind(_ bytes: [UInt8]) -> PacketKind { PacketKind.classify(ByteBuffer(bytes: bytes)) }

        #expect(kind([0x00, 0x01]) == .stun)
        #expect(kind([0x03]) == .stun)
        #expect(kind([0x04]) == .unknown)
        #expect(kind([0x10]) == .unknown)  // ZRTP
        #expect(kind([0x16, 0xFE, 0xFD]) == .dtls)  // handshake
        #expect(kind([0x14]) == .dtls)
        #expect(kind([0x3F]) == .dtls)
        #expect(kind([0x40]) == .unknown)  // TURN channel
        #expect(kind([0x80, 0x60]) == .rtp)  // PT 96
        #expect(kind([0x80, 0xE0]) == .rtp)  // PT 96 with marker
        #expect(kind([0x80, 0xC8]) == .rtcp)  // SR
        #expect(kind([0x81, 0xC9]) == .rtcp)  // RR
        #expect(kind([0x8F, 0xCE]) == .rtcp)  // PSFB
        #expect(kind([0x80]) == .unknown)
        #expect(kind([0xC0, 0x00]) == .unknown)
        #expect(kind([]) == .unknown)
    }
}
