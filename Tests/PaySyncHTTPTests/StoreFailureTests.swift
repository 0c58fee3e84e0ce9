import Foundation
import Logging
import PaySyncCore
import PaySyncEngine
import Synchronization
import Testing

/// What PaySync does while its database cannot be written: the SQLite file and its WAL made
/// immutable (`chattr +i`, which binds root too and already-open descriptors) while serving.
@Suite("Store failure")
struct StoreFailureTests {
    @Test("with the database unwritable, callbacks get 503 and no acknowledgement, the failure is logged once, and the first one after is applied")
    func unwritableDatabase() async throws {
        let log = RecordingLog()
        let api = try APIHarness(logger: log.logger)
        try await api.run { client in
            #expect(try await client.create(amount: "15.25", currency: "INR", provider: "payzapp").status == 201)
            try await api.sandbox.pay("payzapp", "A-1001")
            let callback = await api.sandbox.paymentCallback("payzapp", "A-1001")
            let files = [api.path, api.path + "-wal"]
            try Immutable.set(true, files)
            defer { Immutable.clear(files) }
            for _ in 0..<3 {
                let reply = try await client.deliver(callback, "payzapp")
                #expect(reply.status == 503)
                #expect(reply.error["code"] == "inbox_unavailable")
            }
            #expect(try await api.order("A-1001")?.status == .pending)
            #expect(log.entries() == ["error callbacks cannot be stored; answering 503 until the store recovers"])

            try Immutable.set(false, files)
            let reply = try await client.deliver(callback, "payzapp")
            #expect(reply.status == 200)
            #expect(reply.text == "OK")
            #expect(try await api.order("A-1001")?.status == .paid)
            #expect(
                log.entries() == [
                    "error callbacks cannot be stored; answering 503 until the store recovers", "notice callbacks are stored again",
                ])
        }
    }

    @Test("with the database unwritable, the reconciler logs the failure once, backs off, and logs its recovery")
    func reconcilerBacksOff() async throws {
        let log = RecordingLog()
        var policy = ReconcilerPolicy()
        policy.idleMilliseconds = 10
        policy.storeBackoffMilliseconds = [20]
        let api = try APIHarness(reconcilerPolicy: policy, logger: log.logger)
        try await api.run { client in
            _ = try await ReconcilerTests.insertUnsubmitted(api, "I-1")
            api.clock.advance(milliseconds: 5_000)
            let files = [api.path, api.path + "-wal"]
            try Immutable.set(true, files)
            defer { Immutable.clear(files) }
            let running = Task { try await client.reconciler.run() }
            defer { running.cancel() }
            try await Self.waitUntil { log.entries().count == 1 }
            // Ten backoffs later, still the one line of the streak.
            try await Task.sleep(for: .milliseconds(200))
            #expect(log.entries() == ["error reconciler failing; backing off"])
            #expect(try await ReconcilerTests.calls(api, "I-1") == [])

            try Immutable.set(false, files)
            try await Self.waitUntil { log.entries().count == 2 }
            #expect(log.entries() == ["error reconciler failing; backing off", "notice reconciler recovered"])
            try await Self.waitUntil { try await ReconcilerTests.calls(api, "I-1") == ["query_payment@5"] }
        }
    }

    /// Polls `condition` every 10 ms for up to 10 s (wall clock: the reconciler's loop runs on it).
    static func waitUntil(_ condition: () async throws -> Bool) async throws {
        for _ in 0..<1_000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the condition did not hold within 10 s")
    }
}

/// Sets and clears ext4's immutable flag (`FS_IMMUTABLE_FL`), as `chattr +i` does.
enum Immutable {
    static let getFlags: UInt = 0x8008_6601  // FS_IOC_GETFLAGS
    static let setFlags: UInt = 0x4008_6602  // FS_IOC_SETFLAGS
    static let immutable: Int32 = 0x10  // FS_IMMUTABLE_FL

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static func set(_ on: Bool, _ paths: [String]) throws {
        for path in paths {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw Failed(description: "open \(path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var flags: Int32 = 0
            guard ioctl(fd, getFlags, &flags) == 0 else { throw Failed(description: "FS_IOC_GETFLAGS \(path): \(String(cString: strerror(errno)))") }
            flags = on ? flags | immutable : flags & ~immutable
            guard ioctl(fd, setFlags, &flags) == 0 else { throw Failed(description: "FS_IOC_SETFLAGS \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Clears the flag after a test, recording a failure instead of throwing (the files must stay removable).
    static func clear(_ paths: [String]) {
        do { try set(false, paths) } catch { Issue.record("could not clear the immutable flag: \(error)") }
    }
}

/// A logger whose entries (`level message`) a test reads back.
final class RecordingLog: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "paysync.test") { _ in Handler(log: self) }
        logger.logLevel = .notice
        return logger
    }

    /// Entries at `notice` and above, oldest first.
    func entries() -> [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let log: RecordingLog
        var logLevel: Logger.Level = .notice
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.lines.withLock { $0.append("\(event.level.rawValue) \(event.message)") }
        }
    }
}
