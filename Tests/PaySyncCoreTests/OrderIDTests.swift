import PaySyncCore
import Testing

@Suite("Order ids")
struct OrderIDTests {
    /// Always answers `value`: makes the random half of an id known.
    struct Constant: RandomNumberGenerator {
        let value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test("an id is ord_, ten base-32 characters of its time in milliseconds, then ten random ones")
    func shape() {
        var zeros = Constant(value: 0)
        let id = OrderID.make(at: Timestamp(millisecondsSinceEpoch: 1_795_569_907_324), using: &zeros)
        #expect(id.rawValue == "ord_01m884wxkw0000000000")
        #expect(OrderID(rawValue: id.rawValue) == id)
    }

    @Test("ids made later sort after earlier ones, whatever their random half")
    func sortsByTime() {
        var high = Constant(value: .max)
        var low = Constant(value: 0)
        let earlier = OrderID.make(at: Timestamp(millisecondsSinceEpoch: 1_795_569_907_324), using: &high)
        let later = OrderID.make(at: Timestamp(millisecondsSinceEpoch: 1_795_569_907_325), using: &low)
        #expect(earlier.rawValue < later.rawValue)
    }
}
