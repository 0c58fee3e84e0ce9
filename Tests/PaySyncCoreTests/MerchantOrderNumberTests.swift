import PaySyncCore
import Synchronization
import Testing

@Suite("Merchant order numbers")
struct MerchantOrderNumberTests {
    @Test("letters, digits, hyphens and underscores up to 64 characters are accepted", arguments: [
        "A", "A-1001", "order_2026-11-24", String(repeating: "x", count: 64),
    ])
    func accepts(_ text: String) throws {
        #expect(try MerchantOrderNumber(text).rawValue == text)
    }

    @Test("anything else is refused with a precise error", arguments: [
        ("", MerchantOrderNumberError.empty),
        (String(repeating: "x", count: 65), .tooLong(maximum: 64)),
        ("A 1", .invalidCharacter(" ")),
        ("a.b", .invalidCharacter(".")),
        ("订单1", .invalidCharacter("订")),
        ("x*y", .invalidCharacter("*")),
        ("é", .invalidCharacter("é")),
    ])
    func refuses(_ text: String, _ error: MerchantOrderNumberError) {
        #expect(throws: error) { try MerchantOrderNumber(text) }
    }

    @Test("generated numbers are the UTC timestamp, a node id and a sequence: 28 characters")
    func generatedShape() {
        var random = SystemRandomNumberGenerator()
        let generator = OrderNumberGenerator(using: &random)
        let number = generator.next(at: Timestamp(millisecondsSinceEpoch: 1_795_538_439_123))
        #expect(number.rawValue.count == 28)
        #expect(number.rawValue.hasPrefix("20261124164039123"))
    }

    @Test("10,000 numbers generated concurrently in one millisecond are all distinct")
    func concurrentUniqueness() async {
        var random = SystemRandomNumberGenerator()
        let generator = OrderNumberGenerator(using: &random)
        let now = Timestamp(millisecondsSinceEpoch: 1_795_538_439_123)
        let numbers = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<1_250).map { _ in generator.next(at: now).rawValue } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(numbers.count == 10_000)
        #expect(Set(numbers).count == 10_000)
    }
}
