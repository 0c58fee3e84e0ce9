import PaySyncCore
import PaySyncStore
import Testing

@Suite("Store conformance: console operators and sessions")
struct ConsoleConformanceTests {
    static func at(_ seconds: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: Fixture.t0.millisecondsSinceEpoch + seconds * 1_000) }

    @Test("an operator reads back by name; names are unique; the list is by name", arguments: StoreDriver.all)
    func operators(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        let zoe = ConsoleOperator(name: "zoe", role: .viewer, passwordHash: "$2b$04$zoe", createdAt: Fixture.t0)
        let ana = ConsoleOperator(name: "ana", role: .operator, passwordHash: "$2b$04$ana", createdAt: Self.at(1))
        try await store.insertOperator(zoe)
        try await store.insertOperator(ana)
        #expect(try await store.consoleOperator(name: "ana") == ana)
        #expect(try await store.consoleOperator(name: "bob") == nil)
        await #expect(throws: StoreError(.duplicateOperator, "an operator named zoe already exists")) {
            try await store.insertOperator(ConsoleOperator(name: "zoe", role: .operator, passwordHash: "$2b$04$other", createdAt: Fixture.t0))
        }
        #expect(try await store.consoleOperators() == [ana, zoe])
        try await store.close()
    }

    @Test("a session reads back until it expires; a write without expiry keeps it; removing it ends it", arguments: StoreDriver.all)
    func sessions(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.putSession(key: "k1", data: [1, 2, 3], expiresAt: Self.at(60), now: Fixture.t0)
        #expect(try await store.session(key: "k1", now: Self.at(59)) == StoredSession(data: [1, 2, 3], expiresAt: Self.at(60)))
        #expect(try await store.session(key: "k1", now: Self.at(60)) == nil)
        try await store.putSession(key: "k1", data: [4], expiresAt: nil, now: Self.at(10))
        #expect(try await store.session(key: "k1", now: Self.at(10)) == StoredSession(data: [4], expiresAt: Self.at(60)))
        try await store.removeSession(key: "k1")
        #expect(try await store.session(key: "k1", now: Self.at(10)) == nil)
        try await store.removeSession(key: "k1")
        try await store.close()
    }

    @Test("writing a session deletes the sessions expired by then", arguments: StoreDriver.all)
    func expiredSessionsDeleted(_ driver: StoreDriver) async throws {
        let store = try await driver.open()
        try await store.putSession(key: "old", data: [1], expiresAt: Self.at(60), now: Fixture.t0)
        try await store.putSession(key: "new", data: [2], expiresAt: Self.at(600), now: Self.at(61))
        // Read as of before the expiry: a row still present would answer.
        #expect(try await store.session(key: "old", now: Fixture.t0) == nil)
        #expect(try await store.session(key: "new", now: Fixture.t0) == StoredSession(data: [2], expiresAt: Self.at(600)))
        try await store.close()
    }
}
