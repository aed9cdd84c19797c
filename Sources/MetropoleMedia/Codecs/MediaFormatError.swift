/// Why media from a publisher cannot be used. Messages are meant for logs and the publisher.
public enum MediaFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(String)
    case invalid(String)
    case unsupportedCodec(String)

    public var description: String {
        switch self {
        case .truncated(let what): "truncated \(what)"
        case .invalid(let what): "invalid \(what)"
        case .unsupportedCodec(let what): "unsupported codec: \(what) (Metropole takes H.264 video and AAC audio)"
        }
    }
}
