import Crypto
import Foundation

/// Fingerprints the files under `Public/` at start-up so pages link `app.css?v=<hash>`, which
/// may then be cached for a year: a changed file gets a new URL.
struct AssetCatalog: Sendable {
    let directory: String
    private let versions: [String: String]

    init(directory: String) {
        self.directory = directory
        var versions: [String: String] = [:]
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let file as URL in walker {
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                      let data = try? Data(contentsOf: file)
                else { continue }
                let relative = String(file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count))
                let digest = SHA256.hash(data: data).prefix(6).map { String(format: "%02x", $0) }.joined()
                versions[relative.hasPrefix("/") ? relative : "/" + relative] = digest
            }
        }
        self.versions = versions
    }

    /// Whether `path` (as in a URL, `/css/app.css`) names a file under `Public/`.
    func contains(_ path: String) -> Bool {
        versions[path] != nil
    }

    /// `/css/app.css` → `/css/app.css?v=1a2b3c4d5e6f`.
    func url(_ path: String) -> String {
        guard let version = versions[path] else { return path }
        return "\(path)?v=\(version)"
    }

    /// Finds `Public/` from the working directory, falling back to the source checkout so the
    /// built binary also works when started from elsewhere during development.
    static func locatePublicDirectory(workingDirectory: String) -> String {
        let candidates = [
            URL(fileURLWithPath: workingDirectory).appendingPathComponent("Public").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Public").path,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
