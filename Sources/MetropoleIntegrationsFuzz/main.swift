// libFuzzer entry point over what integrations send us. The input is split at its first two
// newlines into the signature header, the timestamp header and the body; verification must
// refuse (or, by chance, accept) without trapping. Build and run with scripts/fuzz.
import MetropoleStandardWebhooks

private let secret = try! WebhookSecret(string: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")

@_cdecl("LLVMFuzzerTestOneInput") public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let parts = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
    let text = { (index: Int) in index < parts.count ? String(decoding: parts[index], as: UTF8.self) : "" }
    let headers = try? WebhookHeaders { name in
        switch name {
        case "webhook-id", "svix-id": "msg_fuzz"
        case "webhook-signature", "svix-signature": text(0)
        case "webhook-timestamp", "svix-timestamp": text(1)
        default: nil
        }
    }
    if let headers {
        _ = try? StandardWebhooks.verify(headers, body: parts.count > 2 ? Array(parts[2]) : [], secret: secret,
                                         now: Int64(text(1)) ?? 0)
    }
    _ = try? WebhookSecret(string: text(0))
    return 0
}
