/// Why an SDP offer cannot be answered.
public enum SDPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not parseable SDP, or a required line is missing or broken (WHIP: 400).
    case malformed(String)
    /// Well-formed, but asks for something this server does not do (WHIP: 422); the text
    /// names what is missing or refused.
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed SDP offer: \(reason)"
        case .unsupported(let reason): "unsupported SDP offer: \(reason)"
        }
    }
}
