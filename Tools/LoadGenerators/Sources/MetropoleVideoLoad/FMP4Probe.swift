import NIOCore

/// Just enough fMP4 reading to time fragments: the track timescales and handlers from the init
/// segment's `moov`, and the track and `tfdt` of a `moof`. Anything it cannot read is ignored.
///
/// MetropoleMedia only writes fMP4, so this reader is the tools' own; its tests read what
/// MetropoleMedia's `InitSegment` and `FragmentWriter` write.
struct FMP4Probe {
    /// A box type as the 32-bit big-endian integer it is on the wire.
    struct BoxType: Equatable {
        var rawValue: UInt32

        init(_ name: StaticString) {
            precondition(name.utf8CodeUnitCount == 4, "a box type has four characters")
            rawValue = name.withUTF8Buffer { $0.reduce(0) { $0 << 8 | UInt32($1) } }
        }

        static let ftyp = BoxType("ftyp")
        static let moov = BoxType("moov")
        static let trak = BoxType("trak")
        static let tkhd = BoxType("tkhd")
        static let mdia = BoxType("mdia")
        static let mdhd = BoxType("mdhd")
        static let hdlr = BoxType("hdlr")
        static let moof = BoxType("moof")
        static let traf = BoxType("traf")
        static let tfhd = BoxType("tfhd")
        static let tfdt = BoxType("tfdt")
        static let vide = BoxType("vide")
    }

    struct Track: Equatable {
        var timescale: UInt32
        var isVideo: Bool
    }

    private(set) var tracks: [UInt32: Track] = [:]

    /// A decoded `moof`: the track it belongs to and its decode time in milliseconds.
    struct FragmentTime: Equatable {
        var isVideo: Bool
        var milliseconds: Int64
    }

    /// Whether the first box in `bytes` is a `type` (`ftyp` opens an init segment, `moof` a fragment).
    static func startsWith(_ type: BoxType, _ bytes: ByteBuffer) -> Bool {
        uint32(bytes, at: 4) == type.rawValue
    }

    mutating func readInitSegment(_ bytes: ByteBuffer) {
        var tracks: [UInt32: Track] = [:]
        for trak in Self.children(of: .trak, in: Self.box(.moov, in: bytes) ?? ByteBuffer()) {
            guard let tkhd = Self.box(.tkhd, in: trak),
                  let mdia = Self.box(.mdia, in: trak),
                  let mdhd = Self.box(.mdhd, in: mdia),
                  let hdlr = Self.box(.hdlr, in: mdia) else { continue }
            // After version and flags, version 1 has 64-bit creation and modification times.
            let tkhdIDOffset = Self.version(tkhd) == 1 ? 4 + 16 : 4 + 8
            let mdhdScaleOffset = Self.version(mdhd) == 1 ? 4 + 16 : 4 + 8
            guard let id = Self.uint32(tkhd, at: tkhdIDOffset),
                  let timescale = Self.uint32(mdhd, at: mdhdScaleOffset), timescale > 0,
                  let handler = Self.uint32(hdlr, at: 8) else { continue }
            tracks[id] = Track(timescale: timescale, isVideo: handler == BoxType.vide.rawValue)
        }
        self.tracks = tracks
    }

    func fragmentTime(_ bytes: ByteBuffer) -> FragmentTime? {
        guard let moof = Self.box(.moof, in: bytes),
              let traf = Self.box(.traf, in: moof),
              let tfhd = Self.box(.tfhd, in: traf),
              let tfdt = Self.box(.tfdt, in: traf),
              let id = Self.uint32(tfhd, at: 4),
              let track = tracks[id] else { return nil }
        let time: UInt64? = if Self.version(tfdt) == 1 {
            tfdt.getInteger(at: tfdt.readerIndex + 4, as: UInt64.self)
        } else {
            Self.uint32(tfdt, at: 4).map(UInt64.init)
        }
        guard let time else { return nil }
        return FragmentTime(isVideo: track.isVideo, milliseconds: Int64(time * 1000 / UInt64(track.timescale)))
    }

    /// The body of the first box of `type` directly inside `bytes`.
    private static func box(_ type: BoxType, in bytes: ByteBuffer) -> ByteBuffer? {
        children(of: type, in: bytes).first
    }

    private static func children(of type: BoxType, in bytes: ByteBuffer) -> [ByteBuffer] {
        var found: [ByteBuffer] = []
        var rest = bytes
        while let size = uint32(rest, at: 0), size >= 8, let name = uint32(rest, at: 4) {
            // A frame may hold only the start of the last box: keep what is there.
            let length = min(Int(size), rest.readableBytes)
            if name == type.rawValue, let body = rest.getSlice(at: rest.readerIndex + 8, length: length - 8) {
                found.append(body)
            }
            rest.moveReaderIndex(forwardBy: length)
        }
        return found
    }

    private static func version(_ fullBox: ByteBuffer) -> UInt8? {
        fullBox.getInteger(at: fullBox.readerIndex, as: UInt8.self)
    }

    private static func uint32(_ bytes: ByteBuffer, at offset: Int) -> UInt32? {
        bytes.getInteger(at: bytes.readerIndex + offset, as: UInt32.self)
    }
}
