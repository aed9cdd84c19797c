import Foundation
import MetropoleStandardWebhooks

/// One of the operator's site-wide endpoints: it receives every creator's events it subscribes to.
struct SiteWebhook: Sendable, Equatable {
    var url: String
    var events: [WebhookEventType]
    var secret: String
}

/// `METROPOLE_SITE_WEBHOOKS_FILE`: a JSON list of `{"url", "events", "secret"}`, read at start.
/// A bad entry stops start-up with one line naming it.
enum SiteWebhooksFile {
    static let variable = "METROPOLE_SITE_WEBHOOKS_FILE"

    private struct Entry: Decodable {
        var url: String?
        var events: [String]?
        var secret: String?
    }

    static func load(path: String) throws(AppConfiguration.Error) -> [SiteWebhook] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AppConfiguration.Error(variable: variable, problem: "cannot read \(path)")
        }
        return try parse(data, path: path)
    }

    static func parse(_ data: Data, path: String) throws(AppConfiguration.Error) -> [SiteWebhook] {
        func fail(_ problem: String) -> AppConfiguration.Error { AppConfiguration.Error(variable: variable, problem: "\(path): \(problem)") }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw fail("not a JSON list of {\"url\", \"events\", \"secret\"} objects")
        }
        var hooks: [SiteWebhook] = []
        for (index, entry) in entries.enumerated() {
            let name = "entry \(index + 1)" + (entry.url.map { " (\($0))" } ?? "")
            guard let url = entry.url else { throw fail("\(name): url is missing") }
            // The operator's own endpoints; private addresses are still checked at delivery.
            if case .failure(let problem) = OutboundDestination.parse(url, allowPrivate: true) {
                throw fail("\(name): \(problem.description)")
            }
            guard let names = entry.events, !names.isEmpty else { throw fail("\(name): events is missing or empty (\(WebhookEventType.list))") }
            let events: [WebhookEventType]
            switch WebhookEventType.parse(names) {
            case .success(let parsed): events = parsed
            case .failure(let unknown): throw fail("\(name): \"\(unknown.name)\" is not an event (\(WebhookEventType.list))")
            }
            guard let secret = entry.secret, secret.hasPrefix(WebhookSecret.prefix), (try? WebhookSecret(string: secret)) != nil else {
                throw fail("\(name): secret must be whsec_ followed by base64 of 24–64 random bytes")
            }
            guard !hooks.contains(where: { $0.url == url }) else { throw fail("\(name): the same url is listed twice") }
            hooks.append(SiteWebhook(url: url, events: events, secret: secret))
        }
        return hooks
    }
}
