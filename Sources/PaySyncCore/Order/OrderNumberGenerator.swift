import Synchronization

/// Generates merchant order numbers as the gateways recommend: UTC timestamp + random sequence.
///
/// Format: `yyyyMMddHHmmssSSS` + a 4-character random node id chosen once per generator + a
/// 7-character base-36 counter, 28 characters in all (within CodePay's and PayZApp's 32). The
/// counter never repeats within a generator, so numbers from one process cannot collide however
/// many tasks call `next(at:)` at once; the node id separates instances, and the store's
/// uniqueness constraint is the last word.
public final class OrderNumberGenerator: Sendable {
    private let node: String
    private let counter: Mutex<UInt64>

    /// - Parameter random: picks the node id and the counter's starting point.
    public init(using random: inout some RandomNumberGenerator) {
        node = String((0..<4).map { _ in Self.alphabet[Int(random.next(upperBound: UInt64(36)))] })
        counter = Mutex(random.next(upperBound: Self.counterSpan))
    }

    /// The next number, stamped with `now`.
    public func next(at now: Timestamp) -> MerchantOrderNumber {
        let value = counter.withLock { value -> UInt64 in
            value = (value + 1) % Self.counterSpan
            return value
        }
        var digits = [Character](repeating: "0", count: 7)
        var rest = value
        for index in stride(from: 6, through: 0, by: -1) {
            digits[index] = Self.alphabet[Int(rest % 36)]
            rest /= 36
        }
        // Only allowed characters are produced, so this cannot fail.
        return try! MerchantOrderNumber(now.compactDigits + node + String(digits))
    }

    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    private static let counterSpan: UInt64 = 78_364_164_096  // 36^7
}
