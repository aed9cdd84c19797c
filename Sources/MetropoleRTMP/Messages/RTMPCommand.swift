import NIOCore

/// A command message (type 20, or 17 with its AMF3 prefix): a name, a transaction id, a
/// command object and arguments, all AMF0.
struct RTMPCommand: Equatable, Sendable {
    var name: String
    var transactionID: Double
    var commandObject: AMF0Value
    var arguments: [AMF0Value]

    init(name: String, transactionID: Double, commandObject: AMF0Value = .null, arguments: [AMF0Value] = []) {
        self.name = name
        self.transactionID = transactionID
        self.commandObject = commandObject
        self.arguments = arguments
    }

    /// Parses the payload of a command message; throws when it does not start with a name
    /// and a transaction id.
    init(parsing message: RTMPMessage) throws(AMF0Error) {
        var values = try Self.amf0Values(of: message)
        guard values.count >= 2, let name = values[0].stringValue, let transactionID = values[1].numberValue else {
            throw .truncated
        }
        self.name = name
        self.transactionID = transactionID
        self.commandObject = values.count > 2 ? values[2] : .null
        values.removeFirst(min(3, values.count))
        self.arguments = values
    }

    /// The AMF0 values of a command or data message; AMF3 variants start with one 0 byte
    /// after which publishers write AMF0.
    static func amf0Values(of message: RTMPMessage) throws(AMF0Error) -> [AMF0Value] {
        var payload = message.payload
        if message.type == .commandAMF3 || message.type == .dataAMF3, payload.getInteger(at: payload.readerIndex, as: UInt8.self) == 0 {
            payload.moveReaderIndex(forwardBy: 1)
        }
        return try payload.readAMF0Values()
    }

    func message(streamID: UInt32 = 0) -> RTMPMessage {
        var payload = ByteBuffer()
        payload.writeAMF0Value(.string(name))
        payload.writeAMF0Value(.number(transactionID))
        payload.writeAMF0Value(commandObject)
        for argument in arguments {
            payload.writeAMF0Value(argument)
        }
        return RTMPMessage(type: .commandAMF0, streamID: streamID, payload: payload)
    }
}

/// NetConnection and NetStream status replies.
extension RTMPCommand {
    static func result(transactionID: Double, _ commandObject: AMF0Value = .null, _ arguments: AMF0Value...) -> RTMPCommand {
        RTMPCommand(name: "_result", transactionID: transactionID, commandObject: commandObject, arguments: arguments)
    }

    static func error(transactionID: Double, code: String, description: String) -> RTMPCommand {
        RTMPCommand(name: "_error", transactionID: transactionID, arguments: [status(level: "error", code: code, description: description)])
    }

    static func onStatus(level: String = "status", code: String, description: String) -> RTMPCommand {
        RTMPCommand(name: "onStatus", transactionID: 0, arguments: [status(level: level, code: code, description: description)])
    }

    static func status(level: String, code: String, description: String) -> AMF0Value {
        .object([
            AMF0Property("level", .string(level)),
            AMF0Property("code", .string(code)),
            AMF0Property("description", .string(description)),
        ])
    }
}
