import Vapor

/// `/search?term=`: channels by name or title, live first.
enum SearchController {
    @Sendable static func show(request: Request) async throws -> Response {
        let term = ((try? request.query.get(String.self, at: "term")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let bounded = String(term.prefix(100))
        return try await request.application.guestPages.respond(to: request, searchTerm: bounded) { context in
            var results: [HomePageModel.Card] = []
            if !bounded.isEmpty {
                let rows = try await request.application.listings.channels(
                    for: request.currentUser?.id, filter: .init(term: bounded, limit: 50), on: request.db)
                results = rows.map { HomePageModel.Card($0, in: request.application) }
            }
            return SearchPageView.render(term: bounded, results: results, context: context)
        }
    }
}
