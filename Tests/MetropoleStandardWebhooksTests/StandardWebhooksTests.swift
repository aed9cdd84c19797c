import Foundation
import MetropoleStandardWebhooks
import Testing

@Suite struct StandardWebhooksTests {
    // The reference libraries' own test vector (standard-webhooks, libraries/*/tests).
    let secret = try! WebhookSecret(string: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp: Int64 = 1_614_265_330
    let body = Array(#"{"test": 2432232314}"#.utf8)
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    @Test func signsTheReferenceVector() {
        #expect(StandardWebhooks.signature(id: id, timestamp: timestamp, body: body, secret: secret) == expected)
    }

    @Test func verifiesUnderEitherHeaderFamily() throws {
        for family in ["webhook-", "svix-"] {
            let values = [family + "id": id, family + "timestamp": String(timestamp), family + "signature": expected]
            let headers = try WebhookHeaders { values[$0] }
            #expect(try StandardWebhooks.verify(headers, body: body, secret: secret, now: timestamp + 10) == timestamp)
        }
    }

    @Test func oneMatchingEntryAmongSeveralSuffices() throws {
        let headers = WebhookHeaders(id: id, timestamp: String(timestamp), signature: "v1a,abc v1,AAAA \(expected)")
        #expect(throws: Never.self) { try StandardWebhooks.verify(headers, body: body, secret: secret, now: timestamp) }
    }

    @Test func refusesTamperingAndTheWrongSecretAndStaleTimes() throws {
        let good = WebhookHeaders(id: id, timestamp: String(timestamp), signature: expected)
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try StandardWebhooks.verify(good, body: body + [0x20], secret: secret, now: timestamp)
        }
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try StandardWebhooks.verify(good, body: body, secret: .generate(), now: timestamp)
        }
        var otherID = good
        otherID.id = "msg_other"
        #expect(throws: WebhookVerificationError.noMatchingSignature) {
            try StandardWebhooks.verify(otherID, body: body, secret: secret, now: timestamp)
        }
        for now in [timestamp + 301, timestamp - 301] {
            #expect(throws: WebhookVerificationError.timestampOutOfTolerance) {
                try StandardWebhooks.verify(good, body: body, secret: secret, now: now)
            }
        }
    }

    @Test func refusesMalformedHeaders() throws {
        for stamp in ["", "-5", "1e9", "99999999999999999999", " 1614265330"] {
            let headers = WebhookHeaders(id: id, timestamp: stamp, signature: expected)
            #expect(throws: WebhookVerificationError.malformedTimestamp) {
                try StandardWebhooks.verify(headers, body: body, secret: secret, now: timestamp)
            }
        }
        let dotted = WebhookHeaders(id: "a.b", timestamp: String(timestamp), signature: expected)
        #expect(throws: WebhookVerificationError.malformedID) {
            try StandardWebhooks.verify(dotted, body: body, secret: secret, now: timestamp)
        }
        #expect(throws: WebhookVerificationError.missingHeader("webhook-id")) { try WebhookHeaders { _ in nil } }
        // A family is used whole: a Standard Webhooks id with only a svix signature is refused.
        let mixed = ["webhook-id": id, "webhook-timestamp": "1", "svix-signature": expected]
        #expect(throws: WebhookVerificationError.missingHeader("webhook-signature")) { try WebhookHeaders { mixed[$0] } }
    }

    @Test func secretsRoundTripAndAreChecked() throws {
        let fresh = WebhookSecret.generate()
        #expect(fresh.string.hasPrefix("whsec_"))
        #expect(try WebhookSecret(string: fresh.string) == fresh)
        for bad in ["whsec_", "whsec_!!!", "whsec_" + Data(count: 8).base64EncodedString()] {
            #expect(throws: WebhookVerificationError.malformedSecret) { try WebhookSecret(string: bad) }
        }
    }
}
