import Foundation

/// The OpenAPI 3.1 subset Metropole's description needs, as plain `Encodable` values
/// (decision 0035). Built by `APIDescription.document`, served at `GET /api/v1/openapi.json`.
struct OpenAPIDocument: Encodable, Sendable {
    var openapi = "3.1.0"
    var info: Info
    var servers: [Server]
    /// path template → lower-cased method → operation.
    var paths: [String: [String: Operation]]
    var components: Components

    struct Info: Encodable, Sendable {
        var title: String
        var version: String
        var description: String
    }

    struct Server: Encodable, Sendable {
        var url: String
    }

    struct Operation: Encodable, Sendable {
        var operationId: String
        var summary: String
        var tags: [String]
        var parameters: [Parameter]?
        var requestBody: RequestBody?
        var responses: [String: Response]
        /// `[]` for an open route; alternatives otherwise (each a scheme name → scopes).
        var security: [[String: [String]]]
    }

    struct Parameter: Encodable, Sendable {
        var name: String
        var `in`: String
        var required: Bool
        var schema: JSONSchema
        var description: String?
    }

    struct RequestBody: Encodable, Sendable {
        var required: Bool
        var content: [String: MediaType]
    }

    struct Response: Encodable, Sendable {
        var description: String
        var content: [String: MediaType]?
        var headers: [String: Header]?
    }

    struct Header: Encodable, Sendable {
        var schema: JSONSchema
    }

    struct MediaType: Encodable, Sendable {
        var schema: JSONSchema
    }

    struct Components: Encodable, Sendable {
        var schemas: [String: JSONSchema]
        var securitySchemes: [String: SecurityScheme]
    }

    struct SecurityScheme: Encodable, Sendable {
        var type: String
        var scheme: String?
        var `in`: String?
        var name: String?
        var description: String
    }
}

/// A JSON Schema (2020-12, as OpenAPI 3.1 uses it), built with the static helpers below.
struct JSONSchema: Encodable, Sendable {
    var ref: String?
    var types: [String]?
    var format: String?
    var properties: [String: JSONSchema]?
    var required: [String]?
    /// Zero or one element: the schema of an array's items (an array, because a struct cannot
    /// hold itself).
    var items: [JSONSchema]?
    var enumeration: [String]?
    var minimum: Int?
    var maximum: Int?
    var minLength: Int?
    var maxLength: Int?
    var pattern: String?
    var additionalProperties: Bool?
    var description: String?

    private enum CodingKeys: String, CodingKey {
        case ref = "$ref", type, format, properties, required, items, enumeration = "enum"
        case minimum, maximum, minLength, maxLength, pattern, additionalProperties, description
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(ref, forKey: .ref)
        if let types { types.count == 1 ? try container.encode(types[0], forKey: .type) : try container.encode(types, forKey: .type) }
        try container.encodeIfPresent(format, forKey: .format)
        try container.encodeIfPresent(properties, forKey: .properties)
        try container.encodeIfPresent(required, forKey: .required)
        try container.encodeIfPresent(items?.first, forKey: .items)
        try container.encodeIfPresent(enumeration, forKey: .enumeration)
        try container.encodeIfPresent(minimum, forKey: .minimum)
        try container.encodeIfPresent(maximum, forKey: .maximum)
        try container.encodeIfPresent(minLength, forKey: .minLength)
        try container.encodeIfPresent(maxLength, forKey: .maxLength)
        try container.encodeIfPresent(pattern, forKey: .pattern)
        try container.encodeIfPresent(additionalProperties, forKey: .additionalProperties)
        try container.encodeIfPresent(description, forKey: .description)
    }

    static let string = JSONSchema(types: ["string"])
    static let integer = JSONSchema(types: ["integer"])
    static let boolean = JSONSchema(types: ["boolean"])
    static let number = JSONSchema(types: ["number"])
    static let dateTime = JSONSchema(types: ["string"], format: "date-time")
    static let uuid = JSONSchema(types: ["string"], format: "uuid")

    static func ref(_ name: String) -> JSONSchema { JSONSchema(ref: "#/components/schemas/\(name)") }
    static func array(_ items: JSONSchema) -> JSONSchema { JSONSchema(types: ["array"], items: [items]) }
    static func strings(_ values: [String]) -> JSONSchema { JSONSchema(types: ["string"], enumeration: values) }
    static func integer(_ range: ClosedRange<Int>) -> JSONSchema { JSONSchema(types: ["integer"], minimum: range.lowerBound, maximum: range.upperBound) }
    static func string(length: ClosedRange<Int>, pattern: String? = nil) -> JSONSchema {
        JSONSchema(types: ["string"], minLength: length.lowerBound, maxLength: length.upperBound, pattern: pattern)
    }

    /// An object; `required` lists the keys always present (answers) or needed (bodies).
    static func object(_ properties: [String: JSONSchema], required: [String] = []) -> JSONSchema {
        JSONSchema(types: ["object"], properties: properties, required: required)
    }

    /// The same typed schema, or JSON `null` (not for references: none of ours is nullable).
    var orNull: JSONSchema {
        var copy = self
        copy.types = (types ?? []) + ["null"]
        return copy
    }
}
