@testable import PaySyncSQLite
import Testing

/// How the SQLite driver stores a callback's headers (PostgreSQL encodes them with `JSONEncoder`).
@Suite("Stored callback headers (SQLite)")
struct StoredHeadersTests {
    @Test("headers are stored as a JSON object with sorted keys")
    func sortedObject() {
        #expect(SQLiteStore.storedHeaders(["x-b": "2", "content-type": "application/json", "x-a": "1"])
            == #"{"content-type":"application/json","x-a":"1","x-b":"2"}"#)
        #expect(SQLiteStore.storedHeaders([:]) == "{}")
    }

    @Test("quotes, backslashes, control characters and non-ASCII text are escaped and read back unchanged")
    func escapedRoundTrip() throws {
        let headers = ["x-quote": #"say "hi" \ bye"#, "x-control": "a\u{1}b\tc\nd\r", "x-unicode": "caf\u{E9} \u{1F4B3}", "x-empty": ""]
        let stored = SQLiteStore.storedHeaders(headers)
        #expect(stored.contains(#""x-control":"a\u0001b\tc\nd\r""#))
        #expect(stored.contains(#""x-quote":"say \"hi\" \\ bye""#))
        #expect(try SQLiteStore.headers(stored: stored) == headers)
    }
}
