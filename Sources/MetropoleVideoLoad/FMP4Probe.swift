/// Just enough fMP4 reading to time fragments: the track timescales and handlers from the init
/// segment's `moov`, and the track and `tfdt` of a `moof`. Works on the first bytes of a
/// WebSocket frame; anything it cannot read is ignored.
struct FMP4Probe {
    struct Track {
        var timescale: UInt32
        var isVideo: Bool
    }

    private(set) var tracks: [UInt32: Track] = [:]

    /// A decoded `moof`: the track it belongs to and its decode time in milliseconds.
    struct FragmentTime {
        var isVideo: Bool
        var milliseconds: Int64
    }

    static func startsWith(_ type: String, _ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && Array(bytes[4..<8]) == Array(type.utf8)
    }

    mutating func readInitSegment(_ bytes: [UInt8]) {
        var tracks: [UInt32: Track] = [:]
        for trak in Self.children(of: "trak", in: Self.box("moov", in: bytes[...]) ?? []) {
            guard let tkhd = Self.box("tkhd", in: trak),
                  let mdia = Self.box("mdia", in: trak),
                  let mdhd = Self.box("mdhd", in: mdia),
                  let hdlr = Self.box("hdlr", in: mdia) else { continue }
            let tkhdIDOffset = tkhd.first == 1 ? 4 + 16 : 4 + 8 // version, flags, times
            let mdhdScaleOffset = mdhd.first == 1 ? 4 + 16 : 4 + 8
            guard let id = Self.uint32(tkhd, at: tkhdIDOffset),
                  let timescale = Self.uint32(mdhd, at: mdhdScaleOffset), timescale > 0,
                  hdlr.count >= 12 else { continue }
            let handler = String(decoding: hdlr[hdlr.startIndex + 8..<hdlr.startIndex + 12], as: UTF8.self)
            tracks[id] = Track(timescale: timescale, isVideo: handler == "vide")
        }
        self.tracks = tracks
    }

    func fragmentTime(_ bytes: [UInt8]) -> FragmentTime? {
        guard let moof = Self.box("moof", in: bytes[...]),
              let traf = Self.box("traf", in: moof),
              let tfhd = Self.box("tfhd", in: traf),
              let tfdt = Self.box("tfdt", in: traf),
              let id = Self.uint32(tfhd, at: 4),
              let track = tracks[id] else { return nil }
        let time: UInt64?
        if tfdt.first == 1 {
            time = Self.uint32(tfdt, at: 4).flatMap { high in Self.uint32(tfdt, at: 8).map { UInt64(high) << 32 | UInt64($0) } }
        } else {
            time = Self.uint32(tfdt, at: 4).map(UInt64.init)
        }
        guard let time else { return nil }
        return FragmentTime(isVideo: track.isVideo, milliseconds: Int64(time * 1000 / UInt64(track.timescale)))
    }

    /// The body of the first box of `type` directly inside `bytes`.
    private static func box(_ type: String, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        children(of: type, in: bytes).first
    }

    private static func children(of type: String, in bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        let wanted = Array(type.utf8)
        var found: [ArraySlice<UInt8>] = []
        var offset = bytes.startIndex
        while offset + 8 <= bytes.endIndex {
            guard let size = uint32(bytes, at: offset - bytes.startIndex), size >= 8 else { break }
            let end = min(offset + Int(size), bytes.endIndex) // the last box may be cut off
            if Array(bytes[offset + 4..<offset + 8]) == wanted {
                found.append(bytes[offset + 8..<end])
            }
            offset += Int(size)
        }
        return found
    }

    private static func uint32(_ bytes: ArraySlice<UInt8>, at offset: Int) -> UInt32? {
        let start = bytes.startIndex + offset
        guard offset >= 0, start + 4 <= bytes.endIndex else { return nil }
        return bytes[start..<start + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
