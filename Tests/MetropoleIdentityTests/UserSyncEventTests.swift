import Foundation
import Testing
@testable import MetropoleIdentity

@Suite struct UserSyncEventTests {
    /// A `user.created` as Clerk documents it (trimmed of fields Metropole does not read).
    static let clerkCreated = #"""
    {"type":"user.created","object":"event","timestamp":1654012591835,
     "data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","username":null,"first_name":"Example",
       "last_name":"Example","image_url":"https://img.clerk.com/xyz","has_image":true,
       "primary_email_address_id":"idn_2","email_addresses":[
         {"id":"idn_1","object":"email_address","email_address":"old@example.org","linked_to":[]},
         {"id":"idn_2","object":"email_address","email_address":"example@example.org","linked_to":[]}],
       "created_at":1654012591514,"updated_at":1654012591835},
     "event_attributes":{"http_request":{"client_ip":"0.0.0.0","user_agent":"x"}}}
    """#

    @Test func clerkUserCreated() throws {
        let event = try #require(try UserSyncEvent.decode(Array(Self.clerkCreated.utf8)))
        #expect(event.kind == .created)
        #expect(event.subject == "user_29w83sxmDNGwOuEthce5gg56FcC")
        #expect(event.changedAt == 1654012591835)
        #expect(event.profile == ExternalProfile(username: nil, firstName: "Example", lastName: "Example", displayName: "Example Example",
                                                 email: "example@example.org", imageURL: "https://img.clerk.com/xyz"))
    }

    @Test func deletedCarriesOnlyTheID() throws {
        let body = #"{"type":"user.deleted","data":{"id":"user_1","object":"user","deleted":true}}"#
        let event = try #require(try UserSyncEvent.decode(Array(body.utf8)))
        #expect(event == UserSyncEvent(kind: .deleted, subject: "user_1", profile: nil, changedAt: nil))
    }

    @Test func genericSenderFields() throws {
        let body = #"{"type":"user.updated","timestamp":"2026-01-02T03:04:05Z","data":{"id":"42","name":"Ada L.","email":"ada@x.org","avatar_url":"http://127.0.0.1/a.png"}}"#
        let event = try #require(try UserSyncEvent.decode(Array(body.utf8)))
        #expect(event.changedAt == 1767323045000)
        #expect(event.profile?.displayName == "Ada L.")
        #expect(event.profile?.email == "ada@x.org")
        #expect(event.profile?.imageURL == "http://127.0.0.1/a.png")
    }

    @Test func noPictureWhenClerkSaysThereIsNone() throws {
        let body = #"{"type":"user.updated","data":{"id":"u","image_url":"https://img.clerk.com/default","has_image":false,"updated_at":5}}"#
        #expect(try UserSyncEvent.decode(Array(body.utf8))?.profile?.imageURL == nil)
        let notHTTP = #"{"type":"user.updated","data":{"id":"u","image_url":"file:///etc/passwd"}}"#
        #expect(try UserSyncEvent.decode(Array(notHTTP.utf8))?.profile?.imageURL == nil)
    }

    @Test func otherEventTypesAreNotErrors() throws {
        #expect(try UserSyncEvent.decode(Array(#"{"type":"session.created","data":{}}"#.utf8)) == nil)
    }

    @Test(arguments: [
        ("not json", UserSyncEventError.notJSON),
        ("[1,2]", .notJSON),
        (#"{"data":{}}"#, .missingType),
        (#"{"type":"user.created"}"#, .notJSON),
        (#"{"type":"user.created","data":{}}"#, .missingSubject),
        (#"{"type":"user.created","data":{"id":""}}"#, .missingSubject),
        (#"{"type":"user.created","data":{"id":7}}"#, .badField("id")),
        (#"{"type":"user.created","data":{"id":"u","username":["x"]}}"#, .badField("username")),
        (#"{"type":"user.created","data":{"id":"u","updated_at":"yesterday"}}"#, .badField("updated_at")),
    ])
    func malformedBodies(body: String, error: UserSyncEventError) {
        #expect(throws: error) { try UserSyncEvent.decode(Array(body.utf8)) }
    }

    @Test func overlongFieldsAreRefused() {
        let body = #"{"type":"user.created","data":{"id":"\#(String(repeating: "a", count: 300))"}}"#
        #expect(throws: UserSyncEventError.badField("id")) { try UserSyncEvent.decode(Array(body.utf8)) }
    }
}

@Suite struct DerivedUsernameTests {
    static let reserved: Set<String> = ["admin", "signin"]

    @Test(arguments: [
        ("alice", "alice"),
        ("Émile Zola", "Emile_Zola"),
        ("jane.doe+tag", "jane_doe_tag"),
        ("__x__y__", "x_y"),
        ("日本語", ""),
        (String(repeating: "ab", count: 20), String(repeating: "ab", count: 12)),
    ])
    func sanitize(raw: String, expected: String) {
        #expect(DerivedUsername.sanitize(raw) == expected)
    }

    @Test func baseFallsBackFromUsernameToFirstNameToEmail() {
        #expect(DerivedUsername.base(for: ExternalProfile(username: "neo", firstName: "Thomas"), reserved: Self.reserved) == "neo")
        #expect(DerivedUsername.base(for: ExternalProfile(username: "日本", firstName: "Thomas"), reserved: Self.reserved) == "Thomas")
        #expect(DerivedUsername.base(for: ExternalProfile(email: "t.anderson@matrix.org"), reserved: Self.reserved) == "t_anderson")
        #expect(DerivedUsername.base(for: ExternalProfile(), reserved: Self.reserved) == "user")
        #expect(DerivedUsername.base(for: ExternalProfile(username: "jo"), reserved: Self.reserved) == "jo_user")
        #expect(DerivedUsername.base(for: ExternalProfile(username: "Admin"), reserved: Self.reserved) == "Admin_user")
    }

    @Test func candidatesAreDeterministicAndValid() {
        let first = DerivedUsername.candidates(base: "alice", seed: "webhook\nuser_1")
        #expect(first == DerivedUsername.candidates(base: "alice", seed: "webhook\nuser_1"))
        #expect(first[0] == "alice")
        #expect(first[1].hasPrefix("alice_") && first[1].count == 10)
        #expect(first[1] != DerivedUsername.candidates(base: "alice", seed: "webhook\nuser_2")[1])
        let long = DerivedUsername.candidates(base: String(repeating: "x", count: 24), seed: "s")
        #expect(long.allSatisfy { DerivedUsername.lengths.contains($0.count) })
        #expect(Set(long).count == long.count)
    }
}
