import Foundation
import Logging

/// `log.format = json`: one JSON object per line, for log shippers — `time` (RFC 3339 UTC with
/// milliseconds), `level`, `label`, `message`, then the metadata's keys (a `paysync.` key keeps
/// its name); keys sorted, so equal entries print equal lines.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void
    let now: @Sendable () -> Date

    /// - Parameter write: where a line goes (standard error by default); `now`, the time of an entry.
    public init(
        label: String, metadataProvider: Logger.MetadataProvider? = nil, now: @escaping @Sendable () -> Date = Date.init,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.now = now
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var object: [String: Any] = merged.mapValues(Self.json)
        object["time"] = Self.format(now())
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = event.message.description
        if let error = event.error { object["error"] = "\(error)" }
        // Strings, arrays and dictionaries of them are always valid JSON.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}
