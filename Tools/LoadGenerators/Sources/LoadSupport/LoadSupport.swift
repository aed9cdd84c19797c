/// LoadSupport holds what both load generators need: `--name value` options, output (JSON
/// event lines, messages, failing with a usage error), clocks, and a WebSocket client on NIO.
///
/// It imports SwiftNIO only: never Foundation or a product module, so a tool that uses it pays
/// for nothing it does not run.
