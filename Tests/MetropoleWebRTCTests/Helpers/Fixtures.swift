import Foundation
import NIOCore

extension FixtureFiles {
    /// An SDP offer under Fixtures/offers.
    static func offer(_ name: String) throws -> String {
        try text("offers/\(name).sdp")
    }

    /// Tests/MetropoleWebRTCTests/Peers: the aiortc publisher and capture scripts.
    static var peers: URL {
        root.deletingLastPathComponent().appendingPathComponent("Peers")
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}

/// RFC dumps as bytes (the same as `hex`, named for what the STUN tests read).
func hexBytes(_ text: String) -> [UInt8] {
    hex(text)
}
