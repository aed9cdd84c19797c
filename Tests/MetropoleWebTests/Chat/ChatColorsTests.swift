import Testing
@testable import MetropoleWeb

@Suite struct ChatColorsTests {
    @Test(arguments: ChatColors.palette)
    func everyPaletteColorMeetsWCAGAAOnTheChatSurface(color: String) throws {
        let ratio = try #require(ChatColors.contrastRatio(color, ChatColors.surface))
        #expect(ratio >= 4.5, "\(color) has \(ratio):1 on \(ChatColors.surface)")
    }

    @Test func contrastMathMatchesKnownValues() throws {
        #expect(try #require(ChatColors.contrastRatio("#000000", "#ffffff")) == 21)
        #expect(try #require(ChatColors.contrastRatio("#777777", "#ffffff")) > 4.47)
        #expect(ChatColors.contrastRatio("red", "#ffffff") == nil)
    }

    @Test func surfaceMatchesTheDesignToken() throws {
        let tokens = try String(contentsOfFile: AssetCatalogLocator.publicDirectory + "/css/tokens.css", encoding: .utf8)
        #expect(tokens.contains("--raised: \(ChatColors.surface);"))
    }

    @Test func colorIsStableAndCaseInsensitive() {
        #expect(ChatColors.color(forUsername: "Alice") == ChatColors.color(forUsername: "alice"))
        #expect(ChatColors.palette.contains(ChatColors.color(forUsername: "Alice")))
        let names = (0..<200).map { "user\($0)" }
        #expect(Set(names.map(ChatColors.color(forUsername:))).count == ChatColors.palette.count, "the palette is used")
    }
}

enum AssetCatalogLocator {
    static var publicDirectory: String { AssetCatalog.locatePublicDirectory(workingDirectory: "/nonexistent") }
}
