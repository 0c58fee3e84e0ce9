import Foundation
import PaySyncCore
import PaySyncPostgres
import PaySyncStore
import Testing

@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("the PostgreSQL driver is under test: scripts/test starts a server and sets PAYSYNC_TEST_POSTGRES_URL")
    func postgresIsUnderTest() {
        #expect(StoreDriver.postgresURL != nil, "run scripts/test, or set PAYSYNC_TEST_POSTGRES_URL to a server the tests may use")
    }
}

@Suite("PostgreSQL store: connecting")
struct PostgresConnectTests {
    @Test("a database url without a host is refused with the url named")
    func badURL() async throws {
        await #expect(throws: StoreError(.unavailable, "database url postgres:///paysync is not postgres://user@host[:port]/database")) {
            try await PostgresStore.connect(url: "postgres:///paysync")
        }
    }

    @Test("a schema name other than letters, digits and _ is refused before connecting")
    func badSchema() async throws {
        await #expect(throws: StoreError(.unavailable, "schema name a;drop must be letters, digits and _")) {
            try await PostgresStore.connect(url: "postgres://postgres@127.0.0.1:9/paysync?schema=a;drop")
        }
    }

    @Test("a server that cannot be reached fails the start within the startup timeout, naming the host")
    func unreachable() async throws {
        let started = ContinuousClock.now
        do {
            _ = try await PostgresStore.connect(url: "postgres://postgres@127.0.0.1:9/paysync", startupTimeout: .seconds(1))
            Issue.record("connected to a closed port")
        } catch let error as StoreError {
            #expect(error.code == .unavailable)
            #expect(error.message.hasPrefix("PostgreSQL at 127.0.0.1: "))
        }
        // Without the timeout postgres-nio retries forever. 1 s alone; 10.2 s was seen under the
        // full suite's load on 2 cores, so the bound leaves room for that.
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
