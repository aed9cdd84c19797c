import Foundation
import Testing
@testable import MetropoleWeb

@Suite struct WebSocketCloseCodeTests {
    /// The browser reads close codes by name from `Public/js/close-codes.js`: the same list.
    @Test func theBrowserKnowsEveryCodeByTheSameName() throws {
        let directory = AssetCatalog.locatePublicDirectory(workingDirectory: FileManager.default.currentDirectoryPath)
        let source = try String(contentsOfFile: directory + "/js/close-codes.js", encoding: .utf8)
        var browser: [String: UInt16] = [:]
        for line in source.split(separator: "\n") {
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: ","))) }
            if parts.count == 2, let code = UInt16(parts[1]), parts[0].allSatisfy({ $0.isUppercase || $0 == "_" }) {
                browser[parts[0]] = code
            }
        }
        let server = Dictionary(uniqueKeysWithValues: WebSocketCloseCode.allCases.map { ($0.name, $0.rawValue) })
        #expect(browser == server)
    }
}
