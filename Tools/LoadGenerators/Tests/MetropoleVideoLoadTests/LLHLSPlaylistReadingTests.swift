import Testing

@testable import MetropoleVideoLoad

/// The reading of playlists in the form the server writes (MetropoleMedia's `LLHLSPlaylist`):
/// part positions and end times, the part to block on, and playlists it must refuse.
@Suite struct LLHLSPlaylistReadingTests {
    typealias Position = LLHLSPlaylistReading.Position

    /// Segment 7 complete (two parts), segment 8 open with one part listed.
    static let playlist = """
        #EXTM3U
        #EXT-X-VERSION:6
        #EXT-X-TARGETDURATION:1
        #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.900
        #EXT-X-PART-INF:PART-TARGET=0.300
        #EXT-X-MEDIA-SEQUENCE:7
        #EXT-X-MAP:URI="b1/init0.mp4"
        #EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.123Z
        #EXT-X-PART:DURATION=0.300,URI="b1/part7.0.m4s",INDEPENDENT=YES
        #EXT-X-PART:DURATION=0.25,URI="b1/part7.1.m4s"
        #EXTINF:0.550,
        b1/seg7.m4s
        #EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.673Z
        #EXT-X-PART:DURATION=0.300,URI="b1/part8.0.m4s",INDEPENDENT=YES
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI="b1/part8.1.m4s"

        """

    /// 2026-12-07T17:02:15Z, as `date -u -d 2026-12-07T17:02:15Z +%s` gives it.
    static let second: Int64 = 1_796_662_935

    @Test func partsEndWhereTheirSegmentsDateAndTheDurationsBeforeThemSay() throws {
        let reading = try #require(LLHLSPlaylistReading(Self.playlist))
        #expect(reading.parts == [
            .init(uri: "b1/part7.0.m4s", position: Position(msn: 7, index: 0), endsAtMilliseconds: Self.second * 1000 + 423),
            .init(uri: "b1/part7.1.m4s", position: Position(msn: 7, index: 1), endsAtMilliseconds: Self.second * 1000 + 673),
            .init(uri: "b1/part8.0.m4s", position: Position(msn: 8, index: 0), endsAtMilliseconds: Self.second * 1000 + 973),
        ])
        #expect(reading.last == Position(msn: 8, index: 0))
        #expect(reading.next == Position(msn: 8, index: 1))
    }

    @Test func onlyPartsAfterTheLastOneHeldAreNew() throws {
        let reading = try #require(LLHLSPlaylistReading(Self.playlist, after: Position(msn: 7, index: 1)))
        #expect(reading.parts.map(\.uri) == ["b1/part8.0.m4s"])
        #expect(reading.last == Position(msn: 8, index: 0))
        let none = try #require(LLHLSPlaylistReading(Self.playlist, after: Position(msn: 8, index: 0)))
        #expect(none.parts.isEmpty && none.next == Position(msn: 8, index: 1))
    }

    @Test func aCompleteLastSegmentBlocksOnTheNextSegmentsFirstPart() throws {
        let closed = Self.playlist.components(before: "#EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.673Z")
        let reading = try #require(LLHLSPlaylistReading(closed))
        #expect(reading.next == Position(msn: 8, index: 0))
    }

    @Test func datesCountDaysAcrossLeapYearsAndEras() {
        // `date -u -d … +%s` for each.
        for (date, seconds) in [
            ("1970-01-01T00:00:00.000Z", Int64(0)), ("2000-02-29T23:59:59.999Z", 951_868_799),
            ("2024-03-01T00:00:00.000Z", 1_709_251_200), ("2100-01-01T00:00:00.000Z", 4_102_444_800),
        ] {
            let playlist = "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PROGRAM-DATE-TIME:\(date)\n#EXT-X-PART:DURATION=0,URI=\"p\"\n"
            let fraction: Int64 = date.contains(".999") ? 999 : 0
            #expect(LLHLSPlaylistReading(playlist)?.parts.first?.endsAtMilliseconds == seconds * 1000 + fraction, "\(date)")
        }
    }

    @Test(arguments: [
        "#EXTM3U\n#EXT-X-PART:DURATION=0.3,URI=\"p\"\n", // no media sequence
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PART:DURATION=0.3,URI=\"p\"\n", // a part before any date
        "#EXT-X-MEDIA-SEQUENCE:x\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:2026-13-07T17:02:15.123Z\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.123Z\n#EXT-X-PART:URI=\"p\"\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.123Z\n#EXT-X-PART:DURATION=0.3333,URI=\"p\"\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.123Z\n#EXT-X-PART:XDURATION=0.3,URI=\"p\"\n",
        "#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PROGRAM-DATE-TIME:2026-12-07T17:02:15.123Z\n#EXT-X-PART:DURATION=0.3\n",
        "",
    ])
    func aPlaylistItCannotFollowIsRefused(_ text: String) {
        #expect(LLHLSPlaylistReading(text) == nil)
    }
}

extension String {
    /// The text up to `marker`.
    fileprivate func components(before marker: String) -> String {
        String(self[..<(firstRange(of: marker)?.lowerBound ?? endIndex)])
    }
}
