import Foundation
import MetropoleWeb
import NIOCore
import NIOPosix
import Vapor

// Swift tasks run on the NIO event loops that also serve the sockets, so an async handler or
// middleware answers on the loop its request arrived on instead of hopping to the cooperative
// pool and back (decision 0013). Blocking work already runs on thread pools (bcrypt, SQLite,
// MariaDB, files), never in a task.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

// Thin entry point: read the environment, then hand over to the application.
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains("-h") || arguments.first == "help" {
    print(CommandLineHelp.text)
    exit(0)
}

let configuration: AppConfiguration
do {
    configuration = try AppConfiguration.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("metropole: \(error.description)\n".utf8))
    exit(1)
}

var environment = try Environment.detect()
switch configuration.logFormat {
case .text:
    try LoggingSystem.bootstrap(from: &environment)
case .json:
    try LoggingSystem.bootstrap(from: &environment) { level in { label in JSONLogHandler(label: label, level: level) } }
}
let app = try await Application.make(environment)
do {
    var options = ConfigureOptions()
    // Only the server listens for publishers; `migrate` and `routes` just run and exit.
    options.startIngest = arguments.first.map { $0 == "serve" || $0.hasPrefix("-") } ?? true
    try await configure(app, configuration: configuration, options: options)
    try await app.execute()
} catch let error as AppConfiguration.Error {
    FileHandle.standardError.write(Data("metropole: \(error.description)\n".utf8))
    try? await app.asyncShutdown()
    exit(1)
} catch {
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
