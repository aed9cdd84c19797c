import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct OpenAPITests {
    /// The drift check: every route the router has under /api/ is described, and every
    /// described route is registered.
    @Test func documentNamesExactlyTheRegisteredAPIRoutes() async throws {
        try await withTestApp { app in
            // setup
            let registered = Set(app.routes.all.compactMap { route -> String? in
                guard route.path.first?.description == "api" else { return nil }
                let path = route.path.map { $0.description.hasPrefix(":") ? "{\($0.description.dropFirst())}" : $0.description }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            })
            // act
            let described = Set(APIDescription.routes.map { "\($0.method.rawValue) \($0.pathTemplate)" })
            // check
            #expect(registered.subtracting(described).isEmpty, "registered but not in APIDescription.routes: \(registered.subtracting(described).sorted())")
            #expect(described.subtracting(registered).isEmpty, "described but not registered: \(described.subtracting(registered).sorted())")
            #expect(APIDescription.routes.count == described.count, "a route is described twice")
        }
    }

    @Test func operationIDsAreUniqueAndReferencesResolve() throws {
        let ids = APIDescription.routes.map(\.operationID)
        #expect(Set(ids).count == ids.count)
        let data = try JSONEncoder().encode(APIDescription.document(publicURL: "http://127.0.0.1:8080"))
        let text = String(decoding: data, as: UTF8.self)
        let referenced = Set(text.matches(of: /#\/components\/schemas\/([A-Za-z]+)/).map { String($0.output.1) })
        #expect(referenced.subtracting(APIDescription.schemas.keys).isEmpty, "\(referenced.subtracting(APIDescription.schemas.keys))")
    }

    @Test func documentIsServedAsOpenAPI31() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "api/v1/openapi.json") { response in
                #expect(response.status == .ok)
                #expect(response.headers.contentType?.subType == "json")
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(document?["openapi"] as? String == "3.1.0")
                let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
                #expect(paths["/api/v1/whip"]?["post"] != nil)
                #expect(paths["/api/v1/whip/{session}"]?["delete"] != nil)
                #expect(paths["/api/v1/providers/{provider}/hooks/{hook}"]?["post"] != nil)
                let components = document?["components"] as? [String: Any]
                let schemes = components?["securitySchemes"] as? [String: Any]
                #expect(schemes?["bearer"] != nil && schemes?["cookie"] != nil)
                // Every operation documents at least one answer, and every error is the contract's shape.
                for (path, operations) in paths {
                    for (method, operation) in operations {
                        let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                        #expect(!responses.isEmpty, "\(method) \(path)")
                    }
                }
            }
        }
    }

    @Test func whipWhenDisabledIsAClientError() async throws {
        // The test app runs with METROPOLE_WEBRTC_UDP_PORT=0.
        try await withTestApp { app in
            var headers = HTTPHeaders()
            headers.contentType = WHIPController.sdp
            headers.bearerAuthorization = .init(token: "x")
            try await app.testing().test(.POST, "api/v1/whip", headers: headers, body: ByteBuffer(string: "v=0\r\n")) { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "whip_disabled")
            }
        }
    }
}
