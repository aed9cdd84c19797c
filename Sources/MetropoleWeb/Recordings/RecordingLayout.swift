import Foundation

/// Where a recording's files are and what they are called (decision 0040): one folder per
/// video under `<data dir>/recordings/`, one file per segment as the live segmenter cut it,
/// one init segment per generation, an append-only journal and, once finished, the playlist.
///
/// ```
/// recordings/<video id>/init-0.mp4      ftyp+moov of generation 0
///                       0.m4s 1.m4s …   moof+mdat, one file per segment
///                       segments.log    one line per segment, appended after its file is whole
///                       index.m3u8      the VOD playlist, written at the end (or on recovery)
/// ```
enum RecordingLayout {
    static let folder = "recordings"
    static let playlist = "index.m3u8"
    static let journal = "segments.log"

    static func root(in dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(folder, isDirectory: true)
    }

    static func directory(of videoID: UUID, in dataDirectory: URL) -> URL {
        root(in: dataDirectory).appendingPathComponent(videoID.uuidString.lowercased(), isDirectory: true)
    }

    static func initSegment(generation: Int) -> String { "init-\(generation).mp4" }
    static func segment(_ number: Int) -> String { "\(number).m4s" }

    /// A file a player may ask for, by kind; `nil` for any other name (no path can get out of
    /// the folder: only these three shapes, digits only).
    enum File: Equatable {
        case playlist
        case initSegment(Int)
        case segment(Int)

        init?(_ name: String) {
            if name == RecordingLayout.playlist { self = .playlist; return }
            func number(_ text: Substring) -> Int? {
                guard (1...9).contains(text.count), text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                return Int(text)
            }
            if name.hasPrefix("init-"), name.hasSuffix(".mp4"), let value = number(name.dropFirst(5).dropLast(4)) {
                self = .initSegment(value)
            } else if name.hasSuffix(".m4s"), let value = number(name.dropLast(4)) {
                self = .segment(value)
            } else {
                return nil
            }
        }

        var name: String {
            switch self {
            case .playlist: RecordingLayout.playlist
            case .initSegment(let generation): RecordingLayout.initSegment(generation: generation)
            case .segment(let number): RecordingLayout.segment(number)
            }
        }

        var contentType: String {
            switch self {
            case .playlist: "application/vnd.apple.mpegurl"
            case .initSegment: "video/mp4"
            case .segment: "video/iso.segment"
            }
        }
    }
}

/// One line of `segments.log`: a segment whose file is complete.
struct RecordedSegment: Equatable, Sendable {
    var number: Int
    var initGeneration: Int
    var durationMilliseconds: Int64
    var byteCount: Int
    /// A discontinuity before it: a new init segment, or segments lost before it.
    var isDiscontinuity: Bool

    var journalLine: String {
        "\(number) \(initGeneration) \(durationMilliseconds) \(byteCount) \(isDiscontinuity ? 1 : 0)\n"
    }

    /// Lines up to the first incomplete or malformed one (a crash mid-append leaves at most one).
    static func parseJournal(_ text: String) -> [RecordedSegment] {
        var segments: [RecordedSegment] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: " ").compactMap { Int64($0) }
            guard fields.count == 5, fields[0] >= 0, fields[1] >= 0, fields[2] > 0, fields[3] > 0, fields[4] == 0 || fields[4] == 1
            else { break }
            segments.append(RecordedSegment(number: Int(fields[0]), initGeneration: Int(fields[1]), durationMilliseconds: fields[2],
                                            byteCount: Int(fields[3]), isDiscontinuity: fields[4] == 1))
        }
        return segments
    }
}

/// The HLS VOD playlist of a finished recording: `EXT-X-MAP` to each generation's init segment,
/// `EXT-X-DISCONTINUITY` where the configuration changed or segments were lost.
enum VODPlaylist {
    static func render(_ segments: [RecordedSegment]) -> String {
        let longest = segments.map(\.durationMilliseconds).max() ?? 1000
        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            "#EXT-X-TARGETDURATION:\(max(1, Int((Double(longest) / 1000).rounded(.up))))",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        var generation: Int?
        for (index, segment) in segments.enumerated() {
            if index > 0, segment.isDiscontinuity || segment.initGeneration != generation {
                lines.append("#EXT-X-DISCONTINUITY")
            }
            if segment.initGeneration != generation {
                lines.append("#EXT-X-MAP:URI=\"\(RecordingLayout.initSegment(generation: segment.initGeneration))\"")
                generation = segment.initGeneration
            }
            lines.append("#EXTINF:\(HLSSeconds.format(segment.durationMilliseconds)),")
            lines.append(RecordingLayout.segment(segment.number))
        }
        lines.append("#EXT-X-ENDLIST")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Milliseconds as decimal seconds with three places, as the live playlist writes them
/// (`LLHLSPlaylist.seconds` is internal to MetropoleMedia).
enum HLSSeconds {
    static func format(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
