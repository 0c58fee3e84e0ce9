import Foundation

/// The OpenAPI 3.1 description of the HTTP API, `Resources/openapi.json`, written by hand (D54):
/// a test holds its operations equal to the router's routes, and schemathesis checks every
/// answer against it.
public enum OpenAPIDocument {
    /// The description's bytes, read once.
    public static func bytes() throws -> [UInt8] { try loaded.get() }

    private static let loaded: Result<[UInt8], any Error> = Result {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "openapi.json is missing from PaySyncHTTP's resources"])
        }
        return Array(try Data(contentsOf: url))
    }
}
