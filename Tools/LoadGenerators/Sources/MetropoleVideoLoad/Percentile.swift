extension Array where Element: Comparable {
    /// Nearest-rank percentile of an unsorted array (`fraction` in 0...1).
    func percentile(_ fraction: Double) -> Element? {
        guard !isEmpty else { return nil }
        let sorted = self.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank))]
    }
}
