import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Follows providers that have no hook for everything: polls their API once per their
/// interval, and takes offline the streams a provider stopped reporting (`ExternalStreams.sweep`).
final class ProviderWatch: Sendable {
    static let tick: Duration = .seconds(2)

    private let lastPoll = NIOLockedValueBox([String: Date]())
    private let providers: Providers
    private let streams: ExternalStreams
    private let client: any Client
    private let logger: Logger

    init(providers: Providers, streams: ExternalStreams, client: any Client, logger: Logger) {
        self.providers = providers
        self.streams = streams
        self.client = client
        self.logger = logger
    }

    func run(now: Date = Date()) async {
        for provider in providers.all where !(provider is BuiltinProvider) {
            let due = lastPoll.withLockedValue { polls in
                guard now.timeIntervalSince(polls[provider.id] ?? .distantPast) >= provider.definition.interval else { return false }
                polls[provider.id] = now
                return true
            }
            guard due else { continue }
            do {
                if let live = try await provider.poll(client: client) {
                    await streams.reconcile(provider: provider.id, live: live, now: now)
                }
            } catch {
                // Its streams go offline by the sweep if this goes on.
                logger.warning("could not poll provider", metadata: ["provider": "\(provider.id)", "error": "\(error)"])
            }
        }
        await streams.sweep(providers: providers, now: now)
    }
}
