import Fluent
import Foundation
import Logging
import MetropoleMedia

/// Lets a publisher go live when its stream key belongs to a stream. The database finds the
/// candidate by the key's digest; the key itself is then compared in constant time. A
/// suspended owner's key is refused (RTMP and WHIP both ask here).
struct StreamKeyAuthorizer: IngestAuthorizer {
    let database: @Sendable () -> any Database
    /// False once this node holds `METROPOLE_NODE_CAPACITY` streams: the publisher is refused
    /// and can go to another ingest node.
    var hasRoom: @Sendable () -> Bool = { true }
    var logger: Logger? = nil

    func authorize(app: String, streamKey: String) async -> IngestGrant? {
        guard !streamKey.isEmpty, streamKey.utf8.count <= 256 else { return nil }
        guard hasRoom() else {
            logger?.warning("publisher refused: this node is full (METROPOLE_NODE_CAPACITY)")
            return nil
        }
        guard let stream = try? await Stream.query(on: database())
            .filter(\.$streamKeyDigest == TokenSecret.digest(streamKey))
            .with(\.$user)
            .first(),
            let stored = stream.streamKey, TokenSecret.constantTimeEquals(stored, streamKey),
            !stream.user.isSuspended,
            let id = stream.id
        else { return nil }
        return IngestGrant(streamID: id.uuidString)
    }
}
