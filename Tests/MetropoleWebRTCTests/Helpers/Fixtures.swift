import Foundation

/// Files under Tests/MetropoleWebRTCTests/Fixtures, read from the source tree.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func offer(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("Fixtures/offers/\(name).sdp"), encoding: .utf8)
    }

    static var peers: URL { directory.appendingPathComponent("Peers") }
}
