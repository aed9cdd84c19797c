import MetropoleMedia

extension PublishMetadata {
    /// Fills the fields from an `onMetaData` object or ECMA array.
    mutating func update(from values: AMF0Value) {
        func number(_ key: String) -> Double? {
            guard let value = values[key]?.numberValue, value.isFinite else { return nil }
            return value
        }
        func integer(_ key: String) -> Int? {
            number(key).flatMap { $0 >= 0 && $0 < 1e9 ? Int($0) : nil }
        }
        width = integer("width") ?? width
        height = integer("height") ?? height
        frameRate = number("framerate") ?? number("videoframerate") ?? frameRate
        videoBitrate = number("videodatarate") ?? videoBitrate
        audioBitrate = number("audiodatarate") ?? audioBitrate
        audioSampleRate = number("audiosamplerate") ?? audioSampleRate
        if let channels = integer("audiochannels") {
            audioChannels = channels
        } else if case .boolean(let stereo)? = values["stereo"] {
            audioChannels = stereo ? 2 : 1
        }
        encoder = values["encoder"]?.stringValue ?? encoder
    }
}
