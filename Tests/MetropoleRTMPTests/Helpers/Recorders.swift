import Foundation
import MetropoleMedia
import MetropoleTestSupport

@testable import MetropoleRTMP

/// Records what the server fed into hubs.
final class MediaRecorder: Sendable {
    let tracks = Locked<[TrackConfig]>([])
    let frames = Locked<[MediaFrame]>([])

    var tap: @Sendable (String, FLVMedia) -> Void {
        { [self] _, media in
            switch media {
            case .track(let config): tracks.withValue { $0.append(config) }
            case .frame(let frame): frames.withValue { $0.append(frame) }
            }
        }
    }

    func frames(of kind: TrackKind) -> [MediaFrame] {
        frames.current.filter { $0.kind == kind }
    }
}
