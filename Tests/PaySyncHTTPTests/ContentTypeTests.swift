import PaySyncEngine
import Testing

@Suite("Content types")
struct ContentTypeTests {
    @Test("application/json in any case, with parameters or surrounding blanks, is JSON", arguments: [
        "application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ", "application/json;", "\tapplication/json\t;x=y",
    ])
    func json(_ value: String) {
        #expect(isJSONContentType(value))
    }

    @Test("anything else is not", arguments: [
        "", "application/jsonx", "application/json5", "application/ json", "text/json", "application/x-www-form-urlencoded", "json", "application/js on",
    ])
    func notJSON(_ value: String) {
        #expect(!isJSONContentType(value))
    }

    @Test("no Content-Type is not JSON")
    func missing() {
        #expect(!isJSONContentType(nil))
    }
}
