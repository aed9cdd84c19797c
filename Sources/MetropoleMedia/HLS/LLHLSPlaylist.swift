/// Renders the LL-HLS media playlist for a segmenter's current window, naming every resource
/// under the broadcast's token (`HLSResourceName.uri(broadcast:)`).
///
/// `EXT-X-VERSION:6` is the lowest version whose features we use (`EXT-X-MAP` in a playlist
/// that is not I-frames-only); the LL-HLS tags carry no version requirement of their own and
/// version 9 would only be needed for `EXT-X-SKIP`, which we do not send.
enum LLHLSPlaylist {
    static func render(_ segmenter: LLHLSSegmenter, broadcast: String) -> String {
        let configuration = segmenter.configuration
        var lines: [String] = [
            "#EXTM3U",
            "#EXT-X-VERSION:6",
            "#EXT-X-TARGETDURATION:\(segmenter.targetDuration)",
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=\(seconds(configuration.partHoldBack))",
            "#EXT-X-PART-INF:PART-TARGET=\(seconds(configuration.partTarget))",
        ]
        let listed = segmenter.segments + (segmenter.current.map { [$0] } ?? [])
        lines.append("#EXT-X-MEDIA-SEQUENCE:\(listed.first?.msn ?? 0)")
        if segmenter.discontinuitySequence > 0 {
            lines.append("#EXT-X-DISCONTINUITY-SEQUENCE:\(segmenter.discontinuitySequence)")
        }
        var mapGeneration: Int?
        for segment in listed {
            if segment.isDiscontinuity {
                lines.append("#EXT-X-DISCONTINUITY")
            }
            if mapGeneration != segment.initGeneration {
                lines.append("#EXT-X-MAP:URI=\"\(HLSResourceName.initSegment(generation: segment.initGeneration).uri(broadcast: broadcast))\"")
                mapGeneration = segment.initGeneration
            }
            lines.append("#EXT-X-PROGRAM-DATE-TIME:\(ProgramDateTime.format(millisecondsSince1970: segment.programDateTime))")
            for (index, part) in segment.parts.enumerated() where segment.listsParts {
                let name = HLSResourceName.part(msn: segment.msn, index: index).uri(broadcast: broadcast)
                lines.append("#EXT-X-PART:DURATION=\(seconds(part.duration)),URI=\"\(name)\"" + (part.isIndependent ? ",INDEPENDENT=YES" : ""))
            }
            if segment.isComplete {
                lines.append("#EXTINF:\(seconds(segment.duration)),")
                lines.append(HLSResourceName.segment(msn: segment.msn).uri(broadcast: broadcast))
            }
        }
        if let hint = segmenter.preloadHint {
            lines.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"\(hint.uri(broadcast: broadcast))\"")
        }
        if segmenter.isEnded {
            lines.append("#EXT-X-ENDLIST")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Milliseconds as decimal seconds with three places, e.g. `0.300`.
    static func seconds(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
