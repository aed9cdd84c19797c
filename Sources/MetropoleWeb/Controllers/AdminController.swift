import Vapor

/// `/admin` and its forms: the page side of `/api/v1/admin/…`, with the same role check.
enum AdminController {
    struct SuspendForm: Content {
        var reason: String
    }

    @Sendable static func show(request: Request) async throws -> Response {
        guard request.currentUser != nil else {
            return request.redirect(to: SiteURL.signIn.path + "?returnTo=" + SiteURL.admin(search: nil).path)
        }
        _ = try Administration.requireAdmin(request)
        return try await page(request, notice: nil, status: .ok)
    }

    @Sendable static func endStream(request: Request) async throws -> Response {
        let admin = try Administration.requireAdmin(request)
        return try await perform(request) {
            try await Administration.endStream(of: request.parameters.get("username") ?? "", by: admin, in: request.application)
        }
    }

    @Sendable static func suspend(request: Request) async throws -> Response {
        let admin = try Administration.requireAdmin(request)
        let form = try request.content.decode(SuspendForm.self)
        return try await perform(request) {
            _ = try await Administration.suspend(request.parameters.get("username") ?? "", reason: form.reason, by: admin,
                                                 in: request.application)
        }
    }

    @Sendable static func unsuspend(request: Request) async throws -> Response {
        let admin = try Administration.requireAdmin(request)
        return try await perform(request) {
            _ = try await Administration.unsuspend(request.parameters.get("username") ?? "", by: admin, in: request.application)
        }
    }

    private static func perform(_ request: Request, _ action: () async throws -> Void) async throws -> Response {
        do {
            try await action()
        } catch let error as APIError {
            return try await page(request, notice: error.message, status: error.status)
        }
        return request.redirect(to: SiteURL.admin(search: nil).path, redirectType: .normal)
    }

    private static func page(_ request: Request, notice: String?, status: HTTPResponseStatus) async throws -> Response {
        let model = try await AdminPageModel.load(request, notice: notice)
        let response = try await AdminPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
        response.status = status
        return response
    }
}
