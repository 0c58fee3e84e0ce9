import Configuration
import Foundation
import Synchronization
import SystemPackage

/// Reads PaySync's keys through swift-configuration and keeps every problem it finds — a value of
/// the wrong type, out of range, or a key nobody reads — so a file with three mistakes is refused
/// once, naming all three, instead of starting on defaults.
///
/// Type problems come from swift-configuration itself: an `AccessReporter` sees each read's
/// provider results, and a provider that holds the key but cannot convert it fails its result.
final class SettingsReader {
    private let reader: ConfigReader
    private let audit: Audit
    private let environment: [String: String]
    /// The configuration file's leaves by dotted key, and the folder relative paths in it name.
    private let file: (path: String, leaves: [String: Any])?
    private var problems: [String] = []

    /// The largest number any key takes: a billion seconds is 31 years, and no setting multiplied
    /// from it (milliseconds, hours) overflows.
    static let largest = 1_000_000_000

    /// Keys whose values are never printed.
    static let secretKeys: Set<String> = ["api.token", "metrics.token", "gateways.payzapp.secrets"]

    init(flags: [AbsoluteConfigKey: ConfigValue], environment: [String: String], file: String?) async throws {
        self.environment = environment
        audit = Audit()
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flags),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(["PAYSYNC_API_TOKEN", "PAYSYNC_METRICS_TOKEN"])).prefixKeys(with: "paysync"),
        ]
        if let file {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch { throw ConfigurationError("--config \(file): \(error.localizedDescription)") }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: data) } catch { throw ConfigurationError("--config \(file): not JSON (\(error.localizedDescription))") }
            guard let root = object as? [String: Any] else { throw ConfigurationError("--config \(file): the top level must be a JSON object") }
            self.file = (file, Self.leaves(of: root))
            providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(file)))
        } else {
            self.file = nil
        }
        reader = ConfigReader(providers: providers, accessReporter: audit)
    }

    // MARK: Typed reads; a bad value records a problem and yields the default.

    func string(_ key: String, default value: String) -> String { reader.string(forKey: ConfigKey(key), default: value) }

    func string(_ key: String, isSecret: Bool = false) -> String? { reader.string(forKey: ConfigKey(key), isSecret: isSecret) }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int> = 1...SettingsReader.largest) -> Int {
        let read = reader.int(forKey: ConfigKey(key), default: value)
        guard range.contains(read) else {
            refuse(key, "\(read) is not \(Self.describe(range))")
            return value
        }
        return read
    }

    func int(_ key: String, in range: ClosedRange<Int> = 1...SettingsReader.largest) -> Int? {
        guard let read = reader.int(forKey: ConfigKey(key)) else { return nil }
        guard range.contains(read) else {
            refuse(key, "\(read) is not \(Self.describe(range))")
            return nil
        }
        return read
    }

    func bool(_ key: String, default value: Bool) -> Bool { reader.bool(forKey: ConfigKey(key), default: value) }

    func bool(_ key: String) -> Bool? { reader.bool(forKey: ConfigKey(key)) }

    func stringArray(_ key: String, default value: [String]) -> [String] { reader.stringArray(forKey: ConfigKey(key), default: value) }

    func stringArray(_ key: String, isSecret: Bool = false) -> [String]? { reader.stringArray(forKey: ConfigKey(key), isSecret: isSecret) }

    /// A non-empty array of integers, each in `range`.
    func intArray(_ key: String, default value: [Int], in range: ClosedRange<Int> = 1...SettingsReader.largest) -> [Int] {
        let read = reader.intArray(forKey: ConfigKey(key), default: value)
        guard !read.isEmpty else {
            refuse(key, "[] is empty; give at least one value")
            return value
        }
        if let bad = read.first(where: { !range.contains($0) }) {
            refuse(key, "\(bad) is not \(Self.describe(range))")
            return value
        }
        return read
    }

    /// A file path; a relative one given in the configuration file names a file beside it.
    func path(_ key: String) -> String? { string(key).map { resolve($0, key: key) } }

    /// File paths, resolved like `path(_:)`.
    func paths(_ key: String) -> [String]? { stringArray(key).map { $0.map { resolve($0, key: key) } } }

    /// Records a value that cannot be used.
    func refuse(_ key: String, _ reason: String) { problems.append("\(key): \(reason)") }

    /// Every problem found, unknown keys of the file included; throws them all at once.
    /// - Returns: warnings: `PAYSYNC_*` environment variables that name no key (ignored).
    func finish() throws -> [String] {
        let seen = audit.seen
        var all = seen.typeProblems.map { describe($0) }
        all += problems
        if let file {
            for key in file.leaves.keys.sorted() where !seen.keys.contains(key) {
                all.append("\(key): not a PaySync key (\(file.path)); docs/configuration.md lists every key")
            }
        }
        guard all.isEmpty else { throw ConfigurationError(all.joined(separator: "\n")) }
        let names = Set(seen.keys.map(Self.environmentName))
        return environment.keys.filter { $0.hasPrefix("PAYSYNC_") && !names.contains($0) }.sorted()
            .map { "\($0): names no PaySync key; ignored" }
    }

    /// Every key read so far.
    var keysRead: Set<String> { audit.seen.keys }

    /// `PAYSYNC_` and the key in upper snake case, as `EnvironmentVariablesProvider` spells it.
    static func environmentName(_ key: String) -> String {
        var name = "PAYSYNC"
        for component in key.split(separator: ".") {
            name += "_"
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { name += "_" }
                name += character.uppercased()
                previous = character
            }
        }
        return name
    }

    private func resolve(_ path: String, key: String) -> String {
        guard let file, !path.hasPrefix("/"), audit.seen.sources[key]?.contains("FileProvider") == true else { return path }
        return URL(fileURLWithPath: file.path).deletingLastPathComponent().appendingPathComponent(path).path
    }

    private func describe(_ problem: Audit.TypeProblem) -> String {
        let expected: String
        switch problem.type {
        case .int: expected = "an integer"
        case .bool: expected = "true or false"
        case .string: expected = "a string"
        case .stringArray: expected = "an array of strings"
        case .intArray: expected = "an array of integers"
        default: expected = problem.type.rawValue
        }
        let secret = Self.secretKeys.contains(problem.key)
        if problem.provider.contains("FileProvider"), let file, let value = file.leaves[problem.key] {
            return "\(problem.key): \(secret ? "(secret)" : Self.json(value)) in \(file.path) is not \(expected)"
        }
        if problem.provider.contains("Environment") {
            let name = Self.environmentName(problem.key)
            let value = secret ? "(secret)" : environment[name].map { "\"\($0)\"" } ?? "?"
            return "\(problem.key): \(name)=\(value) is not \(expected)"
        }
        return "\(problem.key): the value from \(problem.provider) is not \(expected)"
    }

    private static func describe(_ range: ClosedRange<Int>) -> String { "between \(range.lowerBound) and \(range.upperBound)" }

    private static func json(_ value: Any) -> String {
        do {
            return String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]), as: UTF8.self)
        } catch {
            return "\(value)"  // Only a value JSONSerialization itself produced reaches here.
        }
    }

    /// The file's values by dotted key; objects nest, anything else (arrays too) is a leaf.
    private static func leaves(of object: [String: Any], prefix: String = "") -> [String: Any] {
        var leaves: [String: Any] = [:]
        for (name, value) in object {
            let key = prefix + name
            if let nested = value as? [String: Any] {
                leaves.merge(Self.leaves(of: nested, prefix: key + "."), uniquingKeysWith: { first, _ in first })
            } else if value is NSNull {
                continue  // `null` states no value, as swift-configuration reads it.
            } else {
                leaves[key] = value
            }
        }
        return leaves
    }

    /// What swift-configuration reports about each read.
    final class Audit: AccessReporter {
        struct TypeProblem: Sendable, Hashable {
            var key: String
            var provider: String
            var type: ConfigType
        }
        struct Seen: Sendable {
            var keys: Set<String> = []
            /// The provider that answered each key.
            var sources: [String: String] = [:]
            var typeProblems: [TypeProblem] = []
        }
        private let state = Mutex(Seen())

        var seen: Seen { state.withLock { $0 } }

        func report(_ event: AccessEvent) {
            let key = event.metadata.key.components.joined(separator: ".")
            state.withLock { seen in
                seen.keys.insert(key)
                if event.conversionError != nil {
                    let problem = TypeProblem(key: key, provider: "the configuration", type: event.metadata.valueType)
                    if !seen.typeProblems.contains(problem) { seen.typeProblems.append(problem) }
                }
                for result in event.providerResults {
                    switch result.result {
                    case .failure:
                        let problem = TypeProblem(key: key, provider: result.providerName, type: event.metadata.valueType)
                        if !seen.typeProblems.contains(problem) { seen.typeProblems.append(problem) }
                    case .success(let lookup):
                        if lookup.value != nil, seen.sources[key] == nil { seen.sources[key] = result.providerName }
                    }
                }
            }
        }
    }
}
