import Foundation

/// Name colors in chat. Each user gets one color from a fixed palette, chosen by a hash of the
/// username key, so it is the same on every channel and visit without being stored. Every
/// palette entry keeps at least WCAG AA contrast (4.5:1) on the chat surface (tested).
enum ChatColors {
    /// The chat column's background (`--raised` in tokens.css).
    static let surface = "#18181d"

    static let palette = [
        "#ff7a7a", "#ff9f5a", "#ffc857", "#c3e05a", "#5fd68a", "#3fd6c4",
        "#5cc8ff", "#82aaff", "#a78bfa", "#d58bff", "#ff7ac6", "#ff8fa3",
    ]

    static func color(forUsername username: String) -> String {
        // FNV-1a over the case-folded name: cheap, stable across processes and versions
        // (Swift's `hashValue` is seeded per process and would not be).
        var hash: UInt32 = 2_166_136_261
        for byte in Username.key(username).utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return palette[Int(hash % UInt32(palette.count))]
    }

    /// WCAG 2 contrast ratio between two `#rrggbb` colors, or nil when one is malformed.
    static func contrastRatio(_ first: String, _ second: String) -> Double? {
        guard let a = relativeLuminance(first), let b = relativeLuminance(second) else { return nil }
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    static func relativeLuminance(_ hex: String) -> Double? {
        guard hex.count == 7, hex.first == "#", let value = UInt32(hex.dropFirst(), radix: 16) else { return nil }
        func channel(_ shift: UInt32) -> Double {
            let c = Double((value >> shift) & 0xFF) / 255
            return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }
}
