import Vapor

/// What every page needs to know about the request that is not the page's own model.
struct PageContext: Sendable {
    var username: String?
    var csrfToken: String
    var assets: AssetCatalog
    var searchTerm: String?

    init(request: Request, searchTerm: String? = nil) {
        self.username = request.currentUser?.username
        self.csrfToken = request.csrfToken
        self.assets = request.application.assets
        self.searchTerm = searchTerm
    }
}
