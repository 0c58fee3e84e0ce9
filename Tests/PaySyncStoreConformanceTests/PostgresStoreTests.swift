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
